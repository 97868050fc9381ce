// The Kafka listener: Boost.Asio with C++20 coroutines, kept behind this small interface so
// that only broker/net/ compiles Asio.
//
// The server owns the threads: the network threads (num.network.threads), each serving its
// connections (connection.h) and running Produce and Fetch inline; the workers
// (num.io.threads) for every other request; and one thread for the acceptor (acceptor.h),
// the housekeeping timers (housekeeping.h), signals and the admin endpoint. Dispatch
// decides where each request runs; waiting requests sleep on the core's wait registry
// (request_wait.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "broker/core/broker.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace chronik::broker::net {

class Server {
 public:
  explicit Server(Broker& broker);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens on every listener of broker.listeners, filling in the ports bound
  // (and advertised, where port 0 was given). Throws std::runtime_error when it cannot.
  void bind();
  // The port actually bound by the first listener (useful with port 0).
  uint16_t port() const;
  // Serves until SIGTERM/SIGINT or stop(): then stops accepting, lets every connection
  // finish the request it is processing (waiting fetches answer at once), flushes the
  // store and returns.
  void run();
  // Thread-safe.
  void stop();
  // Whether the listener is bound and not shutting down (readiness).
  bool accepting() const;

  // For other services on the broker's threads (the admin endpoint): the I/O context run
  // by run(), and a hook called once when stopping begins (on an I/O thread), so that they
  // stop too and run() can return.
  boost::asio::io_context& io_context();
  void on_stop(std::function<void()> hook);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace chronik::broker::net
