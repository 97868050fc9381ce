// SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) on the broker's side: the credentials
// AlterUserScramCredentials stores in the log's metadata, and the server half of the
// exchange. All cryptography is OpenSSL's (PBKDF2, HMAC, SHA-2, random nonces, constant-time
// comparison); nothing here computes a hash by hand.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "broker/log/log_store.h"

namespace chronik::broker {

// The numbers are the ScramMechanism of AlterUserScramCredentials and
// DescribeUserScramCredentials.
enum class ScramMechanism : int8_t { kUnknown = 0, kSha256 = 1, kSha512 = 2 };

// "SCRAM-SHA-256" -> kSha256; kUnknown for any other name.
ScramMechanism scram_mechanism(std::string_view name);
const char* scram_mechanism_name(ScramMechanism mechanism);
// Kafka's bounds on the iterations of a stored credential.
inline constexpr int32_t kScramMinIterations = 4096;
inline constexpr int32_t kScramMaxIterations = 16384;

struct ScramCredential {
  std::string salt;
  std::string stored_key;  // H(HMAC(salted password, "Client Key"))
  std::string server_key;  // HMAC(salted password, "Server Key")
  int32_t iterations = 0;
};

// The credential of a password already salted with Hi (what AlterUserScramCredentials
// carries: clients never send the password itself).
ScramCredential scram_credential(ScramMechanism mechanism, std::string salt, std::string_view salted_password,
                                 int32_t iterations);
// Hi(password, salt, iterations): PBKDF2 with the mechanism's HMAC.
std::string scram_salted_password(ScramMechanism mechanism, std::string_view password, std::string_view salt,
                                  int32_t iterations);

// The SCRAM credentials in the log's metadata, one record per (user, mechanism).
class ScramCredentialStore {
 public:
  explicit ScramCredentialStore(LogStore& store) : store_(store) {}
  // Throws log::StorageError when the store cannot be read.
  std::optional<ScramCredential> get(const std::string& user, ScramMechanism mechanism);
  // Each user with the mechanisms and iterations of its credentials. Throws as get.
  std::map<std::string, std::vector<std::pair<ScramMechanism, int32_t>>> list();
  // One atomic, synced write. Returns a Kafka error code (KAFKA_STORAGE_ERROR).
  struct Change {
    std::string user;
    ScramMechanism mechanism;
    std::optional<ScramCredential> credential;  // nullopt: delete
  };
  int16_t apply(const std::vector<Change>& changes);

 private:
  LogStore& store_;
};

// Thrown by ScramServer::evaluate when authentication fails; what() is the message for the
// client (never saying whether the user exists).
struct ScramFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The server side of one SCRAM exchange: client-first -> server-first, client-final ->
// server-final.
class ScramServer {
 public:
  using Lookup = std::function<std::optional<ScramCredential>(const std::string& user)>;
  ScramServer(ScramMechanism mechanism, Lookup lookup) : mechanism_(mechanism), lookup_(std::move(lookup)) {}
  std::string evaluate(std::string_view client_message);
  bool complete() const { return state_ == State::kComplete; }
  const std::string& username() const { return username_; }

 private:
  enum class State { kReceiveClientFirst, kReceiveClientFinal, kComplete, kFailed };
  std::string client_first(std::string_view message);
  std::string client_final(std::string_view message);

  ScramMechanism mechanism_;
  Lookup lookup_;
  State state_ = State::kReceiveClientFirst;
  std::string username_;
  std::string gs2_header_;
  std::string client_first_bare_;
  std::string server_first_;
  std::string nonce_;
  ScramCredential credential_;
};

// Base64 (RFC 4648, with padding), through OpenSSL. decode returns nullopt for invalid input.
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace chronik::broker
