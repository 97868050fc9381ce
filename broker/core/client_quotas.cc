#include "broker/core/client_quotas.h"

#include <cstdio>
#include <cstdlib>

namespace chronik::broker {
namespace {

constexpr std::string_view kPrefix = "quota/";

// Names may hold any character: the four that structure the key are percent-encoded.
std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == ',' || c == '=' || c == '/') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::strtol(std::string(s.substr(i + 1, 2)).c_str(), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// "quota/client-id=app,user" + "/" + key: the types in order, a default entity without "=".
std::string key_of(const QuotaEntity& entity, std::string_view key) {
  std::string out(kPrefix);
  bool first = true;
  for (const auto& [type, name] : entity) {
    if (!first) out += ',';
    first = false;
    out += escape(type);
    if (name) out += "=" + escape(*name);
  }
  out += '/';
  out += key;
  return out;
}

std::optional<std::pair<QuotaEntity, std::string>> parse_key(std::string_view k) {
  if (k.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  k.remove_prefix(kPrefix.size());
  const size_t slash = k.rfind('/');
  if (slash == std::string_view::npos) return std::nullopt;
  QuotaEntity entity;
  std::string_view parts = k.substr(0, slash);
  while (!parts.empty()) {
    const size_t comma = parts.find(',');
    const std::string_view part = parts.substr(0, comma);
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos)
      entity[unescape(part)] = std::nullopt;
    else
      entity[unescape(part.substr(0, eq))] = unescape(part.substr(eq + 1));
    if (comma == std::string_view::npos) break;
    parts.remove_prefix(comma + 1);
  }
  return std::make_pair(std::move(entity), std::string(k.substr(slash + 1)));
}

}  // namespace

const std::vector<QuotaKey>& quota_keys_for(const QuotaEntity& entity) {
  constexpr int64_t kLong = std::numeric_limits<int64_t>::max(), kInt = std::numeric_limits<int32_t>::max();
  static const std::vector<QuotaKey> rates = {{"producer_byte_rate", true, kLong, "a LONG"},
                                              {"consumer_byte_rate", true, kLong, "a LONG"},
                                              {"request_percentage", false},
                                              {"controller_mutation_rate", false}};
  static const std::vector<QuotaKey> ip = {{"connection_creation_rate", true, kInt, "an INT"}};
  static const std::vector<QuotaKey> none;
  const bool has_ip = entity.count(std::string(kQuotaIp)) > 0;
  const bool has_user_or_client =
      entity.count(std::string(kQuotaUser)) > 0 || entity.count(std::string(kQuotaClientId)) > 0;
  if (has_ip) return has_user_or_client ? none : ip;
  return has_user_or_client ? rates : none;
}

std::map<QuotaEntity, QuotaValues> ClientQuotaStore::list() {
  std::map<QuotaEntity, QuotaValues> out;
  for (const auto& [k, v] : store_.scan_meta(std::string(kPrefix))) {
    auto parsed = parse_key(k);
    if (!parsed) continue;
    out[parsed->first][parsed->second] = std::strtod(v.c_str(), nullptr);
  }
  return out;
}

int16_t ClientQuotaStore::apply(const std::vector<Change>& changes) {
  LogStore::MetaRecords puts;
  std::vector<std::string> erases;
  for (const auto& c : changes) {
    if (!c.value) {
      erases.push_back(key_of(c.entity, c.key));
      continue;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", *c.value);
    puts.emplace_back(key_of(c.entity, c.key), buf);
  }
  return store_.write_meta(puts, erases, true);
}

std::optional<std::pair<QuotaEntity, double>> matching_quota(const std::map<QuotaEntity, QuotaValues>& quotas,
                                                             const std::string& user, const std::string& client_id,
                                                             const std::string& key) {
  using Name = std::optional<std::string>;
  const std::string u(kQuotaUser), c(kQuotaClientId);
  const Name named_user = user, named_client = client_id, fallback = std::nullopt;
  const QuotaEntity order[] = {
      {{u, named_user}, {c, named_client}}, {{u, named_user}, {c, fallback}}, {{u, named_user}},
      {{u, fallback}, {c, named_client}},   {{u, fallback}, {c, fallback}},   {{u, fallback}},
      {{c, named_client}},                  {{c, fallback}},
  };
  for (const auto& entity : order) {
    const auto it = quotas.find(entity);
    if (it == quotas.end()) continue;
    if (const auto v = it->second.find(key); v != it->second.end()) return std::make_pair(entity, v->second);
  }
  return std::nullopt;
}

std::optional<double> effective_quota(const std::map<QuotaEntity, QuotaValues>& quotas, const std::string& user,
                                      const std::string& client_id, const std::string& key) {
  const auto m = matching_quota(quotas, user, client_id, key);
  if (!m) return std::nullopt;
  return m->second;
}

}  // namespace chronik::broker
