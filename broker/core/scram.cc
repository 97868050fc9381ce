#include "broker/core/scram.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "runtime/protocol/error_codes.h"

namespace chronik::broker {
namespace {

// Records: "scram-credential/<mechanism>/<user>" -> "<iterations>:<salt>:<stored key>:<server key>",
// the byte strings in base64.
constexpr std::string_view kPrefix = "scram-credential/";

const EVP_MD* digest(ScramMechanism m) { return m == ScramMechanism::kSha512 ? EVP_sha512() : EVP_sha256(); }

std::string hmac(ScramMechanism m, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(digest(m), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), out, &len))
    throw std::runtime_error("HMAC failed");
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string hash(ScramMechanism m, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!EVP_Digest(data.data(), data.size(), out, &len, digest(m), nullptr)) throw std::runtime_error("digest failed");
  return std::string(reinterpret_cast<char*>(out), len);
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_nonce() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no random bytes");
  // Letters and digits only, as Kafka's nonces: older librdkafka (2.0) mangles a '/' or '+'.
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  for (unsigned char b : bytes) out += kAlphabet[b % 36];
  return out;
}

std::string key_of(ScramMechanism m, const std::string& user) {
  return std::string(kPrefix) + scram_mechanism_name(m) + "/" + user;
}

// The attributes of a SCRAM message: "a=value,b=value", in order.
std::vector<std::pair<char, std::string>> attributes(std::string_view message) {
  std::vector<std::pair<char, std::string>> out;
  size_t start = 0;
  while (start <= message.size()) {
    size_t comma = message.find(',', start);
    std::string_view item = message.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (item.size() < 2 || item[1] != '=') throw ScramFailure("Invalid SCRAM message");
    out.emplace_back(item[0], std::string(item.substr(2)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

// saslname (RFC 5802): "=2C" is ',' and "=3D" is '='; any other '=' is invalid.
std::string decode_saslname(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '=') {
      out += name[i];
      continue;
    }
    if (name.substr(i, 3) == "=2C") out += ',';
    else if (name.substr(i, 3) == "=3D") out += '=';
    else throw ScramFailure("Invalid username");
    i += 2;
  }
  return out;
}

}  // namespace

ScramMechanism scram_mechanism(std::string_view name) {
  if (name == "SCRAM-SHA-256") return ScramMechanism::kSha256;
  if (name == "SCRAM-SHA-512") return ScramMechanism::kSha512;
  return ScramMechanism::kUnknown;
}

const char* scram_mechanism_name(ScramMechanism m) {
  switch (m) {
    case ScramMechanism::kSha256: return "SCRAM-SHA-256";
    case ScramMechanism::kSha512: return "SCRAM-SHA-512";
    default: return "UNKNOWN";
  }
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  if (text.empty()) return std::string();
  std::string out(3 * text.size() / 4, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  size_t padding = 0;
  if (text.back() == '=') ++padding;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++padding;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

std::string scram_salted_password(ScramMechanism m, std::string_view password, std::string_view salt,
                                  int32_t iterations) {
  std::string out(static_cast<size_t>(EVP_MD_get_size(digest(m))), '\0');
  if (!PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                         reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()), iterations,
                         digest(m), static_cast<int>(out.size()), reinterpret_cast<unsigned char*>(out.data())))
    throw std::runtime_error("PBKDF2 failed");
  return out;
}

ScramCredential scram_credential(ScramMechanism m, std::string salt, std::string_view salted_password,
                                 int32_t iterations) {
  ScramCredential c;
  c.salt = std::move(salt);
  c.stored_key = hash(m, hmac(m, salted_password, "Client Key"));
  c.server_key = hmac(m, salted_password, "Server Key");
  c.iterations = iterations;
  return c;
}

std::optional<ScramCredential> ScramCredentialStore::get(const std::string& user, ScramMechanism m) {
  const auto key = key_of(m, user);
  for (const auto& [k, v] : store_.scan_meta(key)) {
    if (k != key) continue;
    ScramCredential c;
    std::vector<std::string> parts;
    size_t start = 0;
    for (;;) {
      size_t colon = v.find(':', start);
      parts.push_back(v.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
    if (parts.size() != 4) return std::nullopt;
    auto salt = base64_decode(parts[1]), stored = base64_decode(parts[2]), server = base64_decode(parts[3]);
    if (!salt || !stored || !server) return std::nullopt;
    c.iterations = std::stoi(parts[0]);
    c.salt = *salt;
    c.stored_key = *stored;
    c.server_key = *server;
    return c;
  }
  return std::nullopt;
}

std::map<std::string, std::vector<std::pair<ScramMechanism, int32_t>>> ScramCredentialStore::list() {
  std::map<std::string, std::vector<std::pair<ScramMechanism, int32_t>>> out;
  for (const auto& [k, v] : store_.scan_meta(std::string(kPrefix))) {
    const auto rest = std::string_view(k).substr(kPrefix.size());
    const size_t slash = rest.find('/');
    if (slash == std::string_view::npos) continue;
    const auto m = scram_mechanism(rest.substr(0, slash));
    if (m == ScramMechanism::kUnknown) continue;
    out[std::string(rest.substr(slash + 1))].emplace_back(m, std::atoi(v.c_str()));
  }
  return out;
}

int16_t ScramCredentialStore::apply(const std::vector<Change>& changes) {
  LogStore::MetaRecords puts;
  std::vector<std::string> erases;
  for (const auto& c : changes) {
    if (!c.credential) {
      erases.push_back(key_of(c.mechanism, c.user));
      continue;
    }
    puts.emplace_back(key_of(c.mechanism, c.user), std::to_string(c.credential->iterations) + ":" +
                                                       base64_encode(c.credential->salt) + ":" +
                                                       base64_encode(c.credential->stored_key) + ":" +
                                                       base64_encode(c.credential->server_key));
  }
  return store_.write_meta(puts, erases, true);
}

std::string ScramServer::evaluate(std::string_view message) {
  try {
    switch (state_) {
      case State::kReceiveClientFirst: {
        auto out = client_first(message);
        state_ = State::kReceiveClientFinal;
        return out;
      }
      case State::kReceiveClientFinal: {
        auto out = client_final(message);
        state_ = State::kComplete;
        return out;
      }
      default:
        throw ScramFailure("Unexpected challenge in Sasl server state");
    }
  } catch (...) {
    state_ = State::kFailed;
    throw;
  }
}

// gs2-header client-first-bare: "n,[a=authzid]," then "n=user,r=nonce[,extensions]".
std::string ScramServer::client_first(std::string_view message) {
  if (message.size() < 3 || (message[0] != 'n' && message[0] != 'y') || message[1] != ',')
    throw ScramFailure("Invalid SCRAM client first message");
  const size_t second_comma = message.find(',', 2);
  if (second_comma == std::string_view::npos) throw ScramFailure("Invalid SCRAM client first message");
  gs2_header_ = std::string(message.substr(0, second_comma + 1));
  std::string authzid;
  if (second_comma > 2) {
    const auto a = message.substr(2, second_comma - 2);
    if (a.substr(0, 2) != "a=") throw ScramFailure("Invalid SCRAM client first message");
    authzid = decode_saslname(a.substr(2));
  }
  client_first_bare_ = std::string(message.substr(second_comma + 1));
  const auto attrs = attributes(client_first_bare_);
  if (attrs.size() < 2 || attrs[0].first != 'n' || attrs[1].first != 'r')
    throw ScramFailure("Invalid SCRAM client first message");
  username_ = decode_saslname(attrs[0].second);
  const std::string client_nonce = attrs[1].second;
  // Kafka's message for an unknown user and for a wrong password alike.
  const auto credential = lookup_(username_);
  if (!credential) throw ScramFailure("Authentication failed: Invalid user credentials");
  if (!authzid.empty() && authzid != username_)
    throw ScramFailure("Authentication failed: Client requested an authorization id that is different from username");
  if (credential->iterations < kScramMinIterations)
    throw ScramFailure("Iterations " + std::to_string(credential->iterations) + " is less than the minimum");
  credential_ = *credential;
  nonce_ = client_nonce + random_nonce();
  server_first_ = "r=" + nonce_ + ",s=" + base64_encode(credential_.salt) + ",i=" + std::to_string(credential_.iterations);
  return server_first_;
}

// "c=<base64 gs2 header>,r=<nonce>[,extensions],p=<base64 proof>".
std::string ScramServer::client_final(std::string_view message) {
  const size_t proof_at = message.rfind(",p=");
  if (proof_at == std::string_view::npos) throw ScramFailure("Invalid client final message");
  const std::string without_proof(message.substr(0, proof_at));
  const auto attrs = attributes(without_proof);
  if (attrs.size() < 2 || attrs[0].first != 'c' || attrs[1].first != 'r')
    throw ScramFailure("Invalid client final message");
  const auto binding = base64_decode(attrs[0].second);
  if (!binding || *binding != gs2_header_) throw ScramFailure("Invalid client final message");
  // Kafka checks only that the nonce ends with the server's, and librdkafka 2.0 repeats the
  // client's part in front of it.
  if (!attrs[1].second.ends_with(nonce_)) throw ScramFailure("Invalid client nonce in the final client message.");
  const auto proof = base64_decode(message.substr(proof_at + 3));
  if (!proof) throw ScramFailure("Invalid client final message");

  const std::string auth_message = client_first_bare_ + "," + server_first_ + "," + without_proof;
  const std::string client_signature = hmac(mechanism_, credential_.stored_key, auth_message);
  if (proof->size() != client_signature.size()) throw ScramFailure("Invalid client credentials");
  std::string client_key(proof->size(), '\0');
  for (size_t i = 0; i < client_key.size(); ++i) client_key[i] = static_cast<char>((*proof)[i] ^ client_signature[i]);
  if (!equal_constant_time(hash(mechanism_, client_key), credential_.stored_key))
    throw ScramFailure("Invalid client credentials");
  return "v=" + base64_encode(hmac(mechanism_, credential_.server_key, auth_message));
}

}  // namespace chronik::broker
