#include "broker/net/acceptor.h"
#include "broker/config/loggers.h"

#include <chrono>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

namespace chronik::broker::net {

namespace asio = boost::asio;
using asio::ip::tcp;

Acceptor::Acceptor(asio::io_context& ioc, std::vector<asio::io_context*> network, ConnectionEnv& env,
                   const ListenerInfo& listener)
    : acceptor_(ioc), network_(std::move(network)), env_(env), listener_(listener) {}

void Acceptor::bind(const std::string& host, uint16_t port) {
  if (listener_.tls()) env_.broker.tls_listeners.open(*env_.broker.config(), listener_.name);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) {
    tcp::resolver resolver(acceptor_.get_executor());
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec || results.empty())
      throw std::runtime_error("cannot resolve listener host " + host + ": " + ec.message());
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint, ec);
  if (ec)
    throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

uint16_t Acceptor::port() const { return acceptor_.local_endpoint().port(); }

namespace {

// A connection over its address's connection_creation_rate: held, unread, for its throttle,
// then closed, so that the client does not reconnect at once (KIP-612, as Kafka does it).
asio::awaitable<void> close_after(tcp::socket socket, int32_t throttle_ms) {
  asio::steady_timer timer(socket.get_executor(), std::chrono::milliseconds(throttle_ms));
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  socket.close(ec);
}

}  // namespace

asio::awaitable<void> Acceptor::accept_loop() {
  auto& log = ::chronik::config::named_logger("chronik.net");
  asio::steady_timer slot_wait(acceptor_.get_executor());
  while (!env_.stopping) {
    // max.connections: the next connection waits in the listen backlog until one closes.
    while (env_.broker.connection_quotas.full(listener_.name, *env_.broker.config()) && !env_.stopping) {
      slot_wait.expires_after(std::chrono::milliseconds(20));
      boost::system::error_code ec;
      co_await slot_wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    boost::system::error_code ec;
    auto& context = *network_[next_network_++ % network_.size()];
    tcp::socket socket = co_await acceptor_.async_accept(context, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || env_.stopping) break;
      log.warn("accept failed: {}", ec.message());
      continue;
    }
    const auto remote = socket.remote_endpoint(ec);
    const std::string address = ec ? std::string() : remote.address().to_string();
    const auto admission = env_.broker.connection_quotas.admit(address, listener_.name, *env_.broker.config(), now_ms());
    if (admission.verdict == ConnectionQuotas::Verdict::kTooMany) {
      log.info("refused a connection from {} on listener {}: the address already has the maximum of {} connections "
               "(max.connections.per.ip)", address, listener_.name, admission.limit);
      socket.close(ec);
      continue;
    }
    if (admission.verdict == ConnectionQuotas::Verdict::kThrottled) {
      log.debug("connection from {} over its connection_creation_rate: closed in {} ms", address,
                admission.throttle_ms);
      asio::co_spawn(context, close_after(std::move(socket), admission.throttle_ms), asio::detached);
      continue;
    }
    // The listener's TLS as it is now: a certificate replaced later leaves this one's alone.
    auto conn = std::make_shared<Connection>(env_, std::move(socket), env_.next_connection_id++, listener_,
                                             env_.broker.tls_listeners.current(listener_.name), address);
    env_.broker.metrics.connections_accepted.fetch_add(1, std::memory_order_relaxed);
    env_.broker.metrics.connections_active.fetch_add(1, std::memory_order_relaxed);
    conn->start();
  }
}

void Acceptor::close() {
  boost::system::error_code ec;
  acceptor_.close(ec);
}

}  // namespace chronik::broker::net
