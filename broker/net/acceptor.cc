#include "broker/net/acceptor.h"
#include "broker/config/loggers.h"

#include <stdexcept>

#include <boost/asio/redirect_error.hpp>
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

asio::awaitable<void> Acceptor::accept_loop() {
  while (!env_.stopping) {
    boost::system::error_code ec;
    auto& context = *network_[next_network_++ % network_.size()];
    tcp::socket socket = co_await acceptor_.async_accept(context, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || env_.stopping) break;
      ::chronik::config::named_logger("chronik.net").warn("accept failed: {}", ec.message());
      continue;
    }
    // The listener's TLS as it is now: a certificate replaced later leaves this one's alone.
    auto conn = std::make_shared<Connection>(env_, std::move(socket), env_.next_connection_id++, listener_,
                                             env_.broker.tls_listeners.current(listener_.name));
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
