"""ACLs with real clients, against the chronik binary with Kafka's authorizer configured or,
with --kafka, against Apache Kafka (single-node KRaft, tests/captures/kafka-broker.sh) so that
the answers the checks expect are Kafka's: confluent-kafka's AdminClient creates, lists and
deletes ACLs; a producer denied WRITE gets TOPIC_AUTHORIZATION_FAILED; a topic denied DESCRIBE
is left out of the topic list; topic and group administration, topic creation, transactional
ids and SCRAM users need their operations; ACLs survive kill -9; an authorizer class the
broker does not have stops the start-up.

Both brokers run the same settings: the checks' clients come as User:alice through SASL/PLAIN
(a SASL_PLAINTEXT listener), the PLAINTEXT listener is a super user's (User:ANONYMOUS). Kafka's
controller and broker talk to each other over PLAINTEXT as User:ANONYMOUS; once an ACL names
the cluster, allow.everyone.if.no.acl.found no longer covers their CLUSTER_ACTION. So, as a
Kafka operator would, that principal is a super user and the checks' ACLs name another one.

usage: test_acls.py <path to chronik> [unittest options]
       test_acls.py --kafka [unittest options]    (env KAFKA_VERSION, default 3.9.1)
"""
import os
import signal
import socket
import struct
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from target_broker import CHRONIK, KAFKA, start  # noqa: E402  (reads the command line)
import kafka_broker  # noqa: E402

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import (AclBinding, AclBindingFilter, AclOperation, AclPermissionType,  # noqa: E402
                                   AdminClient, ConfigResource, NewPartitions, NewTopic, ResourcePatternType,
                                   ResourceType)
from kafka.admin import KafkaAdminClient  # noqa: E402
from kafka.errors import ClusterAuthorizationFailedError  # noqa: E402

TOPIC_AUTHORIZATION_FAILED = 29
AUTHORIZER = "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer"
USER, PASSWORD = "alice", "alice-secret"
PRINCIPAL = f"User:{USER}"
JAAS = f'org.apache.kafka.common.security.plain.PlainLoginModule required user_{USER}="{PASSWORD}";'
SETTINGS = (AUTHORIZER, "allow.everyone.if.no.acl.found=true", "super.users=User:ANONYMOUS",
            "sasl.enabled.mechanisms=PLAIN", f"listener.name.sasl_plaintext.plain.sasl.jaas.config={JAAS}")


def start_broker():
    return start(*SETTINGS, extra_listeners=["SASL_PLAINTEXT"], name="pyacls")


def client(broker, **more):
    """A confluent-kafka configuration of alice's."""
    return {"bootstrap.servers": f"127.0.0.1:{broker.ports['SASL_PLAINTEXT']}", "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": "PLAIN", "sasl.username": USER, "sasl.password": PASSWORD, **more}


def acl(topic, op, permission):
    return AclBinding(ResourceType.TOPIC, topic, ResourcePatternType.LITERAL, PRINCIPAL, "*", op, permission)


def cluster(op, permission):
    return AclBinding(ResourceType.BROKER,  # Kafka's CLUSTER (code 4)
                      "kafka-cluster", ResourcePatternType.LITERAL, PRINCIPAL, "*", op, permission)


def exact(binding):
    return AclBindingFilter(binding.restype, binding.name, binding.resource_pattern_type, binding.principal,
                            binding.host, binding.operation, binding.permission_type)


def produce_one(config, topic):
    """The error code of one message's delivery (None when delivered)."""
    errors = []
    p = Producer(dict(config, **{"message.timeout.ms": 10000, "retries": 0}))
    p.produce(topic, value=b"v", on_delivery=lambda e, m: errors.append(e))
    p.flush(15)
    assert errors, "no delivery report"
    return errors[0].code() if errors[0] else None


def offset_for_leader_epoch(port, topic):
    """OffsetForLeaderEpoch v3 of `topic` partition 0 at leader epoch 0, in raw frames as alice
    (SaslHandshake v1 and SaslAuthenticate v0 with PLAIN first): (error, leader epoch, end
    offset). No client library sends it on demand: consumers send it after a leader change."""
    def string(text):
        return struct.pack(">h", len(text)) + text.encode()

    with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
        def recv(n):
            data = b""
            while len(data) < n:
                chunk = s.recv(n - len(data))
                if not chunk:
                    raise ConnectionError("the broker closed the connection")
                data += chunk
            return data

        def call(api_key, version, body, correlation):
            frame = struct.pack(">hhi", api_key, version, correlation) + string("test-acls") + body
            s.sendall(struct.pack(">i", len(frame)) + frame)
            answer = recv(struct.unpack(">i", recv(4))[0])
            assert struct.unpack(">i", answer[:4])[0] == correlation
            return answer[4:]

        assert struct.unpack(">h", call(17, 1, string("PLAIN"), 1)[:2])[0] == 0
        token = b"\0" + USER.encode() + b"\0" + PASSWORD.encode()
        assert struct.unpack(">h", call(36, 0, struct.pack(">i", len(token)) + token, 2)[:2])[0] == 0
        body = struct.pack(">ii", -1, 1) + string(topic) + struct.pack(">iiii", 1, 0, -1, 0)
        answer = call(23, 3, body, 3)
        # throttle_time_ms, 1 topic (name), 1 partition: error, partition, leader epoch, end offset
        name_length = struct.unpack(">h", answer[8:10])[0]
        error, _, epoch, end = struct.unpack(">hiiq", answer[10 + name_length + 4:10 + name_length + 4 + 18])
        return error, epoch, end


class Acls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = start_broker()
        cls.connect()
        for f in cls.admin.create_topics([NewTopic(t, 1, 1) for t in ("acl-open", "acl-denied", "acl-hidden")]).values():
            f.result(30)

    @classmethod
    def connect(cls):
        cls.config = client(cls.broker)
        cls.admin = AdminClient(cls.config)
        # The super user, to see when an ACL change has reached the authorizer (below).
        cls.operator = AdminClient({"bootstrap.servers": cls.broker.bootstrap})

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()

    def settle(self, bindings, present):
        """Kafka answers CreateAcls and DeleteAcls once its controller has committed the
        change; the broker's authorizer applies it a moment later. Waits until the broker
        lists the bindings (present) or none of them, asking as the super user, whom an ACL
        denying alice DESCRIBE on the cluster does not stop."""
        deadline = time.time() + 15
        while True:
            listed = [b in self.operator.describe_acls(exact(b)).result(30) for b in bindings]
            if all(listed) if present else not any(listed):
                return
            self.assertLess(time.time(), deadline, f"ACLs not {'listed' if present else 'gone'}: {bindings}")
            time.sleep(0.05)

    def create_acls(self, bindings, admin=None):
        for f in (self.admin if admin is None else admin).create_acls(bindings).values():
            f.result(30)
        self.settle(bindings, True)

    def delete_acls(self, bindings, admin=None):
        """Deletes exactly these bindings; what each filter deleted."""
        deleted = [f.result(30) for f in (self.admin if admin is None else admin).delete_acls([exact(b) for b in bindings]).values()]
        self.settle(bindings, False)
        return deleted

    def deny(self, bindings, admin=None):
        """Creates the ACLs (as alice, or through `admin`); the test's cleanup deletes them."""
        self.create_acls(bindings, admin)
        self.addCleanup(lambda: self.delete_acls(bindings, admin))

    def wait_listed(self, topic, listed):
        """Kafka's broker learns of a created or deleted topic a moment after its controller
        has answered: waits until the topic is listed (or not); the topics listed then."""
        deadline = time.time() + 15
        while (topic in (topics := self.admin.list_topics(timeout=30).topics)) != listed:
            self.assertLess(time.time(), deadline, f"{topic} is {'not ' if listed else ''}listed")
            time.sleep(0.05)
        return topics

    def error_code(self, future):
        with self.assertRaises(KafkaException) as caught:
            future.result(30)
        return caught.exception.args[0].code()

    def test_denied_write_is_topic_authorization_failed(self):
        binding = acl("acl-denied", AclOperation.WRITE, AclPermissionType.DENY)
        self.create_acls([binding])
        listed = self.admin.describe_acls(AclBindingFilter(ResourceType.TOPIC, "acl-denied", ResourcePatternType.ANY,
                                                           None, None, AclOperation.ANY,
                                                           AclPermissionType.ANY)).result(30)
        self.assertEqual([binding], listed)
        self.assertEqual(KafkaError.TOPIC_AUTHORIZATION_FAILED, produce_one(self.config, "acl-denied"))
        self.assertIsNone(produce_one(self.config, "acl-open"))
        # Deleting the ACL opens the topic again (no ACL left: allow.everyone.if.no.acl.found).
        self.assertEqual([[binding]], self.delete_acls([binding]))
        self.assertIsNone(produce_one(self.config, "acl-denied"))

    def test_topic_denied_describe_is_not_listed(self):
        self.create_acls([acl("acl-hidden", AclOperation.DESCRIBE, AclPermissionType.DENY)])
        topics = self.admin.list_topics(timeout=15).topics
        self.assertNotIn("acl-hidden", topics)
        self.assertIn("acl-open", topics)

    def test_offset_for_leader_epoch_needs_describe_on_the_topic(self):
        port = self.broker.ports["SASL_PLAINTEXT"]
        produce_one(self.config, "acl-open")
        self.assertEqual(offset_for_leader_epoch(port, "acl-open")[:2], (0, 0))
        # CLUSTER_ACTION (a replica's) would cover every topic: alice is denied it first. An ACL
        # naming the cluster leaves alice without ALTER there too, so the super user manages
        # this test's ACLs.
        self.deny([cluster(AclOperation.CLUSTER_ACTION, AclPermissionType.DENY)], self.operator)
        self.assertEqual(offset_for_leader_epoch(port, "acl-open")[:2], (0, 0))
        self.deny([acl("acl-open", AclOperation.DESCRIBE, AclPermissionType.DENY)], self.operator)
        self.assertEqual(offset_for_leader_epoch(port, "acl-open"), (TOPIC_AUTHORIZATION_FAILED, -1, -1))

    def test_denied_group_is_group_authorization_failed(self):
        self.create_acls([AclBinding(ResourceType.GROUP, "acl-group", ResourcePatternType.LITERAL, PRINCIPAL, "*",
                                     AclOperation.READ, AclPermissionType.DENY)])
        c = Consumer(dict(self.config, **{"group.id": "acl-group", "auto.offset.reset": "earliest"}))
        try:
            c.subscribe(["acl-open"])
            codes = set()
            for _ in range(20):
                m = c.poll(0.5)
                if m is not None and m.error():
                    codes.add(m.error().code())
                    if KafkaError.GROUP_AUTHORIZATION_FAILED in codes:
                        break
            self.assertIn(KafkaError.GROUP_AUTHORIZATION_FAILED, codes)
        finally:
            c.close()

    def test_acls_survive_kill_9(self):
        # Someone else's ACL (bob's), so that it changes nothing for alice's checks.
        binding = AclBinding(ResourceType.GROUP, "acl-g", ResourcePatternType.PREFIXED, "User:bob", "10.0.0.1",
                             AclOperation.READ, AclPermissionType.ALLOW)
        self.create_acls([binding])
        self.broker.proc.send_signal(signal.SIGKILL)
        self.broker.proc.wait(30)
        self.broker.start()
        self.__class__.connect()
        listed = self.admin.describe_acls(AclBindingFilter(ResourceType.GROUP, None, ResourcePatternType.ANY, None,
                                                           None, AclOperation.ANY,
                                                           AclPermissionType.ANY)).result(30)
        self.assertIn(binding, listed)

    def test_describing_scram_users_needs_describe_on_the_cluster(self):
        # kafka-python's admin: librdkafka 2.16 crashes on this response's top-level error
        # (it frees an error string it did not allocate), from Kafka too.
        scram_admin = KafkaAdminClient(bootstrap_servers=self.config["bootstrap.servers"],
                                       security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN",
                                       sasl_plain_username=USER, sasl_plain_password=PASSWORD)
        # With any ACL on the cluster, allow.everyone.if.no.acl.found no longer covers it: ALTER
        # (which changing ACLs needs) is allowed explicitly.
        bindings = [cluster(AclOperation.DESCRIBE, AclPermissionType.DENY),
                    cluster(AclOperation.ALTER, AclPermissionType.ALLOW)]
        self.create_acls(bindings)
        try:
            # The users are named: Kafka 3.9.1 does not answer a refused description of all
            # users (users null) at all (a NullPointerException building its error response).
            with self.assertRaises(ClusterAuthorizationFailedError):
                scram_admin.describe_user_scram_credentials([USER])
        finally:
            self.delete_acls(bindings)
        self.assertEqual({}, scram_admin.describe_user_scram_credentials())  # allowed again
        scram_admin.close()

    def test_topic_administration_needs_its_operations_on_the_topic(self):
        topic = "acl-admin"
        for f in self.admin.create_topics([NewTopic(topic, 1, 1)]).values():
            f.result(30)
        self.assertIsNone(produce_one(self.config, topic))
        # With ACLs on the topic, DESCRIBE must be allowed explicitly for clients to find it.
        self.deny([acl(topic, op, AclPermissionType.DENY)
                   for op in (AclOperation.ALTER, AclOperation.DELETE, AclOperation.DESCRIBE_CONFIGS)] +
                  [acl(topic, AclOperation.DESCRIBE, AclPermissionType.ALLOW),
                   acl("acl-not-creatable", AclOperation.CREATE, AclPermissionType.DENY)])
        failed = KafkaError.TOPIC_AUTHORIZATION_FAILED
        self.assertEqual(failed, self.error_code(self.admin.create_partitions([NewPartitions(topic, 3)])[topic]))
        self.assertEqual(failed, self.error_code(self.admin.delete_records([TopicPartition(topic, 0, 1)])[
            TopicPartition(topic, 0, 1)]))
        resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
        self.assertEqual(failed, self.error_code(self.admin.describe_configs([resource])[resource]))
        # Nothing was changed: one partition.
        meta = self.admin.list_topics(timeout=30)
        self.assertEqual(1, len(meta.topics[topic].partitions))
        # Kafka lets DELETE on the cluster delete any topic, whatever the topic's own ACLs say,
        # and no ACL names the cluster here (allow.everyone.if.no.acl.found): the topic goes.
        # test_deleting_a_topic_needs_delete_on_the_cluster_or_the_topic denies it on the cluster.
        self.admin.delete_topics([topic])[topic].result(30)
        self.wait_listed(topic, False)

    def test_creating_a_topic_needs_create_on_the_cluster_or_the_topic(self):
        # CREATE on the cluster covers every topic: it is denied here (ALTER and DESCRIBE stay
        # allowed, for the ACLs themselves), so each topic's own ACLs decide.
        self.deny([cluster(AclOperation.CREATE, AclPermissionType.DENY),
                   cluster(AclOperation.ALTER, AclPermissionType.ALLOW),
                   cluster(AclOperation.DESCRIBE, AclPermissionType.ALLOW),
                   acl("acl-not-creatable", AclOperation.CREATE, AclPermissionType.DENY)])
        created = self.admin.create_topics([NewTopic("acl-not-creatable", 1, 1), NewTopic("acl-creatable", 1, 1)])
        self.assertEqual(KafkaError.TOPIC_AUTHORIZATION_FAILED, self.error_code(created["acl-not-creatable"]))
        created["acl-creatable"].result(30)  # no ACL on it: allow.everyone.if.no.acl.found
        # Once acl-creatable is listed, acl-not-creatable would be too had it been created.
        self.assertNotIn("acl-not-creatable", self.wait_listed("acl-creatable", True))

    def test_deleting_a_topic_needs_delete_on_the_cluster_or_the_topic(self):
        for f in self.admin.create_topics([NewTopic(t, 1, 1) for t in ("acl-not-deletable", "acl-deletable")]).values():
            f.result(30)
        # DELETE on the cluster covers every topic: it is denied here (ALTER stays allowed, for
        # deleting the ACLs afterwards), so each topic's own ACLs decide.
        self.deny([cluster(AclOperation.DELETE, AclPermissionType.DENY),
                   cluster(AclOperation.ALTER, AclPermissionType.ALLOW),
                   acl("acl-not-deletable", AclOperation.DELETE, AclPermissionType.DENY),
                   acl("acl-not-deletable", AclOperation.DESCRIBE, AclPermissionType.ALLOW)])
        deleted = self.admin.delete_topics(["acl-not-deletable", "acl-deletable"])
        self.assertEqual(KafkaError.TOPIC_AUTHORIZATION_FAILED, self.error_code(deleted["acl-not-deletable"]))
        deleted["acl-deletable"].result(30)  # no ACL on it: allow.everyone.if.no.acl.found
        # Once acl-deletable is gone, acl-not-deletable would be too had it been deleted.
        self.assertIn("acl-not-deletable", self.wait_listed("acl-deletable", False))

    def test_deleting_a_group_needs_delete_on_it(self):
        group = "acl-delete-group"  # not under the "acl-g" prefix an earlier test gives bob
        c = Consumer(dict(self.config, **{"group.id": group, "enable.auto.commit": False}))
        for attempt in range(40):  # the first commit may find no coordinator yet (Kafka: some seconds)
            try:
                c.commit(offsets=[TopicPartition("acl-open", 0, 0)], asynchronous=False)
                break
            except KafkaException:
                if attempt == 39:
                    raise
                time.sleep(0.25)
        c.close()
        self.deny([AclBinding(ResourceType.GROUP, group, ResourcePatternType.LITERAL, PRINCIPAL, "*",
                              AclOperation.DELETE, AclPermissionType.DENY)])
        self.assertEqual(KafkaError.GROUP_AUTHORIZATION_FAILED,
                         self.error_code(self.admin.delete_consumer_groups([group])[group]))

    def test_a_transactional_producer_needs_write_on_its_id(self):
        txn_id = "acl-txn"
        self.deny([AclBinding(ResourceType.TRANSACTIONAL_ID, txn_id, ResourcePatternType.LITERAL, PRINCIPAL, "*",
                              AclOperation.WRITE, AclPermissionType.DENY)])
        p = Producer(dict(self.config, **{"transactional.id": txn_id}))
        with self.assertRaises(KafkaException) as caught:
            p.init_transactions(30)
        self.assertEqual(KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, caught.exception.args[0].code())

    def test_invalid_acl_is_invalid_request(self):
        bad = AclBinding(ResourceType.BROKER,  # Kafka's CLUSTER (code 4)
                         "not-the-cluster", ResourcePatternType.LITERAL, PRINCIPAL, "*",
                         AclOperation.ALTER, AclPermissionType.ALLOW)
        with self.assertRaises(Exception) as caught:
            for f in self.admin.create_acls([bad]).values():
                f.result(30)
        self.assertIn("The only valid name for the CLUSTER resource is kafka-cluster", str(caught.exception))


class UnknownAuthorizer(unittest.TestCase):
    def test_refused_at_start_up(self):
        setting = "authorizer.class.name=com.example.MyAuthorizer"
        if KAFKA:
            out = kafka_broker.run(setting)
            refusal = "java.lang.ClassNotFoundException: com.example.MyAuthorizer"
        else:
            out = subprocess.run([CHRONIK, "--override", setting, "--override", "listeners=PLAINTEXT://127.0.0.1:0"],
                                 capture_output=True, text=True, timeout=30)
            refusal = "authorizer.class.name: com.example.MyAuthorizer is not served"
        self.assertEqual(1, out.returncode)
        self.assertIn(refusal, out.stdout + out.stderr)


if __name__ == "__main__":
    unittest.main()
