#include "broker/net/server.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <deque>
#include <limits>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include <utility>  // before Asio 1.74's awaitable.hpp, which forgets it

#include <boost/asio.hpp>
#include <boost/asio/redirect_error.hpp>
#include <spdlog/spdlog.h>

#include "broker/kafka/dispatch.h"
#include "generated/kafka/fetch_request.h"
#include "generated/kafka/produce_request.h"
#include "runtime/protocol/frame.h"
#include "runtime/protocol/header.h"

namespace chronik::broker::net {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::string partition_key(const std::string& topic, int32_t partition) {
  return topic + '\x1f' + std::to_string(partition);
}

// A long-poll fetch waiting for appends: its timer is cancelled (on its connection's network
// thread) when one of the watched partitions gets data.
struct Waiter {
  explicit Waiter(asio::any_io_executor ex) : timer(std::move(ex)) {}
  asio::steady_timer timer;
  std::atomic<bool> notified{false};
  std::vector<std::string> keys;

  static void wake(const std::shared_ptr<Waiter>& w) {
    w->notified = true;
    asio::post(w->timer.get_executor(), [w]() { w->timer.cancel(); });
  }
};

class Notifier final : public AppendListener {
 public:
  void add(const std::shared_ptr<Waiter>& w) {
    std::lock_guard lock(mu_);
    for (const auto& k : w->keys) by_key_[k].push_back(w);
    all_.insert(w.get());
  }
  void remove(const std::shared_ptr<Waiter>& w) {
    std::lock_guard lock(mu_);
    for (const auto& k : w->keys) {
      auto it = by_key_.find(k);
      if (it == by_key_.end()) continue;
      std::erase_if(it->second, [&](const std::weak_ptr<Waiter>& x) {
        auto s = x.lock();
        return !s || s == w;
      });
      if (it->second.empty()) by_key_.erase(it);
    }
    all_.erase(w.get());
  }
  void on_append(const std::string& topic, int32_t partition) override {
    std::vector<std::shared_ptr<Waiter>> wake;
    {
      std::lock_guard lock(mu_);
      auto it = by_key_.find(partition_key(topic, partition));
      if (it == by_key_.end()) return;
      for (auto& w : it->second)
        if (auto s = w.lock()) wake.push_back(std::move(s));
    }
    for (auto& w : wake) Waiter::wake(w);
  }
  void wake_all() {
    std::lock_guard lock(mu_);
    for (auto& [k, list] : by_key_)
      for (auto& w : list)
        if (auto s = w.lock()) Waiter::wake(s);
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::vector<std::weak_ptr<Waiter>>> by_key_;
  std::set<Waiter*> all_;
};

}  // namespace

struct Server::Impl {
  explicit Impl(Broker& b)
      : broker(b),
        ioc(1),
        workers(static_cast<size_t>(std::max(1, b.config()->get_int("num.io.threads")))),
        // Read once, as the log manager does.
        produce_may_fsync(b.config()->get_long("log.flush.interval.messages") !=
                          std::numeric_limits<int64_t>::max()),
        acceptor(ioc),
        signals(ioc, SIGINT, SIGTERM),
        flush_timer(ioc),
        group_timer(ioc) {
    const int threads = std::max(1, b.config()->get_int("num.network.threads"));
    for (int i = 0; i < threads; ++i) {
      auto& context = network.emplace_back(std::make_unique<asio::io_context>(1));
      network_work.push_back(asio::make_work_guard(*context));
    }
    broker.append_listener = &notifier;
  }
  ~Impl() { broker.append_listener = nullptr; }

  struct Connection;

  Broker& broker;
  // The acceptor, timers, signals and the admin endpoint.
  asio::io_context ioc;
  // One context per network thread (num.network.threads); each connection lives on one of
  // them, as a Kafka processor owns its connections, so that its reads, writes and
  // completions never wake another network thread.
  std::vector<std::unique_ptr<asio::io_context>> network;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> network_work;
  size_t next_network = 0;
  // Runs requests other than Produce and Fetch (see runs_on_network_thread).
  asio::thread_pool workers;
  const bool produce_may_fsync;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  asio::steady_timer flush_timer;
  asio::steady_timer group_timer;
  Notifier notifier;
  std::atomic<bool> stopping{false};
  std::atomic<bool> bound{false};  // readiness, read from other threads
  std::atomic<int64_t> next_connection_id{1};
  std::mutex connections_mu;
  std::set<std::shared_ptr<Connection>> connections;
  std::vector<std::function<void()>> stop_hooks;

  // Runs `f` on the worker pool and resumes the awaiting coroutine on its own executor.
  // (Not co_spawn of a capturing lambda: GCC 12 destroys such captures twice.)
  // REQUIRES: f() does not throw and returns a default-constructible, movable value.
  template <class F>
  auto on_workers(F f) {
    using R = std::invoke_result_t<F>;
    auto initiation = [this](auto handler, F fn) {
      auto work = asio::make_work_guard(asio::get_associated_executor(handler));
      asio::post(workers, [handler = std::move(handler), fn = std::move(fn),
                           work = std::move(work)]() mutable {
        R result = fn();
        auto ex = work.get_executor();
        asio::dispatch(ex, [handler = std::move(handler), result = std::move(result)]() mutable {
          handler(std::move(result));
        });
      });
    };
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(R)>(initiation, use_awaitable,
                                                                         std::move(f));
  }

  // Produce and Fetch, the data path, are handled on the connection's network thread: handing
  // each to a worker and its response back cost two thread wake-ups per request, more than
  // the append itself (1 KiB records: 48,000 context switches per GB instead of 5,500, and
  // 1.5 times the broker CPU). A produce that may fsync still goes to the workers, so that the
  // fsync holds up neither the other connections of this network thread nor concurrent
  // appends that could share it. What remains inline can still block on a LevelDB write
  // stall, a cold read (as Kafka's network threads block on a cold sendfile) or a commit
  // it joins behind an interval flush (log.flush.interval.ms).
  bool runs_on_network_thread(const wire::SharedBytes& frame) const {
    if (frame.size() < 4) return false;  // malformed: the workers' dispatch answers it
    const int16_t api = protocol::peek_api_key_and_version(wire::Reader(frame.data(), frame.size())).api_key;
    return api == message::FetchRequest::kApiKey ||
           (api == message::ProduceRequest::kApiKey && !produce_may_fsync);
  }

  awaitable<void> accept_loop();
  awaitable<void> flush_loop();
  awaitable<void> group_loop();
  void begin_stop();
};

struct Server::Impl::Connection : std::enable_shared_from_this<Connection> {
  Connection(Impl& s, tcp::socket sock)
      : server(s),
        socket(std::move(sock)),
        write_signal(socket.get_executor()),
        space_signal(socket.get_executor()),
        idle_timer(socket.get_executor()) {
    write_signal.expires_at(Clock::time_point::max());
    space_signal.expires_at(Clock::time_point::max());
    boost::system::error_code ec;
    auto ep = socket.remote_endpoint(ec);
    peer = ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
    socket.set_option(tcp::no_delay(true), ec);
  }

  Impl& server;
  tcp::socket socket;
  asio::steady_timer write_signal;
  asio::steady_timer space_signal;  // cancelled when queued responses were written
  asio::steady_timer idle_timer;
  std::string peer;
  int64_t id = 0;
  struct Unsent {
    std::shared_ptr<wire::Writer> frame;
    bool fetch = false;
  };
  std::deque<Unsent> queue;
  // Responses not yet written (queued or being written). Reading stops while they exceed
  // queued.max.requests frames or kMaxQueuedResponseBytes, so that a client that does not
  // read its responses cannot make the broker buffer without bound; and while a fetch
  // response is among them and fetched data fills queued.max.fetch.bytes, as Kafka mutes a
  // channel until its response is sent: then each connection holds at most one response of
  // first batches beyond the budget, however many clients do not read.
  size_t unsent_frames = 0;
  size_t unsent_bytes = 0;
  size_t unsent_fetches = 0;
  static constexpr size_t kMaxQueuedResponseBytes = 16 << 20;
  bool busy = false;          // a request is being processed
  bool drain_and_close = false;
  bool closed = false;
  Clock::time_point last_activity = Clock::now();
  std::string client_id;
  std::set<std::pair<int16_t, int16_t>> api_versions_used;

  // Debug log, once per connection and (API, version): which versions each client really
  // uses (the compatibility report reads it). Never per request.
  void note_api_version(const RequestContext& ctx) {
    if (ctx.api_key < 0 || !spdlog::should_log(spdlog::level::debug)) return;
    if (ctx.client_id) client_id = *ctx.client_id;
    if (!api_versions_used.emplace(ctx.api_key, ctx.api_version).second) return;
    spdlog::debug("connection {} from {} client_id '{}' uses api {} v{}{}", id, peer, client_id,
                  ctx.api_key, ctx.api_version, serves_api(ctx.api_key) ? "" : " (not served)");
  }

  void start() {
    auto self = shared_from_this();
    asio::co_spawn(socket.get_executor(), [self]() { return self->read_loop(); }, asio::detached);
    asio::co_spawn(socket.get_executor(), [self]() { return self->write_loop(); }, asio::detached);
    if (server.broker.config()->get_long("connections.max.idle.ms") > 0)
      asio::co_spawn(socket.get_executor(), [self]() { return self->idle_loop(); }, asio::detached);
  }

  // On the connection's network thread.
  void close() {
    if (closed) return;
    closed = true;
    boost::system::error_code ec;
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
    write_signal.cancel();
    space_signal.cancel();
    idle_timer.cancel();
    server.broker.metrics.connections_active.fetch_sub(1, std::memory_order_relaxed);
    std::lock_guard lock(server.connections_mu);
    server.connections.erase(shared_from_this());
  }

  // On the connection's network thread: stop after the request in progress.
  void on_stop() {
    if (!busy) {
      drain_and_close = true;
      write_signal.cancel();
      if (queue.empty()) close();
    }
  }

  void enqueue(std::shared_ptr<wire::Writer> frame, bool fetch) {
    ++unsent_frames;
    unsent_bytes += frame->size();
    if (fetch) ++unsent_fetches;
    queue.push_back({std::move(frame), fetch});
    write_signal.cancel();
  }

  // Reads exactly `size` bytes. Every piece that arrives counts as activity, as on Kafka, so
  // a client that writes a large request slowly is not taken for an idle one.
  awaitable<void> read_exactly(uint8_t* data, size_t size) {
    for (size_t done = 0; done < size;) {
      done += co_await socket.async_read_some(asio::buffer(data + done, size - done), use_awaitable);
      last_activity = Clock::now();
    }
  }

  // Whether reading waits for the client to read its responses (see unsent_frames).
  bool muted(size_t max_queued) const {
    if (unsent_frames >= max_queued || unsent_bytes > kMaxQueuedResponseBytes) return true;
    return unsent_fetches > 0 &&
           server.broker.fetch_memory.exhausted(server.broker.config()->get_long("queued.max.fetch.bytes"));
  }

  awaitable<void> read_loop() {
    auto self = shared_from_this();
    const int32_t max_frame = server.broker.config()->get_int("socket.request.max.bytes");
    const size_t max_queued = static_cast<size_t>(server.broker.config()->get_int("queued.max.requests"));
    try {
      for (;;) {
        std::array<uint8_t, 4> prefix{};
        co_await read_exactly(prefix.data(), prefix.size());
        auto size = protocol::check_frame_size(std::span<const uint8_t, 4>(prefix), max_frame);
        if (size.error) {
          spdlog::debug("closing connection from {}: {}", peer, *size.error);
          break;
        }
        // Left uninitialised: the read fills every byte, and zeroing it first cost as much
        // as a copy of every request. This request's alone, so process_request may write
        // into it (dispatch.h).
        const auto frame_size = static_cast<size_t>(size.size);
        std::shared_ptr<uint8_t[]> buffer(new uint8_t[frame_size]);
        co_await read_exactly(buffer.get(), frame_size);
        wire::SharedBytes frame(std::shared_ptr<const void>(buffer, buffer.get()), buffer.get(), frame_size);

        busy = true;
        const auto started = Clock::now();
        RequestContext ctx;
        ctx.peer = peer;
        ctx.connection_id = id;
        Broker& broker = server.broker;
        // Named, not a temporary inside the co_await expression: GCC 12 mishandles those.
        // The context comes back too: dispatch fills in the API and the outcome (metrics).
        auto work = [&broker, ctx, frame]() mutable {
          auto out = process_request(broker, ctx, frame);
          return std::make_pair(std::move(out), ctx);
        };
        std::pair<Outcome, RequestContext> handled;
        if (server.runs_on_network_thread(frame))
          handled = work();
        else
          handled = co_await server.on_workers(std::move(work));
        auto& [outcome, done] = handled;
        ctx = std::move(done);
        note_api_version(ctx);
        if (outcome.kind == Outcome::Kind::kWait)
          outcome.frame = co_await long_poll(outcome.pending);
        busy = false;
        last_activity = Clock::now();
        server.broker.metrics.record_request(
            ctx.api_key, ctx.api_version, ctx.failed || outcome.kind == Outcome::Kind::kClose,
            std::chrono::duration_cast<std::chrono::microseconds>(last_activity - started).count());

        if (outcome.kind == Outcome::Kind::kClose) {
          spdlog::debug("closing connection from {}: {}", peer, outcome.reason);
          break;
        }
        if (outcome.frame) enqueue(std::move(outcome.frame), ctx.api_key == message::FetchRequest::kApiKey);
        if (server.stopping) break;
        // Backpressure: wait for the client to read its responses before reading more.
        while (!closed && muted(max_queued)) {
          boost::system::error_code ec;
          space_signal.expires_at(Clock::time_point::max());
          co_await space_signal.async_wait(asio::redirect_error(use_awaitable, ec));
        }
        if (closed) break;
      }
    } catch (const boost::system::system_error& e) {
      if (e.code() != asio::error::eof && e.code() != asio::error::operation_aborted)
        spdlog::debug("connection from {}: {}", peer, e.what());
    } catch (const std::exception& e) {
      spdlog::warn("connection from {}: {}", peer, e.what());
    }
    busy = false;
    drain_and_close = true;
    write_signal.cancel();
    if (queue.empty()) close();
  }

  awaitable<std::shared_ptr<wire::Writer>> long_poll(std::shared_ptr<PendingFetch> pending) {
    auto waiter = std::make_shared<Waiter>(socket.get_executor());
    for (const auto& [topic, partition] : pending->watched())
      waiter->keys.push_back(partition_key(topic, partition));
    server.notifier.add(waiter);
    // Group requests watch their group's pseudo partition (Broker::group_wait_key).
    const bool group_wait = !pending->watched().empty() && pending->watched().front().second < 0;
    auto& waiting = group_wait ? server.broker.metrics.waiting_group_requests
                               : server.broker.metrics.waiting_fetches;
    waiting.fetch_add(1, std::memory_order_relaxed);
    const auto deadline = Clock::now() + std::chrono::milliseconds(pending->max_wait_ms());
    std::shared_ptr<wire::Writer> frame;
    try {
      for (;;) {
        const bool final = Clock::now() >= deadline || server.stopping || closed;
        waiter->notified = false;
        auto work = [pending, final]() -> std::shared_ptr<wire::Writer> {
          try {
            return pending->attempt(final);
          } catch (const std::exception& e) {
            spdlog::error("fetch failed: {}", e.what());
            return nullptr;
          }
        };
        if (group_wait)
          frame = co_await server.on_workers(std::move(work));
        else
          frame = work();
        if (!frame && final) break;
        if (frame) break;
        if (!waiter->notified) {
          waiter->timer.expires_at(deadline);
          boost::system::error_code ec;
          co_await waiter->timer.async_wait(asio::redirect_error(use_awaitable, ec));
        }
      }
    } catch (...) {
      waiting.fetch_sub(1, std::memory_order_relaxed);
      server.notifier.remove(waiter);
      throw;
    }
    waiting.fetch_sub(1, std::memory_order_relaxed);
    server.notifier.remove(waiter);
    co_return frame;
  }

  awaitable<void> write_loop() {
    auto self = shared_from_this();
    try {
      for (;;) {
        while (queue.empty()) {
          if (closed) co_return;
          if (drain_and_close) {
            close();
            co_return;
          }
          boost::system::error_code ec;
          write_signal.expires_at(Clock::time_point::max());
          co_await write_signal.async_wait(asio::redirect_error(use_awaitable, ec));
        }
        std::vector<Unsent> sending(queue.begin(), queue.end());
        queue.clear();
        std::vector<asio::const_buffer> buffers;
        for (const auto& w : sending)
          for (auto chunk : w.frame->chunks()) buffers.emplace_back(chunk.data(), chunk.size());
        co_await asio::async_write(socket, buffers, use_awaitable);
        last_activity = Clock::now();
        for (const auto& w : sending) {
          unsent_bytes -= w.frame->size();
          if (w.fetch) --unsent_fetches;
        }
        unsent_frames -= sending.size();
        sending.clear();  // fetched data returns to queued.max.fetch.bytes before reading resumes
        space_signal.cancel();
      }
    } catch (const std::exception& e) {
      spdlog::debug("writing to {}: {}", peer, e.what());
      close();
    }
  }

  awaitable<void> idle_loop() {
    auto self = shared_from_this();
    const auto idle = std::chrono::milliseconds(server.broker.config()->get_long("connections.max.idle.ms"));
    while (!closed) {
      idle_timer.expires_at(last_activity + idle);
      boost::system::error_code ec;
      co_await idle_timer.async_wait(asio::redirect_error(use_awaitable, ec));
      if (closed) co_return;
      if (!busy && queue.empty() && Clock::now() >= last_activity + idle) {
        spdlog::debug("closing idle connection from {}", peer);
        close();
        co_return;
      }
      if (busy) last_activity = Clock::now();
    }
  }
};

awaitable<void> Server::Impl::accept_loop() {
  while (!stopping) {
    boost::system::error_code ec;
    auto& context = *network[next_network++ % network.size()];
    tcp::socket socket =
        co_await acceptor.async_accept(context, asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || stopping) break;
      spdlog::warn("accept failed: {}", ec.message());
      continue;
    }
    auto conn = std::make_shared<Connection>(*this, std::move(socket));
    broker.metrics.connections_accepted.fetch_add(1, std::memory_order_relaxed);
    broker.metrics.connections_active.fetch_add(1, std::memory_order_relaxed);
    conn->id = next_connection_id++;
    {
      std::lock_guard lock(connections_mu);
      connections.insert(conn);
    }
    conn->start();
  }
}

awaitable<void> Server::Impl::flush_loop() {
  // The store's housekeeping (interval flushes, retention) keeps its own schedule; this
  // only gives it a chance to run. Read each round: both intervals are dynamic configs.
  while (!stopping) {
    const auto cfg = broker.config();
    const auto interval = std::chrono::milliseconds(std::clamp<int64_t>(
        std::min(cfg->log_flush_interval_ms(), cfg->get_long("log.retention.check.interval.ms")), 10, 1000));
    flush_timer.expires_after(interval);
    boost::system::error_code ec;
    co_await flush_timer.async_wait(asio::redirect_error(use_awaitable, ec));
    if (stopping) break;
    auto store = broker.store;
    auto work = [store]() {
      try {
        store->tick(now_ms());
      } catch (const std::exception& e) {
        spdlog::error("flush failed: {}", e.what());
      }
      return 0;
    };
    co_await on_workers(std::move(work));
  }
}

awaitable<void> Server::Impl::group_loop() {
  // Session timeouts and join/sync deadlines are checked at this resolution.
  constexpr auto kInterval = std::chrono::milliseconds(100);
  while (!stopping) {
    group_timer.expires_after(kInterval);
    boost::system::error_code ec;
    co_await group_timer.async_wait(asio::redirect_error(use_awaitable, ec));
    if (stopping) break;
    auto* groups = broker.groups.get();
    if (!groups) continue;
    auto work = [groups]() {
      try {
        groups->tick(now_ms());
      } catch (const std::exception& e) {
        spdlog::error("group coordinator: {}", e.what());
      }
      return 0;
    };
    co_await on_workers(std::move(work));
  }
}

void Server::Impl::begin_stop() {
  if (stopping.exchange(true)) return;
  asio::post(ioc, [this]() {
    spdlog::info("shutting down: no new connections, finishing requests in flight");
    boost::system::error_code ec;
    acceptor.close(ec);
    signals.cancel(ec);
    flush_timer.cancel();
    group_timer.cancel();
    notifier.wake_all();
    for (auto& hook : stop_hooks) hook();
    std::vector<std::shared_ptr<Connection>> conns;
    {
      std::lock_guard lock(connections_mu);
      conns.assign(connections.begin(), connections.end());
    }
    for (auto& c : conns) asio::post(c->socket.get_executor(), [c]() { c->on_stop(); });
  });
}

Server::Server(Broker& broker) : impl_(std::make_unique<Impl>(broker)) {}
Server::~Server() = default;

void Server::bind() {
  const auto& ep = impl_->broker.listener;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(ep.host == "localhost" ? "127.0.0.1" : ep.host, ec);
  if (ec) {
    tcp::resolver resolver(impl_->ioc);
    auto results = resolver.resolve(ep.host, std::to_string(ep.port), ec);
    if (ec || results.empty())
      throw std::runtime_error("cannot resolve listener host " + ep.host + ": " + ec.message());
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, ep.port);
  auto& a = impl_->acceptor;
  a.open(endpoint.protocol());
  a.set_option(tcp::acceptor::reuse_address(true));
  a.bind(endpoint, ec);
  if (ec)
    throw std::runtime_error("cannot listen on " + ep.host + ":" + std::to_string(ep.port) + ": " +
                             ec.message());
  a.listen(asio::socket_base::max_listen_connections);
  impl_->bound = true;
}

uint16_t Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::stop() { impl_->begin_stop(); }

bool Server::accepting() const { return impl_->bound && !impl_->stopping; }

asio::io_context& Server::io_context() { return impl_->ioc; }

// REQUIRES: called before run().
void Server::on_stop(std::function<void()> hook) { impl_->stop_hooks.push_back(std::move(hook)); }

void Server::run() {
  auto& impl = *impl_;
  impl.signals.async_wait([&impl](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("received signal {}", sig);
    impl.begin_stop();
  });
  asio::co_spawn(impl.ioc, impl.accept_loop(), asio::detached);
  asio::co_spawn(impl.ioc, impl.flush_loop(), asio::detached);
  asio::co_spawn(impl.ioc, impl.group_loop(), asio::detached);
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
