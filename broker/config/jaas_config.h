// Kafka's inline JAAS syntax (sasl.jaas.config), the one line brokers and clients configure a
// login module with:
//   org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="secret";
// Only what a broker needs from it: the module, its control flag and its options.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace chronik::config {

struct JaasLoginModule {
  std::string login_module;  // the class name
  std::string control_flag;  // required, requisite, sufficient or optional
  std::map<std::string, std::string> options;
};

// Parses exactly one login module entry, ended by ';'. Throws ConfigError naming `key` (its
// message never repeats option values: they are passwords).
JaasLoginModule parse_jaas_config(std::string_view key, std::string_view text);

}  // namespace chronik::config
