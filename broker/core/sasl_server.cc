#include "broker/core/sasl_server.h"

#include <map>

#include "broker/config/jaas_config.h"
#include "broker/config/loggers.h"
#include "broker/core/broker.h"
#include "broker/core/oauthbearer.h"
#include "broker/core/plain_server.h"
#include "broker/core/scram.h"

namespace chronik::broker {
namespace {

class ScramSaslServer final : public SaslServer {
 public:
  ScramSaslServer(ScramMechanism mechanism, std::shared_ptr<LogStore> store)
      : store_(std::move(store)),
        server_(mechanism, [this, mechanism](const std::string& user) {
          return ScramCredentialStore(*store_).get(user, mechanism);
        }),
        mechanism_(mechanism) {}

  std::string evaluate(std::string_view token) override {
    try {
      return server_.evaluate(token);
    } catch (const ScramFailure& e) {
      // As Kafka: the reason stays on the broker (it could tell that a user exists).
      config::named_logger("chronik.core").debug("{} authentication of '{}' failed: {}", scram_mechanism_name(mechanism_),
                                                 server_.username(), e.what());
      throw SaslAuthenticationFailed(std::string("Authentication failed during authentication due to invalid "
                                                 "credentials with SASL mechanism ") +
                                     scram_mechanism_name(mechanism_));
    } catch (const std::exception& e) {
      throw SaslAuthenticationFailed(std::string("Authentication failed: Credentials could not be obtained"));
    }
  }
  bool complete() const override { return server_.complete(); }
  std::string user() const override { return server_.username(); }

 private:
  std::shared_ptr<LogStore> store_;
  ScramServer server_;
  ScramMechanism mechanism_;
};

// A mechanism whose settings stopped working after start-up (a JWKS file removed): every
// authentication fails, as Kafka's fails while its JWKS endpoint is unreachable.
class RefusingServer final : public SaslServer {
 public:
  explicit RefusingServer(std::string why) : why_(std::move(why)) {}
  std::string evaluate(std::string_view) override { throw SaslAuthenticationFailed(why_); }
  bool complete() const override { return false; }
  std::string user() const override { return {}; }

 private:
  std::string why_;
};

}  // namespace

const std::vector<std::string>& served_sasl_mechanisms() {
  static const std::vector<std::string> mechanisms = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"};
  return mechanisms;
}

std::unique_ptr<SaslServer> make_sasl_server(Broker& broker, const std::string& listener, const std::string& mechanism) {
  if (mechanism == "PLAIN") {
    const auto jaas = broker.config()->jaas_config(listener, mechanism);
    if (!jaas) throw std::runtime_error("no JAAS configuration for PLAIN on listener " + listener);
    const auto module = config::parse_jaas_config("sasl.jaas.config", *jaas);
    std::map<std::string, std::string> users;
    for (const auto& [name, value] : module.options)
      if (name.rfind("user_", 0) == 0) users[name.substr(5)] = value;
    return make_plain_server(std::move(users));
  }
  if (mechanism == "OAUTHBEARER") {
    try {
      return make_oauthbearer_server(oauthbearer_rules(broker, listener), now_ms);
    } catch (const std::exception& e) {
      config::named_logger("chronik.core").warn("listener {}: OAUTHBEARER cannot validate tokens: {}", listener, e.what());
      return std::make_unique<RefusingServer>("Authentication failed: tokens cannot be validated");
    }
  }
  const auto scram = scram_mechanism(mechanism);
  if (scram == ScramMechanism::kUnknown) throw std::runtime_error("SASL mechanism " + mechanism + " is not served");
  return std::make_unique<ScramSaslServer>(scram, broker.store);
}

void check_sasl_servers(Broker& broker) {
  for (const auto& l : broker.config()->listeners()) {
    if (l.security_protocol != "SASL_PLAINTEXT" && l.security_protocol != "SASL_SSL") continue;
    for (const auto& m : broker.config()->listener_list(l.name, "sasl.enabled.mechanisms"))
      if (m == "OAUTHBEARER") oauthbearer_rules(broker, l.name);  // throws what does not work
  }
}

}  // namespace chronik::broker
