// The broker's configuration: Kafka's key names and defaults, from server.properties and
// --override key=value, plus dynamic (AlterConfigs) layers, and the topic config table that
// CreateTopics / AlterConfigs / DescribeConfigs use.
//
// A BrokerConfig is an immutable value: dynamic changes return a new one (publish it with
// an atomic shared_ptr swap). Reading is thread-safe.
//
// Value precedence for a broker key: dynamic per-broker > dynamic cluster default >
// static (file, overrides) > default. A topic config's value: the topic's override, else
// its broker synonyms in Kafka's order (every synonym's dynamic per-broker value, then
// every dynamic default, then every static value; e.g. log.retention.ms before
// log.retention.minutes before log.retention.hours), else its default.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/config/config_def.h"
#include "broker/config/properties.h"

namespace chronik::config {

// The broker keys (Kafka's names and defaults, plus Chronik's admin.*).
std::span<const ConfigKey> broker_config_keys();
// The topic keys, each with its Kafka default.
std::span<const ConfigKey> topic_config_keys();

using ConfigMap = std::map<std::string, std::string>;

struct ConfigSynonym {
  std::string name;
  std::optional<std::string> value;  // nullopt for sensitive values
  ConfigSource source = ConfigSource::kUnknown;
};

// One row of a DescribeConfigs answer.
struct ConfigEntry {
  std::string name;
  std::optional<std::string> value;  // null when unset/null, or sensitive
  ConfigSource source = ConfigSource::kDefault;
  bool read_only = true;
  bool sensitive = false;
  ConfigType type = ConfigType::kString;
  std::string doc;
  std::vector<ConfigSynonym> synonyms;  // in precedence order; the first gives the value
};

struct Listener {
  std::string name;  // "PLAINTEXT", or the scheme for admin listeners ("http")
  std::string host;  // "" means all interfaces; IPv6 without brackets
  uint16_t port = 0;
  std::string security_protocol;  // from listener.security.protocol.map
};

// Parses "NAME://host:port,..." (host may be empty or [v6]). Throws ConfigError naming
// `key` on a malformed entry or a repeated name.
std::vector<Listener> parse_listeners(std::string_view key, std::string_view text);

class BrokerConfig {
 public:
  // Every key at its default.
  BrokerConfig();

  // Applies `properties` then `overrides` (a later entry wins), each value with its
  // ${env:..}/${file:..}/${dir:..} placeholders resolved (config_providers.h). Unknown keys
  // are kept in warnings(); an invalid value throws ConfigError naming the key and the value.
  static BrokerConfig from_properties(const std::vector<Property>& properties,
                                      const std::vector<Property>& overrides = {});
  // Reads `file` (if any) and parses each `key=value` of `override_args`.
  // Throws PropertiesError or ConfigError.
  static BrokerConfig load(const std::optional<std::string>& file,
                           const std::vector<std::string>& override_args = {});

  // One line per ignored unknown key.
  const std::vector<std::string>& warnings() const { return warnings_; }

  // Typed access by name. REQUIRES: `name` is a broker key whose type matches (throws
  // std::logic_error otherwise). get_long also reads INT and SHORT keys.
  ConfigValue get(std::string_view name) const;
  bool get_bool(std::string_view name) const;
  int64_t get_long(std::string_view name) const;
  int32_t get_int(std::string_view name) const { return static_cast<int32_t>(get_long(name)); }
  double get_double(std::string_view name) const;
  std::optional<std::string> get_string(std::string_view name) const;  // nullopt: null
  std::vector<std::string> get_list(std::string_view name) const;
  ConfigSource source(std::string_view name) const;

  // Derived values, with Kafka's fallbacks.
  int32_t node_id() const { return get_int("node.id"); }
  std::vector<Listener> listeners() const;
  std::vector<Listener> advertised_listeners() const;  // falls back to listeners
  std::vector<Listener> admin_listeners() const;
  // The value of security key `name` (sasl.*, ssl.*, connections.max.reauth.ms) for the
  // listener named `listener`: listener.name.<listener lower-case>.<name> when set, else the
  // broker-wide key, as Kafka's listener prefixes override. REQUIRES: `name` is a broker key.
  ConfigValue listener_value(std::string_view listener, std::string_view name) const;
  std::optional<std::string> listener_string(std::string_view listener, std::string_view name) const;
  std::vector<std::string> listener_list(std::string_view listener, std::string_view name) const;
  // The JAAS configuration of SASL `mechanism` on `listener`:
  // listener.name.<listener>.<mechanism lower-case>.sasl.jaas.config, else (a Chronik
  // convenience; Kafka brokers ignore it) sasl.jaas.config; nullopt when neither is set.
  std::optional<std::string> jaas_config(std::string_view listener, std::string_view mechanism) const;
  // listener.name.<listener>.<mechanism>.<key>, else <key>: a per-mechanism SASL setting
  // (sasl.jaas.config, sasl.server.callback.handler.class).
  std::optional<std::string> mechanism_string(std::string_view listener, std::string_view mechanism,
                                              std::string_view key) const;
  // KIP-368: listener.name.<listener>.<mechanism>.connections.max.reauth.ms, else
  // listener.name.<listener>.connections.max.reauth.ms, else connections.max.reauth.ms.
  int64_t max_reauth_ms(std::string_view listener, std::string_view mechanism) const;
  std::vector<std::string> log_dirs() const;           // log.dirs, else log.dir
  int64_t log_retention_ms() const;                    // ms > minutes > hours; < 0 -> -1
  int64_t log_flush_interval_ms() const;               // null -> log.flush.scheduler.interval.ms

  // A copy with `name` set (or removed when `value` is nullopt) in the dynamic per-broker
  // (`per_broker`) or cluster-default layer. Throws ConfigError when the key is unknown,
  // not dynamic, or the value is invalid. A listener's key store and trust store
  // (listener.name.<l>.ssl.keystore.location and the like, KIP-226) change per broker only,
  // and only with the listener prefix, as in Kafka.
  BrokerConfig with_dynamic(std::string_view name, std::optional<std::string_view> value,
                            bool per_broker) const;
  // For listener.name.<l>.<a key store or trust store key>: <l>, lower-cased; else nullopt.
  // Changing such a key replaces that listener's certificate (core/tls_listeners.h).
  static std::optional<std::string> reconfigured_tls_listener(std::string_view name);
  // Whether broker key `name` (listener-prefixed or not) holds a secret: never logged.
  static bool sensitive(std::string_view name);

  // DescribeConfigs of the broker: every broker key, then the listener keys set dynamically.
  std::vector<ConfigEntry> describe() const;
  // DescribeConfigs of a topic with these overrides: every topic key.
  std::vector<ConfigEntry> describe_topic(const ConfigMap& overrides) const;
  // The effective value of topic config `name` for a topic with `overrides`.
  // REQUIRES: overrides were validated. Throws std::logic_error for an unknown name.
  ConfigValue topic_value(std::string_view name, const ConfigMap& overrides) const;
  int64_t topic_long(std::string_view name, const ConfigMap& overrides) const;
  std::string topic_string(std::string_view name, const ConfigMap& overrides) const;

 private:
  using Layer = std::map<std::string, ConfigValue, std::less<>>;
  const ConfigKey& key(std::string_view name) const;
  std::vector<ConfigSynonym> broker_synonyms(std::span<const std::string_view> names) const;
  void check_cross_key() const;

  Layer static_, dynamic_default_, dynamic_broker_;
  // listener.name.<listener>.<key>, the listener part lower-cased: from the properties, and
  // the per-broker dynamic key stores and trust stores, which take precedence.
  Layer listener_static_, listener_dynamic_;
  std::vector<std::string> warnings_;
};

// Validates topic overrides for CreateTopics / AlterConfigs: every key must be a topic
// key and every value valid. Throws ConfigError ("Unknown topic config name: x", or the
// invalid value message).
void validate_topic_configs(const ConfigMap& overrides);

}  // namespace chronik::config
