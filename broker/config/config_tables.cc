// The broker and topic config tables. Names, types and defaults are Kafka's (3.9), except
// where marked "Chronik": node.id defaults to 1, listeners to loopback, log.dir to
// ./chronik-data, and the admin.* keys are ours.
#include <arpa/inet.h>

#include <array>
#include <charconv>

#include "broker/config/broker_config.h"
#include "broker/config/connection_overrides.h"
#include "broker/config/topic_validators.h"

namespace chronik::config {
namespace {

using T = ConfigType;

std::optional<std::string> valid_listeners(const ConfigValue& v) {
  if (auto* s = std::get_if<std::string>(&v)) {
    try {
      parse_listeners("", *s);
    } catch (const ConfigError& e) {
      std::string what = e.what();
      size_t colon = what.find(": ");
      return colon == std::string::npos ? what : what.substr(colon + 2);
    }
  }
  return std::nullopt;
}

std::optional<std::string> valid_protocol_map(const ConfigValue& v) {
  if (auto* s = std::get_if<std::string>(&v)) {
    size_t start = 0;
    while (start <= s->size()) {
      size_t comma = s->find(',', start);
      std::string e = s->substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      size_t colon = e.find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == e.size())
        return "Map entry '" + e + "' is not of the form LISTENER:PROTOCOL";
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return std::nullopt;
}

const std::vector<std::string_view> kCompression = {"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"};
const std::vector<std::string_view> kTimestampType = {"CreateTime", "LogAppendTime"};
const std::vector<std::string_view> kCleanupPolicy = {"compact", "delete"};
const std::vector<std::string_view> kRebalanceProtocols = {"classic", "consumer"};
const std::vector<std::string_view> kServerAssignors = {"uniform", "range"};

// max.connections.per.ip.overrides: "address:count,...". Chronik matches a client's address
// as it is, so a host name (which Kafka would resolve) is refused rather than never matched.
std::optional<std::string> valid_connection_overrides(const ConfigValue& v) {
  const auto* text = std::get_if<std::string>(&v);
  if (text == nullptr) return std::nullopt;
  for (const auto& o : split_connection_overrides(*text)) {
    const std::string address(o.address);
    unsigned char buffer[16];
    const bool ip = ::inet_pton(AF_INET, address.c_str(), buffer) == 1 || ::inet_pton(AF_INET6, address.c_str(), buffer) == 1;
    int64_t count = -1;
    const auto [end, ec] = std::from_chars(o.count.data(), o.count.data() + o.count.size(), count);
    if (!ip || o.count.empty() || ec != std::errc() || end != o.count.data() + o.count.size() || count < 0 ||
        count > 2147483647)
      return "entries are IP address:count (host names are not resolved), not '" + std::string(o.entry) + "'";
  }
  return std::nullopt;
}

Validator custom(std::optional<std::string> (*check)(const ConfigValue&)) {
  return Validator{std::nullopt, std::nullopt, {}, check};
}

const std::vector<ConfigKey>& broker_table() {
  static const std::vector<ConfigKey> table = {
      // Server basics.
      {"node.id", T::kInt, "1", at_least(0), "The node id of this broker (Chronik default: 1)."},
      {"broker.rack", T::kString, std::nullopt, {}, "Rack of the broker, shown in metadata."},
      // Sockets.
      {"listeners", T::kString, "PLAINTEXT://127.0.0.1:9092", {std::nullopt, std::nullopt, {}, valid_listeners},
       "Comma-separated NAME://host:port the broker listens on (Chronik default: loopback)."},
      {"advertised.listeners", T::kString, std::nullopt, {std::nullopt, std::nullopt, {}, valid_listeners},
       "Listeners given to clients in metadata; null means `listeners`.", true},
      {"listener.security.protocol.map", T::kString,
       "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
       {std::nullopt, std::nullopt, {}, valid_protocol_map},
       "Map from listener name to security protocol.", true},
      {"num.network.threads", T::kInt, "3", at_least(1),
       "Threads serving connections; they also handle Produce and Fetch.", true},
      {"num.io.threads", T::kInt, "8", at_least(1),
       "Threads handling other requests, and Produce when log.flush.interval.messages is set.", true},
      {"socket.send.buffer.bytes", T::kInt, "102400", {}, "SO_SNDBUF; -1 for the OS default."},
      {"socket.receive.buffer.bytes", T::kInt, "102400", {}, "SO_RCVBUF; -1 for the OS default."},
      {"socket.request.max.bytes", T::kInt, "104857600", at_least(1), "Largest request frame accepted."},
      {"queued.max.requests", T::kInt, "500", at_least(1), "Requests queued per connection before reading stops."},
      {"connections.max.idle.ms", T::kLong, "600000", {}, "Idle connections are closed after this."},
      {"max.connections", T::kInt, kIntMax, at_least(0), "Maximum connections in total.", true},
      {"max.connections.per.ip", T::kInt, kIntMax, at_least(0), "Maximum connections per client address.", true},
      {"max.connections.per.ip.overrides", T::kString, "", custom(valid_connection_overrides),
       "Per-address exceptions to max.connections.per.ip: comma-separated address:count.", true},
      {"sasl.enabled.mechanisms", T::kList, "GSSAPI", {},
       "SASL mechanisms enabled (Chronik serves PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER); "
       "per listener: listener.name.<listener>.sasl.enabled.mechanisms.", true},
      {"sasl.jaas.config", T::kPassword, std::nullopt, {},
       "JAAS login context of SASL (PLAIN's users: org.apache.kafka.common.security.plain.PlainLoginModule "
       "required user_<name>=\"<password>\";). Per listener and mechanism: "
       "listener.name.<listener>.<mechanism>.sasl.jaas.config.", true},
      {"sasl.server.callback.handler.class", T::kString, std::nullopt, {},
       "Per listener and mechanism (listener.name.<listener>.oauthbearer.sasl.server.callback.handler.class): "
       "Kafka's OAuthBearerValidatorCallbackHandler validates signed OAUTHBEARER tokens; unset, unsecured ones.",
       true},
      // OAUTHBEARER with signed tokens (KIP-768; core/oauthbearer.h).
      {"sasl.oauthbearer.jwks.endpoint.url", T::kString, std::nullopt, {},
       "The JWKS whose keys sign OAUTHBEARER tokens: Chronik reads a file (file:/path), again at every login.",
       true},
      {"sasl.oauthbearer.expected.audience", T::kList, std::nullopt, {}, "Audiences a token's aud must name one of.", true},
      {"sasl.oauthbearer.expected.issuer", T::kString, std::nullopt, {}, "The issuer a token's iss must be.", true},
      {"sasl.oauthbearer.sub.claim.name", T::kString, "sub", {}, "The claim naming the token's principal.", true},
      {"sasl.oauthbearer.scope.claim.name", T::kString, "scope", {}, "The claim holding the token's scope.", true},
      {"sasl.oauthbearer.clock.skew.seconds", T::kInt, "30", at_least(0),
       "Clock difference allowed between the token's issuer and the broker.", true},
      {"sasl.server.max.receive.size", T::kInt, "524288", at_least(1),
       "Largest request frame accepted from a SASL listener's connection before it has authenticated.", true},
      {"connection.failed.authentication.delay.ms", T::kInt, "100", at_least(0),
       "How long a connection whose authentication failed waits before it is closed."},
      // Client quotas: the windows byte rates are measured over (core/client_quota_manager.h).
      {"quota.window.num", T::kInt, "11", at_least(1),
       "The number of samples to retain in memory for client quotas."},
      {"quota.window.size.seconds", T::kInt, "1", at_least(1), "The time span of each sample for client quotas."},
      {"connections.max.reauth.ms", T::kLong, "0", {},
       "Longest SASL session before the client must re-authenticate (KIP-368); 0 for no limit."},
      {"ssl.keystore.type", T::kString, "JKS", {}, "Key store format; Chronik reads PEM.", true},
      {"ssl.keystore.location", T::kString, std::nullopt, {}, "The key store file (PEM: key and certificate chain).",
       true},
      {"ssl.keystore.password", T::kPassword, std::nullopt, {}, "Password of the key store file.", true},
      {"ssl.keystore.certificate.chain", T::kPassword, std::nullopt, {},
       "The certificate chain in PEM, given inline instead of ssl.keystore.location.", true},
      {"ssl.keystore.key", T::kPassword, std::nullopt, {},
       "The private key in PEM, given inline instead of ssl.keystore.location.", true},
      {"ssl.key.password", T::kPassword, std::nullopt, {}, "Password of an encrypted private key.", true},
      {"ssl.truststore.type", T::kString, "JKS", {}, "Trust store format; Chronik reads PEM.", true},
      {"ssl.truststore.location", T::kString, std::nullopt, {}, "The trust store file (PEM certificates).", true},
      {"ssl.truststore.password", T::kPassword, std::nullopt, {}, "Password of the trust store file.", true},
      {"ssl.truststore.certificates", T::kPassword, std::nullopt, {},
       "Trusted certificates in PEM, given inline instead of ssl.truststore.location.", true},
      {"ssl.client.auth", T::kString, "none", one_of({"required", "requested", "none"}),
       "Whether TLS listeners ask clients for a certificate.", true},
      {"ssl.enabled.protocols", T::kList, "TLSv1.2,TLSv1.3", {}, "TLS versions enabled.", true},
      {"ssl.protocol", T::kString, "TLSv1.3", {}, "The TLS protocol of the context.", true},
      {"ssl.cipher.suites", T::kList, "", {}, "TLS cipher suites enabled; empty for the library's defaults.", true},
      {"ssl.principal.mapping.rules", T::kString, "DEFAULT", {},
       "Rules mapping a client certificate's distinguished name to a principal name.", false},
      {"ssl.allow.dn.changes", T::kBoolean, "false", {},
       "Whether a key store altered at run time may change the certificate's distinguished name."},
      {"ssl.allow.san.changes", T::kBoolean, "false", {},
       "Whether a key store altered at run time may change the certificate's subject alternative names."},
      {"ssl.endpoint.identification.algorithm", T::kString, "https", {},
       "Endpoint identification of peers (a client setting; brokers check it only between brokers).", true},
      // Chronik's admin endpoint.
      {"admin.listeners", T::kList, "http://127.0.0.1:9644", {},
       "Chronik: comma-separated http://host:port of the admin and metrics endpoint."},
      {"admin.auth.token", T::kPassword, std::nullopt, {},
       "Chronik: when set, every admin endpoint but health requires Authorization: Bearer <token>. "
       "Give it as ${env:NAME}, ${file:path:key} or ${dir:path:file} to keep it off the command line."},
      {"admin.allowed.hosts", T::kList, "", {},
       "Chronik: host names the admin endpoint answers to besides its own (IP addresses, localhost, "
       "the listener and advertised hosts, the machine's host name); * allows any Host header."},
      {"admin.max.body.bytes", T::kInt, "1048576", at_least(0),
       "Chronik: larger admin request bodies are refused with 413."},
      {"admin.idle.timeout.ms", T::kLong, "30000", at_least(1),
       "Chronik: admin HTTP connections idle (or sending a request) this long are closed."},
      // Log basics.
      {"log.dirs", T::kString, std::nullopt, {}, "Comma-separated data dirs; null means `log.dir`."},
      {"log.dir", T::kString, "./chronik-data", {}, "The data dir when log.dirs is null (Chronik default)."},
      {"num.partitions", T::kInt, "1", at_least(1), "Partitions of auto-created topics."},
      {"default.replication.factor", T::kInt, "1", {}, "Replication factor of auto-created topics."},
      {"auto.create.topics.enable", T::kBoolean, "true", {}, "Create topics on Metadata/Produce for unknown names."},
      {"delete.topic.enable", T::kBoolean, "true", {}, "Whether DeleteTopics is allowed."},
      {"message.max.bytes", T::kInt, "1048588", at_least(0), "Largest record batch accepted.", true,
       "max.message.bytes"},
      {"fetch.max.bytes", T::kInt, "57671680", at_least(1024),
       "Record bytes one fetch response returns at most: a request's max_bytes is capped to it "
       "(its first batch is returned whatever its size)."},
      {"queued.max.fetch.bytes", T::kLong, "268435456", at_least(-1),
       "Chronik: record bytes that fetch responses not yet written to their clients hold, broker-wide; "
       "past it a fetch returns its first batch only, and a connection with a fetch response unsent "
       "is not read from until it is written. -1 for no bound.",
       true},
      // Retention and segments.
      {"log.retention.ms", T::kLong, std::nullopt, {}, "Retention time; takes precedence over minutes and hours.",
       true, "retention.ms"},
      {"log.retention.minutes", T::kInt, std::nullopt, {}, "Retention time in minutes; precedence over hours.",
       false, "retention.ms", 60000},
      {"log.retention.hours", T::kInt, "168", {}, "Retention time in hours.", false, "retention.ms", 3600000},
      {"log.retention.bytes", T::kLong, "-1", {}, "Retention size per partition; -1 for none.", true,
       "retention.bytes"},
      {"log.retention.check.interval.ms", T::kLong, "300000", at_least(1), "How often retention runs."},
      {"log.segment.bytes", T::kInt, "1073741824", at_least(14), "Segment size (kept for compatibility).", true,
       "segment.bytes"},
      {"log.roll.ms", T::kLong, std::nullopt, {}, "Segment roll time; precedence over hours.", true, "segment.ms"},
      {"log.roll.hours", T::kInt, "168", at_least(1), "Segment roll time in hours.", false, "segment.ms", 3600000},
      {"log.roll.jitter.ms", T::kLong, std::nullopt, {}, "Segment roll jitter.", true, "segment.jitter.ms"},
      {"log.roll.jitter.hours", T::kInt, "0", at_least(0), "Segment roll jitter in hours.", false,
       "segment.jitter.ms", 3600000},
      {"log.index.size.max.bytes", T::kInt, "10485760", at_least(4), "Offset index size (compatibility).", true,
       "segment.index.bytes"},
      {"log.index.interval.bytes", T::kInt, "4096", at_least(0), "Index interval (compatibility).", true,
       "index.interval.bytes"},
      {"log.segment.delete.delay.ms", T::kLong, "60000", at_least(0), "Delay before deleting files.", true,
       "file.delete.delay.ms"},
      {"log.cleanup.policy", T::kList, "delete", one_of(kCleanupPolicy), "Default cleanup policy.", true,
       "cleanup.policy"},
      {"log.cleaner.delete.retention.ms", T::kLong, "86400000", at_least(0), "Tombstone retention.", true,
       "delete.retention.ms"},
      {"log.cleaner.min.compaction.lag.ms", T::kLong, "0", at_least(0), "Minimum compaction lag.", true,
       "min.compaction.lag.ms"},
      {"log.cleaner.max.compaction.lag.ms", T::kLong, kLongMax, at_least(1), "Maximum compaction lag.", true,
       "max.compaction.lag.ms"},
      {"log.cleaner.min.cleanable.ratio", T::kDouble, "0.5", between(0, 1), "Minimum dirty ratio to compact.", true,
       "min.cleanable.dirty.ratio"},
      {"log.preallocate", T::kBoolean, "false", {}, "Preallocate segment files (compatibility).", true,
       "preallocate"},
      // Flushing.
      {"log.flush.interval.messages", T::kLong, kLongMax, at_least(1),
       "Records accumulated on a partition before an fsync.", true, "flush.messages"},
      {"log.flush.interval.ms", T::kLong, std::nullopt, {},
       "Maximum time data stays unflushed; null means log.flush.scheduler.interval.ms.", true, "flush.ms"},
      {"log.flush.scheduler.interval.ms", T::kLong, kLongMax, {}, "How often the flusher runs.", false,
       "flush.ms"},
      // Records.
      {"log.message.timestamp.type", T::kString, "CreateTime", one_of(kTimestampType),
       "Timestamp type of stored records.", true, "message.timestamp.type"},
      {"log.message.timestamp.difference.max.ms", T::kLong, kLongMax, at_least(0),
       "Deprecated: maximum difference between record and broker time.", true,
       "message.timestamp.difference.max.ms"},
      {"log.message.timestamp.before.max.ms", T::kLong, kLongMax, at_least(0),
       "How far a record timestamp may lie before the broker's time.", true, "message.timestamp.before.max.ms"},
      {"log.message.timestamp.after.max.ms", T::kLong, kLongMax, at_least(0),
       "How far a record timestamp may lie after the broker's time.", true, "message.timestamp.after.max.ms"},
      {"log.message.downconversion.enable", T::kBoolean, "true", {}, "Down-convert for old fetch versions.", true,
       "message.downconversion.enable"},
      {"compression.type", T::kString, "producer", one_of(kCompression),
       "Compression of stored batches; producer keeps the producer's.", true, "compression.type"},
      {"compression.gzip.level", T::kInt, "-1", custom(valid_gzip_level),
       "Default gzip level of topics (no effect: see compression.type).", true, "compression.gzip.level"},
      {"compression.lz4.level", T::kInt, "9", between(1, 17),
       "Default lz4 level of topics (no effect: see compression.type).", true, "compression.lz4.level"},
      {"compression.zstd.level", T::kInt, "3", between(-131072, 22),
       "Default zstd level of topics (no effect: see compression.type).", true, "compression.zstd.level"},
      {"log.message.format.version", T::kString, "3.0-IV1", custom(valid_message_format_version),
       "Deprecated, ignored as by Kafka 3.x: every record is stored in the v2 format.", false,
       "message.format.version"},
      {"log.local.retention.ms", T::kLong, "-2", at_least(-2),
       "Tiered storage's local retention time (no tiered storage in Chronik: no effect).", true,
       "local.retention.ms"},
      {"log.local.retention.bytes", T::kLong, "-2", at_least(-2),
       "Tiered storage's local retention size (no tiered storage in Chronik: no effect).", true,
       "local.retention.bytes"},
      {"remote.log.storage.system.enable", T::kBoolean, "false", {},
       "Tiered storage; Chronik has none, so topics cannot enable remote.storage.enable."},
      {"min.insync.replicas", T::kInt, "1", at_least(1), "Minimum in-sync replicas for acks=all.", true,
       "min.insync.replicas"},
      {"unclean.leader.election.enable", T::kBoolean, "false", {}, "Unclean leader election.", true,
       "unclean.leader.election.enable"},
      // Replication quotas: dynamic per-broker keys kafka-reassign-partitions sets and clears
      // (--throttle, --verify). One broker replicates nothing, so they have no effect; as on
      // Kafka, DescribeConfigs lists them only once set.
      {"leader.replication.throttled.rate", T::kLong, kLongMax, at_least(0),
       "Replication bytes/s a leader sends for throttled replicas (one broker: no effect).", true, {}, 1, false},
      {"follower.replication.throttled.rate", T::kLong, kLongMax, at_least(0),
       "Replication bytes/s a follower fetches for throttled replicas (one broker: no effect).", true, {}, 1, false},
      {"replica.alter.log.dirs.io.max.bytes.per.second", T::kLong, kLongMax, at_least(0),
       "Bytes/s of moving replicas between log dirs (one log dir: no effect).", true, {}, 1, false},
      // Groups and offsets.
      {"offsets.retention.minutes", T::kInt, "10080", at_least(1), "Retention of committed offsets of empty groups."},
      {"offsets.retention.check.interval.ms", T::kLong, "600000", at_least(1), "How often stale offsets are removed."},
      {"offsets.topic.num.partitions", T::kInt, "50", at_least(1), "Partitions of __consumer_offsets."},
      {"offsets.topic.replication.factor", T::kShort, "3", at_least(1), "Replication of __consumer_offsets."},
      {"offset.metadata.max.bytes", T::kInt, "4096", {}, "Largest offset commit metadata."},
      {"group.initial.rebalance.delay.ms", T::kInt, "3000", {}, "Delay of the first rebalance of a new group."},
      {"group.min.session.timeout.ms", T::kInt, "6000", {}, "Smallest session timeout allowed."},
      {"group.max.session.timeout.ms", T::kInt, "1800000", {}, "Largest session timeout allowed."},
      {"group.max.size", T::kInt, kIntMax, at_least(1), "Maximum members of a group."},
      // KIP-848 consumer groups (ConsumerGroupHeartbeat).
      {"group.coordinator.rebalance.protocols", T::kList, "classic,consumer", one_of(kRebalanceProtocols),
       "Group protocols the coordinator serves."},
      {"group.consumer.session.timeout.ms", T::kInt, "45000", at_least(1), "Session timeout of consumer group members."},
      {"group.consumer.heartbeat.interval.ms", T::kInt, "5000", at_least(1), "Heartbeat interval of consumer group members."},
      {"group.consumer.max.size", T::kInt, kIntMax, at_least(1), "Maximum members of a consumer group."},
      {"group.consumer.assignors", T::kList, "uniform,range", one_of(kServerAssignors),
       "Server-side assignors; the first is the default."},
      // Client telemetry (KIP-714). Kafka advertises GetTelemetrySubscriptions and PushTelemetry
      // only with a telemetry reporter among metric.reporters; Chronik has none and drops
      // pushed metrics, so clients are not asked to push unless an operator wants that.
      {"client.telemetry.enable", T::kBoolean, "false", {},
       "Chronik: advertise GetTelemetrySubscriptions and PushTelemetry, so that clients push their "
       "metrics (counted on /metrics, then dropped)."},
      // Authorization (ACLs). Kafka's authorizer reads super.users and
      // allow.everyone.if.no.acl.found itself, outside KafkaConfig, so DescribeConfigs lists
      // them only once set.
      {"authorizer.class.name", T::kString, "", {},
       "The authorizer: Kafka's StandardAuthorizer or AclAuthorizer class name enables ACLs; empty: none."},
      {"super.users", T::kString, std::nullopt, {},
       "Principals allowed every action, separated by semicolons (User:admin;User:ops).", false, {}, 1, false, true},
      {"allow.everyone.if.no.acl.found", T::kBoolean, "false", {},
       "With an authorizer: a resource that no ACL names is open to every principal.", false, {}, 1, false, true},
      // Transactions and idempotence.
      {"transactional.id.expiration.ms", T::kInt, "604800000", at_least(1),
       "Idle transactional ids expire after this."},
      {"transaction.max.timeout.ms", T::kInt, "900000", at_least(1), "Largest transaction timeout allowed."},
      {"transaction.abort.timed.out.transaction.cleanup.interval.ms", T::kInt, "10000", at_least(1),
       "How often timed-out transactions are aborted."},
      {"transaction.state.log.num.partitions", T::kInt, "50", at_least(1), "Partitions of __transaction_state."},
      // Internal configs in Kafka: DescribeConfigs lists them only once set.
      {"add.partitions.to.txn.retry.backoff.max.ms", T::kInt, "100", at_least(0),
       "How long a Produce v12+ waits for the producer's previous transaction to finish writing its markers "
       "before it answers CONCURRENT_TRANSACTIONS.", false, {}, 1, false},
      {"add.partitions.to.txn.retry.backoff.ms", T::kInt, "20", at_least(1),
       "Kafka's retry interval of that wait (Chronik wakes as soon as the markers are written).", false, {}, 1,
       false},
      {"transaction.partition.verification.enable", T::kBoolean, "true", {},
       "Produce v3-11 appends transactional batches only to partitions in the producer's ongoing transaction "
       "(KIP-890 part 1).", true},
      {"producer.id.expiration.ms", T::kInt, "86400000", at_least(1), "Idle producer ids expire after this.", true},
  };
  return table;
}

const std::vector<ConfigKey>& topic_table() {
  static const std::vector<ConfigKey> table = {
      {"cleanup.policy", T::kList, "delete", one_of(kCleanupPolicy), "delete and/or compact.", true},
      {"compression.gzip.level", T::kInt, "-1", custom(valid_gzip_level),
       "gzip level when the broker compresses (Chronik stores producers' batches as sent: no effect).", true},
      {"compression.lz4.level", T::kInt, "9", between(1, 17),
       "lz4 level when the broker compresses (Chronik stores producers' batches as sent: no effect).", true},
      {"compression.type", T::kString, "producer", one_of(kCompression), "Compression of stored batches.", true},
      {"compression.zstd.level", T::kInt, "3", between(-131072, 22),
       "zstd level when the broker compresses (Chronik stores producers' batches as sent: no effect).", true},
      {"delete.retention.ms", T::kLong, "86400000", at_least(0), "Tombstone retention of compacted topics.", true},
      {"errors.deadletterqueue.group.enable", T::kBoolean, "false", {},
       "Kafka 4.4: a share group dead-letter queue (no share groups in Chronik: no effect).", true},
      {"file.delete.delay.ms", T::kLong, "60000", at_least(0), "Delay before deleting files.", true},
      {"flush.messages", T::kLong, kLongMax, at_least(1), "Records before an fsync.", true},
      {"flush.ms", T::kLong, kLongMax, at_least(0), "Time before an fsync.", true},
      {"follower.replication.throttled.replicas", T::kList, "", custom(valid_throttled_replicas_follower),
       "Replicas throttled on the follower side (one broker, no replication: no effect).", true},
      {"index.interval.bytes", T::kInt, "4096", at_least(0), "Index interval (compatibility).", true},
      {"leader.replication.throttled.replicas", T::kList, "", custom(valid_throttled_replicas_leader),
       "Replicas throttled on the leader side (one broker, no replication: no effect).", true},
      {"local.retention.bytes", T::kLong, "-2", at_least(-2),
       "Tiered storage's local retention size; -2 follows retention.bytes (no tiered storage: no effect).", true},
      {"local.retention.ms", T::kLong, "-2", at_least(-2),
       "Tiered storage's local retention time; -2 follows retention.ms (no tiered storage: no effect).", true},
      {"max.compaction.lag.ms", T::kLong, kLongMax, at_least(1), "Maximum compaction lag.", true},
      {"max.decompressed.message.bytes", T::kInt, "2147483639", at_least(0),
       "Kafka 4.4: largest decompressed record (accepted, not enforced by Chronik).", true},
      {"max.message.bytes", T::kInt, "1048588", at_least(0), "Largest record batch accepted.", true},
      {"message.downconversion.enable", T::kBoolean, "true", {}, "Down-convert for old fetch versions.", true},
      {"message.format.version", T::kString, "3.0-IV1", custom(valid_message_format_version),
       "Deprecated, ignored as by Kafka 3.x: every record is stored in the v2 format.", true},
      {"message.timestamp.after.max.ms", T::kLong, kLongMax, at_least(0), "Record timestamps ahead of broker time.", true},
      {"message.timestamp.before.max.ms", T::kLong, kLongMax, at_least(0), "Record timestamps behind broker time.", true},
      {"message.timestamp.difference.max.ms", T::kLong, kLongMax, at_least(0), "Deprecated timestamp window.", true},
      {"message.timestamp.type", T::kString, "CreateTime", one_of(kTimestampType), "CreateTime or LogAppendTime.", true},
      {"min.cleanable.dirty.ratio", T::kDouble, "0.5", between(0, 1), "Minimum dirty ratio to compact.", true},
      {"min.compaction.lag.ms", T::kLong, "0", at_least(0), "Minimum compaction lag.", true},
      {"min.insync.replicas", T::kInt, "1", at_least(1), "Minimum in-sync replicas for acks=all.", true},
      {"preallocate", T::kBoolean, "false", {}, "Preallocate files (compatibility).", true},
      {"remote.copy.lag.bytes", T::kLong, "0", at_least(-1),
       "Kafka 4.4: tiered storage copy lag in bytes (no tiered storage: no effect).", true},
      {"remote.copy.lag.ms", T::kLong, "0", at_least(-1),
       "Kafka 4.4: tiered storage copy lag in ms (no tiered storage: no effect).", true},
      {"remote.log.copy.disable", T::kBoolean, "false", {},
       "Stop copying to tiered storage (no tiered storage: no effect).", true},
      {"remote.log.delete.on.disable", T::kBoolean, "false", {},
       "Delete remote data when tiered storage is disabled (no tiered storage: no effect).", true},
      {"remote.storage.enable", T::kBoolean, "false", {},
       "Tiered storage; Chronik has none, so only false is accepted.", true},
      {"retention.bytes", T::kLong, "-1", {}, "Retention size per partition; -1 for none.", true},
      {"retention.ms", T::kLong, "604800000", at_least(-1), "Retention time; -1 for none.", true},
      {"segment.bytes", T::kInt, "1073741824", at_least(14), "Segment size (compatibility).", true},
      {"segment.index.bytes", T::kInt, "10485760", at_least(4), "Index size (compatibility).", true},
      {"segment.jitter.ms", T::kLong, "0", at_least(0), "Segment roll jitter.", true},
      {"segment.ms", T::kLong, "604800000", at_least(1), "Segment roll time.", true},
      {"unclean.leader.election.enable", T::kBoolean, "false", {}, "Unclean leader election.", true},
  };
  return table;
}

}  // namespace

std::span<const ConfigKey> broker_config_keys() { return broker_table(); }
std::span<const ConfigKey> topic_config_keys() { return topic_table(); }

}  // namespace chronik::config
