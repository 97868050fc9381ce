// SASL authentication of a connection on a SASL_PLAINTEXT or SASL_SSL listener, before any
// other request is served (Kafka's SaslServerAuthenticator): ApiVersions, then SaslHandshake
// (v0: the tokens that follow travel unframed, each behind a 4-byte size; v1: inside
// SaslAuthenticate requests), then the mechanism's exchange. Anything else before the end of
// authentication closes the connection, as on Kafka.
//
// Re-authentication (KIP-368): when connections.max.reauth.ms (per listener and mechanism) or
// the credential (an OAUTHBEARER token) limits the session, the last SaslAuthenticate answer
// says how long it lasts (session_lifetime_ms); the client starts again with a SaslHandshake
// on the same connection, with the same mechanism, as the same principal. A connection whose
// session ended serves nothing else: it is closed at its next request.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "broker/core/broker.h"
#include "broker/core/sasl_server.h"
#include "broker/kafka/dispatch.h"

namespace chronik::broker {

class SaslAuthenticator {
 public:
  SaslAuthenticator(Broker& broker, std::string listener);

  struct Step {
    Outcome outcome;  // kRespond or kClose
    // Authentication failed: the connection sends outcome.frame (if any) after
    // connection.failed.authentication.delay.ms, then closes. `reason` is for the log.
    bool failed = false;
    std::string reason;
  };
  // Handles one frame received before authentication completed. Never throws.
  Step process(RequestContext& ctx, const wire::SharedBytes& frame);

  bool complete() const { return state_ == State::kComplete; }
  // Once complete: when the session ends (ms since the epoch); nullopt when it does not.
  std::optional<int64_t> session_expiry_ms() const { return session_expiry_ms_; }
  // On a SaslHandshake after authentication: starts re-authentication when the session has an
  // end and the last re-authentication began a second ago or more, as Kafka allows it.
  bool begin_reauthentication(int64_t now_ms);
  bool reauthenticating() const { return reauthenticating_; }
  // Once complete: "User:<name>".
  const std::string& principal() const { return principal_; }
  const std::string& mechanism() const { return mechanism_; }

 private:
  enum class State {
    kHandshakeOrVersions,
    kHandshake,
    kAuthenticate,
    kAuthenticateUnframed,
    kReauthBadMechanism,  // re-authentication named another mechanism: the next frame fails it
    kComplete,
    kFailed
  };
  Step handshake(RequestContext& ctx, const wire::SharedBytes& frame);
  Step authenticate(RequestContext& ctx, const wire::SharedBytes& frame);
  Step authenticate_unframed(const wire::SharedBytes& frame);
  int64_t completed();  // the session's lifetime in ms (0: unlimited)
  std::string changed_principal_reason() const;

  Broker& broker_;
  std::string listener_;
  State state_ = State::kHandshakeOrVersions;
  std::string mechanism_;
  std::unique_ptr<SaslServer> server_;
  std::string principal_;
  std::optional<int64_t> session_expiry_ms_;
  bool reauthenticating_ = false;
  std::string bad_mechanism_reason_;
  std::optional<int64_t> reauthentication_started_ms_;
};

}  // namespace chronik::broker
