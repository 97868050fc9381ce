// SaslHandshake and SaslAuthenticate that reach the handlers: on a listener without SASL, or
// after authentication completed (the exchange itself is kafka/sasl_authenticator.h's, before
// any handler runs). Kafka answers both with ILLEGAL_SASL_STATE and keeps the connection, so
// that a client configured for SASL that reaches a listener without it reports why.
#include "broker/handlers/handlers.h"
#include "generated/kafka/api_table.h"

namespace chronik::broker::handlers {

bool refuses_only(int16_t) { return false; }

m::SaslHandshakeResponse handle(Broker&, const Ctx&, m::SaslHandshakeRequest&) {
  m::SaslHandshakeResponse resp;
  resp.error_code = err(ErrorCode::ILLEGAL_SASL_STATE);
  return resp;
}

m::SaslAuthenticateResponse handle(Broker&, const Ctx&, m::SaslAuthenticateRequest&) {
  m::SaslAuthenticateResponse resp;
  resp.error_code = err(ErrorCode::ILLEGAL_SASL_STATE);
  resp.error_message = "SaslAuthenticate request received after successful authentication";
  return resp;
}

}  // namespace chronik::broker::handlers
