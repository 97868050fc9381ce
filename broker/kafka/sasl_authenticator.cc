#include "broker/kafka/sasl_authenticator.h"

#include <algorithm>

#include "broker/config/loggers.h"
#include "broker/handlers/handlers.h"
#include "broker/kafka/error_response.h"
#include "generated/kafka/api_dispatch.h"
#include "generated/kafka/api_table.h"
#include "runtime/protocol/header.h"

namespace chronik::broker {
namespace {

namespace m = chronik::message;

template <class Resp>
std::shared_ptr<wire::Writer> encode_frame(const Resp& resp, int16_t version, int32_t correlation_id) {
  const m::ApiInfo* api = m::find_api(Resp::kApiKey);
  auto w = std::make_shared<wire::Writer>();
  w->write_int32(0);
  protocol::ResponseHeader header;
  header.correlation_id = correlation_id;
  protocol::encode_response_header(*w, header, api->response_header_version(version));
  resp.encode(*w, version);
  w->patch_int32(0, static_cast<int32_t>(w->size() - 4));
  return w;
}

SaslAuthenticator::Step respond(std::shared_ptr<wire::Writer> frame) {
  SaslAuthenticator::Step s;
  s.outcome.kind = Outcome::Kind::kRespond;
  s.outcome.frame = std::move(frame);
  return s;
}

SaslAuthenticator::Step close_with(std::string reason) {
  SaslAuthenticator::Step s;
  s.outcome.kind = Outcome::Kind::kClose;
  s.outcome.reason = reason;
  s.reason = std::move(reason);
  return s;
}

SaslAuthenticator::Step fail_with(std::shared_ptr<wire::Writer> frame, std::string reason) {
  SaslAuthenticator::Step s;
  s.outcome.kind = frame ? Outcome::Kind::kRespond : Outcome::Kind::kClose;
  s.outcome.frame = std::move(frame);
  s.outcome.reason = reason;
  s.failed = true;
  s.reason = std::move(reason);
  return s;
}

std::string api_name(int16_t key) {
  const m::ApiInfo* api = m::find_api(key);
  return api ? api->name : "API " + std::to_string(key);
}

// The header and request of `frame`, for one of the APIs served here. Throws
// wire::DecodeError.
template <class Req>
Req decode(RequestContext& ctx, const wire::SharedBytes& frame) {
  wire::Reader in(frame.data(), frame.size(), frame.owner());
  const m::ApiInfo* api = m::find_api(Req::kApiKey);
  const auto header = protocol::decode_request_header(in, api->request_header_version(ctx.api_version));
  ctx.correlation_id = header.correlation_id;
  ctx.client_id = header.client_id;
  Req req;
  req.decode(in, ctx.api_version);
  return req;
}

bool version_served(int16_t key, int16_t version) {
  const m::ApiInfo* api = m::find_api(key);
  if (!api) return false;
  const auto served = handlers::served_versions(*api);
  return version >= served.lowest && version <= served.highest;
}

}  // namespace

SaslAuthenticator::SaslAuthenticator(Broker& broker, std::string listener)
    : broker_(broker), listener_(std::move(listener)) {}

SaslAuthenticator::Step SaslAuthenticator::process(RequestContext& ctx, const wire::SharedBytes& frame) {
  Step step;
  try {
    switch (state_) {
      case State::kHandshakeOrVersions:
      case State::kHandshake: step = handshake(ctx, frame); break;
      case State::kAuthenticate: step = authenticate(ctx, frame); break;
      case State::kAuthenticateUnframed: step = authenticate_unframed(frame); break;
      default: step = close_with("authentication already ended"); break;
    }
  } catch (const std::exception& e) {
    step = close_with(std::string("malformed request during SASL authentication: ") + e.what());
  }
  if (step.failed || step.outcome.kind == Outcome::Kind::kClose) state_ = State::kFailed;
  return step;
}

SaslAuthenticator::Step SaslAuthenticator::handshake(RequestContext& ctx, const wire::SharedBytes& frame) {
  if (frame.size() < 4) return close_with("request too short");
  const auto kv = protocol::peek_api_key_and_version(wire::Reader(frame.data(), frame.size()));
  ctx.api_key = kv.api_key;
  ctx.api_version = kv.api_version;
  if (kv.api_key == m::ApiVersionsRequest::kApiKey) {
    if (state_ != State::kHandshakeOrVersions)
      return close_with("Unexpected ApiVersions request received during SASL authentication");
    state_ = State::kHandshake;
    Step s;
    s.outcome = process_request(broker_, ctx, frame);
    return s;
  }
  if (kv.api_key != m::SaslHandshakeRequest::kApiKey)
    return close_with("Unexpected Kafka request of type " + api_name(kv.api_key) + " during SASL handshake.");
  if (!version_served(kv.api_key, kv.api_version)) return close_with("unsupported SaslHandshake version");
  auto req = decode<m::SaslHandshakeRequest>(ctx, frame);
  const auto enabled = broker_.config()->listener_list(listener_, "sasl.enabled.mechanisms");
  m::SaslHandshakeResponse resp;
  resp.mechanisms = enabled;
  if (std::find(enabled.begin(), enabled.end(), req.mechanism) == enabled.end()) {
    resp.error_code = err(ErrorCode::UNSUPPORTED_SASL_MECHANISM);
    return fail_with(encode_frame(resp, ctx.api_version, ctx.correlation_id),
                     "Unsupported SASL mechanism " + req.mechanism);
  }
  server_ = make_sasl_server(broker_, listener_, req.mechanism);
  mechanism_ = req.mechanism;
  state_ = ctx.api_version == 0 ? State::kAuthenticateUnframed : State::kAuthenticate;
  return respond(encode_frame(resp, ctx.api_version, ctx.correlation_id));
}

SaslAuthenticator::Step SaslAuthenticator::authenticate(RequestContext& ctx, const wire::SharedBytes& frame) {
  if (frame.size() < 4) return close_with("request too short");
  const auto kv = protocol::peek_api_key_and_version(wire::Reader(frame.data(), frame.size()));
  ctx.api_key = kv.api_key;
  ctx.api_version = kv.api_version;
  if (kv.api_key != m::SaslAuthenticateRequest::kApiKey) {
    // As Kafka: the request's own error response, ILLEGAL_SASL_STATE, then the close.
    const std::string reason =
        "Unexpected Kafka request of type " + api_name(kv.api_key) + " during SASL authentication.";
    const m::ApiInfo* api = m::find_api(kv.api_key);
    if (!api || !handlers::has_handler(kv.api_key) || !version_served(kv.api_key, kv.api_version))
      return close_with(reason);
    std::shared_ptr<wire::Writer> out;
    m::with_api(kv.api_key, [&]<class Req, class Resp>() {
      if constexpr (handlers::kHasHandler<Req>) {
        auto req = decode<Req>(ctx, frame);
        out = encode_frame(error_response_for<Resp>(req, err(ErrorCode::ILLEGAL_SASL_STATE)), ctx.api_version,
                           ctx.correlation_id);
      }
    });
    return fail_with(std::move(out), reason);
  }
  if (!version_served(kv.api_key, kv.api_version)) return close_with("unsupported SaslAuthenticate version");
  auto req = decode<m::SaslAuthenticateRequest>(ctx, frame);
  m::SaslAuthenticateResponse resp;
  try {
    const auto token = server_->evaluate(
        std::string_view(reinterpret_cast<const char*>(req.auth_bytes.data()), req.auth_bytes.size()));
    resp.auth_bytes.assign(token.begin(), token.end());
  } catch (const SaslAuthenticationFailed& e) {
    resp.error_code = err(ErrorCode::SASL_AUTHENTICATION_FAILED);
    resp.error_message = e.what();
    return fail_with(encode_frame(resp, ctx.api_version, ctx.correlation_id), e.what());
  }
  if (server_->complete()) completed();
  return respond(encode_frame(resp, ctx.api_version, ctx.correlation_id));
}

// After SaslHandshake v0: the frame is the mechanism's token itself, answered the same way.
SaslAuthenticator::Step SaslAuthenticator::authenticate_unframed(const wire::SharedBytes& frame) {
  std::string token;
  try {
    token = server_->evaluate(std::string_view(reinterpret_cast<const char*>(frame.data()), frame.size()));
  } catch (const SaslAuthenticationFailed& e) {
    return fail_with(nullptr, e.what());
  }
  auto w = std::make_shared<wire::Writer>();
  w->write_int32(static_cast<int32_t>(token.size()));
  w->put(reinterpret_cast<const uint8_t*>(token.data()), token.size());
  if (server_->complete()) completed();
  return respond(std::move(w));
}

void SaslAuthenticator::completed() {
  state_ = State::kComplete;
  principal_ = "User:" + server_->user();
}

}  // namespace chronik::broker
