#include "broker/config/broker_config.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <stdexcept>

#include "broker/config/config_providers.h"

namespace chronik::config {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_commas(std::string_view s) {
  std::vector<std::string_view> out;
  if (trim(s).empty()) return out;
  size_t start = 0;
  for (;;) {
    size_t comma = s.find(',', start);
    out.push_back(trim(s.substr(start, comma == std::string_view::npos ? comma : comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

// The broker keys that feed one topic config, or just `name` itself.
std::vector<std::string_view> synonym_group(std::string_view name) {
  const ConfigKey* k = find_key(broker_config_keys(), name);
  std::vector<std::string_view> out;
  if (k == nullptr || k->topic_config.empty()) {
    out.push_back(name);
    return out;
  }
  for (const auto& b : broker_config_keys())
    if (b.topic_config == k->topic_config) out.push_back(b.name);
  return out;
}

// Scales an integer value from a broker key's unit to its topic config's.
ConfigValue scale(const ConfigKey& k, ConfigValue v) {
  if (k.topic_unit == 1) return v;
  if (auto* i = std::get_if<int64_t>(&v)) {
    if (*i < 0) return int64_t{-1};
    return *i * k.topic_unit;
  }
  return v;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_ipv4(const std::string& host) {
  int parts = 0;
  size_t start = 0;
  for (;;) {
    size_t dot = host.find('.', start);
    std::string_view p = std::string_view(host).substr(start, dot == std::string::npos ? dot : dot - start);
    unsigned v = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
    if (p.empty() || ec != std::errc() || end != p.data() + p.size() || v > 255) return false;
    ++parts;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts == 4;
}

bool is_ipv6(const std::string& host) { return host.find(':') != std::string::npos; }

constexpr std::string_view kListenerPrefix = "listener.name.";
const std::vector<std::string_view> kSaslMechanisms = {"plain", "scram-sha-256", "scram-sha-512", "gssapi",
                                                       "oauthbearer"};

// The keys Kafka reads per listener and SASL mechanism: listener.name.<l>.<mechanism>.<key>.
const std::vector<std::string_view> kPerMechanismKeys = {"sasl.jaas.config", "sasl.server.callback.handler.class",
                                                         "connections.max.reauth.ms"};

// For listener.name.<listener>.<rest>: the broker key <rest> stands for (a security key), or
// nullptr. `<mechanism>.sasl.jaas.config` stands for sasl.jaas.config.
const ConfigKey* listener_key(std::string_view name) {
  if (name.substr(0, kListenerPrefix.size()) != kListenerPrefix) return nullptr;
  std::string_view rest = name.substr(kListenerPrefix.size());
  const size_t dot = rest.find('.');
  if (dot == std::string_view::npos || dot == 0) return nullptr;
  rest = rest.substr(dot + 1);
  for (auto mech : kSaslMechanisms)
    if (rest.size() > mech.size() + 1 && lower(rest.substr(0, mech.size())) == mech && rest[mech.size()] == '.')
      for (std::string_view per_mechanism : kPerMechanismKeys)
        if (rest.substr(mech.size() + 1) == per_mechanism) return find_key(broker_config_keys(), per_mechanism);
  if (rest.substr(0, 5) != "sasl." && rest.substr(0, 4) != "ssl." && rest != "connections.max.reauth.ms" &&
      rest != "max.connections")
    return nullptr;
  return find_key(broker_config_keys(), rest);
}

// The TLS keys Kafka reconfigures at run time (its SslConfigs.RECONFIGURABLE_CONFIGS): a
// listener's key store and trust store.
bool reconfigurable_tls_key(std::string_view name) {
  static const std::set<std::string_view> keys = {
      "ssl.keystore.type",   "ssl.keystore.location",   "ssl.keystore.password",       "ssl.key.password",
      "ssl.keystore.key",    "ssl.keystore.certificate.chain", "ssl.truststore.type", "ssl.truststore.location",
      "ssl.truststore.password", "ssl.truststore.certificates"};
  return keys.count(name) > 0;
}

// listener.name.<listener>.<rest> with the listener part lower-cased, as Kafka looks it up.
std::string listener_key_name(std::string_view listener, std::string_view rest) {
  return std::string(kListenerPrefix) + lower(listener) + "." + std::string(rest);
}

}  // namespace

std::vector<Listener> parse_listeners(std::string_view key, std::string_view text) {
  std::vector<Listener> out;
  for (std::string_view entry : split_commas(text)) {
    auto bad = [&](const std::string& why) {
      return ConfigError(key, text, "listener '" + std::string(entry) + "' " + why);
    };
    size_t sep = entry.find("://");
    if (sep == std::string_view::npos || sep == 0) throw bad("is not of the form NAME://host:port");
    Listener l;
    l.name = std::string(entry.substr(0, sep));
    std::string_view hostport = entry.substr(sep + 3);
    size_t colon = hostport.rfind(':');
    if (colon == std::string_view::npos) throw bad("has no port");
    std::string_view host = hostport.substr(0, colon);
    if (!host.empty() && host.front() == '[') {
      if (host.back() != ']') throw bad("has a malformed IPv6 address");
      host = host.substr(1, host.size() - 2);
    } else if (host.find(':') != std::string_view::npos) {
      throw bad("has an IPv6 address without brackets");
    }
    l.host = std::string(host);
    std::string_view port = hostport.substr(colon + 1);
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || p != port.data() + port.size() || value > 65535)
      throw bad("has an invalid port");
    l.port = static_cast<uint16_t>(value);
    for (const auto& other : out)
      if (other.name == l.name)
        throw ConfigError(key, text, "Each listener must have a different name, listeners: " + std::string(text));
    out.push_back(std::move(l));
  }
  return out;
}

BrokerConfig::BrokerConfig() = default;

const ConfigKey& BrokerConfig::key(std::string_view name) const {
  const ConfigKey* k = find_key(broker_config_keys(), name);
  if (k == nullptr) throw std::logic_error("not a broker config: " + std::string(name));
  return *k;
}

BrokerConfig BrokerConfig::from_properties(const std::vector<Property>& properties,
                                           const std::vector<Property>& overrides) {
  BrokerConfig c;
  auto apply = [&](const Property& p, const char* where) {
    const ConfigKey* k = find_key(broker_config_keys(), p.key);
    if (k == nullptr) {
      if (const ConfigKey* lk = listener_key(p.key)) {
        const size_t dot = p.key.find('.', kListenerPrefix.size());
        std::string rest = p.key.substr(dot + 1);
        // <mechanism>.<key>: the mechanism lower-cased, as Kafka looks it up.
        if (std::find(kPerMechanismKeys.begin(), kPerMechanismKeys.end(), lk->name) != kPerMechanismKeys.end())
          rest = lower(rest);
        const std::string name =
            listener_key_name(std::string_view(p.key).substr(kListenerPrefix.size(), dot - kListenerPrefix.size()), rest);
        ConfigKey renamed = *lk;
        renamed.name = p.key;
        c.listener_static_[name] = parse_value(renamed, resolve_placeholders(p.key, p.value));
        return;
      }
      c.warnings_.push_back(std::string("unknown configuration '") + p.key + "' " + where + " is ignored");
      return;
    }
    c.static_[p.key] = parse_value(*k, resolve_placeholders(p.key, p.value));
  };
  for (const auto& p : properties) apply(p, p.line > 0 ? ("(line " + std::to_string(p.line) + ")").c_str() : "");
  for (const auto& p : overrides) apply(p, "(--override)");
  c.check_cross_key();
  return c;
}

BrokerConfig BrokerConfig::load(const std::optional<std::string>& file,
                                const std::vector<std::string>& override_args) {
  std::vector<Property> props;
  if (file) props = load_properties_file(*file);
  std::vector<Property> overrides;
  for (const auto& arg : override_args) overrides.push_back(parse_override(arg));
  return from_properties(props, overrides);
}

void BrokerConfig::check_cross_key() const {
  auto ls = listeners();
  std::vector<std::string> names;
  for (const auto& l : ls) names.push_back(l.name);
  if (get_string("advertised.listeners")) {
    for (const auto& a : advertised_listeners()) {
      if (std::find(names.begin(), names.end(), a.name) == names.end())
        throw ConfigError("advertised.listeners", *get_string("advertised.listeners"),
                          "listener name " + a.name + " is not in listeners");
      if (a.host == "0.0.0.0" || a.host == "::")
        throw ConfigError("advertised.listeners", *get_string("advertised.listeners"),
                          "cannot advertise the meta-address " + a.host);
    }
  }
  admin_listeners();
  if (get_long("group.min.session.timeout.ms") > get_long("group.max.session.timeout.ms"))
    throw ConfigError("group.min.session.timeout.ms", std::to_string(get_long("group.min.session.timeout.ms")),
                      "must not exceed group.max.session.timeout.ms");
}

ConfigValue BrokerConfig::get(std::string_view name) const {
  const ConfigKey& k = key(name);
  for (const Layer* layer : {&dynamic_broker_, &dynamic_default_, &static_})
    if (auto it = layer->find(name); it != layer->end()) return it->second;
  return default_value(k);
}

ConfigSource BrokerConfig::source(std::string_view name) const {
  key(name);
  if (dynamic_broker_.count(name)) return ConfigSource::kDynamicBroker;
  if (dynamic_default_.count(name)) return ConfigSource::kDynamicDefaultBroker;
  if (static_.count(name)) return ConfigSource::kStaticBroker;
  return ConfigSource::kDefault;
}

bool BrokerConfig::get_bool(std::string_view name) const {
  auto v = get(name);
  if (auto* b = std::get_if<bool>(&v)) return *b;
  throw std::logic_error(std::string(name) + " is not a boolean");
}

int64_t BrokerConfig::get_long(std::string_view name) const {
  auto v = get(name);
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  throw std::logic_error(std::string(name) + " is null or not an integer");
}

double BrokerConfig::get_double(std::string_view name) const {
  auto v = get(name);
  if (auto* d = std::get_if<double>(&v)) return *d;
  throw std::logic_error(std::string(name) + " is not a double");
}

std::optional<std::string> BrokerConfig::get_string(std::string_view name) const {
  auto v = get(name);
  if (std::holds_alternative<std::monostate>(v)) return std::nullopt;
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  throw std::logic_error(std::string(name) + " is not a string");
}

std::vector<std::string> BrokerConfig::get_list(std::string_view name) const {
  auto v = get(name);
  if (std::holds_alternative<std::monostate>(v)) return {};
  if (auto* l = std::get_if<std::vector<std::string>>(&v)) return *l;
  throw std::logic_error(std::string(name) + " is not a list");
}

std::vector<Listener> BrokerConfig::listeners() const {
  std::string text = get_string("listeners").value_or("");
  auto out = parse_listeners("listeners", text);
  // Security protocols from the map; an unmapped name is an error, as in Kafka.
  std::map<std::string, std::string> map;
  std::string map_text = get_string("listener.security.protocol.map").value_or("");
  for (auto e : split_commas(map_text)) {
    size_t colon = e.find(':');
    map[std::string(e.substr(0, colon))] = std::string(e.substr(colon + 1));
  }
  for (auto& l : out) {
    auto it = map.find(l.name);
    if (it == map.end())
      throw ConfigError("listeners", text, "no security protocol for listener " + l.name +
                                               " in listener.security.protocol.map");
    l.security_protocol = it->second;
    static const std::vector<std::string_view> kProtocols = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"};
    if (std::find(kProtocols.begin(), kProtocols.end(), l.security_protocol) == kProtocols.end())
      throw ConfigError("listener.security.protocol.map", map_text,
                        "No enum constant for security protocol " + l.security_protocol + " of listener " + l.name);
  }
  // Kafka's rule: one port per listener (port 0, "any", excepted), unless exactly two share
  // it and one binds an IPv4 address, the other an IPv6 one.
  std::map<uint16_t, std::vector<const Listener*>> by_port;
  for (const auto& l : out)
    if (l.port != 0) by_port[l.port].push_back(&l);
  for (const auto& [port, ls] : by_port) {
    if (ls.size() < 2) continue;
    const bool v4_and_v6 = ls.size() == 2 && ((is_ipv4(ls[0]->host) && is_ipv6(ls[1]->host)) ||
                                              (is_ipv6(ls[0]->host) && is_ipv4(ls[1]->host)));
    if (!v4_and_v6)
      throw ConfigError("listeners", text, "Each listener must have a different port, listeners: " + text);
  }
  return out;
}

ConfigValue BrokerConfig::listener_value(std::string_view listener, std::string_view name) const {
  if (auto it = listener_dynamic_.find(listener_key_name(listener, name)); it != listener_dynamic_.end())
    return it->second;
  if (auto it = listener_static_.find(listener_key_name(listener, name)); it != listener_static_.end())
    return it->second;
  return get(name);
}

std::optional<std::string> BrokerConfig::listener_string(std::string_view listener, std::string_view name) const {
  auto v = listener_value(listener, name);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  return std::nullopt;
}

std::vector<std::string> BrokerConfig::listener_list(std::string_view listener, std::string_view name) const {
  auto v = listener_value(listener, name);
  if (auto* l = std::get_if<std::vector<std::string>>(&v)) return *l;
  return {};
}

std::optional<std::string> BrokerConfig::jaas_config(std::string_view listener, std::string_view mechanism) const {
  return mechanism_string(listener, mechanism, "sasl.jaas.config");
}

std::optional<std::string> BrokerConfig::mechanism_string(std::string_view listener, std::string_view mechanism,
                                                          std::string_view key) const {
  const auto name = listener_key_name(listener, lower(mechanism) + "." + std::string(key));
  if (auto it = listener_static_.find(name); it != listener_static_.end())
    if (auto* s = std::get_if<std::string>(&it->second)) return *s;
  return get_string(key);
}

int64_t BrokerConfig::max_reauth_ms(std::string_view listener, std::string_view mechanism) const {
  const auto name = listener_key_name(listener, lower(mechanism) + ".connections.max.reauth.ms");
  if (auto it = listener_static_.find(name); it != listener_static_.end())
    if (auto* v = std::get_if<int64_t>(&it->second)) return *v;
  const auto value = listener_value(listener, "connections.max.reauth.ms");
  if (auto* v = std::get_if<int64_t>(&value)) return *v;
  return 0;
}

std::vector<Listener> BrokerConfig::advertised_listeners() const {
  auto advertised = get_string("advertised.listeners");
  if (!advertised) return listeners();
  auto out = parse_listeners("advertised.listeners", *advertised);
  auto ls = listeners();
  for (auto& a : out)
    for (const auto& l : ls)
      if (l.name == a.name) a.security_protocol = l.security_protocol;
  return out;
}

std::vector<Listener> BrokerConfig::admin_listeners() const {
  std::vector<Listener> out;
  std::string joined;
  for (const auto& e : get_list("admin.listeners")) joined += (joined.empty() ? "" : ",") + e;
  out = parse_listeners("admin.listeners", joined);
  for (auto& l : out) {
    if (l.name != "http" && l.name != "https")
      throw ConfigError("admin.listeners", joined, "scheme must be http or https, not " + l.name);
    l.security_protocol = l.name;
  }
  return out;
}

std::vector<std::string> BrokerConfig::log_dirs() const {
  auto dirs = get_string("log.dirs");
  std::string text = dirs ? *dirs : get_string("log.dir").value_or("");
  std::vector<std::string> out;
  for (auto d : split_commas(text))
    if (!d.empty()) out.emplace_back(d);
  return out;
}

int64_t BrokerConfig::log_retention_ms() const {
  return std::get<int64_t>(topic_value("retention.ms", {}));
}

int64_t BrokerConfig::log_flush_interval_ms() const {
  return std::get<int64_t>(topic_value("flush.ms", {}));
}

std::optional<std::string> BrokerConfig::reconfigured_tls_listener(std::string_view name) {
  const ConfigKey* k = listener_key(name);
  if (k == nullptr || !reconfigurable_tls_key(k->name)) return std::nullopt;
  const std::string_view rest = name.substr(kListenerPrefix.size());
  return lower(rest.substr(0, rest.find('.')));
}

bool BrokerConfig::sensitive(std::string_view name) {
  const ConfigKey* k = find_key(broker_config_keys(), name);
  if (k == nullptr) k = listener_key(name);
  return k == nullptr || k->sensitive();  // unknown: say nothing of it
}

BrokerConfig BrokerConfig::with_dynamic(std::string_view name, std::optional<std::string_view> value,
                                        bool per_broker) const {
  const std::string quoted = "[" + std::string(name) + "]";
  if (const auto listener = reconfigured_tls_listener(name)) {
    // Key stores are files of one machine: never a cluster-wide default.
    if (!per_broker)
      throw ConfigError("Cannot update these configs at default cluster level, broker id must be specified: " + quoted);
    const ConfigKey* k = listener_key(name);
    ConfigKey renamed = *k;
    renamed.name = name;
    BrokerConfig copy = *this;
    const std::string stored = listener_key_name(*listener, name.substr(kListenerPrefix.size() + listener->size() + 1));
    if (value) copy.listener_dynamic_[stored] = parse_value(renamed, *value);
    else copy.listener_dynamic_.erase(stored);
    return copy;
  }
  const ConfigKey* k = find_key(broker_config_keys(), name);
  if (k == nullptr) throw ConfigError("Unknown broker config name: " + std::string(name));
  if (reconfigurable_tls_key(name))
    throw ConfigError("These security configs can be dynamically updated only per-listener using the listener prefix: " +
                      quoted);
  if (!k->dynamic)
    throw ConfigError("Cannot update these configs dynamically: " + quoted);
  BrokerConfig copy = *this;
  Layer& layer = per_broker ? copy.dynamic_broker_ : copy.dynamic_default_;
  if (value) layer[std::string(name)] = parse_value(*k, *value);
  else layer.erase(std::string(name));
  copy.check_cross_key();
  return copy;
}

std::vector<ConfigSynonym> BrokerConfig::broker_synonyms(std::span<const std::string_view> names) const {
  std::vector<ConfigSynonym> out;
  auto add = [&](const Layer& layer, ConfigSource source) {
    for (auto n : names) {
      auto it = layer.find(n);
      if (it == layer.end()) continue;
      const ConfigKey& k = key(n);
      out.push_back({std::string(n), k.sensitive() ? std::nullopt : value_text(it->second), source});
    }
  };
  add(dynamic_broker_, ConfigSource::kDynamicBroker);
  add(dynamic_default_, ConfigSource::kDynamicDefaultBroker);
  add(static_, ConfigSource::kStaticBroker);
  for (auto n : names) {
    const ConfigKey& k = key(n);
    if (k.default_value && !k.outside_kafka_config)
      out.push_back({std::string(n), k.sensitive() ? std::nullopt : std::optional<std::string>(*k.default_value),
                     ConfigSource::kDefault});
  }
  return out;
}

std::vector<ConfigEntry> BrokerConfig::describe() const {
  std::vector<ConfigEntry> out;
  for (const auto& k : broker_config_keys()) {
    if (!k.listed_when_default && source(k.name) == ConfigSource::kDefault) continue;
    ConfigEntry e;
    e.name = std::string(k.name);
    e.source = source(k.name);
    e.value = k.sensitive() ? std::nullopt : value_text(get(k.name));
    e.read_only = !k.dynamic;
    e.sensitive = k.sensitive();
    e.type = k.type;
    e.doc = std::string(k.doc);
    auto group = synonym_group(k.name);
    e.synonyms = broker_synonyms(group);
    // As Kafka does: drop the synonyms that precede this key's own first entry.
    auto first = std::find_if(e.synonyms.begin(), e.synonyms.end(),
                              [&](const ConfigSynonym& s) { return s.name == k.name; });
    e.synonyms.erase(e.synonyms.begin(), first);
    out.push_back(std::move(e));
  }
  // As Kafka lists them: dynamic, and read-only (only the listener-less key is one of its
  // dynamic configs).
  for (const auto& [name, value] : listener_dynamic_) {
    const ConfigKey* k = listener_key(name);
    ConfigEntry e;
    e.name = name;
    e.source = ConfigSource::kDynamicBroker;
    e.value = k->sensitive() ? std::nullopt : value_text(value);
    e.read_only = true;
    e.sensitive = k->sensitive();
    e.type = k->type;
    e.doc = std::string(k->doc);
    e.synonyms.push_back({name, e.value, ConfigSource::kDynamicBroker});
    out.push_back(std::move(e));
  }
  return out;
}

ConfigValue BrokerConfig::topic_value(std::string_view name, const ConfigMap& overrides) const {
  const ConfigKey* tk = find_key(topic_config_keys(), name);
  if (tk == nullptr) throw std::logic_error("not a topic config: " + std::string(name));
  if (auto it = overrides.find(std::string(name)); it != overrides.end()) return parse_value(*tk, it->second);
  std::vector<std::string_view> names;
  for (const auto& b : broker_config_keys())
    if (b.topic_config == name) names.push_back(b.name);
  for (const Layer* layer : {&dynamic_broker_, &dynamic_default_, &static_})
    for (auto n : names)
      if (auto it = layer->find(n); it != layer->end() && !std::holds_alternative<std::monostate>(it->second))
        return scale(key(n), it->second);
  for (auto n : names) {
    const ConfigKey& b = key(n);
    if (b.default_value) return scale(b, default_value(b));
  }
  return default_value(*tk);
}

int64_t BrokerConfig::topic_long(std::string_view name, const ConfigMap& overrides) const {
  auto v = topic_value(name, overrides);
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  throw std::logic_error(std::string(name) + " is not an integer");
}

std::string BrokerConfig::topic_string(std::string_view name, const ConfigMap& overrides) const {
  return value_text(topic_value(name, overrides)).value_or("");
}

std::vector<ConfigEntry> BrokerConfig::describe_topic(const ConfigMap& overrides) const {
  std::vector<ConfigEntry> out;
  for (const auto& tk : topic_config_keys()) {
    ConfigEntry e;
    e.name = std::string(tk.name);
    e.read_only = false;
    e.sensitive = tk.sensitive();
    e.type = tk.type;
    e.doc = std::string(tk.doc);
    if (auto it = overrides.find(e.name); it != overrides.end())
      e.synonyms.push_back({e.name, value_text(parse_value(tk, it->second)), ConfigSource::kDynamicTopic});
    std::vector<std::string_view> names;
    for (const auto& b : broker_config_keys())
      if (b.topic_config == tk.name) names.push_back(b.name);
    // Broker values are shown in the broker key's own unit, as Kafka does. Kafka lists them
    // from the first one named after the topic config's primary broker key (log.retention.ms
    // for retention.ms): a value set only through log.retention.hours, or its default, is not
    // listed, and the config's source is then DEFAULT_CONFIG.
    auto broker = broker_synonyms(names);
    if (!names.empty()) {
      const auto primary = std::find_if(broker.begin(), broker.end(),
                                        [&](const ConfigSynonym& s) { return s.name == names.front(); });
      broker.erase(broker.begin(), primary);
    }
    for (auto& s : broker) e.synonyms.push_back(std::move(s));
    e.value = value_text(topic_value(tk.name, overrides));
    e.source = ConfigSource::kDefault;
    if (!e.synonyms.empty()) e.source = e.synonyms.front().source;
    out.push_back(std::move(e));
  }
  return out;
}

void validate_topic_configs(const ConfigMap& overrides) {
  for (const auto& [name, value] : overrides) {
    const ConfigKey* k = find_key(topic_config_keys(), name);
    if (k == nullptr) throw ConfigError("Unknown topic config name: " + name);
    const ConfigValue parsed = parse_value(*k, value);
    // Kafka's answer on a broker without remote.log.storage.system.enable, which Chronik is.
    if (name == "remote.storage.enable" && std::get<bool>(parsed))
      throw ConfigError(
          "Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log "
          "storage.");
  }
}

}  // namespace chronik::config
