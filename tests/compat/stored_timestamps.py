"""A broker-side check run after each client's scenarios (tests/compat/run): what the client
produced keeps its records across retention checks and is found by timestamp. Sarama 1.22
producers left their batches' max timestamp unset and magic 0 message sets carry none, and
retention once deleted such batches at its first check."""
import re

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient


def check(bootstrap, broker_log=None):
    """(status, reason) of the `stored_timestamps` operation."""
    if broker_log and re.search(r"retention deleted", broker_log):
        return "fail", "retention deleted records the client had just produced"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    topics = [t for t in admin.list_topics(timeout=10).topics.values() if not t.topic.startswith("__")]
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "compat-stored-timestamps",
                         "enable.auto.commit": False})
    try:
        checked, lost = 0, []
        for t in topics:
            for p in t.partitions:
                low, high = consumer.get_watermark_offsets(TopicPartition(t.topic, p), timeout=10)
                if high <= low:
                    continue
                found = consumer.offsets_for_times([TopicPartition(t.topic, p, 0)], timeout=10)[0].offset
                if found < 0 or found >= high:
                    consumer.assign([TopicPartition(t.topic, p, low)])
                    msg = consumer.poll(10)
                    if msg is not None and msg.timestamp()[1] < 0:
                        continue  # the client wrote no timestamps: none to find, as on Kafka
                    lost.append(f"{t.topic}-{p}")
                checked += 1
        if lost:
            return "fail", "not found by timestamp: " + ", ".join(sorted(lost)[:5])
        if not checked:
            return "fail", "no produced records to check"
        return "pass", f"{checked} partitions found by timestamp"
    finally:
        consumer.close()
