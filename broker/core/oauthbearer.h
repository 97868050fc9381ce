// SASL/OAUTHBEARER (RFC 7628, KIP-255, KIP-768) as Kafka's broker validates tokens:
//
// - unsecured JWTs (alg "none"), Kafka's default validator, for development: the options of the
//   listener's OAuthBearerLoginModule JAAS line (unsecuredValidatorPrincipalClaimName,
//   unsecuredValidatorScopeClaimName, unsecuredValidatorRequiredScope,
//   unsecuredValidatorAllowableClockSkewMs);
// - signed JWTs (RS256, RS384, RS512) checked against the keys of a JWKS file, as Kafka's
//   OAuthBearerValidatorCallbackHandler checks them against its JWKS endpoint, with Kafka's keys:
//   sasl.oauthbearer.jwks.endpoint.url (file:), sasl.oauthbearer.expected.audience,
//   sasl.oauthbearer.expected.issuer, sasl.oauthbearer.sub.claim.name,
//   sasl.oauthbearer.scope.claim.name, sasl.oauthbearer.clock.skew.seconds.
//
// A token that fails is answered as Kafka answers it: an error challenge
// ({"status":"invalid_token"}), then, once the client acknowledges it, the failure.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "broker/core/sasl_server.h"

namespace chronik::broker {

struct OAuthBearerRules {
  // Signed tokens: the JWKS document's text; nullopt for unsecured tokens.
  std::optional<std::string> jwks;
  std::string principal_claim = "sub";
  std::string scope_claim = "scope";
  std::vector<std::string> required_scope;     // unsecured: every one must be granted
  std::vector<std::string> expected_audience;  // signed: one must be in "aud" (none: not checked)
  std::optional<std::string> expected_issuer;  // signed: "iss" must be it
  int64_t clock_skew_ms = 0;
};

// Why `token` (a compact JWT) is refused at `now_ms`, or the principal it names.
struct TokenCheck {
  std::optional<std::string> principal;
  int64_t expires_ms = 0;  // when accepted: the token's exp
  std::string error;       // when refused
  // When refused for want of a required scope: that scope as Kafka prints it ("[a, b]").
  std::optional<std::string> missing_scope;
};
TokenCheck check_oauthbearer_token(const OAuthBearerRules& rules, std::string_view token, int64_t now_ms);

// A space-delimited scope ("read write", RFC 6749), as Kafka reads a scope claim and the
// unsecured validator's required scope.
std::vector<std::string> split_scope(std::string_view text);

// The listener's rules from the configuration (oauthbearer_rules.cc). Throws std::runtime_error naming the setting
// (a JWKS URL that is not file:, a file that does not read, a JAAS line of another module).
OAuthBearerRules oauthbearer_rules(const Broker& broker, const std::string& listener);

std::unique_ptr<SaslServer> make_oauthbearer_server(OAuthBearerRules rules, std::function<int64_t()> clock);

}  // namespace chronik::broker
