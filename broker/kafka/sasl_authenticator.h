// SASL authentication of a connection on a SASL_PLAINTEXT or SASL_SSL listener, before any
// other request is served (Kafka's SaslServerAuthenticator): ApiVersions, then SaslHandshake
// (v0: the tokens that follow travel unframed, each behind a 4-byte size; v1: inside
// SaslAuthenticate requests), then the mechanism's exchange. Anything else before the end of
// authentication closes the connection, as on Kafka.
#pragma once

#include <memory>
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
  // Once complete: "User:<name>".
  const std::string& principal() const { return principal_; }
  const std::string& mechanism() const { return mechanism_; }

 private:
  enum class State { kHandshakeOrVersions, kHandshake, kAuthenticate, kAuthenticateUnframed, kComplete, kFailed };
  Step handshake(RequestContext& ctx, const wire::SharedBytes& frame);
  Step authenticate(RequestContext& ctx, const wire::SharedBytes& frame);
  Step authenticate_unframed(const wire::SharedBytes& frame);
  void completed();

  Broker& broker_;
  std::string listener_;
  State state_ = State::kHandshakeOrVersions;
  std::string mechanism_;
  std::unique_ptr<SaslServer> server_;
  std::string principal_;
};

}  // namespace chronik::broker
