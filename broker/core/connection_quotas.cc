#include "broker/core/connection_quotas.h"

#include <charconv>
#include <string_view>

#include "broker/config/connection_overrides.h"

namespace chronik::broker {

int32_t max_connections_for(const config::BrokerConfig& config, const std::string& ip) {
  const std::string overrides = config.get_string("max.connections.per.ip.overrides").value_or("");
  for (const auto& o : config::split_connection_overrides(overrides)) {
    int32_t count = 0;
    if (o.address == ip && std::from_chars(o.count.data(), o.count.data() + o.count.size(), count).ec == std::errc())
      return count;
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
