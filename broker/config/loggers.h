// The broker's loggers, and their levels as Kafka's BROKER_LOGGER resource shows and sets
// them (DescribeConfigs / IncrementalAlterConfigs of resource type 8, `kafka-configs
// --entity-type broker-loggers`).
//
// spdlog's default logger is Kafka's "root"; each floor of the broker logs through a named
// logger ("chronik.net", "chronik.log", ...) that shares root's sinks. As with log4j's
// loggers, a named logger either has a level of its own or follows root's; removing its
// level (DELETE) makes it follow root again. Root's level cannot be removed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

namespace chronik::config {

// The logger `name` (created on first use, sharing root's sinks and following its level).
// Thread-safe; the reference stays valid for the life of the process.
spdlog::logger& named_logger(std::string_view name);

// Kafka's name of the root logger.
inline constexpr std::string_view kRootLogger = "root";

// Every logger with its effective level in Kafka's words (TRACE, DEBUG, INFO, WARN, ERROR,
// FATAL, OFF): root first, then the named loggers by name.
std::vector<std::pair<std::string, std::string>> logger_levels();
bool logger_exists(std::string_view name);

// Kafka's reason for refusing to set `level` on `logger`, or nullopt. Levels are Kafka's
// (case-sensitive): TRACE, DEBUG, INFO, WARN, ERROR, FATAL.
std::optional<std::string> logger_level_refusal(std::string_view logger, std::string_view level);
// Sets the level of an existing logger (root: root and every logger that follows it).
// REQUIRES: logger_exists(name) and no logger_level_refusal.
void set_logger_level(std::string_view name, std::string_view level);
// Makes a named logger follow root's level again. REQUIRES: an existing logger, not root.
void unset_logger_level(std::string_view name);

}  // namespace chronik::config
