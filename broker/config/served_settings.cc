#include "broker/config/served_settings.h"

#include <algorithm>

#include "broker/config/jaas_config.h"

namespace chronik::config {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

}  // namespace

UnservedSettings unserved_settings(const BrokerConfig& config) {
  UnservedSettings out;
  static const std::vector<std::string> kServedMechanisms = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512",
                                                             "OAUTHBEARER"};
  for (const auto& l : config.listeners()) {
    if (l.security_protocol != "SASL_PLAINTEXT" && l.security_protocol != "SASL_SSL") continue;
    const auto mechanisms = config.listener_list(l.name, "sasl.enabled.mechanisms");
    if (mechanisms.empty())
      out.refused.push_back("sasl.enabled.mechanisms: listener " + l.name + " enables no SASL mechanism");
    for (const auto& m : mechanisms) {
      if (std::find(kServedMechanisms.begin(), kServedMechanisms.end(), m) == kServedMechanisms.end()) {
        out.refused.push_back("sasl.enabled.mechanisms: listener " + l.name + " enables " + m +
                              ", which Chronik does not serve (it serves " + join(kServedMechanisms) +
                              "; Kafka's default is GSSAPI: set sasl.enabled.mechanisms or "
                              "listener.name." + l.name + ".sasl.enabled.mechanisms)");
        continue;
      }
      if (m == "OAUTHBEARER") {
        // Signed tokens need their JWKS (a file), unsecured ones the login module's JAAS line.
        const auto url = config.listener_string(l.name, "sasl.oauthbearer.jwks.endpoint.url");
        if (url && url->rfind("file:", 0) != 0)
          out.refused.push_back("sasl.oauthbearer.jwks.endpoint.url: Chronik reads the JWKS from a file (file:/path), "
                                "not " + *url);
        if (!url && !config.jaas_config(l.name, m))
          out.refused.push_back("listener " + l.name + " enables OAUTHBEARER but has no JAAS configuration: set "
                                "listener.name." + l.name + ".oauthbearer.sasl.jaas.config to "
                                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required; "
                                "(unsecured tokens) or sasl.oauthbearer.jwks.endpoint.url (signed tokens)");
        continue;
      }
      if (m != "PLAIN") continue;
      // PLAIN's users come from its JAAS configuration, as on Kafka, which refuses to start
      // without one.
      const auto jaas = config.jaas_config(l.name, m);
      if (!jaas) {
        out.refused.push_back("listener " + l.name + " enables PLAIN but has no JAAS configuration: set listener.name." +
                              l.name + ".plain.sasl.jaas.config to org.apache.kafka.common.security.plain.PlainLoginModule "
                              "required user_<name>=\"<password>\";");
        continue;
      }
      try {
        const auto module = parse_jaas_config("listener.name." + l.name + ".plain.sasl.jaas.config", *jaas);
        if (module.login_module != "org.apache.kafka.common.security.plain.PlainLoginModule")
          out.refused.push_back("listener " + l.name + ": PLAIN's JAAS configuration names " + module.login_module +
                                "; Chronik reads users from org.apache.kafka.common.security.plain.PlainLoginModule");
      } catch (const ConfigError& e) {
        out.refused.push_back(e.what());
      }
    }
  }
  if (const auto dirs = config.log_dirs(); dirs.size() > 1)
    out.refused.push_back("log.dirs: Chronik keeps its data in one directory, got " + std::to_string(dirs.size()) +
                          " (" + join(dirs) + ")");
  const auto policy = config.get_list("log.cleanup.policy");  // as DescribeConfigs shows it
  if (std::find(policy.begin(), policy.end(), "compact") != policy.end())
    out.warnings.push_back("log.cleanup.policy=" + *value_text(policy) +
                           ": Chronik does not compact yet; compacted topics keep every record (with "
                           "delete, retention still applies)");
  return out;
}

}  // namespace chronik::config
