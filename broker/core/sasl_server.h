// The server side of the SASL mechanisms Chronik serves: PLAIN (users from the listener's
// JAAS configuration, as Kafka's PlainLoginModule, core/plain_server.h), SCRAM-SHA-256/512
// (credentials from the log's metadata, core/scram.h) and OAUTHBEARER (core/oauthbearer.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace chronik::broker {

struct Broker;

// Thrown when authentication fails. what() goes to the client in SaslAuthenticate's error
// message (Kafka's wording: never whether the user exists).
struct SaslAuthenticationFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class SaslServer {
 public:
  virtual ~SaslServer() = default;
  // The response to the client's token. Throws SaslAuthenticationFailed.
  virtual std::string evaluate(std::string_view token) = 0;
  virtual bool complete() const = 0;
  // Once complete: the authenticated user name.
  virtual std::string user() const = 0;
  // Once complete: when the credential expires (ms since the epoch), for the mechanisms whose
  // credentials do (OAUTHBEARER's token); the session ends then (KIP-368).
  virtual std::optional<int64_t> credential_expiry_ms() const { return std::nullopt; }
};

// The mechanisms Chronik can serve, in Kafka's names.
const std::vector<std::string>& served_sasl_mechanisms();

// A server for `mechanism` on listener `listener`. REQUIRES: the mechanism is served.
// Throws std::runtime_error when the listener's configuration does not allow it (no JAAS
// configuration for PLAIN), which start-up checks first (served_settings).
std::unique_ptr<SaslServer> make_sasl_server(Broker& broker, const std::string& listener, const std::string& mechanism);

// At start-up: throws std::runtime_error naming the setting when a SASL listener's mechanism
// cannot authenticate anyone (an OAUTHBEARER JWKS that does not read, a validator Chronik
// does not serve, a JAAS line of another module).
void check_sasl_servers(Broker& broker);

}  // namespace chronik::broker
