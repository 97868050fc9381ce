"""The operator's everyday work with Kafka's command-line tools, as one script that runs
the same way against each broker (tests/kafka_tools/run runs it against Kafka and Chronik
side by side and compares the outputs step by step).

`script(s)` calls s.step(id, tool, args, ...) for each command; a step returns the tool's
result (exit, stdout, stderr) so that later steps can use what earlier ones printed (a
topic id, say), and s.fork(...) runs a tool in a JVM of its own (the Verifiable* tools end
with System.exit and print from shutdown hooks). Ids are stable: the committed report and
the regression check key on them.
"""
import json
import re
import subprocess
import sys
import time

# Tool (the kafka-*.sh script operators type) -> its main class in Kafka 3.9.1.
TOOLS = {
    "kafka-topics": "org.apache.kafka.tools.TopicCommand",
    "kafka-configs": "kafka.admin.ConfigCommand",
    "kafka-console-producer": "kafka.tools.ConsoleProducer",
    "kafka-console-consumer": "org.apache.kafka.tools.consumer.ConsoleConsumer",
    "kafka-consumer-groups": "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
    "kafka-get-offsets": "org.apache.kafka.tools.GetOffsetShell",
    "kafka-delete-records": "org.apache.kafka.tools.DeleteRecordsCommand",
    "kafka-log-dirs": "org.apache.kafka.tools.LogDirsCommand",
    "kafka-features": "org.apache.kafka.tools.FeatureCommand",
    "kafka-metadata-quorum": "org.apache.kafka.tools.MetadataQuorumCommand",
    "kafka-cluster": "org.apache.kafka.tools.ClusterTool",
    "kafka-broker-api-versions": "kafka.admin.BrokerApiVersionsCommand",
    "kafka-leader-election": "org.apache.kafka.tools.LeaderElectionCommand",
    "kafka-reassign-partitions": "org.apache.kafka.tools.reassign.ReassignPartitionsCommand",
    "kafka-client-metrics": "org.apache.kafka.tools.ClientMetricsCommand",
    "kafka-acls": "kafka.admin.AclCommand",
    "kafka-transactions": "org.apache.kafka.tools.TransactionsCommand",
    "kafka-producer-perf-test": "org.apache.kafka.tools.ProducerPerformance",
    "kafka-verifiable-producer": "org.apache.kafka.tools.VerifiableProducer",
    "kafka-verifiable-consumer": "org.apache.kafka.tools.VerifiableConsumer",
}

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
ORDERS = "kt-orders"  # 3 partitions, keyed records, the consumer groups' topic
GROUP = "kt-group"


def keyed_lines(start, count, headers=False):
    """Keyed console-producer input (key TAB value, optionally headers first)."""
    lines = []
    for i in range(start, start + count):
        head = f"source:kt,seq:{i}\t" if headers else ""
        lines.append(f"{head}order-{i % 7}\tpayload-{i}")
    return "\n".join(lines) + "\n"


# A transactional producer (confluent-kafka) that writes 5 records in a transaction and waits.
OPEN_TRANSACTION = """
import sys
from confluent_kafka import Producer
p = Producer({"bootstrap.servers": sys.argv[1], "transactional.id": "kt-txn-left-open"})
p.init_transactions(60)
p.begin_transaction()
for _ in range(5):
    p.produce(sys.argv[2], value=b"never committed", partition=0)
assert p.flush(30) == 0
print("open", flush=True)
sys.stdin.read()
"""


def leave_transaction_open(bootstrap, topic):
    """Runs OPEN_TRANSACTION and kills it -9 once its records are written."""
    proc = subprocess.Popen([sys.executable, "-c", OPEN_TRANSACTION, bootstrap, topic], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        if line.strip() != "open":
            raise RuntimeError(f"the transactional producer did not write its records ({line!r})")
    finally:
        proc.kill()
        proc.wait()


def script(s):
    b = ["--bootstrap-server", s.bootstrap]
    admin = ["--command-config", s.admin_config]
    topics = lambda *a: ["kafka-topics", [*b, *admin, *a]]  # noqa: E731
    configs = lambda *a: ["kafka-configs", [*b, *admin, *a]]  # noqa: E731
    groups = lambda *a: ["kafka-consumer-groups", [*b, *admin, *a]]  # noqa: E731
    offsets = lambda *a: ["kafka-get-offsets", [*b, *admin, *a]]  # noqa: E731

    # --- topics
    s.step("topics-create", *topics("--create", "--topic", ORDERS, "--partitions", "3", "--replication-factor", "1"))
    s.step("topics-create-with-configs", *topics("--create", "--topic", "kt-compacted", "--partitions", "1",
                                                 "--config", "cleanup.policy=compact", "--config", "retention.ms=86400000"))
    s.step("topics-create-existing", *topics("--create", "--topic", ORDERS, "--partitions", "3"))
    s.step("topics-create-if-not-exists", *topics("--create", "--if-not-exists", "--topic", ORDERS, "--partitions", "3"))
    s.step("topics-create-invalid-name", *topics("--create", "--topic", "bad/name", "--partitions", "1"))
    s.step("topics-create-grow", *topics("--create", "--topic", "kt-grow", "--partitions", "1"))
    until(s, topics("--list"), "kt-grow")
    s.step("topics-list", *topics("--list"), sort=True)
    described = s.step("topics-describe", *topics("--describe", "--topic", ORDERS))
    m = re.search(r"TopicId: (\S+)", described["stdout"])
    s.step("topics-describe-by-id", *topics("--describe", "--topic-id", m.group(1) if m else "AAAAAAAAAAAAAAAAAAAAAA"))
    s.step("topics-describe-configs", *topics("--describe", "--topic", "kt-compacted"))
    s.step("topics-describe-missing", *topics("--describe", "--topic", "kt-no-such-topic"))
    s.step("topics-alter-partitions", *topics("--alter", "--topic", "kt-grow", "--partitions", "3"))
    until(s, topics("--describe", "--topic", "kt-grow"), "PartitionCount: 3")
    s.step("topics-describe-after-alter", *topics("--describe", "--topic", "kt-grow"))
    s.step("topics-alter-partitions-fewer", *topics("--alter", "--topic", "kt-grow", "--partitions", "2"))
    s.step("topics-describe-under-replicated", *topics("--describe", "--under-replicated-partitions"))
    s.step("topics-describe-unavailable", *topics("--describe", "--unavailable-partitions"))

    # --- configs
    s.step("configs-topic-describe", *configs("--describe", "--entity-type", "topics", "--entity-name", "kt-compacted"))
    s.step("configs-topic-describe-all", *configs("--describe", "--all", "--entity-type", "topics",
                                                  "--entity-name", ORDERS), sort=True)
    s.step("configs-topic-alter-add", *configs("--alter", "--entity-type", "topics", "--entity-name", ORDERS,
                                               "--add-config", "retention.ms=3600000,max.message.bytes=2000000"))
    until(s, configs("--describe", "--entity-type", "topics", "--entity-name", ORDERS), "retention.ms=3600000")
    s.step("configs-topic-describe-after-add", *configs("--describe", "--entity-type", "topics",
                                                        "--entity-name", ORDERS), sort=True)
    s.step("configs-topic-alter-delete", *configs("--alter", "--entity-type", "topics", "--entity-name", ORDERS,
                                                  "--delete-config", "retention.ms"))
    until(s, configs("--describe", "--entity-type", "topics", "--entity-name", ORDERS), "retention.ms=3600000",
          present=False)
    s.step("configs-topic-describe-after-delete", *configs("--describe", "--entity-type", "topics",
                                                           "--entity-name", ORDERS), sort=True)
    s.step("configs-topic-alter-invalid", *configs("--alter", "--entity-type", "topics", "--entity-name", ORDERS,
                                                   "--add-config", "retention.ms=not-a-number"))
    s.step("configs-topic-alter-unknown", *configs("--alter", "--entity-type", "topics", "--entity-name", ORDERS,
                                                   "--add-config", "no.such.config=1"))
    s.step("configs-broker-describe", *configs("--describe", "--entity-type", "brokers", "--entity-name", "1"))
    s.step("configs-broker-describe-all", *configs("--describe", "--all", "--entity-type", "brokers",
                                                   "--entity-name", "1"), sort=True)
    s.step("configs-broker-default-describe", *configs("--describe", "--entity-type", "brokers", "--entity-default"))
    s.step("configs-broker-loggers", *configs("--describe", "--entity-type", "broker-loggers", "--entity-name", "1"),
           sort=True)
    # SCRAM users (AlterUserScramCredentials / DescribeUserScramCredentials)
    users = lambda *a: configs(*a, "--entity-type", "users", "--entity-name", "kt-alice")  # noqa: E731
    s.step("configs-scram-add", *users("--alter", "--add-config", "SCRAM-SHA-256=[iterations=8192,password=kt-secret]"))
    s.step("configs-scram-add-512", *users("--alter", "--add-config", "SCRAM-SHA-512=[password=kt-secret]"))
    until(s, users("--describe"), "SCRAM-SHA-512=")
    # Kafka lists a user's mechanisms in no fixed order (seen both ways on Kafka itself).
    mechanisms_in_order = (r"are (SCRAM-[^,\s]+(?:, SCRAM-[^,\s]+)*)",
                           lambda m: "are " + ", ".join(sorted(m.group(1).split(", "))))
    s.step("configs-scram-describe", *users("--describe"), mask=[mechanisms_in_order])
    s.step("configs-scram-add-too-few-iterations",
           *configs("--alter", "--add-config", "SCRAM-SHA-256=[iterations=1000,password=x]", "--entity-type", "users",
                    "--entity-name", "kt-bob"))
    s.step("configs-scram-delete", *users("--alter", "--delete-config", "SCRAM-SHA-512"))
    until(s, users("--describe"), "SCRAM-SHA-512=", present=False)
    s.step("configs-scram-describe-after-delete", *users("--describe"))
    s.step("configs-scram-delete-missing", *users("--alter", "--delete-config", "SCRAM-SHA-512"))
    # Client quotas (AlterClientQuotas / DescribeClientQuotas)
    s.step("configs-quota-user-add", *users("--alter", "--add-config", "producer_byte_rate=1048576,consumer_byte_rate=2097152"))
    # (A CI run's describe right after this alter, on Kafka, showed none of alice's quotas.)
    until(s, users("--describe"), "producer_byte_rate=")
    s.step("configs-quota-user-describe", *users("--describe"), mask=[mechanisms_in_order])
    clients = lambda *a: configs(*a, "--entity-type", "clients", "--entity-name", "kt-app")  # noqa: E731
    s.step("configs-quota-client-add", *clients("--alter", "--add-config", "request_percentage=25.5"))
    until(s, clients("--describe"), "request_percentage=")
    s.step("configs-quota-client-describe", *clients("--describe"))
    s.step("configs-quota-user-client-add", *configs("--alter", "--add-config", "producer_byte_rate=4096", "--entity-type",
                                                     "users", "--entity-name", "kt-alice", "--entity-type", "clients",
                                                     "--entity-default"))
    until(s, configs("--describe", "--entity-type", "users", "--entity-name", "kt-alice", "--entity-type", "clients"),
          "producer_byte_rate=4096")
    s.step("configs-quota-user-client-describe", *configs("--describe", "--entity-type", "users", "--entity-name",
                                                          "kt-alice", "--entity-type", "clients"), sort=True)
    s.step("configs-quota-default-user-add", *configs("--alter", "--add-config", "consumer_byte_rate=1000",
                                                      "--entity-type", "users", "--entity-default"))
    until(s, configs("--describe", "--entity-type", "users"), "consumer_byte_rate=1000")
    s.step("configs-quota-users-describe", *configs("--describe", "--entity-type", "users"), sort=True,
           mask=[mechanisms_in_order])
    s.step("configs-quota-ip-add", *configs("--alter", "--add-config", "connection_creation_rate=50", "--entity-type",
                                            "ips", "--entity-name", "192.0.2.10"))
    until(s, configs("--describe", "--entity-type", "ips", "--entity-name", "192.0.2.10"), "connection_creation_rate=")
    s.step("configs-quota-ip-describe", *configs("--describe", "--entity-type", "ips", "--entity-name", "192.0.2.10"))
    s.step("configs-quota-invalid-key", *clients("--alter", "--add-config", "connection_creation_rate=5"))
    s.step("configs-quota-not-whole", *clients("--alter", "--add-config", "producer_byte_rate=1.5"))
    s.step("configs-quota-user-delete", *users("--alter", "--delete-config", "producer_byte_rate"))
    until(s, users("--describe"), "producer_byte_rate=", present=False)
    s.step("configs-quota-user-describe-after-delete", *users("--describe"), mask=[mechanisms_in_order])
    # The default user's quota throttles every later client of the script: gone again.
    s.step("configs-quota-default-user-delete", *configs("--alter", "--delete-config", "consumer_byte_rate",
                                                         "--entity-type", "users", "--entity-default"))

    # --- console producer and consumer, every codec, keys and headers
    for codec in CODECS:
        topic = f"kt-codec-{codec}"
        s.step(f"console-produce-{codec}", "kafka-console-producer",
               [*b, "--topic", topic, "--compression-codec", codec, "--property", "parse.key=true",
                "--property", "parse.headers=true"], stdin=keyed_lines(0, 20, headers=True))
        s.step(f"console-consume-{codec}", "kafka-console-consumer",
               [*b, "--topic", topic, "--from-beginning", "--max-messages", "20", "--timeout-ms", "20000",
                "--group", f"kt-console-{codec}", "--property", "print.key=true", "--property", "print.headers=true",
                "--property", "print.partition=true", "--property", "print.offset=true",
                "--property", "print.timestamp=true"])
    s.step("console-consume-partition-offset", "kafka-console-consumer",
           [*b, "--topic", "kt-codec-zstd", "--partition", "0", "--offset", "15", "--max-messages", "5",
            "--timeout-ms", "20000", "--property", "print.offset=true", "--property", "print.key=true"])

    # --- records for the consumer groups: a batch, a moment, another batch
    s.step("console-produce-orders-1", "kafka-console-producer",
           [*b, "--topic", ORDERS, "--property", "parse.key=true"], stdin=keyed_lines(0, 30))
    time.sleep(1.2)
    between = s.now_ms()
    time.sleep(1.2)
    s.step("console-produce-orders-2", "kafka-console-producer",
           [*b, "--topic", ORDERS, "--property", "parse.key=true", "--compression-codec", "lz4"],
           stdin=keyed_lines(30, 9))
    s.step("console-consume-group", "kafka-console-consumer",
           [*b, "--topic", ORDERS, "--from-beginning", "--max-messages", "39", "--timeout-ms", "20000",
            "--group", GROUP, "--property", "print.key=true", "--property", "print.partition=true"], sort=True)

    # --- get-offsets
    s.step("get-offsets-latest", *offsets("--topic", ORDERS, "--time", "-1"), sort=True)
    s.step("get-offsets-earliest", *offsets("--topic", ORDERS, "--time", "-2"), sort=True)
    # The record with the largest timestamp (KIP-734): three producers one after another, so
    # that no two records share a millisecond and the answer is one offset.
    s.quiet("kafka-topics", [*b, *admin, "--create", "--topic", "kt-times", "--partitions", "1"])
    for i in range(3):
        s.quiet("kafka-console-producer", [*b, "--topic", "kt-times"], stdin=f"record-{i}\n")
        time.sleep(0.01)
    s.step("get-offsets-max-timestamp", *offsets("--topic", "kt-times", "--time", "-3"), sort=True)
    s.step("get-offsets-timestamp", *offsets("--topic", ORDERS, "--time", str(between)), sort=True)
    s.step("get-offsets-partitions", *offsets("--topic-partitions", f"{ORDERS}:0,kt-codec-gzip:0"), sort=True)
    s.step("get-offsets-all-topics", *offsets("--exclude-internal-topics"), sort=True)

    # --- consumer groups
    s.step("groups-list", *groups("--list"), sort=True)
    s.step("groups-list-state", *groups("--list", "--state"), sort=True)
    s.step("groups-describe-offsets", *groups("--describe", "--group", GROUP, "--offsets"), sort=True)
    s.step("groups-describe-members", *groups("--describe", "--group", GROUP, "--members"), sort=True)
    s.step("groups-describe-state", *groups("--describe", "--group", GROUP, "--state"))
    s.step("groups-describe-all", *groups("--describe", "--all-groups"), sort=True)
    s.step("groups-describe-missing", *groups("--describe", "--group", "kt-no-such-group"))
    reset = lambda *a: groups("--reset-offsets", "--group", GROUP, *a)  # noqa: E731
    # Every reset mode, first as a dry run (prints the plan), then executed.
    modes = [("earliest", ["--to-earliest"]), ("latest", ["--to-latest"]), ("to-offset", ["--to-offset", "2"]),
             ("shift-by", ["--shift-by", "-1"]), ("to-datetime", ["--to-datetime", iso_utc(between)]),
             ("by-duration", ["--by-duration", "PT1H"]), ("to-current", ["--to-current"])]
    for name, mode in modes:
        s.step(f"groups-reset-{name}-dry-run", *reset("--topic", ORDERS, *mode, "--dry-run"), sort=True)
        s.step(f"groups-reset-{name}", *reset("--topic", ORDERS, *mode, "--execute"), sort=True)
        s.step(f"groups-describe-after-reset-{name}", *groups("--describe", "--group", GROUP, "--offsets"), sort=True)
    s.step("groups-reset-shift-by-past-start", *reset("--topic", ORDERS, "--shift-by", "-100", "--dry-run"), sort=True)
    s.step("groups-reset-to-offset-past-end", *reset("--topic", ORDERS, "--to-offset", "1000", "--dry-run"), sort=True)
    s.step("groups-reset-one-partition", *reset("--topic", f"{ORDERS}:1", "--to-offset", "1", "--execute"), sort=True)
    s.step("groups-reset-all-topics-export", *reset("--all-topics", "--to-latest", "--dry-run", "--export"), sort=True)
    s.step("groups-describe-after-resets", *groups("--describe", "--group", GROUP, "--offsets"), sort=True)
    s.step("groups-delete-offsets", *groups("--delete-offsets", "--group", GROUP, "--topic", ORDERS), sort=True)
    s.step("groups-delete", *groups("--delete", "--group", GROUP))
    s.step("groups-delete-missing", *groups("--delete", "--group", "kt-no-such-group"))
    s.step("groups-list-after-delete", *groups("--list"), sort=True)

    # A group with a live member: describe while a console consumer (its own JVM) is in it.
    live = s.fork_background("kafka-console-consumer",
                             [*b, "--topic", ORDERS, "--group", "kt-live", "--from-beginning", "--timeout-ms", "30000",
                              "--consumer-property", "client.id=kt-live-client",
                              # no commits while the group is described: its offsets stay "-"
                              "--consumer-property", "enable.auto.commit=false"])
    for _ in range(60):
        r = s.quiet("kafka-consumer-groups", [*b, *admin, "--describe", "--group", "kt-live", "--state"])
        if "Stable" in r["stdout"]:
            break
        time.sleep(0.5)
    s.step("groups-describe-live-members", *groups("--describe", "--group", "kt-live", "--members", "--verbose"),
           sort=True)
    s.step("groups-describe-live-offsets", *groups("--describe", "--group", "kt-live"), sort=True)
    s.step("groups-reset-live-refused", *groups("--reset-offsets", "--group", "kt-live", "--topic", ORDERS,
                                                "--to-earliest", "--execute"))
    s.step("groups-delete-live-refused", *groups("--delete", "--group", "kt-live"))
    s.stop_background(live)

    # --- delete-records, log-dirs
    s.step("delete-records", "kafka-delete-records", [*b, *admin, "--offset-json-file", s.file(
        "delete-records.json", json.dumps({"version": 1, "partitions": [{"topic": ORDERS, "partition": 0, "offset": 2}]}))])
    s.step("get-offsets-after-delete-records", *offsets("--topic", ORDERS, "--time", "-2"), sort=True)
    s.step("delete-records-beyond-end", "kafka-delete-records", [*b, *admin, "--offset-json-file", s.file(
        "delete-records-beyond.json",
        json.dumps({"version": 1, "partitions": [{"topic": ORDERS, "partition": 1, "offset": 100000}]}))])
    # Sizes on disk are the storage's own (Kafka's segments and indexes, Chronik's LevelDB).
    s.step("log-dirs-describe", "kafka-log-dirs", [*b, *admin, "--describe", "--topic-list", ORDERS], sort=True,
           mask=[(r'"size":\d+', '"size":"N"')])

    # --- cluster-level tools
    s.step("cluster-id", "kafka-cluster", ["cluster-id", *b, "--config", s.admin_config])
    s.step("broker-api-versions", "kafka-broker-api-versions", [*b, *admin])
    # The metadata log's offsets and epochs grow with time on Kafka.
    epoch = [(r"Epoch: \d+", "Epoch: N")]
    s.step("features-describe", "kafka-features", [*b, *admin, "describe"], mask=epoch)
    s.step("features-upgrade-dry-run", "kafka-features", [*b, *admin, "upgrade", "--release-version", "3.9", "--dry-run"])
    s.step("features-upgrade", "kafka-features", [*b, *admin, "upgrade", "--feature", "group.version=1"])
    s.step("metadata-quorum-status", "kafka-metadata-quorum", [*b, *admin, "describe", "--status"],
           mask=[(r"^HighWatermark: \d+", "HighWatermark: N")])
    s.step("metadata-quorum-replication", "kafka-metadata-quorum", [*b, *admin, "describe", "--replication"],
           mask=[(r"^(\d+ \S+) \d+ (\d+) ", r"\1 N \2 ")])
    s.step("leader-election-preferred-all", "kafka-leader-election",
           [*b, "--admin.config", s.admin_config, "--election-type", "preferred", "--all-topic-partitions"])
    s.step("leader-election-preferred-one", "kafka-leader-election",
           [*b, "--admin.config", s.admin_config, "--election-type", "preferred", "--topic", ORDERS, "--partition", "0"])
    reassignment = s.file("reassignment.json", json.dumps({"version": 1, "partitions": [
        {"topic": ORDERS, "partition": p, "replicas": [1], "log_dirs": ["any"]} for p in range(3)]}))
    s.step("reassign-generate", "kafka-reassign-partitions",
           [*b, *admin, "--generate", "--broker-list", "1", "--topics-to-move-json-file",
            s.file("to-move.json", json.dumps({"version": 1, "topics": [{"topic": ORDERS}]}))])
    s.step("reassign-execute-same-replicas", "kafka-reassign-partitions",
           [*b, *admin, "--execute", "--reassignment-json-file", reassignment])
    s.step("reassign-verify", "kafka-reassign-partitions", [*b, *admin, "--verify", "--reassignment-json-file", reassignment])
    s.step("reassign-list", "kafka-reassign-partitions", [*b, *admin, "--list"])
    s.step("client-metrics-alter", "kafka-client-metrics",
           [*b, *admin, "--alter", "--name", "kt-metrics", "--metrics", "org.apache.kafka.producer.",
            "--interval", "60000"])
    until(s, ["kafka-client-metrics", [*b, *admin, "--describe", "--name", "kt-metrics"]], "interval.ms=60000")
    s.step("client-metrics-describe", "kafka-client-metrics", [*b, *admin, "--describe", "--name", "kt-metrics"])
    s.step("client-metrics-list", "kafka-client-metrics", [*b, *admin, "--list"])
    s.step("client-metrics-delete", "kafka-client-metrics", [*b, *admin, "--delete", "--name", "kt-metrics"])
    # --- ACLs (both brokers run Kafka's StandardAuthorizer; the tools' principal is a super user)
    # kafka-acls prints what it adds or removes from a hash set, in an order of the JVM run's:
    # every step's lines are compared as sets.
    acls = lambda *a: ["kafka-acls", [*b, *admin, *a]]  # noqa: E731
    s.step("acls-list", *acls("--list"), sort=True)
    s.step("acls-add-topic-read", *acls("--add", "--allow-principal", "User:kt-alice", "--operation", "Read",
                                        "--operation", "Describe", "--topic", ORDERS), sort=True)
    s.step("acls-add-prefixed-deny", *acls("--add", "--deny-principal", "User:kt-mallory", "--deny-host", "10.0.0.66",
                                           "--operation", "Write", "--topic", "kt-", "--resource-pattern-type",
                                           "prefixed"), sort=True)
    s.step("acls-add-group", *acls("--add", "--allow-principal", "User:kt-alice", "--operation", "Read",
                                   "--group", GROUP), sort=True)
    s.step("acls-add-producer", *acls("--add", "--producer", "--allow-principal", "User:kt-bob", "--topic", ORDERS,
                                      "--transactional-id", "kt-bob-txn"), sort=True)
    s.step("acls-add-consumer", *acls("--add", "--consumer", "--allow-principal", "User:kt-carol", "--topic", ORDERS,
                                      "--group", "kt-carol-group"), sort=True)
    s.step("acls-add-cluster", *acls("--add", "--allow-principal", "User:kt-ops", "--operation", "DescribeConfigs",
                                     "--cluster"), sort=True)
    s.step("acls-add-invalid-operation", *acls("--add", "--allow-principal", "User:kt-alice", "--operation",
                                               "IdempotentWrite", "--topic", ORDERS), sort=True)
    s.step("acls-list-all", *acls("--list"), sort=True)
    s.step("acls-list-topic", *acls("--list", "--topic", ORDERS), sort=True)
    s.step("acls-list-principal", *acls("--list", "--principal", "User:kt-alice"), sort=True)
    s.step("acls-list-prefixed-match", *acls("--list", "--topic", "kt-orders-eu", "--resource-pattern-type", "match"),
           sort=True)
    s.step("acls-remove-group", *acls("--remove", "--force", "--allow-principal", "User:kt-alice", "--operation",
                                      "Read", "--group", GROUP), sort=True)
    s.step("acls-remove-principal-topic", *acls("--remove", "--force", "--topic", ORDERS, "--allow-principal",
                                                "User:kt-bob"), sort=True)
    # A list right after a removal showed the removed ACLs on Kafka (a dry run's did).
    acls_gone(s, acls, ["--topic", ORDERS], "User:kt-bob")
    acls_gone(s, acls, ["--group", GROUP], "User:kt-alice")
    s.step("acls-list-after-remove", *acls("--list"), sort=True)
    s.step("acls-remove-all", *acls("--remove", "--force", "--topic", "kt-", "--resource-pattern-type", "any"), sort=True)
    acls_gone(s, acls, [], "User:kt-mallory")
    s.step("acls-list-end", *acls("--list"), sort=True)

    # --- transactions: what kafka-transactions shows after a transactional producer's run
    txn = lambda *a: ["kafka-transactions", [*b, "--command-config", s.admin_config, *a]]  # noqa: E731
    s.step("topics-create-txn", *topics("--create", "--topic", "kt-txn", "--partitions", "1"))
    perf = s.fork("kafka-producer-perf-test",
                  ["--topic", "kt-txn", "--num-records", "500", "--record-size", "100", "--throughput", "-1",
                   "--transactional-id", "kt-txn-producer", "--transaction-duration-ms", "100",
                   "--producer-props", f"bootstrap.servers={s.bootstrap}"], timeout=120)
    s.record("producer-perf-test-transactional", "kafka-producer-perf-test",
             ["--topic", "kt-txn", "--num-records", "500", "--transactional-id", "kt-txn-producer"],
             {"exit": perf["exit"], "stdout": "500 records sent" if "500 records sent" in perf["stdout"] else
              perf["stdout"][-2000:], "stderr": ""})
    # Producer ids are each broker's own; the last record's time, and how long ago the last
    # transaction started, are the run's.
    pid = [(r"^(kt-txn-producer \d+ )\d+", r"\1PID"), (r"^(\d+ kt-txn-producer )\d+", r"\1PID"),
           (r"^\d+ (\d+ -?\d+ -?\d+ TIMESTAMP)", r"PID \1"), (r"(\d+ TIMESTAMP )\d+$", r"\1MS")]
    # The last transaction's markers are written after its EndTxn answered (Kafka: a moment later).
    for _ in range(40):
        if "CompleteCommit" in s.quiet(*txn("describe", "--transactional-id", "kt-txn-producer"))["stdout"]:
            break
        time.sleep(0.25)
    s.step("transactions-list", *txn("list"), mask=pid)
    s.step("transactions-describe", *txn("describe", "--transactional-id", "kt-txn-producer"), mask=pid)
    s.step("transactions-describe-missing", *txn("describe", "--transactional-id", "kt-no-such-txn"))
    s.step("transactions-describe-producers", *txn("describe-producers", "--topic", "kt-txn", "--partition", "0"),
           mask=pid)
    s.step("transactions-find-hanging", *txn("find-hanging", "--broker-id", "1"))
    s.step("transactions-abort-none-open", *txn("abort", "--topic", "kt-txn", "--partition", "0", "--start-offset", "0"))
    # A producer killed -9 inside its transaction leaves it open on the partition; the operator
    # finds it and aborts it there, without waiting for its timeout.
    s.step("topics-create-txn-open", *topics("--create", "--topic", "kt-txn-open", "--partitions", "1"))
    leave_transaction_open(s.bootstrap, "kt-txn-open")
    s.step("transactions-describe-producers-open",
           *txn("describe-producers", "--topic", "kt-txn-open", "--partition", "0"), mask=pid)
    s.step("transactions-abort-open", *txn("abort", "--topic", "kt-txn-open", "--partition", "0", "--start-offset", "0"))
    s.step("transactions-describe-producers-aborted",
           *txn("describe-producers", "--topic", "kt-txn-open", "--partition", "0"), mask=pid)
    s.step("console-consumer-read-committed-after-abort", "kafka-console-consumer",
           [*b, "--topic", "kt-txn-open", "--from-beginning", "--isolation-level", "read_committed",
            "--timeout-ms", "5000"])

    # --- verifiable producer and consumer: every acknowledged record consumed exactly once
    s.step("topics-create-verify", *topics("--create", "--topic", "kt-verify", "--partitions", "3"))
    produced = s.fork("kafka-verifiable-producer",
                      [*b, "--topic", "kt-verify", "--max-messages", "2000", "--acks", "-1"], timeout=120)
    consumed = s.fork("kafka-verifiable-consumer",
                      [*b, "--topic", "kt-verify", "--group-id", "kt-verify-group", "--max-messages", "2000",
                       "--reset-policy", "earliest", "--enable-autocommit"], timeout=120)
    s.record("verifiable-producer-consumer", "kafka-verifiable-producer + kafka-verifiable-consumer",
             ["--topic", "kt-verify", "--max-messages", "2000"], verify_exactly_once(produced, consumed))

    # --- delete topics last
    s.step("topics-delete", *topics("--delete", "--topic", "kt-compacted"))
    s.step("topics-delete-missing", *topics("--delete", "--topic", "kt-no-such-topic"))
    s.step("topics-list-exclude-internal", *topics("--list", "--exclude-internal"), sort=True)


def until(s, command, text, present=True, attempts=20):
    """Waits (quietly, up to 5 s) until the output of `command` (a tool and its arguments)
    shows `text` (or no longer does). Kafka answers a change to its metadata (a topic, a
    config, a quota, an ACL) once its controller has committed it, and the broker that
    describes it catches up a moment later; the script waits after each change it then
    describes, so that both brokers are compared on what they answer once settled."""
    for _ in range(attempts):
        if (text in s.quiet(*command)["stdout"]) == present:
            return
        time.sleep(0.25)


def acls_gone(s, acls, selector, principal):
    """Waits until `kafka-acls --list <selector>` no longer names `principal`."""
    until(s, acls("--list", *selector), principal, present=False)


def iso_utc(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{ms % 1000:03d}Z"


def json_events(text):
    for line in text.splitlines():
        try:
            yield json.loads(line)
        except ValueError:
            continue


def verify_exactly_once(produced, consumed):
    """The verifiable tools' events reduced to what must agree: counts, losses, duplicates."""
    acked = [(e["partition"], e["offset"]) for e in json_events(produced["stdout"])
             if e.get("name") == "producer_send_success"]
    failed = sum(e.get("name") == "producer_send_error" for e in json_events(produced["stdout"]))
    seen = {}
    for e in json_events(consumed["stdout"]):
        if e.get("name") != "records_consumed":
            continue
        for p in e.get("partitions", []):
            for off in range(p["minOffset"], p["maxOffset"] + 1):
                key = (p["partition"], off)
                seen[key] = seen.get(key, 0) + 1
    lost = sum(1 for k in acked if k not in seen)
    duplicated = sum(1 for n in seen.values() if n > 1)
    lines = [f"acked {len(acked)}, send errors {failed}, consumed {sum(seen.values())}, "
             f"lost {lost}, duplicated {duplicated}"]
    ok = len(acked) == 2000 and not failed and not lost and not duplicated
    return {"exit": 0 if ok and produced["exit"] == 0 else 1, "stdout": "\n".join(lines) + "\n",
            "stderr": (produced.get("error") or "") + (consumed.get("error") or "")}
