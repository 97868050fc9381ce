// JSON shapes shared by several resources.
#pragma once

#include <string>

#include "broker/admin/http.h"
#include "broker/config/broker_config.h"

namespace chronik::broker::admin {

// Kafka's name of a config source ("DYNAMIC_TOPIC_CONFIG", "DEFAULT_CONFIG", ...).
std::string config_source_name(config::ConfigSource source);
// {"name", "value", "source", "read_only", "sensitive"}; sensitive values are null.
Json config_entry_json(const config::ConfigEntry& e);

}  // namespace chronik::broker::admin
