#include "broker/server/settings.h"

#include <charconv>
#include <set>
#include <sstream>
#include <stdexcept>

namespace chronik::broker {
namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

template <class T>
T parse_int(const std::string& key, const std::string& value, T min = std::numeric_limits<T>::min()) {
  T out{};
  auto v = trim(value);
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || p != v.data() + v.size() || v.empty() || out < min)
    throw SettingsError("invalid value '" + value + "' for " + key);
  return out;
}

bool parse_bool(const std::string& key, const std::string& value) {
  auto v = trim(value);
  if (v == "true") return true;
  if (v == "false") return false;
  throw SettingsError("invalid value '" + value + "' for " + key + " (expected true or false)");
}

// Keys accepted but not (yet) acted on are still "known": no warning.
const std::set<std::string>& known_keys() {
  static const std::set<std::string> keys = {
      "node.id", "broker.id", "listeners", "advertised.listeners", "log.dirs", "log.dir",
      "admin.listeners", "num.partitions", "default.replication.factor",
      "auto.create.topics.enable", "message.max.bytes", "socket.request.max.bytes",
      "connections.max.idle.ms", "log.flush.interval.messages", "log.flush.interval.ms",
      "log.retention.ms", "log.retention.minutes", "log.retention.hours", "log.retention.bytes",
      "log.retention.check.interval.ms", "num.io.threads", "num.network.threads",
      "process.roles", "controller.quorum.voters", "controller.listener.names",
      "listener.security.protocol.map", "inter.broker.listener.name", "log.segment.bytes",
      "offsets.topic.replication.factor", "transaction.state.log.replication.factor",
      "transaction.state.log.min.isr", "group.initial.rebalance.delay.ms",
      "log.cleanup.policy", "log.message.timestamp.type", "compression.type",
      "min.insync.replicas", "unclean.leader.election.enable", "delete.topic.enable",
      "cluster.id", "socket.send.buffer.bytes", "socket.receive.buffer.bytes",
      "num.recovery.threads.per.data.dir", "log.segment.ms"};
  return keys;
}

}  // namespace

std::map<std::string, std::string> parse_properties(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == '!') continue;
    size_t sep = t.find_first_of("=:");
    if (sep == std::string::npos) {
      out[t] = "";
      continue;
    }
    out[trim(t.substr(0, sep))] = trim(t.substr(sep + 1));
  }
  return out;
}

Endpoint parse_listener(const std::string& key, const std::string& value) {
  // First entry of a comma-separated list; the security protocol prefix is optional.
  std::string v = trim(value);
  if (auto comma = v.find(','); comma != std::string::npos) v = trim(v.substr(0, comma));
  if (auto scheme = v.find("://"); scheme != std::string::npos) v = v.substr(scheme + 3);
  auto colon = v.rfind(':');
  if (colon == std::string::npos) throw SettingsError("invalid value '" + value + "' for " + key);
  Endpoint e;
  e.host = v.substr(0, colon);
  if (e.host.empty()) e.host = "0.0.0.0";
  e.port = parse_int<uint16_t>(key, v.substr(colon + 1));
  return e;
}

Settings make_settings(const std::map<std::string, std::string>& file_values,
                       const std::map<std::string, std::string>& overrides,
                       std::vector<std::string>* unknown) {
  Settings s;
  s.all = file_values;
  for (auto& [k, v] : overrides) s.all[k] = v;
  bool advertised = false;
  bool retention_ms_set = false;
  for (auto& [k, v] : s.all) {
    if (k == "node.id" || k == "broker.id") s.node_id = parse_int<int32_t>(k, v, 0);
    else if (k == "listeners") s.listener = parse_listener(k, v);
    else if (k == "advertised.listeners") { s.advertised = parse_listener(k, v); advertised = true; }
    else if (k == "log.dirs" || k == "log.dir") {
      s.log_dir = trim(v.substr(0, v.find(',')));
      if (s.log_dir.empty()) throw SettingsError("invalid value '" + v + "' for " + k);
    }
    else if (k == "admin.listeners") s.admin_listeners = v;
    else if (k == "num.partitions") s.num_partitions = parse_int<int32_t>(k, v, 1);
    else if (k == "default.replication.factor") s.default_replication_factor = parse_int<int16_t>(k, v, 1);
    else if (k == "auto.create.topics.enable") s.auto_create_topics_enable = parse_bool(k, v);
    else if (k == "message.max.bytes") s.message_max_bytes = parse_int<int32_t>(k, v, 0);
    else if (k == "socket.request.max.bytes") s.socket_request_max_bytes = parse_int<int32_t>(k, v, 1);
    else if (k == "connections.max.idle.ms") s.connections_max_idle_ms = parse_int<int64_t>(k, v, -1);
    else if (k == "log.flush.interval.messages") s.log_flush_interval_messages = parse_int<int64_t>(k, v, 1);
    else if (k == "log.flush.interval.ms") s.log_flush_interval_ms = parse_int<int64_t>(k, v, 0);
    else if (k == "log.retention.ms") { s.log_retention_ms = parse_int<int64_t>(k, v, -1); retention_ms_set = true; }
    else if (k == "log.retention.bytes") s.log_retention_bytes = parse_int<int64_t>(k, v, -1);
    else if (k == "log.retention.check.interval.ms") s.log_retention_check_interval_ms = parse_int<int64_t>(k, v, 1);
    else if (k == "num.io.threads") s.num_worker_threads = parse_int<int32_t>(k, v, 1);
    else if (k == "num.network.threads") s.num_io_threads = parse_int<int32_t>(k, v, 1);
    else if (!known_keys().count(k) && unknown) unknown->push_back(k);
  }
  if (!retention_ms_set) {
    if (auto it = s.all.find("log.retention.minutes"); it != s.all.end())
      s.log_retention_ms = parse_int<int64_t>(it->first, it->second, -1) * 60000;
    else if (auto it = s.all.find("log.retention.hours"); it != s.all.end())
      s.log_retention_ms = parse_int<int64_t>(it->first, it->second, -1) * 3600000;
  }
  if (!advertised) {
    s.advertised = s.listener;
    if (s.advertised.host == "0.0.0.0" || s.advertised.host == "::") s.advertised.host = "127.0.0.1";
  }
  return s;
}

}  // namespace chronik::broker
