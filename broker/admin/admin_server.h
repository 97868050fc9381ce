// The admin HTTP endpoint (health, /metrics, REST API, dashboard) on Boost.Beast, served by
// the broker's own I/O threads; handlers run on a thread of its own. Only
// admin_server.cc compiles Beast.
//
// Per connection: keep-alive requests one after another; a header over 16 KiB or a body
// over admin.max.body.bytes gets 413 (a Content-Length over the limit before the body is
// read); a client idle (or sending a request) for admin.idle.timeout.ms is disconnected.
// With admin.auth.token set, everything but /v1/health/* and the dashboard's static files
// requires "Authorization: Bearer <token>" (401 otherwise). Before that, request_guard.h
// refuses foreign Host headers and state-changing requests that are not JSON.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace chronik::broker {
struct Broker;
}

namespace chronik::broker::admin {

struct AdminServerOptions {
  std::string version;
  std::function<bool()> kafka_accepting;
};

class AdminServer {
 public:
  AdminServer(Broker& broker, boost::asio::io_context& ioc, AdminServerOptions options);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds every admin listener (admin.listeners; none when empty). Throws std::runtime_error.
  void bind();
  // The ports bound, in admin.listeners order (useful with port 0).
  std::vector<uint16_t> ports() const;
  // Starts accepting; connections are served once the io_context runs.
  void start();
  // Closes the listeners and every connection. Thread-safe.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace chronik::broker::admin
