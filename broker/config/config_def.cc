#include "broker/config/config_def.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace chronik::config {
namespace {

std::string_view trim(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

template <class T>
std::optional<T> parse_int(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);  // Java accepts a leading '+'
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::string format_number(double v) {
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e18)
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  else
    std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

void validate(const ConfigKey& key, std::string_view text, const ConfigValue& value) {
  const Validator& v = key.validator;
  auto check_number = [&](double n) {
    // Kafka's Range: each bound with its own words, also when both are set.
    if (v.min && n < *v.min)
      throw ConfigError(key.name, text, "Value must be at least " + format_number(*v.min));
    if (v.max && n > *v.max)
      throw ConfigError(key.name, text, "Value must be no more than " + format_number(*v.max));
  };
  auto check_choice = [&](const std::string& s) {
    if (v.choices.empty()) return;
    if (std::find(v.choices.begin(), v.choices.end(), s) != v.choices.end()) return;
    std::string list;
    for (auto c : v.choices) list += (list.empty() ? "" : ", ") + std::string(c);
    throw ConfigError(key.name, text, "String must be one of: " + list);
  };
  if (auto* i = std::get_if<int64_t>(&value)) check_number(static_cast<double>(*i));
  if (auto* d = std::get_if<double>(&value)) check_number(*d);
  if (auto* s = std::get_if<std::string>(&value)) check_choice(*s);
  if (auto* l = std::get_if<std::vector<std::string>>(&value))
    for (const auto& e : *l) check_choice(e);
  if (v.custom)
    if (auto reason = v.custom(value)) {
      // Kafka names a list by its parsed form, "[a, b]", when a whole-list check fails.
      if (auto* l = std::get_if<std::vector<std::string>>(&value)) {
        std::string shown = "[";
        for (size_t i = 0; i < l->size(); ++i) shown += (i ? ", " : "") + (*l)[i];
        throw ConfigError(key.name, shown + "]", *reason);
      }
      throw ConfigError(key.name, text, *reason);
    }
}

}  // namespace

const char* type_name(ConfigType t) {
  switch (t) {
    case ConfigType::kBoolean: return "BOOLEAN";
    case ConfigType::kString: return "STRING";
    case ConfigType::kInt: return "INT";
    case ConfigType::kShort: return "SHORT";
    case ConfigType::kLong: return "LONG";
    case ConfigType::kDouble: return "DOUBLE";
    case ConfigType::kList: return "LIST";
    case ConfigType::kClass: return "CLASS";
    case ConfigType::kPassword: return "PASSWORD";
  }
  return "UNKNOWN";
}

ConfigError::ConfigError(std::string_view key, std::string_view value, std::string_view reason)
    : std::runtime_error("Invalid value " + std::string(value) + " for configuration " +
                         std::string(key) + ": " + std::string(reason)) {}

ConfigValue parse_value(const ConfigKey& key, std::string_view text) {
  std::string_view t = trim(text);
  ConfigValue value;
  switch (key.type) {
    case ConfigType::kBoolean: {
      std::string l = lower(t);
      if (l == "true") value = true;
      else if (l == "false") value = false;
      else throw ConfigError(key.name, text, "Expected value to be either true or false");
      break;
    }
    case ConfigType::kInt: {
      auto v = parse_int<int32_t>(t);
      if (!v) throw ConfigError(key.name, text, "Not a number of type INT");
      value = int64_t{*v};
      break;
    }
    case ConfigType::kShort: {
      auto v = parse_int<int16_t>(t);
      if (!v) throw ConfigError(key.name, text, "Not a number of type SHORT");
      value = int64_t{*v};
      break;
    }
    case ConfigType::kLong: {
      auto v = parse_int<int64_t>(t);
      if (!v) throw ConfigError(key.name, text, "Not a number of type LONG");
      value = *v;
      break;
    }
    case ConfigType::kDouble: {
      std::string s(t);
      char* end = nullptr;
      double d = s.empty() ? 0 : std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size() || std::isnan(d))
        throw ConfigError(key.name, text, "Not a number of type DOUBLE");
      value = d;
      break;
    }
    case ConfigType::kList: {
      std::vector<std::string> items;
      if (!t.empty()) {
        size_t start = 0;
        for (;;) {
          size_t comma = t.find(',', start);
          items.emplace_back(trim(t.substr(start, comma == std::string_view::npos ? comma : comma - start)));
          if (comma == std::string_view::npos) break;
          start = comma + 1;
        }
      }
      value = std::move(items);
      break;
    }
    case ConfigType::kString:
    case ConfigType::kClass:
    case ConfigType::kPassword:
      value = std::string(t);
      break;
  }
  validate(key, key.sensitive() ? "[hidden]" : text, value);
  return value;
}

ConfigValue default_value(const ConfigKey& key) {
  if (!key.default_value) return std::monostate{};
  return parse_value(key, *key.default_value);
}

std::optional<std::string> value_text(const ConfigValue& value) {
  struct Visitor {
    std::optional<std::string> operator()(std::monostate) const { return std::nullopt; }
    std::optional<std::string> operator()(bool b) const { return b ? "true" : "false"; }
    std::optional<std::string> operator()(int64_t i) const { return std::to_string(i); }
    std::optional<std::string> operator()(double d) const {
      char buf[64];
      std::string s;
      // Prefer the shortest representation that round-trips.
      for (int prec = 1; prec <= 17; ++prec) {
        std::snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (std::strtod(buf, nullptr) == d) {
          s = buf;
          if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
          break;
        }
      }
      return s;
    }
    std::optional<std::string> operator()(const std::string& s) const { return s; }
    std::optional<std::string> operator()(const std::vector<std::string>& l) const {
      std::string out;
      for (size_t i = 0; i < l.size(); ++i) out += (i ? "," : "") + l[i];
      return out;
    }
  };
  return std::visit(Visitor{}, value);
}

const ConfigKey* find_key(std::span<const ConfigKey> table, std::string_view name) {
  for (const auto& k : table)
    if (k.name == name) return &k;
  return nullptr;
}

}  // namespace chronik::config
