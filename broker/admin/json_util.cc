#include "broker/admin/json_util.h"

namespace chronik::broker::admin {

std::string config_source_name(config::ConfigSource source) {
  using S = config::ConfigSource;
  switch (source) {
    case S::kDynamicTopic: return "DYNAMIC_TOPIC_CONFIG";
    case S::kDynamicBrokerLogger: return "DYNAMIC_BROKER_LOGGER_CONFIG";
    case S::kDynamicBroker: return "DYNAMIC_BROKER_CONFIG";
    case S::kDynamicDefaultBroker: return "DYNAMIC_DEFAULT_BROKER_CONFIG";
    case S::kStaticBroker: return "STATIC_BROKER_CONFIG";
    case S::kDefault: return "DEFAULT_CONFIG";
    default: return "UNKNOWN";
  }
}

Json config_entry_json(const config::ConfigEntry& e) {
  Json j = {{"name", e.name}};
  j["value"] = e.sensitive || !e.value ? Json(nullptr) : Json(*e.value);
  j["source"] = config_source_name(e.source);
  j["read_only"] = e.read_only;
  j["sensitive"] = e.sensitive;
  return j;
}

}  // namespace chronik::broker::admin
