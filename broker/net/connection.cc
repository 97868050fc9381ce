#include "broker/net/connection.h"

#include <array>

#include <boost/asio/redirect_error.hpp>
#include <spdlog/spdlog.h>

#include "broker/net/request_wait.h"
#include "broker/core/listener_tls.h"
#include "runtime/protocol/frame.h"
#include "broker/config/loggers.h"
#include "generated/kafka/api_table.h"
#include "generated/kafka/sasl_handshake_request.h"

namespace chronik::broker::net {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;

void Connections::add(std::shared_ptr<Connection> c) {
  std::lock_guard lock(mu_);
  set_.insert(std::move(c));
}

void Connections::remove(const std::shared_ptr<Connection>& c) {
  std::lock_guard lock(mu_);
  set_.erase(c);
}

std::vector<std::shared_ptr<Connection>> Connections::all() {
  std::lock_guard lock(mu_);
  return {set_.begin(), set_.end()};
}

Connection::Connection(ConnectionEnv& env, tcp::socket socket, int64_t id, const ListenerInfo& listener,
                       std::shared_ptr<core::ListenerTls> tls, std::string address)
    : env_(env),
      listener_(listener),
      socket_(std::move(socket)),
      listener_tls_(std::move(tls)),
      address_(std::move(address)),
      write_signal_(socket_.get_executor()),
      space_signal_(socket_.get_executor()),
      idle_timer_(socket_.get_executor()),
      throttle_timer_(socket_.get_executor()),
      id_(id) {
  write_signal_.expires_at(Clock::time_point::max());
  space_signal_.expires_at(Clock::time_point::max());
  boost::system::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  peer_ = ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
  socket_.set_option(tcp::no_delay(true), ec);
  if (listener_.sasl()) sasl_ = std::make_unique<SaslAuthenticator>(env_.broker, listener_.name);
  if (listener_tls_)
    tls_ = std::make_unique<TlsSession>(listener_tls_->context.native_handle(), socket_,
                                        [this]() { write_signal_.cancel(); });
}

void Connection::start() {
  auto self = shared_from_this();
  env_.connections.add(self);
  asio::co_spawn(socket_.get_executor(), [self]() { return self->read_loop(); }, asio::detached);
  asio::co_spawn(socket_.get_executor(), [self]() { return self->write_loop(); }, asio::detached);
  if (env_.broker.config()->get_long("connections.max.idle.ms") > 0)
    asio::co_spawn(socket_.get_executor(), [self]() { return self->idle_loop(); }, asio::detached);
}

void Connection::stop() {
  auto self = shared_from_this();
  asio::post(socket_.get_executor(), [self]() { self->on_stop(); });
}

// Debug log, once per connection and (API, version): which versions each client really
// uses (the compatibility report reads it). Never per request.
void Connection::note_api_version(const RequestContext& ctx) {
  if (ctx.api_key < 0 || !spdlog::should_log(spdlog::level::debug)) return;
  if (ctx.client_id) client_id_ = *ctx.client_id;
  if (!api_versions_used_.emplace(ctx.api_key, ctx.api_version).second) return;
  const auto* api = message::find_api(ctx.api_key);
  ::chronik::config::named_logger("chronik.net").debug("connection {} from {} client_id '{}' uses {} (api {}) v{}{}", id_,
                                                        peer_, client_id_, api ? api->name : "an unknown API",
                                                        ctx.api_key, ctx.api_version,
                                                        serves_api(ctx.api_key) ? "" : " (not served)");
}

// On the connection's network thread.
void Connection::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  write_signal_.cancel();
  space_signal_.cancel();
  idle_timer_.cancel();
  throttle_timer_.cancel();
  env_.broker.metrics.connections_active.fetch_sub(1, std::memory_order_relaxed);
  env_.broker.connection_quotas.release(address_, listener_.name);
  env_.connections.remove(shared_from_this());
}

// On the connection's network thread: stop after the request in progress.
void Connection::on_stop() {
  if (!busy_) {
    drain_and_close_ = true;
    write_signal_.cancel();
    if (queue_.empty()) close();
  }
}

void Connection::enqueue(std::shared_ptr<wire::Writer> frame, bool holds_fetched_records) {
  ++unsent_frames_;
  unsent_bytes_ += frame->size();
  if (holds_fetched_records) ++unsent_fetches_;
  queue_.push_back({std::move(frame), holds_fetched_records});
  write_signal_.cancel();
}

// Reads exactly `size` bytes. Every piece that arrives counts as activity, as on Kafka, so
// a client that writes a large request slowly is not taken for an idle one.
awaitable<void> Connection::read_exactly(uint8_t* data, size_t size) {
  for (size_t done = 0; done < size;) {
    // Two statements, not a conditional expression: GCC 12 mishandles co_await inside one.
    if (tls_)
      done += co_await tls_->read_some(data + done, size - done);
    else
      done += co_await socket_.async_read_some(asio::buffer(data + done, size - done), use_awaitable);
    last_activity_ = Clock::now();
  }
}

// Whether reading waits for the client to read its responses (see unsent_frames_).
bool Connection::muted(size_t max_queued) const {
  if (unsent_frames_ >= max_queued || unsent_bytes_ > kMaxQueuedResponseBytes) return true;
  return unsent_fetches_ > 0 &&
         env_.broker.fetch_memory.exhausted(env_.broker.config()->get_long("queued.max.fetch.bytes"));
}

awaitable<void> Connection::read_loop() {
  auto self = shared_from_this();
  const int32_t max_frame = env_.broker.config()->get_int("socket.request.max.bytes");
  // As Kafka: until a SASL listener's connection has authenticated, its frames have a bound of
  // their own (also per listener), so that a client nobody knows cannot make the broker hold
  // socket.request.max.bytes (100 MB) for each of its connections.
  const auto sasl_limit = env_.broker.config()->listener_value(listener_.name, "sasl.server.max.receive.size");
  const auto* sasl_max = std::get_if<int64_t>(&sasl_limit);
  const int32_t max_unauthenticated_frame = sasl_ && sasl_max ? static_cast<int32_t>(*sasl_max) : max_frame;
  const size_t max_queued = static_cast<size_t>(env_.broker.config()->get_int("queued.max.requests"));
  try {
    if (tls_ && !co_await tls_handshake()) {
      close();
      co_return;
    }
    for (;;) {
      std::array<uint8_t, 4> prefix{};
      co_await read_exactly(prefix.data(), prefix.size());
      const bool authenticating = sasl_ && !sasl_->complete();
      auto size = protocol::check_frame_size(std::span<const uint8_t, 4>(prefix),
                                             authenticating ? max_unauthenticated_frame : max_frame);
      if (size.error) {
        ::chronik::config::named_logger("chronik.net")
            .debug("closing connection from {}: {}, {}", peer_, *size.error,
                   authenticating ? "sasl.server.max.receive.size" : "socket.request.max.bytes");
        break;
      }
      // Left uninitialised: the read fills every byte, and zeroing it first cost as much
      // as a copy of every request. This request's alone, so process_request may write
      // into it (dispatch.h).
      const auto frame_size = static_cast<size_t>(size.size);
      std::shared_ptr<uint8_t[]> buffer(new uint8_t[frame_size]);
      co_await read_exactly(buffer.get(), frame_size);
      wire::SharedBytes frame(std::shared_ptr<const void>(buffer, buffer.get()), buffer.get(), frame_size);

      if (sasl_ && sasl_->complete()) {
        if (const auto expiry = sasl_->session_expiry_ms()) {
          // KIP-368: a SaslHandshake starts re-authentication; anything else after the
          // session's end closes the connection unanswered, as Kafka does.
          const int64_t now = now_ms();
          const bool handshake = frame.size() >= 2 && ((frame.data()[0] << 8) | frame.data()[1]) ==
                                                          message::SaslHandshakeRequest::kApiKey;
          if (!(handshake && sasl_->begin_reauthentication(now)) && now >= *expiry) {
            ::chronik::config::named_logger("chronik.net")
                .debug("closing connection {} from {}: its SASL session ended", id_, peer_);
            env_.broker.metrics.expired_sessions_closed.fetch_add(1, std::memory_order_relaxed);
            break;
          }
        }
      }
      if (sasl_ && !sasl_->complete()) {
        const bool reauthenticating = sasl_->reauthenticating();
        if (!co_await authenticate(frame)) break;
        if (sasl_->complete()) {
          auto& succeeded = reauthenticating ? env_.broker.metrics.reauthentications_succeeded
                                             : env_.broker.metrics.authentications_succeeded;
          succeeded.fetch_add(1, std::memory_order_relaxed);
          principal_ = sasl_->principal();
          ::chronik::config::named_logger("chronik.net")
              .debug("connection {} from {} on listener {} authenticated as {}", id_, peer_, listener_.name, principal_);
        }
        continue;
      }

      busy_ = true;
      const auto started = Clock::now();
      RequestContext ctx;
      ctx.principal = principal_;
      ctx.peer = peer_;
      ctx.connection_id = id_;
      ctx.listener = listener_.name;
      Broker& broker = env_.broker;
      // Named, not a temporary inside the co_await expression: GCC 12 mishandles those.
      // The context comes back too: dispatch fills in the API and the outcome (metrics).
      auto work = [&broker, ctx, frame]() mutable {
        auto out = process_request(broker, ctx, frame);
        return std::make_pair(std::move(out), ctx);
      };
      std::pair<Outcome, RequestContext> handled;
      if (env_.classifier.classify(frame) == RunOn::kNetworkThread)
        handled = work();
      else
        handled = co_await env_.workers.run(std::move(work));
      auto& outcome = handled.first;
      ctx = std::move(handled.second);
      note_api_version(ctx);
      if (outcome.kind == Outcome::Kind::kWait) {
        auto answer_now = [this]() { return env_.stopping.load() || closed_; };
        outcome.frame = co_await wait_for(env_.broker.waits, env_.workers, outcome.pending, answer_now);
        ctx.failed = outcome.pending->failed();
        outcome.throttle_ms = outcome.pending->throttle_ms();
        outcome.pending.reset();  // no longer waiting (metrics)
      }
      busy_ = false;
      last_activity_ = Clock::now();
      env_.broker.metrics.record_request(
          ctx.api_key, ctx.api_version, ctx.failed || outcome.kind == Outcome::Kind::kClose,
          std::chrono::duration_cast<std::chrono::microseconds>(last_activity_ - started).count());

      if (outcome.kind == Outcome::Kind::kClose) {
        ::chronik::config::named_logger("chronik.net").debug("closing connection from {}: {}", peer_, outcome.reason);
        break;
      }
      if (outcome.frame) enqueue(std::move(outcome.frame), outcome.holds_fetched_records);
      if (env_.stopping) break;
      if (outcome.throttle_ms > 0 && !closed_) {
        // Over its quota: the answer (with throttle_time_ms) leaves now, the next request is
        // read once the back-off is over (close() cancels the wait).
        throttle_timer_.expires_after(std::chrono::milliseconds(outcome.throttle_ms));
        boost::system::error_code ec;
        co_await throttle_timer_.async_wait(asio::redirect_error(use_awaitable, ec));
        last_activity_ = Clock::now();
        if (closed_ || drain_and_close_) break;
      }
      // Backpressure: wait for the client to read its responses before reading more.
      while (!closed_ && muted(max_queued)) {
        boost::system::error_code ec;
        space_signal_.expires_at(Clock::time_point::max());
        co_await space_signal_.async_wait(asio::redirect_error(use_awaitable, ec));
      }
      if (closed_) break;
    }
  } catch (const boost::system::system_error& e) {
    if (e.code() != asio::error::eof && e.code() != asio::error::operation_aborted)
      ::chronik::config::named_logger("chronik.net").debug("connection from {}: {}", peer_, e.what());
  } catch (const std::exception& e) {
    ::chronik::config::named_logger("chronik.net").warn("connection from {}: {}", peer_, e.what());
  }
  busy_ = false;
  drain_and_close_ = true;
  write_signal_.cancel();
  if (queue_.empty()) close();
}

// Not `busy_` meanwhile: a client that never finishes its handshake is closed as idle.
awaitable<bool> Connection::tls_handshake() {
  const auto ec = co_await tls_->handshake();
  last_activity_ = Clock::now();
  if (closed_) co_return false;
  if (ec) {
    // Kafka counts a failed TLS handshake as a failed authentication, logged the same way: a
    // plaintext client on a TLS port, an untrusted or expired certificate.
    ::chronik::config::named_logger("chronik.net")
        .info("failed authentication with {} on listener {} (SSL handshake failed: {})", peer_, listener_.name,
              ec.message());
    env_.broker.metrics.authentications_failed.fetch_add(1, std::memory_order_relaxed);
    co_return false;
  }
  // With client authentication the principal is the certificate's mapped name (SASL_SSL:
  // SASL's user replaces it).
  if (listener_tls_->asks_client_certificate) {
    if (const auto dn = core::peer_certificate_dn(tls_->native_handle())) {
      try {
        principal_ = "User:" + listener_tls_->principal_mapper.name(*dn);
        ::chronik::config::named_logger("chronik.net")
            .debug("connection {} from {} on listener {} authenticated as {}", id_, peer_, listener_.name, principal_);
      } catch (const std::exception& e) {
        ::chronik::config::named_logger("chronik.net")
            .info("failed authentication with {} on listener {} ({})", peer_, listener_.name, e.what());
        env_.broker.metrics.authentications_failed.fetch_add(1, std::memory_order_relaxed);
        co_return false;
      }
    }
  }
  // On SASL_SSL the SASL exchange that follows is what counts.
  if (!sasl_) env_.broker.metrics.authentications_succeeded.fetch_add(1, std::memory_order_relaxed);
  co_return true;
}

awaitable<bool> Connection::authenticate(const wire::SharedBytes& frame) {
  busy_ = true;
  RequestContext ctx;
  ctx.peer = peer_;
  ctx.connection_id = id_;
  ctx.listener = listener_.name;
  auto step = sasl_->process(ctx, frame);
  busy_ = false;
  last_activity_ = Clock::now();
  if (step.failed) {
    // Once per connection, at info as Kafka's "Failed authentication with ...": an operator
    // sees who is knocking with what, never a password.
    ::chronik::config::named_logger("chronik.net")
        .info("failed {} with {} on listener {}{} ({})",
              sasl_->reauthenticating() ? "re-authentication" : "authentication", peer_, listener_.name,
              sasl_->mechanism().empty() ? "" : " (" + sasl_->mechanism() + ")", step.reason);
    auto& failed = sasl_->reauthenticating() ? env_.broker.metrics.reauthentications_failed
                                             : env_.broker.metrics.authentications_failed;
    failed.fetch_add(1, std::memory_order_relaxed);
    // A client that retries at once is slowed down, and the failure answer leaves with the close.
    const auto delay = env_.broker.config()->get_long("connection.failed.authentication.delay.ms");
    if (delay > 0) {
      asio::steady_timer timer(socket_.get_executor());
      timer.expires_after(std::chrono::milliseconds(delay));
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    if (step.outcome.frame && !closed_) enqueue(std::move(step.outcome.frame), false);
    co_return false;
  }
  if (step.outcome.kind == Outcome::Kind::kClose) {
    ::chronik::config::named_logger("chronik.net").debug("closing connection from {}: {}", peer_, step.outcome.reason);
    co_return false;
  }
  note_api_version(ctx);
  if (step.outcome.frame) enqueue(std::move(step.outcome.frame), false);
  co_return true;
}

awaitable<void> Connection::write_loop() {
  auto self = shared_from_this();
  try {
    for (;;) {
      while (queue_.empty() && !(tls_ && tls_->has_output())) {
        if (closed_) co_return;
        if (drain_and_close_) {
          close();
          co_return;
        }
        boost::system::error_code ec;
        write_signal_.expires_at(Clock::time_point::max());
        co_await write_signal_.async_wait(asio::redirect_error(use_awaitable, ec));
      }
      std::vector<Unsent> sending(queue_.begin(), queue_.end());
      queue_.clear();
      std::vector<asio::const_buffer> buffers;
      for (const auto& w : sending)
        for (auto chunk : w.frame->chunks()) buffers.emplace_back(chunk.data(), chunk.size());
      if (tls_)
        co_await tls_->write(buffers);
      else
        co_await asio::async_write(socket_, buffers, use_awaitable);
      last_activity_ = Clock::now();
      for (const auto& w : sending) {
        unsent_bytes_ -= w.frame->size();
        if (w.holds_fetched_records) --unsent_fetches_;
      }
      unsent_frames_ -= sending.size();
      sending.clear();  // fetched data returns to queued.max.fetch.bytes before reading resumes
      space_signal_.cancel();
    }
  } catch (const std::exception& e) {
    ::chronik::config::named_logger("chronik.net").debug("writing to {}: {}", peer_, e.what());
    close();
  }
}

awaitable<void> Connection::idle_loop() {
  auto self = shared_from_this();
  const auto idle = std::chrono::milliseconds(env_.broker.config()->get_long("connections.max.idle.ms"));
  while (!closed_) {
    idle_timer_.expires_at(last_activity_ + idle);
    boost::system::error_code ec;
    co_await idle_timer_.async_wait(asio::redirect_error(use_awaitable, ec));
    if (closed_) co_return;
    if (!busy_ && queue_.empty() && Clock::now() >= last_activity_ + idle) {
      ::chronik::config::named_logger("chronik.net").debug("closing idle connection from {}", peer_);
      close();
      co_return;
    }
    if (busy_) last_activity_ = Clock::now();
  }
}

}  // namespace chronik::broker::net
