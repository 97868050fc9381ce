// Client-metrics subscriptions (KIP-714): the configs of a CLIENT_METRICS resource (16) —
// metrics (name prefixes), interval.ms and match (client selectors) — and their checks, with
// Kafka 3.9's errors.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

namespace chronik::config {

inline constexpr int32_t kClientMetricsDefaultIntervalMs = 5 * 60 * 1000;

// A refusal: INVALID_REQUEST (`invalid_request`) or INVALID_CONFIG, with Kafka's message.
struct ClientMetricsError {
  bool invalid_request = false;
  std::string message;
};

struct ClientMetricsSubscription {
  std::vector<std::string> metrics;  // prefixes; "*" subscribes every metric
  int32_t interval_ms = kClientMetricsDefaultIntervalMs;
  // Selector name (client_id, client_software_name, ...) -> pattern the whole value must match.
  std::vector<std::pair<std::string, std::regex>> match;
};

// The subscription the configs of `name` describe, or Kafka's reason to refuse them.
// `configs` maps metrics / interval.ms / match to their text.
std::optional<ClientMetricsError> parse_client_metrics(const std::string& name,
                                                       const std::map<std::string, std::string>& configs,
                                                       ClientMetricsSubscription* out);

// Kafka's list parsing: split on commas, blanks around each item trimmed; "" is no item.
std::vector<std::string> split_list(const std::string& text);

}  // namespace chronik::config
