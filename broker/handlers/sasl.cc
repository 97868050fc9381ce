// SaslHandshake and SaslAuthenticate on a PLAINTEXT listener. Like Kafka, the broker
// answers them with ILLEGAL_SASL_STATE instead of closing the connection, so a client
// configured for SASL that reaches a listener without it reports an error that says so.
#include "broker/handlers/handlers.h"
#include "generated/kafka/api_table.h"

namespace chronik::broker::handlers {

bool refuses_only(int16_t api_key) {
  return api_key == static_cast<int16_t>(m::ApiKey::kSaslHandshake) ||
         api_key == static_cast<int16_t>(m::ApiKey::kSaslAuthenticate);
}

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
