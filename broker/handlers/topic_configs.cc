#include "broker/handlers/topic_configs.h"

#include <charconv>

namespace chronik::broker::handlers {

const std::vector<TopicConfigDef>& topic_config_defs() {
  static const std::vector<TopicConfigDef> defs = {
      {"cleanup.policy", "log.cleanup.policy", "delete", 7},
      {"compression.type", "compression.type", "producer", 2},
      {"delete.retention.ms", "log.cleaner.delete.retention.ms", "86400000", 5},
      {"file.delete.delay.ms", "log.segment.delete.delay.ms", "60000", 5},
      {"flush.messages", "log.flush.interval.messages", "9223372036854775807", 5},
      {"flush.ms", "log.flush.interval.ms", "9223372036854775807", 5},
      {"index.interval.bytes", "log.index.interval.bytes", "4096", 3},
      {"max.compaction.lag.ms", "log.cleaner.max.compaction.lag.ms", "9223372036854775807", 5},
      {"max.message.bytes", "message.max.bytes", "1048588", 3},
      {"message.timestamp.after.max.ms", "log.message.timestamp.after.max.ms", "9223372036854775807", 5},
      {"message.timestamp.before.max.ms", "log.message.timestamp.before.max.ms", "9223372036854775807", 5},
      {"message.timestamp.difference.max.ms", "log.message.timestamp.difference.max.ms", "9223372036854775807", 5},
      {"message.timestamp.type", "log.message.timestamp.type", "CreateTime", 2},
      {"min.cleanable.dirty.ratio", "log.cleaner.min.cleanable.ratio", "0.5", 6},
      {"min.compaction.lag.ms", "log.cleaner.min.compaction.lag.ms", "0", 5},
      {"min.insync.replicas", "min.insync.replicas", "1", 3},
      {"preallocate", "log.preallocate", "false", 1},
      {"retention.bytes", "log.retention.bytes", "-1", 5},
      {"retention.ms", "log.retention.ms", "604800000", 5},
      {"segment.bytes", "log.segment.bytes", "1073741824", 3},
      {"segment.index.bytes", "log.index.size.max.bytes", "10485760", 3},
      {"segment.jitter.ms", "log.roll.jitter.ms", "0", 5},
      {"segment.ms", "log.roll.ms", "604800000", 5},
      {"unclean.leader.election.enable", "unclean.leader.election.enable", "false", 1},
  };
  return defs;
}

const TopicConfigDef* find_topic_config(const std::string& name) {
  for (const auto& d : topic_config_defs())
    if (name == d.name) return &d;
  return nullptr;
}

std::string broker_default(const Broker& broker, const TopicConfigDef& def) {
  const std::string key = def.broker_key;
  const auto& s = broker.settings;
  if (key == "message.max.bytes") return std::to_string(s.message_max_bytes);
  if (key == "log.retention.ms") return std::to_string(s.log_retention_ms);
  if (key == "log.retention.bytes") return std::to_string(s.log_retention_bytes);
  if (auto it = s.all.find(key); !key.empty() && it != s.all.end()) return it->second;
  return def.default_value;
}

std::optional<std::string> validate_topic_config(const std::string& name, const std::string& value) {
  const auto* def = find_topic_config(name);
  if (!def) return "Unknown topic config name: " + name;
  auto bad = [&] { return "Invalid value " + value + " for configuration " + name; };
  switch (def->type) {
    case 1:
      if (value != "true" && value != "false") return bad();
      break;
    case 3:
    case 5: {
      int64_t v = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec != std::errc() || p != value.data() + value.size()) return bad();
      break;
    }
    default:
      break;
  }
  if (name == "cleanup.policy") {
    if (value != "delete" && value != "compact" && value != "compact,delete" &&
        value != "delete,compact")
      return bad();
  }
  if (name == "message.timestamp.type" && value != "CreateTime" && value != "LogAppendTime")
    return bad();
  return std::nullopt;
}

}  // namespace chronik::broker::handlers
