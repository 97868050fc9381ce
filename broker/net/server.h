// The Kafka listener: Boost.Asio with C++20 coroutines, kept behind this small interface so
// that only broker/net/ compiles Asio.
//
// One coroutine reads each connection: frames are size-checked before allocation, requests
// run one after another (handlers on a worker pool, so slow storage never stalls the I/O
// threads) and responses leave in request order through a writer coroutine using
// scatter-gather writes. Long-poll fetches wait on per-partition append notifications.
#pragma once

#include <cstdint>
#include <memory>

#include "broker/server/broker.h"

namespace chronik::broker::net {

class Server {
 public:
  explicit Server(Broker& broker);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens on broker.listener. Throws std::runtime_error when it cannot.
  void bind();
  // The port actually bound (useful with port 0).
  uint16_t port() const;
  // Serves until SIGTERM/SIGINT or stop(): then stops accepting, lets every connection
  // finish the request it is processing (waiting fetches answer at once), flushes the
  // store and returns.
  void run();
  // Thread-safe.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace chronik::broker::net
