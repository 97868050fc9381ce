// SASL authentication on a SASL_PLAINTEXT listener, below the client libraries: what the
// broker answers a wrong password, an unknown mechanism, a request before authentication, a
// SaslAuthenticate without handshake, the legacy unframed tokens after SaslHandshake v0, a
// SCRAM exchange computed here with OpenSSL, and the rules of AlterUserScramCredentials and
// DescribeUserScramCredentials. Tagged [kafka]: each expected answer is Kafka 3.9.1's
// (against-kafka gives Kafka the same SASL listener and users, broker.properties).
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <chrono>
#include <string>
#include <thread>

#include "generated/kafka/alter_user_scram_credentials_request.h"
#include "generated/kafka/alter_user_scram_credentials_response.h"
#include "generated/kafka/api_versions_request.h"
#include "generated/kafka/api_versions_response.h"
#include "generated/kafka/describe_user_scram_credentials_request.h"
#include "generated/kafka/describe_user_scram_credentials_response.h"
#include "generated/kafka/metadata_request.h"
#include "generated/kafka/metadata_response.h"
#include "generated/kafka/sasl_authenticate_request.h"
#include "generated/kafka/sasl_authenticate_response.h"
#include "generated/kafka/sasl_handshake_request.h"
#include "generated/kafka/sasl_handshake_response.h"
#include "tests/integration/hardening/target_broker.h"

using namespace chronik::testing;
namespace m = chronik::message;

namespace {

const std::string kUser = "hardening";
const std::string kPassword = "hardening-secret";

template <class Resp, class Req>
Resp exchange(RawConnection& c, const Req& req, int16_t version, int32_t correlation_id = 1) {
  c.send_frame(request_bytes(req, version, correlation_id, "sasl-hardening"));
  const std::string frame = c.read_frame(10000);
  REQUIRE(!frame.empty());
  return parse_response<Resp>(frame, version);
}

m::SaslHandshakeResponse handshake(RawConnection& c, const std::string& mechanism, int16_t version = 1) {
  m::SaslHandshakeRequest req;
  req.mechanism = mechanism;
  return exchange<m::SaslHandshakeResponse>(c, req, version);
}

m::SaslAuthenticateResponse authenticate(RawConnection& c, const std::string& token, int16_t version = 2) {
  m::SaslAuthenticateRequest req;
  req.auth_bytes.assign(token.begin(), token.end());
  return exchange<m::SaslAuthenticateResponse>(c, req, version, 2);
}

std::string plain_token(const std::string& user, const std::string& password) {
  return std::string("\0", 1) + user + std::string("\0", 1) + password;
}

bool metadata_served(RawConnection& c) {
  m::MetadataRequest req;
  req.topics = std::vector<m::MetadataRequest::MetadataRequestTopic>{};
  c.send_frame(request_bytes(req, 9, 7, "sasl-hardening"));
  const std::string frame = c.read_frame(10000);
  if (frame.empty()) return false;
  return !parse_response<m::MetadataResponse>(frame, 9).brokers.empty();
}

std::string as_string(const std::vector<uint8_t>& b) { return std::string(b.begin(), b.end()); }

// The client half of SCRAM-SHA-256 (RFC 5802), with OpenSSL.
std::string hmac256(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}
std::string sha256(const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}
std::string salted(const std::string& password, const std::string& salt, int iterations) {
  std::string out(32, '\0');
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), iterations, EVP_sha256(), 32, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}
std::string b64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}
std::string unb64(const std::string& in) {
  std::string out(in.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) return {};
  if (!in.empty() && in.back() == '=') --n;
  if (in.size() > 1 && in[in.size() - 2] == '=') --n;
  out.resize(static_cast<size_t>(n));
  return out;
}
std::string attribute(const std::string& message, char name) {
  const std::string key = std::string(1, name) + "=";
  size_t at = message.rfind(key, 0) == 0 ? 0 : message.find("," + key);
  if (at == std::string::npos) return {};
  if (at != 0) ++at;
  const size_t end = message.find(',', at);
  return message.substr(at + 2, end == std::string::npos ? std::string::npos : end - at - 2);
}

// Creates (or replaces) `user`'s SCRAM-SHA-256 credential through the PLAINTEXT listener.
void upsert_scram_user(const std::string& user, const std::string& password, int iterations = 4096) {
  m::AlterUserScramCredentialsRequest req;
  m::AlterUserScramCredentialsRequest::ScramCredentialUpsertion u;
  u.name = user;
  u.mechanism = 1;
  u.iterations = iterations;
  const std::string salt = "salt-of-" + user;
  u.salt.assign(salt.begin(), salt.end());
  const std::string s = salted(password, salt, iterations);
  u.salted_password.assign(s.begin(), s.end());
  req.upsertions.push_back(u);
  const auto resp = call<m::AlterUserScramCredentialsResponse>(target_port(), req, 0);
  REQUIRE(resp.results.size() == 1);
  REQUIRE(resp.results[0].error_code == 0);
  // Kafka answers once the credential is in its metadata log, and its authenticator sees it
  // when the broker has applied that: a login right away can still be refused (a dry run's).
  if (against_kafka()) std::this_thread::sleep_for(std::chrono::seconds(1));
}

// A full SCRAM-SHA-256 exchange; the SaslAuthenticate answer to the client-final message.
m::SaslAuthenticateResponse scram_login(RawConnection& c, const std::string& user, const std::string& password) {
  REQUIRE(handshake(c, "SCRAM-SHA-256").error_code == 0);
  const std::string client_nonce = "hardening-nonce-1234";
  const std::string first_bare = "n=" + user + ",r=" + client_nonce;
  const auto first = authenticate(c, "n,," + first_bare);
  REQUIRE(first.error_code == 0);
  const std::string server_first = as_string(first.auth_bytes);
  const std::string nonce = attribute(server_first, 'r');
  REQUIRE(nonce.rfind(client_nonce, 0) == 0);
  REQUIRE(nonce.size() > client_nonce.size());
  const int iterations = std::stoi(attribute(server_first, 'i'));
  const std::string salted_password = salted(password, unb64(attribute(server_first, 's')), iterations);
  const std::string without_proof = "c=" + b64("n,,") + ",r=" + nonce;
  const std::string auth_message = first_bare + "," + server_first + "," + without_proof;
  const std::string client_key = hmac256(salted_password, "Client Key");
  const std::string signature = hmac256(sha256(client_key), auth_message);
  std::string proof = client_key;
  for (size_t i = 0; i < proof.size(); ++i) proof[i] = static_cast<char>(proof[i] ^ signature[i]);
  auto final = authenticate(c, without_proof + ",p=" + b64(proof));
  if (final.error_code == 0) {
    // The server proves it knows the credential too.
    const std::string expected = "v=" + b64(hmac256(hmac256(salted_password, "Server Key"), auth_message));
    CHECK(as_string(final.auth_bytes) == expected);
  }
  return final;
}

}  // namespace

TEST_CASE("SASL/PLAIN: the right password authenticates, then requests are served", "[kafka][sasl]") {
  RawConnection c(sasl_target_port());
  const auto hs = handshake(c, "PLAIN");
  CHECK(hs.error_code == 0);
  CHECK(hs.mechanisms == std::vector<std::string>{"PLAIN", "SCRAM-SHA-256"});
  const auto auth = authenticate(c, plain_token(kUser, kPassword));
  CHECK(auth.error_code == 0);
  CHECK(auth.auth_bytes.empty());
  CHECK(metadata_served(c));
  // After authentication, Kafka's handlers answer a second handshake ILLEGAL_SASL_STATE.
  CHECK(handshake(c, "PLAIN").error_code == 34);
}

TEST_CASE("SASL/PLAIN: a wrong password is SASL_AUTHENTICATION_FAILED, then the close", "[kafka][sasl]") {
  RawConnection c(sasl_target_port());
  REQUIRE(handshake(c, "PLAIN").error_code == 0);
  const auto started = std::chrono::steady_clock::now();
  const auto auth = authenticate(c, plain_token(kUser, "not-the-password"));
  CHECK(auth.error_code == 58);
  CHECK(auth.error_message == "Authentication failed: Invalid username or password");
  CHECK(c.closed_by_peer(5000));
  // connection.failed.authentication.delay.ms (100 by default) holds the answer back.
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(90));
}

TEST_CASE("SASL: an unknown mechanism is UNSUPPORTED_SASL_MECHANISM with the enabled list", "[kafka][sasl]") {
  for (const std::string mechanism : {"GSSAPI", "SCRAM-SHA-512", "NOPE"}) {
    RawConnection c(sasl_target_port());
    const auto hs = handshake(c, mechanism);
    CHECK(hs.error_code == 33);
    CHECK(hs.mechanisms == std::vector<std::string>{"PLAIN", "SCRAM-SHA-256"});
    CHECK(c.closed_by_peer(5000));
  }
}

TEST_CASE("SASL: a request before authentication closes the connection unanswered", "[kafka][sasl]") {
  RawConnection c(sasl_target_port());
  m::MetadataRequest req;
  req.topics = std::vector<m::MetadataRequest::MetadataRequestTopic>{};
  c.send_frame(request_bytes(req, 9, 1, "sasl-hardening"));
  CHECK(c.closed_by_peer(5000));

  // ApiVersions is served first, but then nothing but the handshake.
  RawConnection d(sasl_target_port());
  const auto versions = exchange<m::ApiVersionsResponse>(d, m::ApiVersionsRequest{}, 0);
  CHECK(versions.error_code == 0);
  d.send_frame(request_bytes(req, 9, 2, "sasl-hardening"));
  CHECK(d.closed_by_peer(5000));
}

// Until it has authenticated, a connection's frames are bounded by sasl.server.max.receive.size
// (512 KiB by default), not socket.request.max.bytes: one larger closes the connection once its
// size is read, so that nobody unknown can make the broker hold 100 MB per connection.
TEST_CASE("SASL: a frame over sasl.server.max.receive.size before authentication closes the connection",
          "[kafka][sasl]") {
  constexpr size_t kLimit = 524288;
  {
    // Within it: answered (a token PLAIN refuses).
    RawConnection c(sasl_target_port());
    REQUIRE(handshake(c, "PLAIN").error_code == 0);
    CHECK(authenticate(c, std::string(kLimit - 1024, 'X')).error_code == 58);
  }
  {
    // Over it: the size alone is enough, and nothing is answered.
    RawConnection c(sasl_target_port());
    REQUIRE(handshake(c, "PLAIN").error_code == 0);
    m::SaslAuthenticateRequest req;
    req.auth_bytes.assign(kLimit, 'X');
    const std::string frame = RawConnection::framed(request_bytes(req, 2, 2, "sasl-hardening"));
    c.send_raw(frame.substr(0, 4));
    CHECK(c.closed_by_peer(5000));
  }
  {
    // Authenticated, the connection's frames may be as large as socket.request.max.bytes.
    RawConnection c(sasl_target_port());
    REQUIRE(handshake(c, "PLAIN").error_code == 0);
    REQUIRE(authenticate(c, plain_token(kUser, kPassword)).error_code == 0);
    m::MetadataRequest req;
    req.topics = std::vector<m::MetadataRequest::MetadataRequestTopic>(40);
    for (size_t i = 0; i < req.topics->size(); ++i)  // names too long to be topics, answered as such
      (*req.topics)[i].name = std::to_string(i) + std::string(kLimit / 32, 't');
    req.allow_auto_topic_creation = false;
    c.send_frame(request_bytes(req, 9, 3, "sasl-hardening"));
    const std::string answer = c.read_frame(10000);
    REQUIRE(!answer.empty());
    const auto resp = parse_response<m::MetadataResponse>(answer, 9);
    CHECK(resp.topics.size() == 40);
    for (const auto& t : resp.topics) CHECK(t.error_code == 17);  // INVALID_TOPIC_EXCEPTION
  }
}

TEST_CASE("SASL: SaslAuthenticate without a handshake closes the connection", "[kafka][sasl]") {
  RawConnection c(sasl_target_port());
  m::SaslAuthenticateRequest req;
  const auto token = plain_token(kUser, kPassword);
  req.auth_bytes.assign(token.begin(), token.end());
  c.send_frame(request_bytes(req, 2, 1, "sasl-hardening"));
  CHECK(c.closed_by_peer(5000));
}

TEST_CASE("SASL: after SaslHandshake v0 the tokens travel unframed", "[kafka][sasl]") {
  RawConnection c(sasl_target_port());
  REQUIRE(handshake(c, "PLAIN", 0).error_code == 0);
  c.send_frame(plain_token(kUser, kPassword));
  // PLAIN's empty answer behind a size of 0, then the connection serves requests.
  CHECK(c.read_frame(5000).empty());
  CHECK(metadata_served(c));
}

TEST_CASE("SASL: the handshake on a listener without SASL is ILLEGAL_SASL_STATE", "[kafka][sasl]") {
  RawConnection c(target_port());
  CHECK(handshake(c, "PLAIN").error_code == 34);
  CHECK(metadata_served(c));  // and the connection stays
}

TEST_CASE("SASL/SCRAM-SHA-256: a user created with AlterUserScramCredentials authenticates", "[kafka][sasl]") {
  const std::string user = unique_name("scram-user");
  upsert_scram_user(user, "scram-secret");
  {
    RawConnection c(sasl_target_port());
    CHECK(scram_login(c, user, "scram-secret").error_code == 0);
    CHECK(metadata_served(c));
  }
  {
    RawConnection c(sasl_target_port());
    const auto final = scram_login(c, user, "wrong-secret");
    CHECK(final.error_code == 58);
    CHECK(final.error_message ==
          "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256");
    CHECK(c.closed_by_peer(5000));
  }
  {
    // An unknown user fails at the first message, with the same words.
    RawConnection c(sasl_target_port());
    REQUIRE(handshake(c, "SCRAM-SHA-256").error_code == 0);
    const auto first = authenticate(c, "n,,n=" + unique_name("nobody") + ",r=abcdefgh");
    CHECK(first.error_code == 58);
    CHECK(first.error_message ==
          "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256");
  }
}

TEST_CASE("AlterUserScramCredentials and DescribeUserScramCredentials answer as Kafka", "[kafka][sasl]") {
  const std::string user = unique_name("scram-rules");
  using Alter = m::AlterUserScramCredentialsRequest;
  auto upsertion = [](const std::string& name, int8_t mechanism, int32_t iterations) {
    Alter::ScramCredentialUpsertion u;
    u.name = name;
    u.mechanism = mechanism;
    u.iterations = iterations;
    u.salt = {1, 2, 3, 4};
    u.salted_password = std::vector<uint8_t>(32, 7);
    return u;
  };
  auto results = [](const Alter& req) {
    std::map<std::string, std::pair<int16_t, std::string>> out;
    for (const auto& r : call<m::AlterUserScramCredentialsResponse>(target_port(), req, 0).results)
      out[r.user] = {r.error_code, r.error_message.value_or("")};
    return out;
  };
  {
    Alter req;
    req.upsertions = {upsertion(user + "-few", 1, 4095), upsertion(user + "-many", 2, 16385),
                      upsertion(user + "-mech", 0, 8192), upsertion("", 1, 8192), upsertion(user + "-dup", 1, 8192),
                      upsertion(user + "-dup", 2, 8192)};
    Alter::ScramCredentialDeletion missing;
    missing.name = user + "-missing";
    missing.mechanism = 1;
    req.deletions = {missing};
    const auto got = results(req);
    CHECK(got.at(user + "-few") == std::pair<int16_t, std::string>{93, "Too few iterations"});
    CHECK(got.at(user + "-many") == std::pair<int16_t, std::string>{93, "Too many iterations"});
    CHECK(got.at(user + "-mech") == std::pair<int16_t, std::string>{33, "Unknown SCRAM mechanism"});
    CHECK(got.at("") == std::pair<int16_t, std::string>{93, "Username must not be empty"});
    CHECK(got.at(user + "-dup") ==
          std::pair<int16_t, std::string>{92, "A user credential cannot be altered twice in the same request"});
    CHECK(got.at(user + "-missing") ==
          std::pair<int16_t, std::string>{91, "Attempt to delete a user credential that does not exist"});
  }
  {
    Alter req;
    req.upsertions = {upsertion(user, 2, 10000)};
    CHECK(results(req).at(user).first == 0);
  }
  m::DescribeUserScramCredentialsRequest describe;
  describe.users = std::vector<m::DescribeUserScramCredentialsRequest::UserName>{{user, {}}, {user + "-none", {}}};
  const auto described = call<m::DescribeUserScramCredentialsResponse>(target_port(), describe, 0);
  CHECK(described.error_code == 0);
  REQUIRE(described.results.size() == 2);
  for (const auto& r : described.results) {
    if (r.user == user) {
      CHECK(r.error_code == 0);
      REQUIRE(r.credential_infos.size() == 1);
      CHECK(r.credential_infos[0].mechanism == 2);
      CHECK(r.credential_infos[0].iterations == 10000);
    } else {
      CHECK(r.error_code == 91);
      CHECK(r.error_message == "Attempt to describe a user credential that does not exist: " + user + "-none");
    }
  }
  {
    Alter req;
    Alter::ScramCredentialDeletion d;
    d.name = user;
    d.mechanism = 2;
    req.deletions = {d};
    CHECK(results(req).at(user).first == 0);
  }
}

// KIP-368, with listener.name.sasl_plaintext.scram-sha-256.connections.max.reauth.ms=3000
// (broker.properties): SCRAM sessions last 3 s, PLAIN ones do not end.
TEST_CASE("SASL re-authentication: the session's lifetime is its mechanism's connections.max.reauth.ms",
          "[kafka][sasl][reauth]") {
  const std::string user = unique_name("reauth-lifetime");
  upsert_scram_user(user, "reauth-secret");
  {
    RawConnection c(sasl_target_port());
    const auto final = scram_login(c, user, "reauth-secret");
    CHECK(final.error_code == 0);
    CHECK(final.session_lifetime_ms == 3000);
  }
  {
    RawConnection c(sasl_target_port());
    REQUIRE(handshake(c, "PLAIN").error_code == 0);
    const auto auth = authenticate(c, plain_token(kUser, kPassword));
    CHECK(auth.error_code == 0);
    CHECK(auth.session_lifetime_ms == 0);
  }
}

TEST_CASE("SASL re-authentication as the same principal keeps the connection, once a second at most",
          "[kafka][sasl][reauth]") {
  const std::string user = unique_name("reauth-same");
  upsert_scram_user(user, "reauth-secret");
  RawConnection c(sasl_target_port());
  REQUIRE(scram_login(c, user, "reauth-secret").error_code == 0);
  const auto again = scram_login(c, user, "reauth-secret");
  CHECK(again.error_code == 0);
  CHECK(again.session_lifetime_ms == 3000);
  CHECK(metadata_served(c));
  // Within a second of the last re-authentication, a handshake is an ordinary request.
  CHECK(handshake(c, "SCRAM-SHA-256").error_code == 34);  // ILLEGAL_SASL_STATE
  CHECK(metadata_served(c));
}

TEST_CASE("SASL re-authentication as another principal fails and closes the connection", "[kafka][sasl][reauth]") {
  const std::string first = unique_name("reauth-first");
  const std::string second = unique_name("reauth-second");
  upsert_scram_user(first, "first-secret");
  upsert_scram_user(second, "second-secret");
  RawConnection c(sasl_target_port());
  REQUIRE(scram_login(c, first, "first-secret").error_code == 0);
  const auto other = scram_login(c, second, "second-secret");
  CHECK(other.error_code == 58);  // SASL_AUTHENTICATION_FAILED
  CHECK(other.error_message ==
        "Cannot change principals during re-authentication from User." + first + ": User." + second);
  CHECK(c.closed_by_peer(5000));
}

TEST_CASE("SASL re-authentication with a wrong password names the re-authentication", "[kafka][sasl][reauth]") {
  const std::string user = unique_name("reauth-wrong");
  upsert_scram_user(user, "reauth-secret");
  RawConnection c(sasl_target_port());
  REQUIRE(scram_login(c, user, "reauth-secret").error_code == 0);
  const auto wrong = scram_login(c, user, "not-the-secret");
  CHECK(wrong.error_code == 58);
  CHECK(wrong.error_message ==
        "Authentication failed during re-authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256");
  CHECK(c.closed_by_peer(5000));
}

TEST_CASE("SASL re-authentication with another mechanism: the handshake is answered, the token closes",
          "[kafka][sasl][reauth]") {
  const std::string user = unique_name("reauth-mechanism");
  upsert_scram_user(user, "reauth-secret");
  RawConnection c(sasl_target_port());
  REQUIRE(scram_login(c, user, "reauth-secret").error_code == 0);
  CHECK(handshake(c, "PLAIN").error_code == 0);
  m::SaslAuthenticateRequest req;
  const auto token = plain_token(kUser, kPassword);
  req.auth_bytes.assign(token.begin(), token.end());
  c.send_frame(request_bytes(req, 2, 3, "sasl-hardening"));
  CHECK(c.read_frame(5000).empty());
  CHECK(c.closed_by_peer(5000));
}

TEST_CASE("SASL: once the session ended, a request closes the connection and a handshake re-authenticates",
          "[kafka][sasl][reauth]") {
  const std::string user = unique_name("reauth-expired");
  upsert_scram_user(user, "reauth-secret");
  {
    RawConnection c(sasl_target_port());
    REQUIRE(scram_login(c, user, "reauth-secret").error_code == 0);
    CHECK(metadata_served(c));
    std::this_thread::sleep_for(std::chrono::milliseconds(3300));
    CHECK_FALSE(metadata_served(c));
    CHECK(c.closed_by_peer(5000));
  }
  {
    RawConnection c(sasl_target_port());
    REQUIRE(scram_login(c, user, "reauth-secret").error_code == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(3300));
    CHECK(scram_login(c, user, "reauth-secret").error_code == 0);
    CHECK(metadata_served(c));
  }
}
