#include "broker/core/client_telemetry.h"

#include <algorithm>

#include "broker/config/loggers.h"
#include "runtime/protocol/error_codes.h"
#include "runtime/record/crc32c.h"

namespace chronik::broker {
namespace {

using protocol::ErrorCode;
constexpr int16_t code(ErrorCode e) { return protocol::to_int16(e); }

constexpr size_t kMaxInstances = 16384;
constexpr int64_t kInstanceExpiryMs = 60 * 1000;
// Stored as "client-metrics/<name>" -> "key=value" lines ('\' and newline escaped).
constexpr std::string_view kPrefix = "client-metrics/";

spdlog::logger& logger() { return config::named_logger("chronik.core"); }

std::string encode(const std::map<std::string, std::string>& configs) {
  std::string out;
  for (const auto& [k, v] : configs) {
    out += k + "=";
    for (char c : v) {
      if (c == '\\') out += "\\\\";
      else if (c == '\n') out += "\\n";
      else out += c;
    }
    out += '\n';
  }
  return out;
}

std::map<std::string, std::string> decode(const std::string& text) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string value;
    for (size_t i = eq + 1; i < line.size(); ++i) {
      if (line[i] == '\\' && i + 1 < line.size()) {
        value += line[i + 1] == 'n' ? '\n' : line[i + 1];
        ++i;
      } else {
        value += line[i];
      }
    }
    out[line.substr(0, eq)] = value;
  }
  return out;
}

// Kafka's Uuid.hashCode.
int32_t uuid_hash(const wire::Uuid& id) {
  uint64_t msb = 0, lsb = 0;
  for (int i = 0; i < 8; ++i) msb = (msb << 8) | id.bytes[i];
  for (int i = 8; i < 16; ++i) lsb = (lsb << 8) | id.bytes[i];
  const uint64_t h = msb ^ lsb;
  return static_cast<int32_t>(static_cast<uint32_t>(h >> 32) ^ static_cast<uint32_t>(h));
}

// Kafka's subscription id: CRC-32C of the metrics (as Java prints a set) and the interval,
// XORed with the instance id's hash.
int32_t subscription_id(const std::vector<std::string>& metrics, int32_t interval_ms, const wire::Uuid& id) {
  std::string text = "[";
  for (size_t i = 0; i < metrics.size(); ++i) text += (i ? ", " : "") + metrics[i];
  text += "]" + std::to_string(interval_ms);
  const uint32_t crc = record::crc32c({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  return static_cast<int32_t>(crc) ^ uuid_hash(id);
}

bool reserved(const wire::Uuid& id) {
  // Kafka's reserved ids: zero and its metadata topic's id (0...01).
  wire::Uuid metadata_topic;
  metadata_topic.bytes[15] = 1;
  return id.is_zero() || id == metadata_topic;
}

const std::string& selector_value(const ClientIdentity& who, const std::string& instance_id, const std::string& name) {
  if (name == "client_instance_id") return instance_id;
  if (name == "client_id") return who.client_id;
  if (name == "client_software_name") return who.software_name;
  if (name == "client_software_version") return who.software_version;
  if (name == "client_source_address") return who.source_address;
  return who.source_port;
}

}  // namespace

void ClientTelemetry::load(LogStore& store) {
  std::map<std::string, Subscription> loaded;
  for (const auto& [key, value] : store.scan_meta(std::string(kPrefix))) {
    const std::string name = key.substr(kPrefix.size());
    Subscription s;
    s.configs = decode(value);
    if (auto bad = config::parse_client_metrics(name, s.configs, &s.parsed)) {
      logger().warn("ignoring stored client-metrics subscription {}: {}", name, bad->message);
      continue;
    }
    loaded.emplace(name, std::move(s));
  }
  std::lock_guard lock(mu_);
  subscriptions_ = std::move(loaded);
  ++version_;
}

std::vector<std::string> ClientTelemetry::subscription_names() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, _] : subscriptions_) out.push_back(name);
  return out;
}

std::map<std::string, std::string> ClientTelemetry::subscription_configs(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = subscriptions_.find(name);
  return it == subscriptions_.end() ? std::map<std::string, std::string>{} : it->second.configs;
}

std::optional<config::ClientMetricsError> ClientTelemetry::set_subscription(
    LogStore& store, const std::string& name, const std::map<std::string, std::string>& configs, bool validate_only,
    int16_t* storage_error) {
  *storage_error = 0;
  Subscription s;
  s.configs = configs;
  if (auto bad = config::parse_client_metrics(name, configs, &s.parsed)) return bad;
  if (validate_only) return std::nullopt;
  std::lock_guard lock(mu_);
  const std::string key = std::string(kPrefix) + name;
  if (configs.empty()) {
    if (!subscriptions_.count(name)) return std::nullopt;  // nothing to remove
    if ((*storage_error = store.put_meta(key, std::nullopt))) return std::nullopt;
    subscriptions_.erase(name);
    logger().info("client-metrics subscription {} removed", name);
  } else {
    if ((*storage_error = store.put_meta(key, encode(configs)))) return std::nullopt;
    subscriptions_[name] = std::move(s);
    logger().info("client-metrics subscription {} set", name);
  }
  ++version_;  // every instance is matched again at its next request
  return std::nullopt;
}

void ClientTelemetry::note_client_software(int64_t connection_id, const std::string& name, const std::string& version) {
  std::lock_guard lock(mu_);
  software_[connection_id] = {name, version};
  // Connection ids only grow: the oldest connections go first.
  while (software_.size() > kMaxInstances) software_.erase(software_.begin());
}

ClientTelemetry::Instance ClientTelemetry::evaluate(const wire::Uuid& id, ClientIdentity who) const {
  Instance in;
  in.who = std::move(who);
  in.instance_id_text = id.to_base64();
  in.version = version_;
  std::vector<std::string> metrics;
  bool all = false;
  for (const auto& [name, s] : subscriptions_) {
    const bool matches = std::all_of(s.parsed.match.begin(), s.parsed.match.end(), [&](const auto& m) {
      return std::regex_match(selector_value(in.who, in.instance_id_text, m.first), m.second);
    });
    if (!matches) continue;
    for (const auto& metric : s.parsed.metrics) {
      all |= metric == "*";
      if (std::find(metrics.begin(), metrics.end(), metric) == metrics.end()) metrics.push_back(metric);
    }
    in.push_interval_ms = std::min(in.push_interval_ms, s.parsed.interval_ms);
  }
  if (all) metrics = {"*"};
  std::sort(metrics.begin(), metrics.end());
  in.metrics = std::move(metrics);
  in.subscription_id = subscription_id(in.metrics, in.push_interval_ms, id);
  return in;
}

void ClientTelemetry::expire(int64_t now_ms) {
  for (auto it = instances_.begin(); it != instances_.end();) {
    const int64_t idle = std::max<int64_t>(kInstanceExpiryMs, int64_t{it->second.push_interval_ms} * 3);
    if (now_ms - it->second.last_seen_ms > idle) it = instances_.erase(it);
    else ++it;
  }
  // Still too many: the least recently seen go.
  while (instances_.size() >= kMaxInstances) {
    auto oldest = std::min_element(instances_.begin(), instances_.end(), [](const auto& a, const auto& b) {
      return a.second.last_seen_ms < b.second.last_seen_ms;
    });
    instances_.erase(oldest);
  }
}

ClientTelemetry::Instance& ClientTelemetry::instance(const wire::Uuid& id, int64_t connection_id, ClientIdentity who,
                                                     int64_t now_ms) {
  if (auto s = software_.find(connection_id); s != software_.end()) {
    who.software_name = s->second.first;
    who.software_version = s->second.second;
  }
  auto it = instances_.find(id);
  if (it == instances_.end()) {
    if (instances_.size() >= kMaxInstances) expire(now_ms);
    it = instances_.emplace(id, evaluate(id, std::move(who))).first;
  } else if (it->second.version < version_) {
    // The subscriptions changed: matched again, as new (its request times start over).
    it->second = evaluate(id, it->second.who);
  }
  it->second.last_seen_ms = now_ms;
  return it->second;
}

TelemetrySubscription ClientTelemetry::get_subscription(const wire::Uuid& requested, int64_t connection_id,
                                                        ClientIdentity who, int64_t now_ms) {
  std::lock_guard lock(mu_);
  wire::Uuid id = requested;
  while (id.is_zero() || (requested.is_zero() && instances_.count(id))) id = wire::Uuid::random();
  Instance& in = instance(id, connection_id, std::move(who), now_ms);
  TelemetrySubscription out;
  // Another request before the push interval passed is throttled, unless the last push
  // failed for a subscription id or compression the client must learn anew.
  const int64_t last = std::max(in.last_get_ms, in.last_push_ms);
  const bool due = in.last_get_ms == 0 && in.last_push_ms == 0 ? true : now_ms - last >= in.push_interval_ms;
  if (!due && in.last_error != code(ErrorCode::UNKNOWN_SUBSCRIPTION_ID) &&
      in.last_error != code(ErrorCode::UNSUPPORTED_COMPRESSION_TYPE)) {
    ++counters_.throttled;
    out.error_code = code(ErrorCode::THROTTLING_QUOTA_EXCEEDED);
    return out;
  }
  if (due) in.last_get_ms = now_ms;
  in.last_error = 0;
  out.client_instance_id = id;
  out.subscription_id = in.subscription_id;
  out.push_interval_ms = in.push_interval_ms;
  out.requested_metrics = in.metrics;
  return out;
}

int16_t ClientTelemetry::push(const wire::Uuid& id, int32_t subscription_id, bool terminating, int8_t compression_type,
                              size_t metrics_size, bool decompressed_ok, int64_t connection_id, ClientIdentity who,
                              int64_t now_ms) {
  if (reserved(id)) return code(ErrorCode::INVALID_REQUEST);
  std::lock_guard lock(mu_);
  Instance& in = instance(id, connection_id, std::move(who), now_ms);
  const int16_t result = check_push(in, subscription_id, terminating, compression_type, metrics_size, decompressed_ok,
                                    now_ms);
  // As Kafka: whatever the answer, the instance takes the request's terminating flag.
  in.terminating = terminating;
  in.last_error = result;
  if (result == 0) {
    ++counters_.pushes;
    counters_.pushed_bytes += metrics_size;
  }
  return result;
}

int16_t ClientTelemetry::check_push(Instance& in, int32_t subscription_id, bool terminating, int8_t compression_type,
                                    size_t metrics_size, bool decompressed_ok, int64_t now_ms) {
  if (in.terminating) return code(ErrorCode::INVALID_REQUEST);
  // A push right after GetTelemetrySubscriptions is accepted early (clients add jitter),
  // else one per push interval; a terminating push always.
  const bool accept = in.last_get_ms > in.last_push_ms || now_ms - in.last_push_ms >= in.push_interval_ms;
  if (accept) in.last_push_ms = now_ms;
  if (!accept && !terminating) {
    ++counters_.throttled;
    return code(ErrorCode::THROTTLING_QUOTA_EXCEEDED);
  }
  if (subscription_id != in.subscription_id) {
    ++counters_.unknown_subscription;
    return code(ErrorCode::UNKNOWN_SUBSCRIPTION_ID);
  }
  if (compression_type < 0 || compression_type > 4) return code(ErrorCode::UNSUPPORTED_COMPRESSION_TYPE);
  if (metrics_size > static_cast<size_t>(kTelemetryMaxBytes)) return code(ErrorCode::TELEMETRY_TOO_LARGE);
  if (!decompressed_ok) return code(ErrorCode::INVALID_RECORD);
  return 0;
}

TelemetryCounters ClientTelemetry::counters() const {
  std::lock_guard lock(mu_);
  TelemetryCounters c = counters_;
  c.instances = static_cast<int64_t>(instances_.size());
  return c;
}

}  // namespace chronik::broker
