#include "broker/core/oauthbearer.h"

#include <fstream>
#include <sstream>

#include "broker/config/jaas_config.h"
#include "broker/core/broker.h"

namespace chronik::broker {
namespace {

constexpr std::string_view kLoginModule = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule";
constexpr std::string_view kValidatorHandler =
    "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler";

}  // namespace

OAuthBearerRules oauthbearer_rules(const Broker& broker, const std::string& listener) {
  const auto cfg = broker.config();
  OAuthBearerRules rules;
  const auto handler = cfg->mechanism_string(listener, "OAUTHBEARER", "sasl.server.callback.handler.class");
  const auto url = cfg->listener_string(listener, "sasl.oauthbearer.jwks.endpoint.url");
  if (handler && !handler->empty() && *handler != kValidatorHandler)
    throw std::runtime_error("listener " + listener + ": oauthbearer.sasl.server.callback.handler.class " + *handler +
                             " is not served; Chronik validates tokens as " + std::string(kValidatorHandler) +
                             " (with sasl.oauthbearer.jwks.endpoint.url) or, without it, unsecured tokens");
  if (handler && *handler == kValidatorHandler && !url)
    throw std::runtime_error("listener " + listener + ": " + std::string(kValidatorHandler) +
                             " needs sasl.oauthbearer.jwks.endpoint.url");
  if (url) {
    if (url->rfind("file:", 0) != 0)
      throw std::runtime_error("sasl.oauthbearer.jwks.endpoint.url: Chronik reads the JWKS from a file (file:/path), "
                               "not " + *url);
    std::string path = url->substr(5);
    if (path.rfind("//", 0) == 0) path = path.substr(2);
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) throw std::runtime_error("sasl.oauthbearer.jwks.endpoint.url: cannot read " + path);
    rules.jwks = text.str();
    rules.principal_claim = cfg->listener_string(listener, "sasl.oauthbearer.sub.claim.name").value_or("sub");
    rules.scope_claim = cfg->listener_string(listener, "sasl.oauthbearer.scope.claim.name").value_or("scope");
    rules.expected_audience = cfg->listener_list(listener, "sasl.oauthbearer.expected.audience");
    rules.expected_issuer = cfg->listener_string(listener, "sasl.oauthbearer.expected.issuer");
    if (rules.expected_issuer && rules.expected_issuer->empty()) rules.expected_issuer.reset();
    if (auto v = cfg->listener_string(listener, "sasl.oauthbearer.clock.skew.seconds"))
      rules.clock_skew_ms = std::stoll(*v) * 1000;
    else
      rules.clock_skew_ms = 30'000;
    return rules;
  }
  // Unsecured tokens: Kafka's default validator, its options on the JAAS line.
  const auto jaas = cfg->jaas_config(listener, "OAUTHBEARER");
  if (!jaas) throw std::runtime_error("listener " + listener + " enables OAUTHBEARER but has no JAAS configuration");
  const auto module = config::parse_jaas_config("sasl.jaas.config", *jaas);
  if (module.login_module != kLoginModule)
    throw std::runtime_error("listener " + listener + ": OAUTHBEARER's JAAS configuration names " +
                             module.login_module + ", not " + std::string(kLoginModule));
  for (const auto& [name, value] : module.options) {
    if (name == "unsecuredValidatorPrincipalClaimName") rules.principal_claim = value;
    else if (name == "unsecuredValidatorScopeClaimName") rules.scope_claim = value;
    else if (name == "unsecuredValidatorRequiredScope") rules.required_scope = split_scope(value);
    else if (name == "unsecuredValidatorAllowableClockSkewMs") rules.clock_skew_ms = std::stoll(value);
  }
  return rules;
}

}  // namespace chronik::broker
