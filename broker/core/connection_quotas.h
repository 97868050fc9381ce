// Kafka's limits on connections (its ConnectionQuotas), checked as each one is accepted:
// max.connections (and a listener's listener.name.<l>.max.connections) holds the acceptor
// back while the broker (the listener) has that many, an address over its
// connection_creation_rate (KIP-612) has the new connection closed after a throttle, and an
// address with max.connections.per.ip (or its max.connections.per.ip.overrides entry) open
// has the new one closed at once.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "broker/config/broker_config.h"
#include "broker/core/client_quota_manager.h"

namespace chronik::broker {

class ConnectionQuotas {
 public:
  explicit ConnectionQuotas(ClientQuotaManager& rates) : rates_(rates) {}

  enum class Verdict { kAccept, kThrottled, kTooMany };
  struct Admission {
    Verdict verdict = Verdict::kAccept;
    int32_t throttle_ms = 0;  // kThrottled: how long to hold the connection before closing it
    int32_t limit = 0;        // kTooMany: the address's maximum
  };
  // A new connection from address `ip` on `listener`; an accepted one counts until
  // release(ip, listener).
  Admission admit(const std::string& ip, const std::string& listener, const config::BrokerConfig& config,
                  int64_t now_ms);
  void release(const std::string& ip, const std::string& listener);
  // Whether the broker has max.connections open, or `listener` its own maximum: its acceptor
  // waits before the next.
  bool full(const std::string& listener, const config::BrokerConfig& config) const;

 private:
  ClientQuotaManager& rates_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, int32_t> per_ip_;
  std::unordered_map<std::string, int64_t> per_listener_;
  int64_t total_ = 0;
};

// max.connections.per.ip.overrides for `ip`, else max.connections.per.ip.
int32_t max_connections_for(const config::BrokerConfig& config, const std::string& ip);

}  // namespace chronik::broker
