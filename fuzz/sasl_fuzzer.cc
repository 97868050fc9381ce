// The SASL mechanisms' servers, which read what a client sends before it is authenticated:
// PLAIN, SCRAM-SHA-256/512 and OAUTHBEARER (unsecured tokens, and tokens signed against a
// JWKS). Each evaluate() must answer or refuse with the mechanism's failure
// (SaslAuthenticationFailed; ScramFailure from the SCRAM exchange); any other exception would
// end the connection unanswered. An exchange may only complete for a known user with its
// password, and a signed token only with a signature made by the JWKS's key.
//
// Input: a mode byte, then the client's messages, separated by 0xFF:
//   0 PLAIN; 1 SCRAM-SHA-256; 2 SCRAM-SHA-512; 3 OAUTHBEARER, unsecured, the client's
//   messages as they are; 4 OAUTHBEARER, unsecured, and 5 signed: the first two parts are the
//   token's header and claims as JSON, built into the client's first message ("n,,^Aauth=Bearer
//   <jwt>^A^A"; 5 signs them with the JWKS's key), the rest sent as they are; 6 signed, as 5
//   but the third part is the signature's bytes.
// So that the fuzzer reaches what follows the server's random nonce, a SCRAM message has "%N"
// replaced by the nonce the server chose, "%C" by the base64 of the gs2 header, and "%P" by
// the proof of the known password.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "broker/core/oauthbearer.h"
#include "broker/core/plain_server.h"
#include "broker/core/scram.h"
#include "runtime/json/base64.h"

using namespace chronik;
using namespace chronik::broker;

namespace {

constexpr std::string_view kUser = "alice";
constexpr std::string_view kPassword = "alice-secret";
constexpr std::string_view kSalt = "fuzz-salt";
constexpr int64_t kNow = 1'800'000'000'000;  // ms

[[noreturn]] void violated(const char* what, const std::string& detail) {
  std::fprintf(stderr, "PROPERTY VIOLATED: %s (%s)\n", what, detail.c_str());
  std::abort();
}

using json::base64url_encode;

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
       out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

// The known user's credential and salted password, per mechanism (PBKDF2 once, not per input).
struct ScramUser {
  std::string salted;
  ScramCredential credential;
};
const ScramUser& scram_user(ScramMechanism m) {
  static const auto make = [](ScramMechanism m) {
    ScramUser u;
    u.salted = scram_salted_password(m, kPassword, kSalt, kScramMinIterations);
    u.credential = scram_credential(m, std::string(kSalt), u.salted, kScramMinIterations);
    return u;
  };
  static const ScramUser sha256 = make(ScramMechanism::kSha256), sha512 = make(ScramMechanism::kSha512);
  return m == ScramMechanism::kSha512 ? sha512 : sha256;
}

// An RSA key, its JWKS (kid "fuzz"), and RS256 signatures by it.
struct SigningKey {
  EVP_PKEY* key = nullptr;
  std::string jwks;
  SigningKey() {
    key = EVP_RSA_gen(1024);  // small: the fuzzer signs often, and checks only need a real key
    BIGNUM *n = nullptr, *e = nullptr;
    if (!key || !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) ||
        !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e))
      violated("an RSA key for the JWKS", "OpenSSL failed");
    auto bytes = [](const BIGNUM* bn) {
      std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
      BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
      return out;
    };
    jwks = R"({"keys":[{"kty":"RSA","kid":"other","n":"AQAB","e":"AQAB"},{"kty":"RSA","use":"sig","kid":"fuzz","n":")" +
           base64url_encode(bytes(n)) + R"(","e":")" + base64url_encode(bytes(e)) + R"("}]})";
    BN_free(n);
    BN_free(e);
  }
  std::string sign(std::string_view data) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t len = 0;
    std::string out;
    if (ctx && EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
        EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1) {
      out.resize(len);
      if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(out.data()), &len,
                         reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
        out.clear();
      out.resize(len);
    }
    EVP_MD_CTX_free(ctx);
    return out;
  }
};
const SigningKey& signing_key() {
  static const SigningKey k;
  return k;
}

std::vector<std::string> split_messages(const uint8_t* data, size_t size) {
  std::vector<std::string> out(1);
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0xFF) out.emplace_back();
    else out.back() += static_cast<char>(data[i]);
  }
  return out;
}

// The messages through `server` until it completes or refuses; any other exception is a
// defect. `rewrite` may fill in a message from what the server answered before it.
template <class Server, class Failure, class Rewrite>
void exchange(Server& server, std::vector<std::string> messages, const char* mechanism, Rewrite rewrite) {
  std::string answer;
  for (auto& message : messages) {
    rewrite(message, answer);
    try {
      answer = server.evaluate(message);
    } catch (const Failure&) {
      return;
    } catch (const std::exception& e) {
      violated("a mechanism refuses with its failure, never another exception", std::string(mechanism) + ": " + e.what());
    }
  }
}

void plain(const std::vector<std::string>& messages) {
  const std::map<std::string, std::string> users = {{std::string(kUser), std::string(kPassword)}, {"bob", "bob-secret"}};
  auto server = make_plain_server(users);
  exchange<SaslServer, SaslAuthenticationFailed>(*server, messages, "PLAIN", [](std::string&, const std::string&) {});
  if (!server->complete()) return;
  // The first message completes PLAIN: "[authzid] NUL user NUL password".
  const std::string& token = messages.front();
  const size_t first = token.find('\0'), second = token.find('\0', first + 1);
  const auto user = users.find(server->user());
  if (first == std::string::npos || second == std::string::npos || user == users.end() ||
      token.substr(first + 1, second - first - 1) != user->first || token.substr(second + 1) != user->second)
    violated("PLAIN completes only for a configured user with its password", server->user());
}

void scram(ScramMechanism m, const std::vector<std::string>& messages) {
  const ScramUser& user = scram_user(m);
  ScramServer server(m, [&](const std::string& name) -> std::optional<ScramCredential> {
    if (name == kUser) return user.credential;
    return std::nullopt;
  });
  std::string client_first_bare, gs2_header;
  const EVP_MD* md = m == ScramMechanism::kSha512 ? EVP_sha512() : EVP_sha256();
  auto rewrite = [&](std::string& message, const std::string& server_first) {
    if (server_first.empty()) {  // the client-first message
      const size_t first = message.find(',');
      const size_t second = first == std::string::npos ? first : message.find(',', first + 1);
      if (second != std::string::npos) {
        gs2_header = message.substr(0, second + 1);
        client_first_bare = message.substr(second + 1);
      }
      return;
    }
    const size_t r = server_first.find("r="), end = server_first.find(',', r);
    if (r != std::string::npos && end != std::string::npos) replace_all(message, "%N", server_first.substr(r + 2, end - r - 2));
    replace_all(message, "%C", base64_encode(gs2_header));
    const size_t p = message.find("%P");
    if (p == std::string::npos || p < 3 || message.compare(p - 3, 3, ",p=") != 0) return;
    // RFC 5802: proof = ClientKey XOR HMAC(StoredKey, AuthMessage).
    const std::string without_proof = message.substr(0, p - 3);
    const std::string auth_message = client_first_bare + "," + server_first + "," + without_proof;
    const std::string client_key = hmac(md, user.salted, "Client Key");
    std::string proof = hmac(md, user.credential.stored_key, auth_message);
    for (size_t i = 0; i < proof.size(); ++i) proof[i] = static_cast<char>(proof[i] ^ client_key[i]);
    message.replace(p, 2, base64_encode(proof));
  };
  exchange<ScramServer, ScramFailure>(server, messages, scram_mechanism_name(m), rewrite);
  if (server.complete() && server.username() != kUser)
    violated("SCRAM completes only for the known user", server.username());
}

void oauthbearer(int mode, std::vector<std::string> messages) {
  OAuthBearerRules rules;
  if (mode >= 5) {
    rules.jwks = signing_key().jwks;
    rules.expected_audience = {"kafka"};
    rules.expected_issuer = "https://issuer.example";
    rules.clock_skew_ms = 30'000;
  } else {
    rules.required_scope = {"kafka"};
  }
  bool signed_here = false;
  if (mode >= 4) {
    if (messages.size() < 2) return;
    const std::string signed_part = base64url_encode(messages[0]) + "." + base64url_encode(messages[1]);
    std::string signature;
    if (mode == 5) {
      signature = signing_key().sign(signed_part);
      signed_here = true;
    } else if (mode == 6 && messages.size() >= 3) {
      signature = messages[2];
      messages.erase(messages.begin() + 2);
    }
    const std::string token = signed_part + "." + base64url_encode(signature);
    messages.erase(messages.begin(), messages.begin() + 2);
    messages.insert(messages.begin(), "n,,\x01" "auth=Bearer " + token + "\x01\x01");
  }
  auto server = make_oauthbearer_server(rules, [] { return kNow; });
  exchange<SaslServer, SaslAuthenticationFailed>(*server, messages, "OAUTHBEARER",
                                                 [](std::string&, const std::string&) {});
  if (server->complete() && server->user().empty()) violated("OAUTHBEARER completes with a principal", "empty");
  if (server->complete() && rules.jwks && !signed_here)
    violated("a signed token is accepted only with the key's signature", server->user());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const auto messages = split_messages(data + 1, size - 1);
  switch (data[0] % 7) {
    case 0: plain(messages); break;
    case 1: scram(ScramMechanism::kSha256, messages); break;
    case 2: scram(ScramMechanism::kSha512, messages); break;
    default: oauthbearer(data[0] % 7, messages); break;
  }
  // The one other parser of client bytes in core/scram.h.
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (const auto decoded = base64_decode(text); decoded && decoded->size() > text.size())
    violated("base64 decodes to fewer bytes than its text", std::to_string(decoded->size()));
  return 0;
}
