"""Transactions with confluent-kafka (librdkafka) against the real chronik binary, checked by
read_committed consumers: commit, abort, consume-transform-produce with
send_offsets_to_transaction, zombie fencing by a second producer of the same
transactional.id, a transaction aborted by the broker past its timeout, and kill -9 of the
broker with a transaction open.

usage: test_transactions.py <path to chronik> [unittest options]
"""
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

CHRONIK = sys.argv.pop(1) if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "chronik"
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import chronik_broker  # noqa: E402

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

PARTITIONS = 3


def unique(base):
    return f"{base}-{uuid.uuid4().hex[:8]}"


class Transactions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Timed-out transactions are looked for every 500 ms instead of Kafka's 10 s.
        cls.broker = chronik_broker.Broker(
            CHRONIK, "transaction.abort.timed.out.transaction.cleanup.interval.ms=500",
            "group.initial.rebalance.delay.ms=0", prefix="chronik-pytxn-")

    failed = False

    def tearDown(self):
        result = self._outcome.result
        if result.failures or result.errors:
            Transactions.failed = True

    @classmethod
    def tearDownClass(cls):
        if cls.failed:
            print(f"chronik log {cls.broker.logname} (data {cls.broker.dir}), last lines:\n{cls.broker.tail(80)}")
        assert cls.broker.stop(keep=cls.failed) == 0

    # --- helpers

    def topic(self, base, partitions=PARTITIONS):
        name = unique(base)
        admin = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        for f in admin.create_topics([NewTopic(name, partitions, 1)]).values():
            f.result()
        return name

    def producer(self, txn_id, **extra):
        conf = {"bootstrap.servers": self.broker.bootstrap, "transactional.id": txn_id, "linger.ms": 5}
        conf.update(extra)
        p = Producer(conf)
        p.init_transactions(30)
        return p

    def read(self, topic, isolation="read_committed", expect=None, timeout=20):
        """Every value of `topic` from the beginning, read until the end offsets (or until
        `expect` values arrived)."""
        c = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": unique("reader"),
                      "auto.offset.reset": "earliest", "enable.auto.commit": False,
                      "isolation.level": isolation})
        c.assign([TopicPartition(topic, p, 0) for p in range(PARTITIONS)])
        values, deadline, quiet_since = [], time.time() + timeout, time.time()
        try:
            while time.time() < deadline:
                m = c.poll(0.2)
                if m is None:
                    if expect is None and time.time() - quiet_since > 2:
                        break
                    if expect is not None and len(values) >= expect and time.time() - quiet_since > 1:
                        break
                    continue
                if m.error():
                    continue
                values.append(m.value().decode())
                quiet_since = time.time()
        finally:
            c.close()
        return values

    # --- scenarios

    def test_commit_is_visible_once(self):
        topic = self.topic("txn-commit")
        p = self.producer(unique("tx-commit"))
        p.begin_transaction()
        for i in range(30):
            p.produce(topic, value=f"c{i}", partition=i % PARTITIONS)
        p.commit_transaction(30)
        self.assertEqual(sorted(self.read(topic, expect=30)), sorted(f"c{i}" for i in range(30)))

    def test_aborted_data_is_never_visible(self):
        topic = self.topic("txn-abort")
        p = self.producer(unique("tx-abort"))
        p.begin_transaction()
        for i in range(20):
            p.produce(topic, value=f"aborted{i}", partition=i % PARTITIONS)
        p.flush(30)  # in the log before the abort
        p.abort_transaction(30)
        p.begin_transaction()
        for i in range(10):
            p.produce(topic, value=f"kept{i}", partition=i % PARTITIONS)
        p.commit_transaction(30)
        committed = self.read(topic, expect=10)
        self.assertEqual(sorted(committed), sorted(f"kept{i}" for i in range(10)))
        # The aborted records are in the log: read_uncommitted sees them.
        uncommitted = self.read(topic, isolation="read_uncommitted", expect=30)
        self.assertEqual(len([v for v in uncommitted if v.startswith("aborted")]), 20)

    def test_consume_transform_produce(self):
        source, sink = self.topic("ctp-in"), self.topic("ctp-out")
        plain = Producer({"bootstrap.servers": self.broker.bootstrap})
        for i in range(40):
            plain.produce(source, value=f"{i}", partition=i % PARTITIONS)
        self.assertEqual(plain.flush(30), 0)
        group = unique("ctp-group")
        consumer = Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": group,
                             "auto.offset.reset": "earliest", "enable.auto.commit": False,
                             "isolation.level": "read_committed"})
        consumer.subscribe([source])
        p = self.producer(unique("tx-ctp"))

        def process(batch_size, commit):
            batch = []
            deadline = time.time() + 30
            while len(batch) < batch_size and time.time() < deadline:
                m = consumer.poll(0.5)
                if m is not None and not m.error():
                    batch.append(m)
            self.assertEqual(len(batch), batch_size)
            p.begin_transaction()
            for m in batch:
                p.produce(sink, value=f"out-{m.value().decode()}", partition=m.partition())
            p.send_offsets_to_transaction(consumer.position(consumer.assignment()),
                                          consumer.consumer_group_metadata(), 30)
            if commit:
                p.commit_transaction(30)
            else:
                p.abort_transaction(30)
                # Back to what the group committed, as an application does after an abort.
                for tp in consumer.committed(consumer.assignment(), 10):
                    consumer.seek(TopicPartition(tp.topic, tp.partition, tp.offset if tp.offset >= 0 else 0))
            return batch

        process(10, commit=False)   # aborted: neither its output nor its offsets count
        process(40, commit=True)    # everything, once
        committed = consumer.committed([TopicPartition(source, i) for i in range(PARTITIONS)], 10)
        consumer.close()
        self.assertEqual(sum(tp.offset for tp in committed), 40)
        out = self.read(sink, expect=40)
        self.assertEqual(sorted(out), sorted(f"out-{i}" for i in range(40)))

    def test_zombie_is_fenced(self):
        topic = self.topic("txn-zombie")
        txn_id = unique("tx-zombie")
        zombie = self.producer(txn_id)
        zombie.begin_transaction()
        for i in range(5):
            zombie.produce(topic, value=f"zombie{i}", partition=0)
        zombie.flush(30)
        successor = self.producer(txn_id)  # fences the zombie and aborts its transaction
        successor.begin_transaction()
        successor.produce(topic, value="successor", partition=1)
        successor.commit_transaction(30)
        with self.assertRaises(KafkaException) as raised:
            zombie.commit_transaction(30)
        self.assertTrue(raised.exception.args[0].fatal(), raised.exception.args[0])
        self.assertEqual(self.read(topic, expect=1), ["successor"])

    def test_timed_out_transaction_is_aborted(self):
        topic = self.topic("txn-timeout")
        p = self.producer(unique("tx-timeout"), **{"transaction.timeout.ms": 2000})
        p.begin_transaction()
        for i in range(5):
            p.produce(topic, value=f"late{i}", partition=i % PARTITIONS)
        p.flush(30)
        time.sleep(4)  # past the timeout: the broker aborts it and bumps the epoch
        with self.assertRaises(KafkaException):
            p.commit_transaction(30)
        self.assertEqual(self.read(topic), [])

    def test_kill_9_keeps_commits_and_the_open_transaction_until_it_is_aborted(self):
        """kill -9 of the broker between two transactions of one producer, the second
        open with its records in the log: after the restart the committed one is all there,
        the open one stays invisible (the LSO holds) until a new producer of the
        transactional.id fences the old one and aborts it; the aborted records are still in the
        log, and the old producer cannot commit."""
        topic = self.topic("txn-kill9")
        txn_id = unique("tx-kill9")
        old = self.producer(txn_id)
        old.begin_transaction()
        for i in range(30):
            old.produce(topic, value=f"a{i}", partition=i % PARTITIONS)
        old.commit_transaction(30)
        old.begin_transaction()
        for i in range(20):
            old.produce(topic, value=f"b{i}", partition=i % PARTITIONS)
        old.flush(30)  # acknowledged: in the log, the transaction open
        self.broker.proc.send_signal(signal.SIGKILL)
        self.broker.proc.wait(30)
        self.broker.start()

        self.assertEqual(sorted(self.read(topic, expect=30)), sorted(f"a{i}" for i in range(30)))
        successor = self.producer(txn_id)  # fences `old`; its open transaction is aborted
        successor.begin_transaction()
        for i in range(10):
            successor.produce(topic, value=f"c{i}", partition=i % PARTITIONS)
        successor.commit_transaction(30)
        committed = self.read(topic, expect=40)
        self.assertEqual(sorted(committed), sorted([f"a{i}" for i in range(30)] + [f"c{i}" for i in range(10)]))
        uncommitted = self.read(topic, isolation="read_uncommitted", expect=60)
        self.assertEqual(len([v for v in uncommitted if v.startswith("b")]), 20)
        with self.assertRaises(KafkaException):
            old.commit_transaction(30)

    def test_kafka_transactions_tool_lists_and_describes(self):
        """Kafka 3.9.1's kafka-transactions.sh (TransactionsCommand, from Maven as
        tests/kafka_tools resolves it) lists and describes an ongoing, then a committed,
        transaction."""
        cp = tools_classpath()
        topic = self.topic("txn-tool")
        txn_id = unique("tx-tool")
        p = self.producer(txn_id)
        p.begin_transaction()
        p.produce(topic, value="x", partition=2)
        p.flush(30)

        def tool(*args):
            r = subprocess.run(["java", "-cp", cp, "org.apache.kafka.tools.TransactionsCommand",
                                "--bootstrap-server", self.broker.bootstrap, *args],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            return r.stdout

        listed = [line.split() for line in tool("list").splitlines()]
        self.assertIn(["TransactionalId", "Coordinator", "ProducerId", "TransactionState"], listed)
        mine = [row for row in listed if row and row[0] == txn_id]
        self.assertEqual(len(mine), 1, listed)
        self.assertEqual(mine[0][3], "Ongoing")
        described = tool("describe", "--transactional-id", txn_id)
        self.assertIn("Ongoing", described)
        self.assertIn(f"{topic}-2", described)
        p.commit_transaction(30)
        deadline = time.time() + 20
        while "CompleteCommit" not in tool("describe", "--transactional-id", txn_id) and time.time() < deadline:
            time.sleep(0.2)
        self.assertIn("CompleteCommit", tool("describe", "--transactional-id", txn_id))


def tools_classpath():
    """Kafka 3.9.1's tool jars, resolved by Maven from tests/kafka_tools/pom.xml (offline first)."""
    pom = os.path.join(HERE, "..", "..", "kafka_tools", "pom.xml")
    out = os.path.join(tempfile.mkdtemp(prefix="chronik-txn-cp-"), "cp.txt")
    goals = ["-q", "-B", "-f", pom, "-Dkafka.version=3.9.1", "dependency:build-classpath", f"-Dmdep.outputFile={out}"]
    if subprocess.run(["mvn", "-o", *goals], capture_output=True).returncode != 0:
        subprocess.run(["mvn", *goals], capture_output=True, check=True)
    with open(out) as f:
        return f.read().strip()


if __name__ == "__main__":
    unittest.main(verbosity=2)
