#include "broker/core/plain_server.h"

#include <string_view>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace chronik::broker {
namespace {

// Equal without telling, by its timing, how much of the password matched or how long it is:
// both are hashed first, then compared in constant time.
bool same_secret(std::string_view a, std::string_view b) {
  unsigned char ha[EVP_MAX_MD_SIZE], hb[EVP_MAX_MD_SIZE];
  unsigned int la = 0, lb = 0;
  EVP_Digest(a.data(), a.size(), ha, &la, EVP_sha256(), nullptr);
  EVP_Digest(b.data(), b.size(), hb, &lb, EVP_sha256(), nullptr);
  return la == lb && CRYPTO_memcmp(ha, hb, la) == 0;
}

// "[authzid] NUL authcid NUL passwd".
class PlainServer final : public SaslServer {
 public:
  explicit PlainServer(std::map<std::string, std::string> users) : users_(std::move(users)) {}

  std::string evaluate(std::string_view token) override {
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (;;) {
      size_t nul = token.find('\0', start);
      parts.push_back(token.substr(start, nul == std::string_view::npos ? std::string_view::npos : nul - start));
      if (nul == std::string_view::npos) break;
      start = nul + 1;
    }
    if (parts.size() != 3)
      throw SaslAuthenticationFailed("Invalid SASL/PLAIN response: expected 3 tokens, got " +
                                     std::to_string(parts.size()));
    const auto authzid = parts[0], user = parts[1], password = parts[2];
    if (user.empty()) throw SaslAuthenticationFailed("Authentication failed: username not specified");
    if (password.empty()) throw SaslAuthenticationFailed("Authentication failed: password not specified");
    const auto it = users_.find(std::string(user));
    const bool ok = it != users_.end() && same_secret(it->second, password);
    if (!ok) throw SaslAuthenticationFailed("Authentication failed: Invalid username or password");
    if (!authzid.empty() && authzid != user)
      throw SaslAuthenticationFailed(
          "Authentication failed: Client requested an authorization id that is different from username");
    user_ = std::string(user);
    complete_ = true;
    return {};
  }
  bool complete() const override { return complete_; }
  std::string user() const override { return user_; }

 private:
  std::map<std::string, std::string> users_;
  std::string user_;
  bool complete_ = false;
};

}  // namespace

std::unique_ptr<SaslServer> make_plain_server(std::map<std::string, std::string> users) {
  return std::make_unique<PlainServer>(std::move(users));
}

}  // namespace chronik::broker
