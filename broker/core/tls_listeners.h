// The TLS of this broker's SSL and SASL_SSL listeners, replaceable while it runs (KIP-226):
// an altered key store or trust store applies to the connections accepted afterwards; open
// connections keep the context they began with (each holds its own reference).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "broker/config/broker_config.h"
#include "broker/core/listener_tls.h"

namespace chronik::broker::core {

class TlsListeners {
 public:
  // Sets up `listener` (a TLS listener's name, as in `listeners`) from `config` at start-up.
  // Throws std::runtime_error as make_listener_tls does.
  void open(const config::BrokerConfig& config, const std::string& listener);
  // What a connection accepted now on `listener` uses; nullptr for a listener without TLS.
  std::shared_ptr<ListenerTls> current(const std::string& listener) const;
  // The TLS the listener named `lower_name` (lower-cased, as in listener.name.<l>.) would have
  // with `config`, checked as Kafka checks a new key store: it loads, and its certificate has
  // the subject and subject alternative names of the one it replaces unless
  // ssl.allow.dn.changes / ssl.allow.san.changes. nullptr when this broker has no TLS listener
  // of that name. Throws config::ConfigError saying why not.
  std::shared_ptr<ListenerTls> prepare(const config::BrokerConfig& config, const std::string& lower_name) const;
  // Makes `tls` (from prepare) what new connections on that listener get, and logs it.
  void replace(const std::string& lower_name, std::shared_ptr<ListenerTls> tls);

 private:
  struct Entry {
    std::string name;  // as in `listeners`
    std::shared_ptr<ListenerTls> tls;
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry> by_listener_;  // by lower-cased name
};

}  // namespace chronik::broker::core
