#include "broker/admin/admin_server.h"

#include <atomic>
#include <mutex>
#include <set>
#include <utility>  // before Asio 1.74's awaitable.hpp, which forgets it

#include <boost/asio.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <spdlog/spdlog.h>

#include "broker/admin/api.h"
#include "broker/admin/request_guard.h"
#include "broker/core/broker.h"
#include "broker/config/loggers.h"
#include "broker/core/listener_tls.h"

namespace chronik::broker::admin {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;

constexpr uint32_t kMaxHeaderBytes = 16 * 1024;

// Constant time in the length of `given`, so that the token does not leak through timing.
bool same_token(const std::string& given, const std::string& expected) {
  unsigned diff = given.size() != expected.size();
  for (size_t i = 0; i < given.size(); ++i)
    diff |= static_cast<unsigned char>(given[i]) ^
            static_cast<unsigned char>(expected.empty() ? 0 : expected[i % expected.size()]);
  return diff == 0;
}

bool public_path(const std::string& path) {
  return path.rfind("/v1/health/", 0) == 0 || path == "/" || path == "/index.html" ||
         path.rfind("/assets/", 0) == 0;
}

}  // namespace

struct AdminServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(Broker& b, asio::io_context& io, AdminServerOptions o)
      : broker(b),
        ioc(io),
        workers(1),
        context{b, o.version, o.kafka_accepting, make_coordinator_group_view(b)},
        hosts(HostPolicy::from_config(*b.config())) {
    router = build_router(context);
  }

  // One connection: plain HTTP, or HTTPS over the same TCP stream (the stream's timer serves
  // both).
  struct Session {
    Session(tcp::socket s, core::ListenerTls* tls_of_listener) {
      if (tls_of_listener) tls.emplace(std::move(s), tls_of_listener->context);
      else plain.emplace(std::move(s));
    }
    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
    beast::tcp_stream& lowest() { return tls ? tls->next_layer() : *plain; }
  };
  // An acceptor, with the TLS setup of an https:// listener (null for http://).
  struct Listener {
    std::unique_ptr<tcp::acceptor> acceptor;
    std::shared_ptr<core::ListenerTls> tls;
  };

  Broker& broker;
  asio::io_context& ioc;
  // Handlers run here, not on the Kafka worker pool: many or slow HTTP clients queue
  // behind each other instead of delaying Kafka requests.
  asio::thread_pool workers;
  AdminContext context;
  Router router;
  HostPolicy hosts;  // admin.* keys are static: computed once
  std::vector<Listener> listeners;
  std::atomic<bool> stopping{false};
  std::mutex sessions_mu;
  std::set<std::shared_ptr<Session>> sessions;

  ~Impl() { workers.join(); }

  // As in broker/net/worker_pool.h: run `f` on the worker pool, resume on the caller's executor.
  template <class F>
  auto on_workers(F f) {
    using R = std::invoke_result_t<F>;
    auto initiation = [this](auto handler, F fn) {
      auto work = asio::make_work_guard(asio::get_associated_executor(handler));
      asio::post(workers, [handler = std::move(handler), fn = std::move(fn), work = std::move(work)]() mutable {
        R result = fn();
        auto ex = work.get_executor();
        asio::dispatch(ex, [handler = std::move(handler), result = std::move(result)]() mutable {
          handler(std::move(result));
        });
      });
    };
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(R)>(initiation, use_awaitable, std::move(f));
  }

  awaitable<void> accept_loop(Listener& listener);
  awaitable<void> serve(std::shared_ptr<Session> session);
  template <class Stream>
  awaitable<void> serve_requests(Stream& stream);

  // The response to one parsed request (on a worker thread).
  HttpResponse handle(HttpRequest req, std::string authorization) {
    broker.metrics.http_requests.fetch_add(1, std::memory_order_relaxed);
    if (auto refused = refuse(req, hosts)) return *refused;
    const auto token = broker.config()->get_string("admin.auth.token");
    if (token && !token->empty() && !public_path(req.path)) {
      const std::string prefix = "Bearer ";
      if (authorization.rfind(prefix, 0) != 0 || !same_token(authorization.substr(prefix.size()), *token)) {
        auto r = error_response(401, authorization.empty() ? "missing bearer token" : "invalid bearer token",
                                "Authorization");
        r.www_authenticate = "Bearer realm=\"chronik\"";
        return r;
      }
    }
    try {
      return router.route(req);
    } catch (const HttpError& e) {
      return error_response(e.status, e.what(), e.field);
    }
  }
};

awaitable<void> AdminServer::Impl::accept_loop(Listener& listener) {
  auto self = shared_from_this();
  tcp::acceptor& acceptor = *listener.acceptor;
  while (!stopping) {
    boost::system::error_code ec;
    tcp::socket socket =
        co_await acceptor.async_accept(asio::make_strand(ioc), asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || stopping) break;
      ::chronik::config::named_logger("chronik.admin").warn("admin accept failed: {}", ec.message());
      continue;
    }
    auto session = std::make_shared<Session>(std::move(socket), listener.tls.get());
    {
      std::lock_guard lock(sessions_mu);
      sessions.insert(session);
    }
    asio::co_spawn(session->lowest().get_executor(), serve(session), asio::detached);
  }
}

awaitable<void> AdminServer::Impl::serve(std::shared_ptr<Session> session) {
  auto self = shared_from_this();
  const auto idle = std::chrono::milliseconds(broker.config()->get_long("admin.idle.timeout.ms"));
  if (session->tls) {
    // A client that does not complete its handshake (a plain HTTP request on the HTTPS
    // port, say) is closed: TLS alone protects the token and the data.
    boost::system::error_code ec;
    session->lowest().expires_after(idle);
    co_await session->tls->async_handshake(asio::ssl::stream_base::server, asio::redirect_error(use_awaitable, ec));
    if (ec) {
      ::chronik::config::named_logger("chronik.admin").debug("admin TLS handshake failed: {}", ec.message());
    } else {
      co_await serve_requests(*session->tls);
      session->lowest().expires_after(std::chrono::seconds(1));
      co_await session->tls->async_shutdown(asio::redirect_error(use_awaitable, ec));
    }
  } else {
    co_await serve_requests(*session->plain);
    boost::system::error_code ignored;
    session->plain->socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
  session->lowest().close();
  std::lock_guard lock(sessions_mu);
  sessions.erase(session);
}

template <class Stream>
awaitable<void> AdminServer::Impl::serve_requests(Stream& stream) {
  beast::flat_buffer buffer;
  const auto cfg = broker.config();
  const auto idle = std::chrono::milliseconds(cfg->get_long("admin.idle.timeout.ms"));
  const uint64_t max_body = static_cast<uint64_t>(cfg->get_long("admin.max.body.bytes"));
  auto& tcp = beast::get_lowest_layer(stream);

  auto send = [&](http::response<http::string_body>& res) -> awaitable<boost::system::error_code> {
    boost::system::error_code ec;
    tcp.expires_after(idle);
    co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
    co_return ec;
  };
  // No Access-Control-Allow-* header, ever: no other origin may read or drive this API
  // (request_guard.h).
  auto simple = [&](const HttpResponse& r, unsigned version, bool keep_alive) {
    http::response<http::string_body> res{static_cast<http::status>(r.status), version};
    res.set(http::field::server, "chronik");
    res.set(http::field::content_type, r.content_type);
    res.set(http::field::cache_control, "no-store");
    if (r.allow) res.set(http::field::allow, *r.allow);
    if (r.www_authenticate) res.set(http::field::www_authenticate, *r.www_authenticate);
    res.keep_alive(keep_alive);
    res.body() = r.body;
    res.prepare_payload();
    return res;
  };

  while (!stopping) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kMaxHeaderBytes);
    parser.body_limit(max_body);
    boost::system::error_code ec;
    tcp.expires_after(idle);
    co_await http::async_read_header(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
    if (ec == http::error::body_limit) {  // Content-Length over the limit, seen in the header
      auto res = simple(error_response(413, "body exceeds admin.max.body.bytes " + std::to_string(max_body)),
                        parser.get().version() ? parser.get().version() : 11, false);
      co_await send(res);
      break;
    }
    if (ec == http::error::header_limit) {
      auto res = simple(error_response(431, "request header too large"), 11, false);
      co_await send(res);
      break;
    }
    if (ec) {
      if (ec != http::error::end_of_stream && ec != beast::error::timeout && ec != asio::error::operation_aborted &&
          ec != asio::error::eof) {
        auto res = simple(error_response(400, "malformed HTTP request: " + ec.message()), 11, false);
        co_await send(res);
      }
      break;
    }
    const unsigned version = parser.get().version();
    if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
      http::response<http::empty_body> cont{http::status::continue_, version};
      tcp.expires_after(idle);
      co_await http::async_write(stream, cont, asio::redirect_error(use_awaitable, ec));
      if (ec) break;
    }
    if (!parser.is_done()) {
      co_await http::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
      if (ec == http::error::body_limit) {
        auto res = simple(error_response(413, "body exceeds admin.max.body.bytes " + std::to_string(max_body)),
                          version, false);
        co_await send(res);
        break;
      }
      if (ec) break;  // timeout or the client went away mid-body
    }
    auto& msg = parser.get();
    const bool keep_alive = msg.keep_alive();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    std::string target(msg.target());
    const auto q = target.find('?');
    auto path = percent_decode(target.substr(0, q));
    HttpResponse result;
    if (!path || path->empty() || (*path)[0] != '/') {
      result = error_response(400, "malformed request target", "path");
    } else {
      req.path = *path;
      try {
        if (q != std::string::npos) req.query = parse_query(target.substr(q + 1));
        req.body = std::move(msg.body());
        req.version = version;
        if (auto h = msg.find(http::field::host); h != msg.end()) req.host = std::string(h->value());
        req.content_type = std::string(msg[http::field::content_type]);
        std::string auth(msg[http::field::authorization]);
        auto work = [this, req = std::move(req), auth = std::move(auth)]() mutable {
          return handle(std::move(req), std::move(auth));
        };
        result = co_await on_workers(std::move(work));
      } catch (const HttpError& e) {
        result = error_response(e.status, e.what(), e.field);
      }
    }
    auto res = simple(result, version, keep_alive && !stopping);
    if (msg.method() == http::verb::head) {
      res.body().clear();
      res.content_length(result.body.size());
    }
    if (auto wec = co_await send(res); wec) break;
    if (!keep_alive) break;
  }
}

AdminServer::AdminServer(Broker& broker, asio::io_context& ioc, AdminServerOptions options)
    : impl_(std::make_shared<Impl>(broker, ioc, std::move(options))) {}

AdminServer::~AdminServer() = default;

void AdminServer::bind() {
  for (const auto& l : impl_->broker.config()->admin_listeners()) {
    boost::system::error_code ec;
    const std::string host = l.host.empty() ? "0.0.0.0" : (l.host == "localhost" ? "127.0.0.1" : l.host);
    auto address = asio::ip::make_address(host, ec);
    if (ec) {
      tcp::resolver resolver(impl_->ioc);
      auto results = resolver.resolve(host, std::to_string(l.port), ec);
      if (ec || results.empty()) throw std::runtime_error("cannot resolve admin listener host " + host);
      address = results.begin()->endpoint().address();
    }
    Impl::Listener listener;
    // https:// takes Kafka's ssl.* keys (listener.name.https.ssl.* first), as a TLS Kafka
    // listener does: a missing or unreadable key store stops the start-up, naming the key.
    if (l.name == "https") listener.tls = core::make_listener_tls(*impl_->broker.config(), "https");
    auto acceptor = std::make_unique<tcp::acceptor>(impl_->ioc);
    tcp::endpoint endpoint(address, l.port);
    acceptor->open(endpoint.protocol());
    acceptor->set_option(tcp::acceptor::reuse_address(true));
    acceptor->bind(endpoint, ec);
    if (ec)
      throw std::runtime_error("cannot listen on admin listener " + host + ":" + std::to_string(l.port) + ": " +
                               ec.message());
    acceptor->listen(asio::socket_base::max_listen_connections);
    listener.acceptor = std::move(acceptor);
    impl_->listeners.push_back(std::move(listener));
  }
}

std::vector<uint16_t> AdminServer::ports() const {
  std::vector<uint16_t> out;
  for (const auto& l : impl_->listeners) out.push_back(l.acceptor->local_endpoint().port());
  return out;
}

void AdminServer::start() {
  for (auto& l : impl_->listeners) asio::co_spawn(impl_->ioc, impl_->accept_loop(l), asio::detached);
}

void AdminServer::stop() {
  auto impl = impl_;
  if (impl->stopping.exchange(true)) return;
  asio::post(impl->ioc, [impl]() {
    for (auto& l : impl->listeners) {
      boost::system::error_code ec;
      l.acceptor->close(ec);
    }
    std::vector<std::shared_ptr<Impl::Session>> open;
    {
      std::lock_guard lock(impl->sessions_mu);
      open.assign(impl->sessions.begin(), impl->sessions.end());
    }
    for (auto& s : open)
      asio::post(s->lowest().get_executor(), [s]() { s->lowest().cancel(); });
  });
}

}  // namespace chronik::broker::admin
