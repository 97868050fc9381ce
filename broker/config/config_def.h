// Typed, table-driven definitions of configuration keys (Kafka's ConfigDef, in small).
//
// One ConfigKey row per key: name, type, default, validator, doc, whether it may change at
// runtime, and (broker keys) which topic config it is the broker default for. The broker
// and topic tables live in broker_config.cc / topic_config.cc; DescribeConfigs, parsing and
// validation all read them.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace chronik::config {

// The numbers are DescribeConfigs' configType (v3+).
enum class ConfigType : int8_t {
  kBoolean = 1,
  kString = 2,
  kInt = 3,
  kShort = 4,
  kLong = 5,
  kDouble = 6,
  kList = 7,
  kClass = 8,
  kPassword = 9,
};
const char* type_name(ConfigType t);

// DescribeConfigs' configSource.
enum class ConfigSource : int8_t {
  kUnknown = 0,
  kDynamicTopic = 1,
  kDynamicBrokerLogger = 2,
  kDynamicBroker = 3,
  kDynamicDefaultBroker = 4,
  kStaticBroker = 5,
  kDefault = 6,
};

// A parsed value: null, boolean, integer (INT, SHORT and LONG), double, string (STRING,
// CLASS, PASSWORD) or list.
using ConfigValue =
    std::variant<std::monostate, bool, int64_t, double, std::string, std::vector<std::string>>;

// "Invalid value <v> for configuration <key>: <reason>" (Kafka's ConfigException text).
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string_view key, std::string_view value, std::string_view reason);
  ConfigError(const std::string& message) : std::runtime_error(message) {}
};

struct Validator {
  // Numbers: inclusive bounds.
  std::optional<double> min;
  std::optional<double> max;
  // Strings (and each element of a list): the accepted values, case-sensitive.
  std::vector<std::string_view> choices;
  // Extra check; returns an error reason or nullopt.
  std::optional<std::string> (*custom)(const ConfigValue&) = nullptr;
};

inline Validator at_least(double min) { return Validator{min, std::nullopt, {}, nullptr}; }
inline Validator between(double min, double max) { return Validator{min, max, {}, nullptr}; }
inline Validator one_of(std::vector<std::string_view> choices) {
  return Validator{std::nullopt, std::nullopt, std::move(choices), nullptr};
}

inline constexpr std::string_view kLongMax = "9223372036854775807";
inline constexpr std::string_view kIntMax = "2147483647";

struct ConfigKey {
  std::string_view name;
  ConfigType type;
  // Textual default as DescribeConfigs shows it; nullopt means null.
  std::optional<std::string_view> default_value;
  Validator validator;
  std::string_view doc;
  // Can be changed at runtime (AlterConfigs); read-only otherwise.
  bool dynamic = false;
  // Broker keys: the topic config this key is the broker-wide default of ("" if none),
  // and the factor from this key's unit to the topic config's (log.retention.hours: 3600000).
  std::string_view topic_config = {};
  int64_t topic_unit = 1;
  // Listed by DescribeConfigs while at its default; false for keys Kafka keeps outside its
  // static config definition (the replication quotas), which it lists only once set.
  bool listed_when_default = true;
  // A key Kafka reads outside its config definition (its authorizer's super.users and
  // allow.everyone.if.no.acl.found): DescribeConfigs knows no type for it, so Kafka reports it
  // as sensitive, without a value and without a default synonym.
  bool outside_kafka_config = false;

  bool sensitive() const { return type == ConfigType::kPassword || outside_kafka_config; }
};

// Parses `text` for `key` (Kafka's rules: trimmed; booleans case-insensitive; lists split
// on commas with blanks around them; an empty list is empty) and validates it. Throws
// ConfigError naming the key and the value.
ConfigValue parse_value(const ConfigKey& key, std::string_view text);
// The parsed default (null when the default is null).
ConfigValue default_value(const ConfigKey& key);
// Text of a value as DescribeConfigs shows it (lists joined with ","); nullopt for null.
std::optional<std::string> value_text(const ConfigValue& value);

// Looks up `name` in a table; nullptr when unknown.
const ConfigKey* find_key(std::span<const ConfigKey> table, std::string_view name);

}  // namespace chronik::config
