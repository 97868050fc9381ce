// SaslHandshake and SaslAuthenticate on a PLAINTEXT listener. Like Kafka, the broker
// answers them with ILLEGAL_SASL_STATE instead of closing the connection, so a client
// configured for SASL that reaches a listener without it reports an error that says so.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::SaslHandshakeResponse handle(Broker&, const Ctx&, m::SaslHandshakeRequest&) {
  m::SaslHandshakeResponse resp;
  resp.error_code = err(ErrorCode::ILLEGAL_SASL_STATE);
  return resp;
}

m::SaslAuthenticateResponse handle(Broker&, const Ctx&, m::SaslAuthenticateRequest&) {
  m::SaslAuthenticateResponse resp;
  resp.error_code = err(ErrorCode::ILLEGAL_SASL_STATE);
  resp.error_message = "this listener does not authenticate with SASL (PLAINTEXT)";
  return resp;
}

}  // namespace chronik::broker::handlers
