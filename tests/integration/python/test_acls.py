"""ACLs with real clients against the chronik binary with Kafka's authorizer configured:
confluent-kafka's AdminClient creates, lists and deletes ACLs; a producer denied WRITE gets
TOPIC_AUTHORIZATION_FAILED; a topic denied DESCRIBE is left out of the topic list; ACLs
survive kill -9; an authorizer class Chronik does not implement stops the start-up.

usage: test_acls.py <path to chronik> [unittest options]
"""
import os
import signal
import subprocess
import sys
import time
import unittest

CHRONIK = sys.argv.pop(1) if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "chronik"
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import chronik_broker  # noqa: E402

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import (AclBinding, AclBindingFilter, AclOperation, AclPermissionType,  # noqa: E402
                                   AdminClient, ConfigResource, NewPartitions, NewTopic, ResourcePatternType,
                                   ResourceType)
from kafka.admin import KafkaAdminClient  # noqa: E402
from kafka.errors import ClusterAuthorizationFailedError  # noqa: E402

AUTHORIZER = "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer"
ANON = "User:ANONYMOUS"


def acl(topic, op, permission):
    return AclBinding(ResourceType.TOPIC, topic, ResourcePatternType.LITERAL, ANON, "*", op, permission)


def produce_one(bootstrap, topic):
    """The error code of one message's delivery (None when delivered)."""
    errors = []
    p = Producer({"bootstrap.servers": bootstrap, "message.timeout.ms": 10000, "retries": 0})
    p.produce(topic, value=b"v", on_delivery=lambda e, m: errors.append(e))
    p.flush(15)
    assert errors, "no delivery report"
    return errors[0].code() if errors[0] else None


class Acls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = chronik_broker.Broker(CHRONIK, AUTHORIZER, "allow.everyone.if.no.acl.found=true",
                                           prefix="chronik-pyacls-")
        cls.admin = AdminClient({"bootstrap.servers": cls.broker.bootstrap})
        for f in cls.admin.create_topics([NewTopic(t, 1, 1) for t in ("acl-open", "acl-denied", "acl-hidden")]).values():
            f.result(30)

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()

    def test_denied_write_is_topic_authorization_failed(self):
        binding = acl("acl-denied", AclOperation.WRITE, AclPermissionType.DENY)
        for f in self.admin.create_acls([binding]).values():
            f.result(30)
        listed = self.admin.describe_acls(AclBindingFilter(ResourceType.TOPIC, "acl-denied", ResourcePatternType.ANY,
                                                           None, None, AclOperation.ANY,
                                                           AclPermissionType.ANY)).result(30)
        self.assertEqual([binding], listed)
        self.assertEqual(KafkaError.TOPIC_AUTHORIZATION_FAILED, produce_one(self.broker.bootstrap, "acl-denied"))
        self.assertIsNone(produce_one(self.broker.bootstrap, "acl-open"))
        # Deleting the ACL opens the topic again (no ACL left: allow.everyone.if.no.acl.found).
        deleted = self.admin.delete_acls([AclBindingFilter(ResourceType.TOPIC, "acl-denied", ResourcePatternType.LITERAL,
                                                           ANON, "*", AclOperation.WRITE,
                                                           AclPermissionType.DENY)])
        self.assertEqual([binding], list(deleted.values())[0].result(30))
        self.assertIsNone(produce_one(self.broker.bootstrap, "acl-denied"))

    def test_topic_denied_describe_is_not_listed(self):
        for f in self.admin.create_acls([acl("acl-hidden", AclOperation.DESCRIBE, AclPermissionType.DENY)]).values():
            f.result(30)
        topics = self.admin.list_topics(timeout=15).topics
        self.assertNotIn("acl-hidden", topics)
        self.assertIn("acl-open", topics)

    def test_denied_group_is_group_authorization_failed(self):
        from confluent_kafka import Consumer
        binding = AclBinding(ResourceType.GROUP, "acl-group", ResourcePatternType.LITERAL, ANON, "*",
                             AclOperation.READ, AclPermissionType.DENY)
        for f in self.admin.create_acls([binding]).values():
            f.result(30)
        c = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "acl-group",
                      "auto.offset.reset": "earliest"})
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
        binding = AclBinding(ResourceType.GROUP, "acl-g", ResourcePatternType.PREFIXED, "User:alice", "10.0.0.1",
                             AclOperation.READ, AclPermissionType.ALLOW)
        for f in self.admin.create_acls([binding]).values():
            f.result(30)
        self.broker.proc.send_signal(signal.SIGKILL)
        self.broker.proc.wait(30)
        self.broker.start()
        admin = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        listed = admin.describe_acls(AclBindingFilter(ResourceType.GROUP, None, ResourcePatternType.ANY, None, None,
                                                      AclOperation.ANY, AclPermissionType.ANY)).result(30)
        self.assertIn(binding, listed)
        self.__class__.admin = admin

    def test_describing_scram_users_needs_describe_on_the_cluster(self):
        # kafka-python's admin: librdkafka 2.16 crashes on this response's top-level error
        # (it frees an error string it did not allocate), from Kafka too.
        scram_admin = KafkaAdminClient(bootstrap_servers=self.broker.bootstrap)
        cluster = lambda op, permission: AclBinding(  # noqa: E731
            ResourceType.BROKER, "kafka-cluster", ResourcePatternType.LITERAL, ANON, "*", op, permission)
        # With any ACL on the cluster, allow.everyone.if.no.acl.found no longer covers it: ALTER
        # (which changing ACLs needs) is allowed explicitly.
        bindings = [cluster(AclOperation.DESCRIBE, AclPermissionType.DENY),
                    cluster(AclOperation.ALTER, AclPermissionType.ALLOW)]
        for f in self.admin.create_acls(bindings).values():
            f.result(30)
        try:
            with self.assertRaises(ClusterAuthorizationFailedError):
                scram_admin.describe_user_scram_credentials()
        finally:
            filters = [AclBindingFilter(b.restype, b.name, b.resource_pattern_type, b.principal, b.host,
                                        b.operation, b.permission_type) for b in bindings]
            for f in self.admin.delete_acls(filters).values():
                f.result(30)
        self.assertEqual({}, scram_admin.describe_user_scram_credentials())  # allowed again
        scram_admin.close()

    def deny(self, bindings):
        """Creates the ACLs; the test's cleanup deletes them."""
        for f in self.admin.create_acls(bindings).values():
            f.result(30)
        filters = [AclBindingFilter(b.restype, b.name, b.resource_pattern_type, b.principal, b.host, b.operation,
                                    b.permission_type) for b in bindings]
        self.addCleanup(lambda: [f.result(30) for f in self.admin.delete_acls(filters).values()])

    def error_code(self, future):
        with self.assertRaises(KafkaException) as caught:
            future.result(30)
        return caught.exception.args[0].code()

    def test_topic_administration_needs_its_operations_on_the_topic(self):
        topic = "acl-admin"
        for f in self.admin.create_topics([NewTopic(topic, 1, 1)]).values():
            f.result(30)
        self.assertIsNone(produce_one(self.broker.bootstrap, topic))
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
        self.assertEqual(failed, self.error_code(self.admin.delete_topics([topic])[topic]))
        # Nothing was changed: one partition, the topic itself.
        meta = self.admin.list_topics(timeout=30)
        self.assertEqual(1, len(meta.topics[topic].partitions))

    def test_creating_a_topic_needs_create_on_the_cluster_or_the_topic(self):
        cluster = lambda op, permission: AclBinding(  # noqa: E731
            ResourceType.BROKER, "kafka-cluster", ResourcePatternType.LITERAL, ANON, "*", op, permission)
        # CREATE on the cluster covers every topic: it is denied here (ALTER and DESCRIBE stay
        # allowed, for the ACLs themselves), so each topic's own ACLs decide.
        self.deny([cluster(AclOperation.CREATE, AclPermissionType.DENY),
                   cluster(AclOperation.ALTER, AclPermissionType.ALLOW),
                   cluster(AclOperation.DESCRIBE, AclPermissionType.ALLOW),
                   acl("acl-not-creatable", AclOperation.CREATE, AclPermissionType.DENY)])
        created = self.admin.create_topics([NewTopic("acl-not-creatable", 1, 1), NewTopic("acl-creatable", 1, 1)])
        self.assertEqual(KafkaError.TOPIC_AUTHORIZATION_FAILED, self.error_code(created["acl-not-creatable"]))
        created["acl-creatable"].result(30)  # no ACL on it: allow.everyone.if.no.acl.found
        meta = self.admin.list_topics(timeout=30)
        self.assertNotIn("acl-not-creatable", meta.topics)
        self.assertIn("acl-creatable", meta.topics)

    def test_deleting_a_group_needs_delete_on_it(self):
        group = "acl-delete-group"  # not under the "acl-g" prefix an earlier test gives alice
        c = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": group, "enable.auto.commit": False})
        for attempt in range(20):  # the first commit may find no coordinator yet
            try:
                c.commit(offsets=[TopicPartition("acl-open", 0, 0)], asynchronous=False)
                break
            except KafkaException:
                if attempt == 19:
                    raise
                time.sleep(0.25)
        c.close()
        self.deny([AclBinding(ResourceType.GROUP, group, ResourcePatternType.LITERAL, ANON, "*", AclOperation.DELETE,
                              AclPermissionType.DENY)])
        self.assertEqual(KafkaError.GROUP_AUTHORIZATION_FAILED,
                         self.error_code(self.admin.delete_consumer_groups([group])[group]))

    def test_a_transactional_producer_needs_write_on_its_id(self):
        txn_id = "acl-txn"
        self.deny([AclBinding(ResourceType.TRANSACTIONAL_ID, txn_id, ResourcePatternType.LITERAL, ANON, "*",
                              AclOperation.WRITE, AclPermissionType.DENY)])
        p = Producer({"bootstrap.servers": self.broker.bootstrap, "transactional.id": txn_id})
        with self.assertRaises(KafkaException) as caught:
            p.init_transactions(30)
        self.assertEqual(KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, caught.exception.args[0].code())

    def test_invalid_acl_is_invalid_request(self):
        bad = AclBinding(ResourceType.BROKER,  # Kafka's CLUSTER (code 4)
                         "not-the-cluster", ResourcePatternType.LITERAL, ANON, "*",
                         AclOperation.ALTER, AclPermissionType.ALLOW)
        with self.assertRaises(Exception) as caught:
            for f in self.admin.create_acls([bad]).values():
                f.result(30)
        self.assertIn("The only valid name for the CLUSTER resource is kafka-cluster", str(caught.exception))


class UnknownAuthorizer(unittest.TestCase):
    def test_refused_at_start_up(self):
        out = subprocess.run([CHRONIK, "--override", "authorizer.class.name=com.example.MyAuthorizer",
                              "--override", "listeners=PLAINTEXT://127.0.0.1:0"],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(1, out.returncode)
        self.assertIn("authorizer.class.name: com.example.MyAuthorizer is not served", out.stdout + out.stderr)


if __name__ == "__main__":
    unittest.main()
