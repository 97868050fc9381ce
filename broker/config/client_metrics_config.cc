#include "broker/config/client_metrics_config.h"

#include <algorithm>
#include <charconv>

namespace chronik::config {
namespace {

constexpr const char* kSelectors[] = {"client_instance_id",      "client_id",             "client_software_name",
                                      "client_software_version", "client_source_address", "client_source_port"};

std::string trim(const std::string& s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  size_t b = 0, e = s.size();
  while (b < e && blank(s[b])) ++b;
  while (e > b && blank(s[e - 1])) --e;
  return s.substr(b, e - b);
}

}  // namespace

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  const std::string t = trim(text);
  if (t.empty()) return out;
  size_t start = 0;
  for (;;) {
    size_t comma = t.find(',', start);
    out.push_back(trim(t.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::optional<ClientMetricsError> parse_client_metrics(const std::string& name,
                                                       const std::map<std::string, std::string>& configs,
                                                       ClientMetricsSubscription* out) {
  if (name.empty()) return ClientMetricsError{true, "Subscription name can't be empty"};
  for (const auto& [key, value] : configs)
    if (key != "metrics" && key != "interval.ms" && key != "match")
      return ClientMetricsError{true, "Unknown client metrics configuration: " + key};
  ClientMetricsSubscription s;
  if (auto it = configs.find("metrics"); it != configs.end()) s.metrics = split_list(it->second);
  if (auto it = configs.find("interval.ms"); it != configs.end()) {
    // Kafka 3.9.1 answers a non-number with UNKNOWN_SERVER_ERROR; Chronik says what is wrong.
    std::string t = trim(it->second);
    int32_t v = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || ec != std::errc() || p != t.data() + t.size())
      return ClientMetricsError{false, "Invalid value " + it->second + " for configuration interval.ms: Not a number of type INT"};
    if (v < 100 || v > 3600000)
      return ClientMetricsError{true, "Invalid value " + std::to_string(v) +
                                          " for interval.ms, interval must be between 100 and 3600000 (1 hour)"};
    s.interval_ms = v;
  }
  if (auto it = configs.find("match"); it != configs.end()) {
    for (const auto& pattern : split_list(it->second)) {
      const auto illegal = ClientMetricsError{false, "Illegal client matching pattern: " + pattern};
      // As Java's split("="): exactly one '=' with text after it.
      const size_t eq = pattern.find('=');
      if (eq == std::string::npos || pattern.find('=', eq + 1) != std::string::npos || eq + 1 == pattern.size())
        return illegal;
      const std::string selector = trim(pattern.substr(0, eq));
      if (std::find(std::begin(kSelectors), std::end(kSelectors), selector) == std::end(kSelectors)) return illegal;
      try {
        s.match.emplace_back(selector, std::regex(trim(pattern.substr(eq + 1))));
      } catch (const std::regex_error&) {
        return illegal;
      }
    }
  }
  if (out) *out = std::move(s);
  return std::nullopt;
}

}  // namespace chronik::config
