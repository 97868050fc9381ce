#include "broker/net/server.h"

#include <atomic>
#include <csignal>
#include <thread>

#include <utility>  // before Asio 1.74's awaitable.hpp, which forgets it

#include <boost/asio.hpp>
#include <spdlog/spdlog.h>

#include "broker/core/housekeeping.h"
#include "broker/kafka/dispatch.h"
#include "broker/net/acceptor.h"
#include "broker/net/connection.h"
#include "broker/net/housekeeping.h"
#include "broker/net/worker_pool.h"
#include "broker/config/loggers.h"

namespace chronik::broker::net {

namespace asio = boost::asio;

struct Server::Impl {
  explicit Impl(Broker& b)
      : broker(b),
        ioc(1),
        network(make_network(b)),
        workers(static_cast<size_t>(std::max(1, b.config()->get_int("num.io.threads")))),
        classifier(b),
        env{b, workers, classifier, stopping, connections},
        signals(ioc, SIGINT, SIGTERM),
        housekeeping(ioc, workers, housekeeping_tasks(b)) {
    for (auto& context : network) network_work.push_back(asio::make_work_guard(*context));
    for (const auto& l : b.listeners) acceptors.push_back(std::make_unique<Acceptor>(ioc, raw(network), env, l));
  }

  // One context per network thread (num.network.threads); each connection lives on one of
  // them, as a Kafka processor owns its connections, so that its reads, writes and
  // completions never wake another network thread.
  static std::vector<std::unique_ptr<asio::io_context>> make_network(const Broker& b) {
    std::vector<std::unique_ptr<asio::io_context>> out;
    const int threads = std::max(1, b.config()->get_int("num.network.threads"));
    for (int i = 0; i < threads; ++i) out.push_back(std::make_unique<asio::io_context>(1));
    return out;
  }
  static std::vector<asio::io_context*> raw(const std::vector<std::unique_ptr<asio::io_context>>& v) {
    std::vector<asio::io_context*> out;
    for (const auto& c : v) out.push_back(c.get());
    return out;
  }

  void begin_stop();

  Broker& broker;
  // The acceptor, the housekeeping timers, signals and the admin endpoint.
  asio::io_context ioc;
  std::vector<std::unique_ptr<asio::io_context>> network;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> network_work;
  WorkerPool workers;
  RequestClassifier classifier;
  std::atomic<bool> stopping{false};
  std::atomic<bool> bound{false};  // readiness, read from other threads
  Connections connections;
  ConnectionEnv env;
  std::vector<std::unique_ptr<Acceptor>> acceptors;  // one per listener
  asio::signal_set signals;
  Housekeeping housekeeping;
  std::vector<std::function<void()>> stop_hooks;
};

void Server::Impl::begin_stop() {
  if (stopping.exchange(true)) return;
  asio::post(ioc, [this]() {
    ::chronik::config::named_logger("chronik.net").info("shutting down: no new connections, finishing requests in flight");
    for (auto& a : acceptors) a->close();
    boost::system::error_code ec;
    signals.cancel(ec);
    housekeeping.stop();
    // Waiting requests see `stopping` and answer now.
    broker.waits.wake_all();
    for (auto& hook : stop_hooks) hook();
    for (auto& c : connections.all()) c->stop();
  });
}

Server::Server(Broker& broker) : impl_(std::make_unique<Impl>(broker)) {}
Server::~Server() = default;

void Server::bind() {
  auto& broker = impl_->broker;
  for (size_t i = 0; i < impl_->acceptors.size(); ++i) {
    auto& listener = broker.listeners[i];
    impl_->acceptors[i]->bind(listener.bind.host, listener.bind.port);
    listener.bind.port = impl_->acceptors[i]->port();
    if (listener.advertised.port == 0) listener.advertised.port = listener.bind.port;
  }
  if (!broker.listeners.empty() && broker.advertised.port == 0) broker.advertised.port = broker.listeners[0].bind.port;
  impl_->bound = true;
}

uint16_t Server::port() const { return impl_->acceptors.empty() ? 0 : impl_->acceptors.front()->port(); }

void Server::stop() { impl_->begin_stop(); }

bool Server::accepting() const { return impl_->bound && !impl_->stopping; }

asio::io_context& Server::io_context() { return impl_->ioc; }

// REQUIRES: called before run().
void Server::on_stop(std::function<void()> hook) { impl_->stop_hooks.push_back(std::move(hook)); }

void Server::run() {
  auto& impl = *impl_;
  impl.signals.async_wait([&impl](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    ::chronik::config::named_logger("chronik.net").info("received signal {}", sig);
    impl.begin_stop();
  });
  for (auto& a : impl.acceptors) asio::co_spawn(impl.ioc, a->accept_loop(), asio::detached);
  impl.housekeeping.start();
  std::vector<std::thread> threads;
  for (auto& context : impl.network) threads.emplace_back([&context]() { context->run(); });
  impl.ioc.run();
  // Stopping closed the acceptor and told every connection to finish: each network thread
  // ends once its connections have.
  for (auto& work : impl.network_work) work.reset();
  for (auto& t : threads) t.join();
  impl.workers.join();
  impl.broker.store->flush();
}

}  // namespace chronik::broker::net
