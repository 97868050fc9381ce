#include "broker/core/oauthbearer.h"

#include <algorithm>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "runtime/json/base64.h"

namespace chronik::broker {
namespace {

using Json = nlohmann::json;

using json::base64url_decode;

std::optional<Json> json_object(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  auto j = Json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

// A member that must be a string (a JWT's alg and kid, a JWK's kty): "" when it is absent or
// anything else. Json::value() throws on a member of another type, and the token is the
// client's, read before it is authenticated.
std::string string_member(const Json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A JWT time (NumericDate: seconds, maybe with a fraction) in ms, saturated as Java's cast of
// Kafka's validators saturates: a double beyond int64's range has no defined conversion.
int64_t numeric_date_ms(const Json& seconds) {
  const double ms = seconds.get<double>() * 1000;
  if (!(ms > -9.2e18)) return std::numeric_limits<int64_t>::min();
  if (!(ms < 9.2e18)) return std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(ms);
}

// a + b, saturated: a time near int64's ends plus a clock skew.
int64_t plus_skew(int64_t a, int64_t b) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max(), kMin = std::numeric_limits<int64_t>::min();
  if (b > 0 && a > kMax - b) return kMax;
  if (b < 0 && a < kMin - b) return kMin;
  return a + b;
}

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PublicKey = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

// An RSA public key from a JWK's n and e.
PublicKey rsa_key(const Json& jwk) {
  if (!jwk.contains("n") || !jwk.contains("e") || !jwk["n"].is_string() || !jwk["e"].is_string()) return nullptr;
  const auto n = base64url_decode(jwk["n"].get<std::string>());
  const auto e = base64url_decode(jwk["e"].get<std::string>());
  if (!n || !e || n->empty() || e->empty()) return nullptr;
  BIGNUM* bn = BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), static_cast<int>(n->size()), nullptr);
  BIGNUM* be = BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), static_cast<int>(e->size()), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM* params = nullptr;
  EVP_PKEY_CTX* ctx = nullptr;
  EVP_PKEY* key = nullptr;
  if (bn && be && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) && (params = OSSL_PARAM_BLD_to_param(bld)) &&
      (ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr)) && EVP_PKEY_fromdata_init(ctx) > 0)
    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn);
  BN_free(be);
  return PublicKey(key);
}

bool verify(EVP_PKEY* key, const EVP_MD* md, std::string_view signed_part, const std::string& signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = ctx && EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                   reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

const EVP_MD* digest_of(const std::string& alg) {
  if (alg == "RS256") return EVP_sha256();
  if (alg == "RS384") return EVP_sha384();
  if (alg == "RS512") return EVP_sha512();
  return nullptr;
}

// The signature of `token` against the JWKS: empty when it verifies, else why not.
std::string check_signature(const std::string& jwks_text, const Json& header, std::string_view signed_part,
                            std::string_view signature_part) {
  const std::string alg = string_member(header, "alg");
  const EVP_MD* md = digest_of(alg);
  if (!md) return "the token's algorithm " + (alg.empty() ? std::string("(none)") : alg) + " is not accepted";
  const auto signature = base64url_decode(signature_part);
  if (!signature || signature->empty()) return "the token is not signed";
  const auto jwks = Json::parse(jwks_text, nullptr, false);
  if (jwks.is_discarded() || !jwks.contains("keys") || !jwks["keys"].is_array()) return "the JWKS does not parse";
  // As Kafka: a kid that is there but not a string is refused, not taken for no kid.
  if (header.contains("kid") && !header["kid"].is_string()) return "the token's key id is not a string";
  const std::string kid = string_member(header, "kid");
  for (const auto& jwk : jwks["keys"]) {
    if (!jwk.is_object() || string_member(jwk, "kty") != "RSA") continue;
    if (!kid.empty() && string_member(jwk, "kid") != kid) continue;
    if (jwk.contains("use") && jwk["use"] != "sig") continue;
    auto key = rsa_key(jwk);
    if (key && verify(key.get(), md, signed_part, *signature)) return {};
  }
  return kid.empty() ? "no key of the JWKS verifies the token's signature"
                     : "no key " + kid + " of the JWKS verifies the token's signature";
}

std::vector<std::string> strings_of(const Json& claim) {
  std::vector<std::string> out;
  if (claim.is_string()) {
    out = split_scope(claim.get<std::string>());
  } else if (claim.is_array()) {
    for (const auto& s : claim)
      if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out;
}

// RFC 7628: the client's first message, "n,[a=authzid]," then key=value pairs each ended by
// %x01, the last by two. The token of "auth=Bearer <token>".
std::optional<std::string> bearer_token(std::string_view message) {
  if (message.substr(0, 2) != "n,") return std::nullopt;
  const size_t gs2_end = message.find(',', 2);
  if (gs2_end == std::string_view::npos) return std::nullopt;
  std::string_view rest = message.substr(gs2_end + 1);
  if (rest.empty() || rest.front() != '\x01' || rest.size() < 2 || rest.substr(rest.size() - 2) != "\x01\x01")
    return std::nullopt;
  rest = rest.substr(1, rest.size() - 3);
  while (!rest.empty()) {
    const size_t end = rest.find('\x01');
    const std::string_view kv = rest.substr(0, end);
    if (kv.substr(0, 5) == "auth=") {
      const std::string_view value = kv.substr(5);
      if (value.size() > 7 && (value.substr(0, 7) == "Bearer " || value.substr(0, 7) == "bearer "))
        return std::string(value.substr(7));
      return std::nullopt;
    }
    if (end == std::string_view::npos) break;
    rest = rest.substr(end + 1);
  }
  return std::nullopt;
}

class OAuthBearerServer final : public SaslServer {
 public:
  OAuthBearerServer(OAuthBearerRules rules, std::function<int64_t()> clock)
      : rules_(std::move(rules)), clock_(std::move(clock)) {}

  std::string evaluate(std::string_view message) override {
    if (error_) {
      // The client acknowledged the error challenge (%x01): now the failure, as Kafka ends it.
      throw SaslAuthenticationFailed(*error_);
    }
    const auto token = bearer_token(message);
    if (!token) throw SaslAuthenticationFailed("Invalid OAUTHBEARER client first message");
    const auto check = check_oauthbearer_token(rules_, *token, clock_());
    if (!check.principal) {
      // Kafka's error challenge (RFC 7628), byte for byte: clients show it to their users.
      error_ = check.missing_scope
                   ? R"({"status":"insufficient_scope", "scope":)" + Json(*check.missing_scope).dump() + "}"
                   : std::string(R"({"status":"invalid_token"})");
      reason_ = check.error;
      return *error_;
    }
    user_ = *check.principal;
    expires_ms_ = check.expires_ms;
    complete_ = true;
    return {};
  }
  bool complete() const override { return complete_; }
  std::string user() const override { return user_; }
  std::optional<int64_t> credential_expiry_ms() const override { return expires_ms_; }

 private:
  OAuthBearerRules rules_;
  std::function<int64_t()> clock_;
  std::optional<std::string> error_;
  std::string reason_;
  std::string user_;
  int64_t expires_ms_ = 0;
  bool complete_ = false;
};

}  // namespace

TokenCheck check_oauthbearer_token(const OAuthBearerRules& rules, std::string_view token, int64_t now_ms) {
  TokenCheck out;
  auto refuse = [&](std::string why) {
    out.error = std::move(why);
    return out;
  };
  const size_t d1 = token.find('.');
  const size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
    return refuse("the token is not a compact JWT (three parts)");
  const auto header = json_object(base64url_decode(token.substr(0, d1)));
  const auto claims = json_object(base64url_decode(token.substr(d1 + 1, d2 - d1 - 1)));
  if (!header || !claims) return refuse("the token's header or claims are not JSON objects");
  if (rules.jwks) {
    if (auto why = check_signature(*rules.jwks, *header, token.substr(0, d2), token.substr(d2 + 1)); !why.empty())
      return refuse(why);
  } else if (string_member(*header, "alg") != "none" || d2 + 1 != token.size()) {
    return refuse("an unsecured token has alg none and no signature");
  }
  const auto& c = *claims;
  if (!c.contains(rules.principal_claim) || !c[rules.principal_claim].is_string() ||
      c[rules.principal_claim].get<std::string>().empty())
    return refuse("the token has no principal claim " + rules.principal_claim);
  if (!c.contains("exp") || !c["exp"].is_number()) return refuse("the token has no expiration time (exp)");
  // JWT times are seconds; Kafka's unsecured tokens may carry fractions.
  const int64_t exp_ms = numeric_date_ms(c["exp"]);
  if (now_ms > plus_skew(exp_ms, rules.clock_skew_ms)) return refuse("the token has expired");
  if (c.contains("iat")) {
    if (!c["iat"].is_number()) return refuse("the token's iat is not a number");
    const int64_t iat_ms = numeric_date_ms(c["iat"]);
    if (iat_ms > exp_ms) return refuse("the token expires before it was issued");
    if (iat_ms > plus_skew(now_ms, rules.clock_skew_ms)) return refuse("the token was issued in the future");
  }
  if (c.contains("nbf") && c["nbf"].is_number() &&
      numeric_date_ms(c["nbf"]) > plus_skew(now_ms, rules.clock_skew_ms))
    return refuse("the token is not valid yet (nbf)");
  if (!rules.required_scope.empty()) {
    const auto granted = c.contains(rules.scope_claim) ? strings_of(c[rules.scope_claim]) : std::vector<std::string>{};
    for (const auto& s : rules.required_scope)
      if (std::find(granted.begin(), granted.end(), s) == granted.end()) {
        std::string required;
        for (const auto& r : rules.required_scope) required += (required.empty() ? "" : ", ") + r;
        out.missing_scope = "[" + required + "]";
        return refuse("the token's scope does not include " + s);
      }
  }
  if (!rules.expected_audience.empty()) {
    const auto audience = c.contains("aud") ? strings_of(c["aud"]) : std::vector<std::string>{};
    const bool any = std::any_of(audience.begin(), audience.end(), [&](const std::string& a) {
      return std::find(rules.expected_audience.begin(), rules.expected_audience.end(), a) !=
             rules.expected_audience.end();
    });
    if (!any) return refuse("the token's audience is not an expected one");
  }
  if (rules.expected_issuer &&
      (!c.contains("iss") || !c["iss"].is_string() || c["iss"].get<std::string>() != *rules.expected_issuer))
    return refuse("the token's issuer is not " + *rules.expected_issuer);
  out.principal = c[rules.principal_claim].get<std::string>();
  out.expires_ms = exp_ms;
  return out;
}

std::vector<std::string> split_scope(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  for (std::string s; in >> s;) out.push_back(s);
  return out;
}

std::unique_ptr<SaslServer> make_oauthbearer_server(OAuthBearerRules rules, std::function<int64_t()> clock) {
  return std::make_unique<OAuthBearerServer>(std::move(rules), std::move(clock));
}

}  // namespace chronik::broker
