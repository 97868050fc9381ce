// Kafka's config provider placeholders (KIP-297, KIP-421, KIP-887) in static config values,
// so that a secret can live in a file or the environment instead of on the command line,
// where /proc/<pid>/cmdline shows it to every local user:
//
//   ${env:NAME}              the environment variable NAME (EnvVarConfigProvider)
//   ${file:PATH:KEY}         KEY of the Java properties file PATH (FileConfigProvider)
//   ${dir:PATH:FILE}         the contents of PATH/FILE (DirectoryConfigProvider), e.g. a
//                            Kubernetes or Docker secret mounted as a file
//
// Unlike Kafka, the three providers are built in (no config.providers lines needed), and a
// placeholder that cannot be resolved is an error instead of being kept as literal text: a
// literal "${env:TOKEN}" would otherwise become the admin token.
#pragma once

#include <string>
#include <string_view>

namespace chronik::config {

// `value` with every ${provider:[path:]key} replaced. `key` names the config in errors
// (ConfigError); the resolved text never appears in an error.
std::string resolve_placeholders(std::string_view key, std::string_view value);

}  // namespace chronik::config
