#include "broker/kafka/dispatch.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
#include <type_traits>

#include <spdlog/spdlog.h>

#include "broker/handlers/handlers.h"
#include "broker/handlers/quota_client.h"
#include "broker/kafka/error_response.h"
#include "generated/kafka/api_dispatch.h"
#include "runtime/protocol/header.h"
#include "broker/config/loggers.h"

namespace chronik::broker {
namespace {

namespace m = chronik::message;

template <class Resp>
std::shared_ptr<wire::Writer> encode_frame(const Resp& resp, int16_t version,
                                           int16_t header_version, int32_t correlation_id) {
  auto w = std::make_shared<wire::Writer>();
  w->write_int32(0);
  protocol::ResponseHeader header;
  header.correlation_id = correlation_id;
  protocol::encode_response_header(*w, header, header_version);
  resp.encode(*w, version);
  w->patch_int32(0, static_cast<int32_t>(w->size() - 4));
  return w;
}

std::string api_name(int16_t api_key) {
  const m::ApiInfo* api = m::find_api(api_key);
  return api ? api->name : "API " + std::to_string(api_key);
}

Outcome respond(std::shared_ptr<wire::Writer> frame) {
  Outcome o;
  o.kind = Outcome::Kind::kRespond;
  o.frame = std::move(frame);
  return o;
}

Outcome close_with(std::string reason) {
  Outcome o;
  o.kind = Outcome::Kind::kClose;
  o.reason = std::move(reason);
  return o;
}

bool runs_inline(int16_t api_key, bool produce_may_fsync) {
  return api_key == m::FetchRequest::kApiKey ||
         (api_key == m::ProduceRequest::kApiKey && !produce_may_fsync);
}

// A Fetch, JoinGroup or SyncGroup waiting (handlers::Deferred) until it answers.
// How long the client is told to back off (a quota's throttle_time_ms): the connection reads
// nothing more from it meanwhile, as Kafka mutes a throttled channel.
template <class Resp>
int32_t throttle_of(const Resp& resp) {
  if constexpr (requires { resp.throttle_time_ms; }) return resp.throttle_time_ms;
  else return 0;
}

// A request-time throttle (request_percentage) joins the response's own: the longer one is
// what the client is told, as Kafka answers with the larger of its quotas' throttles.
template <class Resp>
void add_throttle(Resp& resp, int32_t throttle_ms) {
  if constexpr (requires { resp.throttle_time_ms; })
    resp.throttle_time_ms = std::max(resp.throttle_time_ms, throttle_ms);
}

// Records the time the handler kept this thread busy under the client's request_percentage
// quota; how long the client must back off for it. `start` is unset while no such quota is
// (no clock read on every request for nothing).
int32_t request_time_throttle(Broker& broker, const RequestContext& ctx,
                              std::optional<std::chrono::steady_clock::time_point> start) {
  if (!start) return 0;
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - *start);
  return broker.quotas.record(ClientQuotaType::kRequest, handlers::quota_user(ctx), handlers::quota_client_id(ctx),
                              request_time_units(nanos.count()), now_ms());
}

template <class Resp>
class PendingResponse final : public PendingRequest {
 public:
  PendingResponse(handlers::Deferred<Resp> deferred, const char* api_name, RunOn run_on,
                  int16_t version, int16_t header_version, int32_t correlation_id, int32_t request_throttle_ms)
      : deferred_(std::move(deferred)),
        api_name_(api_name),
        run_on_(run_on),
        version_(version),
        header_version_(header_version),
        correlation_id_(correlation_id),
        request_throttle_ms_(request_throttle_ms) {
    if (deferred_.waiting) deferred_.waiting->fetch_add(1, std::memory_order_relaxed);
  }
  ~PendingResponse() override {
    if (deferred_.waiting) deferred_.waiting->fetch_sub(1, std::memory_order_relaxed);
  }

  const std::vector<WaitKey>& wait_keys() const override { return deferred_.wait_keys; }
  int32_t max_wait_ms() const override { return deferred_.max_wait_ms; }
  RunOn run_on() const override { return run_on_; }
  bool failed() const override { return failed_; }
  int32_t throttle_ms() const override { return throttle_ms_; }

  std::shared_ptr<wire::Writer> retry(const std::vector<WaitKey>& fired, bool final) override {
    std::optional<Resp> resp;
    try {
      resp = deferred_.retry(fired, final);
      if (!resp) return nullptr;
      add_throttle(*resp, request_throttle_ms_);
      failed_ = top_error(*resp);
      throttle_ms_ = std::max(throttle_of(*resp), request_throttle_ms_);
      return encode_frame(*resp, version_, header_version_, correlation_id_);
    } catch (const std::exception& e) {
      ::chronik::config::named_logger("chronik.kafka").error("{} failed while waiting, answering UNKNOWN_SERVER_ERROR: {}", api_name_, e.what());
    }
    // Answered with the error, never left without a response.
    const int16_t error = err(ErrorCode::UNKNOWN_SERVER_ERROR);
    Resp failure;
    if (deferred_.failed) failure = deferred_.failed(error);
    else set_top_error(failure, error);
    failed_ = true;
    return encode_frame(failure, version_, header_version_, correlation_id_);
  }

 private:
  handlers::Deferred<Resp> deferred_;
  const char* api_name_;
  RunOn run_on_;
  int16_t version_;
  int16_t header_version_;
  int32_t correlation_id_;
  int32_t request_throttle_ms_;
  bool failed_ = false;
  int32_t throttle_ms_ = 0;
};

template <class T>
struct IsDeferred : std::false_type {};
template <class T>
struct IsDeferred<handlers::Deferred<T>> : std::true_type {};

// ApiVersions at a version we do not know: v0 with UNSUPPORTED_VERSION and the whole table,
// so that the client can pick a version it shares with us.
Outcome api_versions_fallback(const Broker& broker, const wire::SharedBytes& frame) {
  wire::Reader r(frame.data(), frame.size());
  r.read_int16();
  r.read_int16();
  const int32_t correlation_id = r.read_int32();
  m::ApiVersionsResponse resp;
  resp.error_code = err(ErrorCode::UNSUPPORTED_VERSION);
  resp.api_keys = handlers::advertised_api_versions(broker.config()->get_bool("client.telemetry.enable"));
  return respond(encode_frame(resp, 0, 0, correlation_id));
}


// Runs `req`'s handler and encodes what it answers. A handler that throws for any other
// reason than a request it cannot read or a connection it must close has hit a bug of the
// broker's: the client gets UNKNOWN_SERVER_ERROR in the API's shape and keeps its
// connection, as on Kafka, while the error goes to the log.
template <class Req, class Resp>
Outcome run_handler(Broker& broker, RequestContext& ctx, Req& req, const m::ApiInfo& api,
                    int16_t response_header_version) {
  const int16_t version = ctx.api_version;
  try {
    std::optional<std::chrono::steady_clock::time_point> started;
    if (broker.quotas.any_request()) started = std::chrono::steady_clock::now();
    auto resp = handlers::handle(broker, ctx, req);
    const int32_t request_throttle = request_time_throttle(broker, ctx, started);
    Outcome out;
    if constexpr (IsDeferred<decltype(resp)>::value) {
      out.holds_fetched_records = std::is_same_v<Req, m::FetchRequest>;
      if (resp.ready) {
        add_throttle(*resp.ready, request_throttle);
        ctx.failed = top_error(*resp.ready);
        out.throttle_ms = std::max(throttle_of(*resp.ready), request_throttle);
        out.kind = Outcome::Kind::kRespond;
        out.frame = encode_frame(*resp.ready, version, response_header_version, ctx.correlation_id);
      } else {
        // Retries run where the request did (a request that waits never fsyncs).
        const RunOn run_on = runs_inline(Req::kApiKey, false) ? RunOn::kNetworkThread : RunOn::kWorkers;
        out.kind = Outcome::Kind::kWait;
        out.pending = std::make_shared<PendingResponse<Resp>>(std::move(resp), api.name, run_on, version,
                                                              response_header_version, ctx.correlation_id,
                                                              request_throttle);
      }
    } else if constexpr (std::is_same_v<decltype(resp), std::optional<Resp>>) {
      if (!resp) {
        out.kind = Outcome::Kind::kNoResponse;
        out.throttle_ms = std::max(ctx.throttle_without_response_ms, request_throttle);
        return out;
      }
      add_throttle(*resp, request_throttle);
      ctx.failed = top_error(*resp);
      out = respond(encode_frame(*resp, version, response_header_version, ctx.correlation_id));
      out.throttle_ms = std::max(throttle_of(*resp), request_throttle);
    } else {
      add_throttle(resp, request_throttle);
      ctx.failed = top_error(resp);
      out = respond(encode_frame(resp, version, response_header_version, ctx.correlation_id));
      // An answer without throttle_time_ms still holds the connection back (KIP-219).
      out.throttle_ms = std::max(throttle_of(resp), request_throttle);
    }
    return out;
  } catch (const CloseConnection&) {
    throw;
  } catch (const RequestRefused& e) {
    ctx.failed = true;
    const auto refusal = error_response_for<Resp>(req, e.error_code);
    return respond(encode_frame(refusal, version, response_header_version, ctx.correlation_id));
  } catch (const wire::DecodeError&) {
    throw;  // bytes inside the request (a record batch, say) that do not read
  } catch (const wire::UnsupportedVersionError&) {
    throw;
  } catch (const wire::EncodeError&) {
    throw;
  } catch (const std::exception& e) {
    if constexpr (std::is_same_v<Req, m::ProduceRequest>) {
      if (req.acks == 0) throw;  // no response to carry the error: closing is the only signal
    }
    ::chronik::config::named_logger("chronik.kafka").error("{} v{} from {} failed, answering UNKNOWN_SERVER_ERROR: {}", api.name, version, ctx.peer,
                  e.what());
    ctx.failed = true;
    const auto failure = error_response_for<Resp>(req, err(ErrorCode::UNKNOWN_SERVER_ERROR));
    return respond(encode_frame(failure, version, response_header_version, ctx.correlation_id));
  }
}
}  // namespace

bool serves_api(int16_t api_key) { return handlers::has_handler(api_key); }

RequestClassifier::RequestClassifier(const Broker& broker)
    : produce_may_fsync_(broker.config()->get_long("log.flush.interval.messages") !=
                         std::numeric_limits<int64_t>::max()) {}

RunOn RequestClassifier::classify(const wire::SharedBytes& frame) const {
  if (frame.size() < 4) return RunOn::kWorkers;
  const int16_t api = protocol::peek_api_key_and_version(wire::Reader(frame.data(), frame.size())).api_key;
  return runs_inline(api, produce_may_fsync_) ? RunOn::kNetworkThread : RunOn::kWorkers;
}

Outcome process_request(Broker& broker, RequestContext& ctx, const wire::SharedBytes& frame) {
  try {
    wire::Reader in(frame.data(), frame.size(), frame.owner());
    const auto kv = protocol::peek_api_key_and_version(in);
    ctx.api_key = kv.api_key;  // for the metrics, even when the header does not decode
    ctx.api_version = kv.api_version;
    const m::ApiInfo* api = m::find_api(kv.api_key);
    if (!api || !handlers::has_handler(kv.api_key))
      return close_with("unknown or unserved API key " + std::to_string(kv.api_key));
    const m::VersionRange served = handlers::served_versions(*api);
    const bool version_ok = kv.api_version >= served.lowest && kv.api_version <= served.highest;
    if (!version_ok && kv.api_key == static_cast<int16_t>(m::ApiKey::kApiVersions)) {
      ctx.failed = true;
      return api_versions_fallback(broker, frame);
    }

    const protocol::RequestHeader header =
        protocol::decode_request_header(in, api->request_header_version(kv.api_version));
    ctx.api_key = header.api_key;
    ctx.api_version = header.api_version;
    ctx.correlation_id = header.correlation_id;
    ctx.client_id = header.client_id;
    const int16_t response_header_version = api->response_header_version(kv.api_version);

    Outcome out;
    m::with_api(kv.api_key, [&]<class Req, class Resp>() {
      if constexpr (handlers::kHasHandler<Req>) {
        if (!version_ok) {
          // The API's own shape at the nearest version we know, top-level error 35.
          Resp resp;
          set_top_error(resp, err(ErrorCode::UNSUPPORTED_VERSION));
          ctx.failed = true;
          const int16_t v = std::clamp(kv.api_version, served.lowest, served.highest);
          out = respond(encode_frame(resp, v, api->response_header_version(v), ctx.correlation_id));
          return;
        }
        Req req;
        req.decode(in, kv.api_version);
        out = run_handler<Req, Resp>(broker, ctx, req, *api, response_header_version);
      }
    });
    return out;
  } catch (const CloseConnection& e) {
    return close_with(e.what());
  } catch (const wire::DecodeError& e) {
    return close_with(std::string("request does not decode: ") + e.what());
  } catch (const wire::UnsupportedVersionError& e) {
    return close_with(std::string("unsupported version: ") + e.what());
  } catch (const wire::EncodeError& e) {
    return close_with(std::string("response does not encode: ") + e.what());
  } catch (const std::exception& e) {
    // Outside a handler (or an acks=0 Produce, which has no response to carry an error):
    // a bug, said at error level, not only in the debug line about the close.
    ::chronik::config::named_logger("chronik.kafka").error("{} v{} from {} failed, closing the connection: {}", api_name(ctx.api_key), ctx.api_version,
                  ctx.peer, e.what());
    return close_with(std::string("handler failed: ") + e.what());
  }
}
}  // namespace chronik::broker
