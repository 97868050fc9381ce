"""The operations of the compatibility matrix, in report order, and how they group into
the broker-level operation table (the README's "what works" table)."""

# id -> label. Scenario programs name these ids in their result lines.
OPERATIONS = {
    "metadata": "Metadata / list brokers",
    "create_topic": "Create topic (partitions)",
    "create_topic_configs": "Create topic with configs",
    "produce_keys_headers": "Produce keys + headers",
    "produce_gzip": "Produce gzip",
    "produce_snappy": "Produce snappy",
    "produce_lz4": "Produce lz4",
    "produce_zstd": "Produce zstd",
    "produce_acks_0": "Produce acks=0",
    "produce_acks_1": "Produce acks=1",
    "produce_acks_all": "Produce acks=all",
    "produce_idempotent": "Idempotent producer",
    "consume_beginning": "Consume from beginning",
    "consume_offset": "Consume from an offset",
    "consume_timestamp": "Consume by timestamp",
    "list_offsets": "List offsets",
    "describe_configs": "Describe configs",
    "alter_configs": "Alter configs",
    "group_join": "Group: join",
    "group_rebalance": "Group: rebalance",
    "group_commit": "Group: commit",
    "group_resume": "Group: resume from commit",
    "group_describe": "Group: describe",
    "group_list": "Group: list",
    "group_reset_offsets": "Group: reset offsets",
    "group_delete": "Group: delete",
    "group_consumer_protocol": "Group: KIP-848 protocol (group.protocol=consumer)",
    "delete_records": "Delete records",
    "delete_topic": "Delete topic",
    "transactions": "Transactions (exactly-once)",
    "sasl_plain": "SASL/PLAIN",
    "tls": "TLS",
}

# The broker-level table: which operations each row stands for and the Kafka APIs behind it.
FEATURES = [
    ("Metadata", ["metadata"], ["Metadata", "ApiVersions", "DescribeCluster"]),
    ("Produce", ["produce_keys_headers", "produce_gzip", "produce_snappy", "produce_lz4", "produce_zstd",
                 "produce_acks_0", "produce_acks_1", "produce_acks_all", "produce_idempotent"],
     ["Produce", "InitProducerId"]),
    ("Fetch", ["consume_beginning", "consume_offset", "consume_timestamp"], ["Fetch"]),
    ("ListOffsets", ["list_offsets"], ["ListOffsets"]),
    ("CreateTopics", ["create_topic", "create_topic_configs"], ["CreateTopics"]),
    ("DeleteTopics", ["delete_topic"], ["DeleteTopics"]),
    ("DeleteRecords", ["delete_records"], ["DeleteRecords"]),
    ("DescribeConfigs", ["describe_configs"], ["DescribeConfigs"]),
    ("AlterConfigs", ["alter_configs"], ["AlterConfigs", "IncrementalAlterConfigs"]),
    ("Consumer groups", ["group_join", "group_rebalance", "group_commit", "group_resume", "group_describe",
                         "group_list", "group_reset_offsets", "group_delete", "group_consumer_protocol"],
     ["FindCoordinator", "JoinGroup", "SyncGroup", "Heartbeat", "LeaveGroup", "OffsetCommit", "OffsetFetch",
      "DescribeGroups", "ListGroups", "DeleteGroups", "OffsetDelete", "ConsumerGroupHeartbeat",
      "ConsumerGroupDescribe"]),
    ("Transactions", ["transactions"],
     ["AddPartitionsToTxn", "AddOffsetsToTxn", "EndTxn", "TxnOffsetCommit", "WriteTxnMarkers"]),
    ("SASL", ["sasl_plain"], ["SaslHandshake", "SaslAuthenticate"]),
    ("TLS", ["tls"], []),
]

STATUSES = ("pass", "fail", "unsupported")
