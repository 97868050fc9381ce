// OAUTHBEARER token checks (core/oauthbearer.h) on unsecured JWTs: what Kafka's default
// validator requires of the claims, and the RFC 7628 exchange around a token (the error
// challenge, then the failure). Signed tokens are checked end to end with real clients in
// tests/integration/python/test_security.py.
#include <catch2/catch.hpp>

#include <limits>
#include <string>

#include "broker/core/oauthbearer.h"
#include "runtime/json/base64.h"

using namespace chronik::broker;

namespace {

constexpr int64_t kNow = 1'800'000'000'000;  // ms

using chronik::json::base64url_encode;

std::string unsecured(const std::string& claims) { return base64url_encode(R"({"alg":"none"})") + "." + base64url_encode(claims) + "."; }

std::string refusal(const OAuthBearerRules& rules, const std::string& token) {
  const auto check = check_oauthbearer_token(rules, token, kNow);
  return check.principal ? "" : check.error;
}

}  // namespace

TEST_CASE("unsecured tokens: the principal claim, exp and iat, and a required scope") {
  OAuthBearerRules rules;
  const auto ok = check_oauthbearer_token(rules, unsecured(R"({"sub":"alice","iat":1799999999,"exp":1800000600})"), kNow);
  REQUIRE(ok.principal);
  CHECK(*ok.principal == "alice");
  CHECK(refusal(rules, unsecured(R"({"iat":1799999999,"exp":1800000600})")) == "the token has no principal claim sub");
  CHECK(refusal(rules, unsecured(R"({"sub":"alice"})")) == "the token has no expiration time (exp)");
  CHECK(refusal(rules, unsecured(R"({"sub":"alice","exp":1799999000})")) == "the token has expired");
  CHECK(refusal(rules, unsecured(R"({"sub":"alice","iat":1800000700,"exp":1800000600})")) ==
        "the token expires before it was issued");
  CHECK(refusal(rules, unsecured(R"({"sub":"alice","iat":1800000500,"exp":1800000600})")) ==
        "the token was issued in the future");
  rules.clock_skew_ms = 1'000'000;  // unsecuredValidatorAllowableClockSkewMs
  CHECK(refusal(rules, unsecured(R"({"sub":"alice","exp":1799999500})")) == "");

  rules = {};
  rules.principal_claim = "user";
  rules.required_scope = {"kafka", "write"};
  CHECK(refusal(rules, unsecured(R"({"user":"bob","exp":1800000600,"scope":"read kafka write"})")) == "");
  CHECK(refusal(rules, unsecured(R"({"user":"bob","exp":1800000600,"scope":["kafka","write"]})")) == "");
  CHECK(refusal(rules, unsecured(R"({"user":"bob","exp":1800000600,"scope":"kafka"})")) ==
        "the token's scope does not include write");
}

TEST_CASE("unsecured tokens: malformed or signed ones are refused") {
  const OAuthBearerRules rules;
  const std::string claims = base64url_encode(R"({"sub":"alice","exp":1800000600})");
  CHECK(refusal(rules, "not-a-jwt") == "the token is not a compact JWT (three parts)");
  CHECK(refusal(rules, "a.b.c.d") == "the token is not a compact JWT (three parts)");
  CHECK(refusal(rules, base64url_encode("[]") + "." + claims + ".") == "the token's header or claims are not JSON objects");
  CHECK(refusal(rules, "%%%." + claims + ".") == "the token's header or claims are not JSON objects");
  CHECK(refusal(rules, base64url_encode(R"({"alg":"RS256"})") + "." + claims + ".c2ln") ==
        "an unsecured token has alg none and no signature");
  CHECK(refusal(rules, base64url_encode(R"({"alg":"none"})") + "." + claims + ".c2ln") ==
        "an unsecured token has alg none and no signature");
}

TEST_CASE("signed tokens need a key of the JWKS") {
  OAuthBearerRules rules;
  rules.jwks = R"({"keys":[]})";
  const std::string claims = base64url_encode(R"({"sub":"alice","exp":1800000600})");
  CHECK(refusal(rules, unsecured(R"({"sub":"alice","exp":1800000600})")) == "the token's algorithm none is not accepted");
  CHECK(refusal(rules, base64url_encode(R"({"alg":"RS256"})") + "." + claims + ".") == "the token is not signed");
  CHECK(refusal(rules, base64url_encode(R"({"alg":"RS256","kid":"k9"})") + "." + claims + ".c2ln") ==
        "no key k9 of the JWKS verifies the token's signature");
  rules.jwks = "not json";
  CHECK(refusal(rules, base64url_encode(R"({"alg":"RS256"})") + "." + claims + ".c2ln") == "the JWKS does not parse");
}

// The token is read before its sender is authenticated: members of the wrong type and times
// beyond int64's range in ms are refused or saturated as Kafka's validators (Java's long cast)
// treat them, never thrown out of the exchange. fuzz/sasl_fuzzer.cc checks the same under
// UBSan (it finds the undefined conversion of the old code within a minute).
TEST_CASE("hostile tokens: members of the wrong type, times out of range") {
  OAuthBearerRules rules;
  const std::string claims = base64url_encode(R"({"sub":"alice","exp":1800000600})");
  for (const char* header : {R"({"alg":5})", R"({"alg":null})", R"({"alg":["none"]})", R"({"alg":{"a":1}})"}) {
    INFO(header);
    CHECK(refusal(rules, base64url_encode(header) + "." + claims + ".") == "an unsecured token has alg none and no signature");
  }
  CHECK(refusal(rules, unsecured(R"({"sub":"alice","exp":1e300})")) == "");  // Long.MAX_VALUE in Kafka
  CHECK(refusal(rules, unsecured(R"({"sub":"alice","exp":9.2233720368547e15})")) == "");
  CHECK(refusal(rules, unsecured(R"({"sub":"alice","exp":-1e300})")) == "the token has expired");
  CHECK(refusal(rules, unsecured(R"({"sub":"alice","exp":1800000600,"iat":1e300})")) ==
        "the token expires before it was issued");
  CHECK(refusal(rules, unsecured(R"({"sub":"alice","exp":1800000600,"iat":-1e300,"nbf":-1e300})")) == "");
  CHECK(refusal(rules, unsecured(R"({"sub":"alice","exp":1800000600,"nbf":1e300})")) ==
        "the token is not valid yet (nbf)");
  rules.clock_skew_ms = std::numeric_limits<int64_t>::max();  // saturated, not wrapped round
  CHECK(refusal(rules, unsecured(R"({"sub":"alice","exp":1e300})")) == "");
  CHECK(refusal(rules, unsecured(R"({"sub":"alice","exp":1800000600,"iat":1e300})")) ==
        "the token expires before it was issued");

  rules = {};
  rules.jwks = R"({"keys":[{"kty":7,"kid":[1],"n":"AQAB","e":"AQAB"},{"kty":"RSA","kid":null,"n":"AQAB","e":"AQAB"}]})";
  for (const char* header : {R"({"alg":"RS256","kid":7})", R"({"alg":7})"}) {
    INFO(header);
    CHECK_NOTHROW(refusal(rules, base64url_encode(header) + "." + claims + ".c2ln"));
  }
  CHECK(refusal(rules, base64url_encode(R"({"alg":7})") + "." + claims + ".c2ln") ==
        "the token's algorithm (none) is not accepted");
  CHECK(refusal(rules, base64url_encode(R"({"alg":"RS256","kid":7})") + "." + claims + ".c2ln") ==
        "the token's key id is not a string");
}

TEST_CASE("the RFC 7628 exchange: a token, or the error challenge and then the failure") {
  OAuthBearerRules rules;
  rules.required_scope = {"kafka"};
  {
    auto server = make_oauthbearer_server(rules, [] { return kNow; });
    const std::string token = unsecured(R"({"sub":"alice","exp":1800000600,"scope":"kafka"})");
    CHECK(server->evaluate("n,,\x01" "auth=Bearer " + token + "\x01\x01") == "");
    CHECK(server->complete());
    CHECK(server->user() == "alice");
  }
  {
    auto server = make_oauthbearer_server(rules, [] { return kNow; });
    const std::string token = unsecured(R"({"sub":"alice","exp":1800000600})");
    // Kafka 3.9.1's challenge, byte for byte (test_oauthbearer.py compares both brokers').
    CHECK(server->evaluate("n,a=alice,\x01" "auth=Bearer " + token + "\x01\x01") ==
          R"({"status":"insufficient_scope", "scope":"[kafka]"})");
    CHECK_FALSE(server->complete());
    CHECK_THROWS_AS(server->evaluate("\x01"), SaslAuthenticationFailed);
  }
  {
    auto server = make_oauthbearer_server(rules, [] { return kNow; });
    const std::string expired = unsecured(R"({"sub":"alice","exp":1000,"scope":"kafka"})");
    CHECK(server->evaluate("n,,\x01" "auth=Bearer " + expired + "\x01\x01") == R"({"status":"invalid_token"})");
  }
  auto server = make_oauthbearer_server(rules, [] { return kNow; });
  CHECK_THROWS_AS(server->evaluate("y,,\x01" "auth=Bearer x\x01\x01"), SaslAuthenticationFailed);
  CHECK_THROWS_AS(server->evaluate("n,,\x01" "auth=Basic x\x01\x01"), SaslAuthenticationFailed);
  CHECK_THROWS_AS(server->evaluate("n,,auth=Bearer x"), SaslAuthenticationFailed);
}
