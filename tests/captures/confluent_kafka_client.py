#!/usr/bin/env python3
"""confluent-kafka-python (librdkafka) client session for traffic capture.

usage: confluent_kafka_client.py BOOTSTRAP TOPIC
"""
import sys
import time

from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

bootstrap = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:19092"
topic = sys.argv[2] if len(sys.argv) > 2 else "confluent-topic"
group = "confluent-group"

admin = AdminClient({"bootstrap.servers": bootstrap, "client.id": "confluent-admin"})
admin.list_topics(timeout=10)
for f in admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)]).values():
    f.result()
time.sleep(0.5)

total = 0
for codec in ["none", "gzip", "snappy", "lz4", "zstd"]:
    p = Producer({"bootstrap.servers": bootstrap, "client.id": "confluent-producer-" + codec,
                  "compression.type": codec, "acks": "all", "linger.ms": 20})
    for i in range(3):
        p.produce(topic, key=f"key-{i}", value=f"value {i} with {codec} compression",
                  headers=[("h1", b"v1"), ("codec", codec.encode())])
        total += 1
    assert p.flush(30) == 0

# Transactions
tp_ = Producer({"bootstrap.servers": bootstrap, "client.id": "confluent-txn-producer",
                "transactional.id": "confluent-txn"})
tp_.init_transactions(30)
tp_.begin_transaction()
for i in range(2):
    tp_.produce(topic, key=f"txn-key-{i}", value=f"txn value {i}", headers=[("txn", b"yes")])
tp_.commit_transaction(30)
tp_.begin_transaction()
tp_.produce(topic, key="aborted-key", value="aborted value")
tp_.flush(30)
tp_.abort_transaction(30)
total += 2

c = Consumer({"bootstrap.servers": bootstrap, "client.id": "confluent-consumer",
              "group.id": group, "auto.offset.reset": "earliest", "enable.auto.commit": False,
              "isolation.level": "read_committed", "heartbeat.interval.ms": 500})
c.subscribe([topic])
seen = 0
deadline = time.time() + 30
while seen < total and time.time() < deadline:
    m = c.poll(0.5)
    if m is not None and m.error() is None:
        seen += 1
c.commit(asynchronous=False)
end = time.time() + 1.2  # let a heartbeat go out
while time.time() < end:
    c.poll(0.2)
tp = TopicPartition(topic, 0)
c.committed([tp], timeout=10)
c.get_watermark_offsets(tp, timeout=10)
c.offsets_for_times([TopicPartition(topic, 0, 0)], timeout=10)
c.close()
print(f"consumed {seen} of {total}", file=sys.stderr)

admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[group].result()
admin.describe_consumer_groups([group])[group].result()
admin.list_consumer_groups().result()
for f in admin.describe_configs([ConfigResource("topic", topic)]).values():
    f.result()
for f in admin.delete_topics([topic], operation_timeout=10).values():
    f.result()
print("confluent-kafka done", file=sys.stderr)
