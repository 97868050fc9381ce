// The topic-level configs Chronik knows, with their broker-level synonyms and defaults.
// Thin table until broker/config/ provides Kafka's full config definitions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "broker/server/broker.h"

namespace chronik::broker::handlers {

struct TopicConfigDef {
  const char* name;
  const char* broker_key;     // the broker-level synonym, or "" when none
  const char* default_value;  // Kafka's default when the broker sets nothing
  int8_t type;                // DescribeConfigs ConfigType: 1 boolean, 2 string, 3 int, 4 short, 5 long, 6 double, 7 list, 8 class, 9 password
};

const std::vector<TopicConfigDef>& topic_config_defs();
const TopicConfigDef* find_topic_config(const std::string& name);

// The broker-level value of a topic config: the broker key when set, else the default.
std::string broker_default(const Broker& broker, const TopicConfigDef& def);

// Checks a topic config value; returns an error message or nullopt.
std::optional<std::string> validate_topic_config(const std::string& name, const std::string& value);

}  // namespace chronik::broker::handlers
