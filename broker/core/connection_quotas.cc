#include "broker/core/connection_quotas.h"

#include <charconv>
#include <string_view>

namespace chronik::broker {

int32_t max_connections_for(const config::BrokerConfig& config, const std::string& ip) {
  // "address:count,address:count"; an IPv6 address keeps its colons, the count is after the last.
  const std::string overrides = config.get_string("max.connections.per.ip.overrides").value_or("");
  std::string_view rest = overrides;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view entry = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
    while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
    const size_t colon = entry.rfind(':');
    if (colon == std::string_view::npos || entry.substr(0, colon) != ip) continue;
    int32_t count = 0;
    const auto digits = entry.substr(colon + 1);
    if (std::from_chars(digits.data(), digits.data() + digits.size(), count).ec == std::errc()) return count;
  }
  return config.get_int("max.connections.per.ip");
}

ConnectionQuotas::Admission ConnectionQuotas::admit(const std::string& ip, const std::string& listener,
                                                    const config::BrokerConfig& config, int64_t now_ms) {
  // Kafka's order: the creation rate first (a refused connection is not counted in it), then
  // the address's count.
  if (const int32_t throttle = rates_.record_connection(ip, now_ms); throttle > 0)
    return {Verdict::kThrottled, throttle, 0};
  const int32_t limit = max_connections_for(config, ip);
  std::lock_guard lock(mu_);
  int32_t& count = per_ip_[ip];
  if (count >= limit) {
    if (count == 0) per_ip_.erase(ip);
    return {Verdict::kTooMany, 0, limit};
  }
  ++count;
  ++per_listener_[listener];
  ++total_;
  return {};
}

void ConnectionQuotas::release(const std::string& ip, const std::string& listener) {
  std::lock_guard lock(mu_);
  const auto it = per_ip_.find(ip);
  if (it == per_ip_.end()) return;
  if (--it->second <= 0) per_ip_.erase(it);
  --per_listener_[listener];
  --total_;
}

bool ConnectionQuotas::full(const std::string& listener, const config::BrokerConfig& config) const {
  const auto limit = config.listener_value(listener, "max.connections");
  const auto* listener_max = std::get_if<int64_t>(&limit);
  std::lock_guard lock(mu_);
  const auto it = per_listener_.find(listener);
  if (listener_max && it != per_listener_.end() && it->second >= *listener_max) return true;
  return total_ >= config.get_int("max.connections");
}

}  // namespace chronik::broker
