#!/usr/bin/env python3
"""kafka-python client session for traffic capture against a real Kafka broker.

usage: kafka_python_client.py BOOTSTRAP TOPIC
"""
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic

bootstrap = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:19092"
topic = sys.argv[2] if len(sys.argv) > 2 else "kafka-python-topic"
group = "kafka-python-group"

admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="kafka-python-admin")
admin.list_topics()
admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
time.sleep(0.5)

total = 0
for codec in [None, "gzip", "snappy", "lz4", "zstd"]:
    name = codec or "none"
    p = KafkaProducer(bootstrap_servers=bootstrap, client_id="kafka-python-producer-" + name,
                      compression_type=codec, acks="all", linger_ms=20)
    for i in range(3):
        p.send(topic, key=f"key-{i}".encode(), value=f"value {i} with {name} compression".encode(),
               headers=[("h1", b"v1"), ("codec", name.encode())])
        total += 1
    p.flush(timeout=30)
    p.close()

c = KafkaConsumer(topic, bootstrap_servers=bootstrap, client_id="kafka-python-consumer",
                  group_id=group, auto_offset_reset="earliest", enable_auto_commit=False,
                  heartbeat_interval_ms=500)
seen = 0
deadline = time.time() + 30
while seen < total and time.time() < deadline:
    for recs in c.poll(timeout_ms=500).values():
        seen += len(recs)
c.commit()
end = time.time() + 1.2  # let a heartbeat go out
while time.time() < end:
    c.poll(timeout_ms=200)
tp = TopicPartition(topic, 0)
c.committed(tp)
c.beginning_offsets([tp])
c.end_offsets([tp])
c.offsets_for_times({tp: 0})
c.close()
print(f"consumed {seen} of {total}", file=sys.stderr)



def call(name, *args):
    """kafka-python's admin API changed names between releases: try the ones we know."""
    fn = getattr(admin, name, None)
    if fn is None:
        print(f"admin.{name}: not in this kafka-python", file=sys.stderr)
        return
    try:
        fn(*args)
    except Exception as e:  # keep the session going: the capture is what matters
        print(f"admin.{name}: {e!r}", file=sys.stderr)


call("describe_cluster")
call("list_group_offsets", group) if hasattr(admin, "list_group_offsets") else \
    call("list_consumer_group_offsets", group)
call("describe_groups", [group]) if hasattr(admin, "describe_groups") else \
    call("describe_consumer_groups", [group])
call("list_groups") if hasattr(admin, "list_groups") else call("list_consumer_groups")
call("describe_configs", [ConfigResource(ConfigResourceType.TOPIC, topic)])
call("delete_groups", [group])
admin.delete_topics([topic])
admin.close()
print("kafka-python done", file=sys.stderr)
