#include "broker/log/log_config.h"
#include "broker/config/loggers.h"

#include <algorithm>
#include <limits>

#include <spdlog/spdlog.h>

namespace chronik::log {

LogManagerOptions log_manager_options(
    std::function<std::shared_ptr<const config::BrokerConfig>()> current) {
  auto cfg = current();
  LogManagerOptions o;
  o.retention_ms = cfg->log_retention_ms();
  o.retention_bytes = cfg->get_long("log.retention.bytes");
  o.retention_check_interval_ms = cfg->get_long("log.retention.check.interval.ms");
  o.flush_interval_messages = cfg->get_long("log.flush.interval.messages");
  int64_t flush_ms = cfg->log_flush_interval_ms();
  o.flush_interval_ms = flush_ms == std::numeric_limits<int64_t>::max() ? -1 : flush_ms;
  o.retention = [current](const TopicMeta& meta) -> std::pair<int64_t, int64_t> {
    auto c = current();
    try {
      auto policy = std::get<std::vector<std::string>>(c->topic_value("cleanup.policy", meta.configs));
      if (std::find(policy.begin(), policy.end(), "delete") == policy.end()) return {-1, -1};
      return {c->topic_long("retention.ms", meta.configs), c->topic_long("retention.bytes", meta.configs)};
    } catch (const std::exception& e) {
      // Overrides are validated when set; a bad stored one must not stop retention.
      ::chronik::config::named_logger("chronik.log").warn("topic {}: invalid retention config ({}), keeping all data", meta.name, e.what());
      return {-1, -1};
    }
  };
  return o;
}

}  // namespace chronik::log
