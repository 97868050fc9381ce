"""Consumer groups (classic protocol) with confluent-kafka and kafka-python against the
real chronik binary, and a KIP-848 consumer subscribed by a regular expression: rebalances with exactly-once consumption, a member killed without
LeaveGroup, a static member restarted within its session timeout, committed offsets
across a broker restart, and the admin clients' group operations.

usage: test_groups.py <path to chronik> [unittest options]
"""
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import unittest

CHRONIK = sys.argv.pop(1) if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "chronik"
# Short session timeouts keep the failure scenarios fast; the broker's floor is lowered so
# that clients may use them.
SESSION_MS = 4000
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "..", "compat", "python"))
import chronik_broker  # noqa: E402
import exactly_once  # noqa: E402
from exactly_once import PARTITIONS, wait_for  # noqa: E402


def start_broker():
    return chronik_broker.Broker(CHRONIK, "group.initial.rebalance.delay.ms=0", "group.min.session.timeout.ms=1000",
                                 prefix="chronik-pygroups-")


def create_topic(bootstrap, topic, partitions=PARTITIONS):
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic(topic, partitions, 1)]).values():
        f.result()


def produce(bootstrap, topic, start, count):
    """Messages start..start+count-1, key m<i>, spread over the partitions by i."""
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for i in range(start, start + count):
        p.produce(topic, key=f"m{i}", value=str(i), partition=i % PARTITIONS)
    assert p.flush(30) == 0


def produce_to(bootstrap, topic, prefix, count):
    """Values <prefix>0..<prefix><count-1> to `topic`."""
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for i in range(count):
        p.produce(topic, value=f"{prefix}{i}")
    assert p.flush(30) == 0


class Groups(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = start_broker()

    failed = False

    def tearDown(self):
        result = self._outcome.result
        if result.failures or result.errors:
            Groups.failed = True

    @classmethod
    def tearDownClass(cls):
        if cls.failed:
            print(f"chronik log {cls.broker.logname} (data {cls.broker.dir}), last lines:\n{cls.broker.tail(80)}")
        assert cls.broker.stop(keep=cls.failed) == 0

    def rebalance_scenario(self, lib, name):
        """Two members split an 8-partition topic; a third joins, then the first leaves;
        every message is consumed exactly once throughout (tests/compat/python/exactly_once.py)."""
        b = self.broker.bootstrap
        topic, group = f"groups-{name}", f"groups-{name}"
        create_topic(b, topic)
        exactly_once.rebalance_exactly_once(exactly_once.MEMBERS[lib], b, topic, group,
                                            lambda start, count: produce(b, topic, start, count), SESSION_MS)

    def test_rebalance_confluent(self):
        self.rebalance_scenario("confluent-kafka", "ck")

    def test_rebalance_kafka_python(self):
        self.rebalance_scenario("kafka-python", "kp")

    def test_kip848_regex_subscription_confluent(self):
        """A KIP-848 consumer (group.protocol=consumer, ConsumerGroupHeartbeat v1) subscribed
        by a regular expression consumes the topics it matches, one created after it joined
        too, and never one it does not match."""
        from confluent_kafka import Consumer
        b = self.broker.bootstrap
        create_topic(b, "kip848-rx-a", 2)
        create_topic(b, "kip848-other", 1)
        produce_to(b, "kip848-rx-a", "a", 4)
        produce_to(b, "kip848-other", "o", 2)
        c = Consumer({"bootstrap.servers": b, "group.id": "kip848-rx", "group.protocol": "consumer",
                      "auto.offset.reset": "earliest", "enable.auto.commit": False,
                      "topic.metadata.refresh.interval.ms": 1000})
        self.addCleanup(c.close)
        c.subscribe(["^kip848-rx-.*"])
        got = []

        def consumed(n):
            def cond():
                m = c.poll(0.2)
                if m is not None and not m.error():
                    got.append((m.topic(), m.value().decode()))
                elif m is not None:
                    self.assertTrue(m.error().retriable() or m.error().code() < 0, str(m.error()))
                return len(got) >= n
            return cond

        wait_for(consumed(4), 60, lambda: f"the 4 messages of kip848-rx-a, got {got}")
        create_topic(b, "kip848-rx-b", 1)
        produce_to(b, "kip848-rx-b", "b", 2)
        wait_for(consumed(6), 60, lambda: f"the 2 messages of kip848-rx-b, created later, got {got}")
        self.assertEqual(sorted(got), [("kip848-rx-a", f"a{i}") for i in range(4)]
                         + [("kip848-rx-b", f"b{i}") for i in range(2)])
        self.assertIn("group kip848-rx: epoch", self.broker.log_text())

    # --- child processes: members that can be killed -----------------------------------

    def spawn(self, group, topic, instance_id=""):
        """A confluent-kafka member in a child process; it prints one JSON line per
        assignment change."""
        p = subprocess.Popen([sys.executable, __file__, CHRONIK, "--child", self.broker.bootstrap,
                              group, topic, instance_id], stdout=subprocess.PIPE, text=True)
        state = {"assigned": set(), "events": []}

        def read():
            for line in p.stdout:
                ev = json.loads(line)
                state["events"].append((time.time(), ev))
                state["assigned"] = set(ev.get("assigned", []))

        threading.Thread(target=read, daemon=True).start()
        p.state = state
        self.addCleanup(lambda: (p.kill(), p.wait()))
        return p

    def test_killed_member_partitions_move_after_session_timeout(self):
        b = self.broker.bootstrap
        topic = group = "groups-killed"
        create_topic(b, topic)
        x, y = self.spawn(group, topic), self.spawn(group, topic)
        wait_for(lambda: x.state["assigned"] and y.state["assigned"]
                 and len(x.state["assigned"] | y.state["assigned"]) == PARTITIONS
                 and not x.state["assigned"] & y.state["assigned"], 60, "two children to split the partitions")
        x.send_signal(signal.SIGKILL)  # no LeaveGroup
        x.wait()
        killed = time.time()
        wait_for(lambda: y.state["assigned"] == set(range(PARTITIONS)), SESSION_MS / 1000 + 20,
                 "the survivor to own every partition")
        took = time.time() - killed
        # The move waits for the session timeout (heartbeats stopping), not for anything else.
        self.assertGreaterEqual(took, SESSION_MS / 1000 * 0.7, "partitions moved before the session timeout")
        self.assertIn(f"group {group}: rebalancing", self.broker.log_text())

    def test_static_member_restart_keeps_assignment(self):
        b = self.broker.bootstrap
        topic = group = "groups-static"
        create_topic(b, topic)
        s1, s2 = self.spawn(group, topic, "static-1"), self.spawn(group, topic, "static-2")
        wait_for(lambda: s1.state["assigned"] and s2.state["assigned"]
                 and len(s1.state["assigned"] | s2.state["assigned"]) == PARTITIONS, 60,
                 "two static members to split the partitions")
        time.sleep(1)
        before = s1.state["assigned"]
        generations = re.findall(rf"group {group}: generation (\d+)", self.broker.log_text())
        events_s2 = len(s2.state["events"])
        s1.send_signal(signal.SIGKILL)  # a crash: a static member never sends LeaveGroup anyway
        s1.wait()
        s1b = self.spawn(group, topic, "static-1")
        wait_for(lambda: s1b.state["assigned"], 30, "the restarted static member's assignment")
        self.assertEqual(s1b.state["assigned"], before, "the restarted static member got other partitions")
        time.sleep(SESSION_MS / 1000 + 1)  # past the old session: still no rebalance
        log = self.broker.log_text()
        self.assertIn(f"group {group}: static member static-1 rejoined", log)
        self.assertEqual(re.findall(rf"group {group}: generation (\d+)", log), generations,
                         "the group went through a new generation")
        self.assertEqual(len(s2.state["events"]), events_s2, "the other member saw a rebalance")
        self.assertEqual(s1b.state["assigned"], before)

    # --- committed offsets across a broker restart ------------------------------------

    def test_resume_at_committed_offsets_after_broker_restart(self):
        from confluent_kafka import Consumer, TopicPartition
        b = self.broker.bootstrap
        topic = group = "groups-restart"
        create_topic(b, topic)
        produce(b, topic, 0, 800)
        conf = {"bootstrap.servers": b, "group.id": group, "enable.auto.commit": False,
                "auto.offset.reset": "earliest", "session.timeout.ms": SESSION_MS}
        c = Consumer(conf)
        c.subscribe([topic])
        # Consume some of each partition, commit exactly what was processed.
        seen = {}
        deadline = time.time() + 60
        limit = {p: 10 + p * 5 for p in range(PARTITIONS)}
        while seen != limit:
            self.assertLess(time.time(), deadline, f"first consumer got only {seen}")
            m = c.poll(0.5)
            if m is None or m.error():
                continue
            if seen.get(m.partition(), 0) >= limit[m.partition()]:
                continue
            seen[m.partition()] = seen.get(m.partition(), 0) + 1
            c.commit(message=m, asynchronous=False)
        committed = {tp.partition: tp.offset for tp in
                     c.committed([TopicPartition(topic, p) for p in range(PARTITIONS)], timeout=10)}
        c.close()
        self.assertEqual(committed, limit)
        self.assertEqual(self.broker.restart(), 0)
        c = Consumer(conf)
        c.subscribe([topic])
        first = {}
        deadline = time.time() + 60
        while len(first) < PARTITIONS:
            self.assertLess(time.time(), deadline, f"resumed consumer saw only {sorted(first)}")
            m = c.poll(0.5)
            if m is None or m.error():
                continue
            first.setdefault(m.partition(), m.offset())
        c.close()
        self.assertEqual(first, committed, "the new consumer did not resume at the committed offsets")

    # --- admin clients --------------------------------------------------------------

    def test_admin_confluent(self):
        from confluent_kafka import Consumer, ConsumerGroupState, TopicPartition
        from confluent_kafka.admin import AdminClient, OffsetSpec
        b = self.broker.bootstrap
        topic = group = "groups-admin-ck"
        create_topic(b, topic)
        produce(b, topic, 0, 160)
        admin = AdminClient({"bootstrap.servers": b})
        consumers = [Consumer({"bootstrap.servers": b, "group.id": group, "client.id": f"ck-{i}",
                               "enable.auto.commit": False, "session.timeout.ms": SESSION_MS})
                     for i in range(2)]
        for c in consumers:
            c.subscribe([topic])
        wait_for(lambda: all(c.poll(0.1) is None or True for c in consumers)
                 and all(c.assignment() for c in consumers), 60, "both consumers assigned")
        consumers[0].commit(offsets=[TopicPartition(topic, p, 5) for p in range(PARTITIONS)], asynchronous=False)
        listed = admin.list_consumer_groups(states={ConsumerGroupState.STABLE}).result()
        self.assertIn(group, [g.group_id for g in listed.valid])
        desc = admin.describe_consumer_groups([group])[group].result()
        self.assertEqual(desc.state, ConsumerGroupState.STABLE)
        self.assertEqual(sorted(m.client_id for m in desc.members), ["ck-0", "ck-1"])
        owned = [tp.partition for m in desc.members for tp in m.assignment.topic_partitions]
        self.assertEqual(sorted(owned), list(range(PARTITIONS)))
        # Lag: committed 5 of 20 in every partition.
        from confluent_kafka import ConsumerGroupTopicPartitions
        offs = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[group].result()
        ends = admin.list_offsets({TopicPartition(topic, p): OffsetSpec.latest() for p in range(PARTITIONS)})
        lag = {tp.partition: ends[TopicPartition(tp.topic, tp.partition)].result().offset - tp.offset
               for tp in offs.topic_partitions}
        self.assertEqual(lag, {p: 15 for p in range(PARTITIONS)})
        for c in consumers:
            c.close()
        wait_for(lambda: admin.describe_consumer_groups([group])[group].result().state == ConsumerGroupState.EMPTY,
                 20, "the group to be empty")
        admin.alter_consumer_group_offsets([ConsumerGroupTopicPartitions(
            group, [TopicPartition(topic, 0, 1)])])[group].result()
        offs = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[group].result()
        self.assertEqual({tp.partition: tp.offset for tp in offs.topic_partitions},
                         {0: 1, **{p: 5 for p in range(1, PARTITIONS)}})
        admin.delete_consumer_groups([group])[group].result()
        listed = admin.list_consumer_groups().result()
        self.assertNotIn(group, [g.group_id for g in listed.valid])

    def test_admin_kafka_python(self):
        from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
        from kafka.admin import OffsetSpec
        from kafka.structs import OffsetAndMetadata
        b = self.broker.bootstrap
        topic = group = "groups-admin-kp"
        create_topic(b, topic)
        produce(b, topic, 0, 80)
        c = KafkaConsumer(topic, bootstrap_servers=b, group_id=group, client_id="kp-0",
                          enable_auto_commit=False, session_timeout_ms=SESSION_MS)
        # Polls of a second: kafka-python 3.0.12 drops a JoinGroup/SyncGroup that completes
        # after its poll's timeout when no further rejoin is needed (join_group_async), and
        # its first join here is followed by a second one once the topic's metadata arrives.
        wait_for(lambda: (c.poll(timeout_ms=1000) or True) and len(c.assignment()) == PARTITIONS, 60,
                 "the consumer to be assigned")
        c.commit({TopicPartition(topic, p): OffsetAndMetadata(3, "", -1) for p in range(PARTITIONS)})
        admin = KafkaAdminClient(bootstrap_servers=b)
        self.addCleanup(admin.close)
        listed = {g["group_id"]: g for g in admin.list_groups()}
        self.assertEqual(listed[group]["group_state"], "Stable")
        desc = admin.describe_groups([group])[group]
        self.assertEqual(desc["group_state"], "Stable")
        [m] = desc["members"]
        self.assertEqual(m["client_id"], "kp-0")
        self.assertEqual(m["member_assignment"]["assigned_partitions"],
                         [{"topic": topic, "partitions": list(range(PARTITIONS))}])
        offs = admin.list_group_offsets(group)[group]
        self.assertEqual({tp.partition: om.offset for tp, om in offs.items()}, {p: 3 for p in range(PARTITIONS)})
        c.close()
        wait_for(lambda: admin.describe_groups([group])[group]["group_state"] == "Empty", 20, "the group to be empty")
        reset = admin.reset_group_offsets(group, {TopicPartition(topic, 0): OffsetSpec.LATEST,
                                                  TopicPartition(topic, 1): OffsetSpec.EARLIEST})
        self.assertEqual({tp.partition: r["offset"] for tp, r in reset.items()}, {0: 10, 1: 0})
        admin.delete_group_offsets(group, [TopicPartition(topic, 2)])
        offs = admin.list_group_offsets(group)[group]
        self.assertEqual({tp.partition: om.offset for tp, om in offs.items()},
                         {0: 10, 1: 0, **{p: 3 for p in range(3, PARTITIONS)}})
        self.assertEqual(admin.delete_groups([group]), {group: "OK"})
        self.assertNotIn(group, [g["group_id"] for g in admin.list_groups()])
        self.assertEqual(admin.list_group_offsets(group)[group], {})


def child(bootstrap, group, topic, instance_id):
    from confluent_kafka import Consumer
    conf = {"bootstrap.servers": bootstrap, "group.id": group, "session.timeout.ms": SESSION_MS,
            "heartbeat.interval.ms": 500, "enable.auto.commit": False}
    if instance_id:
        conf["group.instance.id"] = instance_id
    c = Consumer(conf)

    def say(**ev):
        print(json.dumps(ev), flush=True)

    c.subscribe([topic], on_assign=lambda _, ps: say(assigned=sorted(p.partition for p in ps)),
                on_revoke=lambda _, ps: say(revoked=sorted(p.partition for p in ps)))
    while True:
        c.poll(0.2)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:6])
    else:
        unittest.main(verbosity=2)
