// The checks of topic configs that are more than a range or a list of choices, each giving
// Kafka's reason (the text after "Invalid value x for configuration y: ").
#pragma once

#include <optional>
#include <string>

#include "broker/config/config_def.h"

namespace chronik::config {

// compression.gzip.level: 1..9, or -1 for zlib's default.
std::optional<std::string> valid_gzip_level(const ConfigValue& value);
// message.format.version (and log.message.format.version): a Kafka release ("0.10.0", "2.8",
// "3.0-IV1", ...) up to 3.9, as Kafka 3.9's MetadataVersion parses it.
std::optional<std::string> valid_message_format_version(const ConfigValue& value);
// leader/follower.replication.throttled.replicas: "*" alone, or partition:broker pairs.
std::optional<std::string> valid_throttled_replicas_leader(const ConfigValue& value);
std::optional<std::string> valid_throttled_replicas_follower(const ConfigValue& value);

}  // namespace chronik::config
