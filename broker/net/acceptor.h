// A Kafka listener's socket: listens, accepts, and hands each connection to the next
// network thread in turn, as Kafka's acceptor hands them to its processors.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>  // before Asio 1.74's awaitable.hpp, which forgets it
#include <vector>

#include <boost/asio.hpp>

#include "broker/net/connection.h"

namespace chronik::broker::net {

class Acceptor {
 public:
  // Accepts on `ioc` for `listener` (which outlives it); connections live on the `network`
  // contexts, sharing `env`.
  Acceptor(boost::asio::io_context& ioc, std::vector<boost::asio::io_context*> network, ConnectionEnv& env,
           const ListenerInfo& listener);

  // Sets up TLS for an SSL or SASL_SSL listener, then binds and listens on `host:port` (a
  // name is resolved). Throws std::runtime_error when it cannot.
  void bind(const std::string& host, uint16_t port);
  // The port actually bound (useful with port 0).
  uint16_t port() const;
  // Accepts until close() or env.stopping. Spawn on the io_context given above.
  boost::asio::awaitable<void> accept_loop();
  // On the io_context's thread: stops accepting.
  void close();

 private:
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<boost::asio::io_context*> network_;
  size_t next_network_ = 0;
  ConnectionEnv& env_;
  const ListenerInfo& listener_;
};

}  // namespace chronik::broker::net
