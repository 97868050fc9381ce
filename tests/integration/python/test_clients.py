"""confluent-kafka and kafka-python against the real chronik binary.

usage: test_clients.py <path to chronik>
"""
import os
import sys
import time
import unittest

CHRONIK = sys.argv.pop(1) if len(sys.argv) > 1 else "chronik"
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import chronik_broker  # noqa: E402


def start_broker():
    return chronik_broker.Broker(CHRONIK)




class Clients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = start_broker()

    @classmethod
    def tearDownClass(cls):
        assert cls.broker.stop() == 0

    def test_confluent_kafka(self):
        from confluent_kafka import Consumer, Producer, TopicPartition
        from confluent_kafka.admin import AdminClient, NewTopic
        b = self.broker.bootstrap
        admin = AdminClient({"bootstrap.servers": b})
        for f in admin.create_topics([NewTopic("py-ck", 3, 1)]).values():
            f.result()
        p = Producer({"bootstrap.servers": b, "enable.idempotence": True, "compression.type": "zstd"})
        for i in range(10000):
            p.produce("py-ck", key=str(i % 13), value=str(i), headers=[("i", str(i).encode())])
            if i % 1000 == 0:
                p.poll(0)
        self.assertEqual(p.flush(30), 0)
        c = Consumer({"bootstrap.servers": b, "group.id": "py", "enable.auto.commit": False})
        c.assign([TopicPartition("py-ck", i, 0) for i in range(3)])
        seen, last = [], {}
        deadline = time.time() + 60
        while len(seen) < 10000 and time.time() < deadline:
            m = c.poll(0.5)
            if m is None or m.error():
                continue
            self.assertGreater(m.offset(), last.get(m.partition(), -1))
            last[m.partition()] = m.offset()
            self.assertEqual(dict(m.headers())["i"], m.value())
            seen.append(int(m.value()))
        c.close()
        self.assertEqual(sorted(seen), list(range(10000)))
        for f in admin.delete_topics(["py-ck"]).values():
            f.result()

    def test_kafka_python(self):
        from kafka import KafkaConsumer, KafkaProducer, TopicPartition
        b = self.broker.bootstrap
        p = KafkaProducer(bootstrap_servers=b, compression_type="gzip")
        for i in range(1000):
            p.send("py-kp", key=b"k", value=str(i).encode())
        p.flush()
        c = KafkaConsumer(bootstrap_servers=b, consumer_timeout_ms=5000)
        c.assign([TopicPartition("py-kp", 0)])
        c.seek_to_beginning()
        values = [int(m.value) for m in c]
        self.assertEqual(values, list(range(1000)))


if __name__ == "__main__":
    unittest.main()
