#include "broker/server/broker.h"

namespace chronik::broker {

std::mutex& Broker::partition_lock(const std::string& topic, int32_t partition) {
  std::lock_guard lock(locks_mu_);
  auto& m = locks_[topic + "\x1f" + std::to_string(partition)];
  if (!m) m = std::make_unique<std::mutex>();
  return *m;
}

std::string Broker::topic_config(const TopicInfo& topic, const std::string& key) const {
  if (auto it = topic.configs.find(key); it != topic.configs.end()) return it->second;
  if (key == "max.message.bytes") return std::to_string(settings.message_max_bytes);
  if (key == "retention.ms") return std::to_string(settings.log_retention_ms);
  if (key == "retention.bytes") return std::to_string(settings.log_retention_bytes);
  if (key == "message.timestamp.type") {
    auto it = settings.all.find("log.message.timestamp.type");
    return it == settings.all.end() ? "CreateTime" : it->second;
  }
  if (key == "cleanup.policy") {
    auto it = settings.all.find("log.cleanup.policy");
    return it == settings.all.end() ? "delete" : it->second;
  }
  return "";
}

}  // namespace chronik::broker
