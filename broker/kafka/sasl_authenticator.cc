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

// Kafka's SCRAM failure names the phase it happened in.
std::string naming_phase(std::string message, bool reauthenticating) {
  constexpr std::string_view kPhase = "during authentication";
  if (const size_t at = message.find(kPhase); reauthenticating && at != std::string::npos)
    message.replace(at, kPhase.size(), "during re-authentication");
  return message;
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
      case State::kReauthBadMechanism: step = fail_with(nullptr, bad_mechanism_reason_); break;
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
  if (reauthenticating_ && req.mechanism != mechanism_) {
    // As Kafka: the handshake succeeds, and what the client sends next fails re-authentication.
    bad_mechanism_reason_ = "SASL mechanism '" + req.mechanism +
                            "' requested by client is not supported for re-authentication of mechanism '" +
                            mechanism_ + "'";
    state_ = State::kReauthBadMechanism;
    return respond(encode_frame(resp, ctx.api_version, ctx.correlation_id));
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
    resp.error_message = naming_phase(e.what(), reauthenticating_);
    return fail_with(encode_frame(resp, ctx.api_version, ctx.correlation_id), *resp.error_message);
  }
  if (server_->complete()) {
    if (reauthenticating_ && "User:" + server_->user() != principal_) {
      resp.error_code = err(ErrorCode::SASL_AUTHENTICATION_FAILED);
      resp.error_message = changed_principal_reason();
      return fail_with(encode_frame(resp, ctx.api_version, ctx.correlation_id), *resp.error_message);
    }
    resp.session_lifetime_ms = completed();
  }
  return respond(encode_frame(resp, ctx.api_version, ctx.correlation_id));
}

// After SaslHandshake v0: the frame is the mechanism's token itself, answered the same way.
SaslAuthenticator::Step SaslAuthenticator::authenticate_unframed(const wire::SharedBytes& frame) {
  std::string token;
  try {
    token = server_->evaluate(std::string_view(reinterpret_cast<const char*>(frame.data()), frame.size()));
  } catch (const SaslAuthenticationFailed& e) {
    return fail_with(nullptr, naming_phase(e.what(), reauthenticating_));
  }
  auto w = std::make_shared<wire::Writer>();
  w->write_int32(static_cast<int32_t>(token.size()));
  w->put(reinterpret_cast<const uint8_t*>(token.data()), token.size());
  if (server_->complete()) {
    if (reauthenticating_ && "User:" + server_->user() != principal_)
      return fail_with(nullptr, changed_principal_reason());
    completed();
  }
  return respond(std::move(w));
}

std::string SaslAuthenticator::changed_principal_reason() const {
  // Kafka's words, which join a principal's type and name with a dot.
  auto dotted = [](std::string principal) { return principal.replace(principal.find(':'), 1, "."); };
  return "Cannot change principals during re-authentication from " + dotted(principal_) + ": " +
         dotted("User:" + server_->user());
}

int64_t SaslAuthenticator::completed() {
  state_ = State::kComplete;
  principal_ = "User:" + server_->user();
  reauthenticating_ = false;
  // Kafka's rule: the shorter of connections.max.reauth.ms (when > 0) and what is left of the
  // credential; neither, no end.
  const int64_t now = now_ms();
  const int64_t max_reauth = broker_.config()->max_reauth_ms(listener_, mechanism_);
  const auto credential_expiry = server_->credential_expiry_ms();
  session_expiry_ms_.reset();
  if (!credential_expiry && max_reauth <= 0) return 0;
  int64_t lifetime = credential_expiry ? *credential_expiry - now : max_reauth;
  if (credential_expiry && max_reauth > 0) lifetime = std::min(lifetime, max_reauth);
  lifetime = std::max<int64_t>(lifetime, 0);
  session_expiry_ms_ = now + lifetime;
  return lifetime;
}

bool SaslAuthenticator::begin_reauthentication(int64_t now_ms) {
  if (state_ != State::kComplete || !session_expiry_ms_) return false;
  if (reauthentication_started_ms_ && now_ms - *reauthentication_started_ms_ < 1000) return false;
  reauthentication_started_ms_ = now_ms;
  reauthenticating_ = true;
  state_ = State::kHandshake;  // no ApiVersions this time: the client keeps its first answer
  server_.reset();
  return true;
}

}  // namespace chronik::broker
