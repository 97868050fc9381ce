// DescribeClientQuotas and AlterClientQuotas (KIP-546): the quota configs of users, client
// ids and IP addresses, kept in the log's metadata (core/client_quotas.h). Kafka's rules, as its
// KRaft controller and metadata image apply them: describing needs DESCRIBE_CONFIGS on the
// cluster and altering ALTER_CONFIGS; a filter naming a type twice, an exact match without a
// name or an IP beside a user or client id is INVALID_REQUEST, an unknown type
// UNSUPPORTED_VERSION; an alteration is checked entity by entity and the valid ones are written
// together.
#include <arpa/inet.h>

#include <cmath>
#include <mutex>
#include <set>
#include <variant>

#include "broker/core/client_quotas.h"
#include "broker/handlers/handlers.h"
#include "broker/log/storage.h"

namespace chronik::broker::handlers {
namespace {

// Alterations read the current values (to write only what changes), then write: one at a time.
std::mutex alter_mu;

constexpr const char* kClusterAuthorizationFailed = "Cluster authorization failed.";
constexpr int8_t kMatchExact = 0, kMatchDefault = 1, kMatchSpecified = 2;

struct FilterError {
  int16_t code;
  std::string message;
};

bool known_type(const std::string& type) {
  return type == kQuotaUser || type == kQuotaClientId || type == kQuotaIp;
}

// The filter as exact names (nullopt: the default entity) and types matched by any name.
struct Filter {
  std::map<std::string, std::optional<std::string>> exact;
  std::set<std::string> any;
  bool strict = false;

  bool matches(const QuotaEntity& entity) const {
    for (const auto& [type, name] : exact) {
      const auto it = entity.find(type);
      if (it == entity.end() || it->second != name) return false;
    }
    for (const auto& type : any)
      if (!entity.count(type)) return false;
    return !strict || entity.size() == exact.size() + any.size();
  }
};

std::variant<Filter, FilterError> read_filter(const m::DescribeClientQuotasRequest& req) {
  Filter f;
  f.strict = req.strict;
  const auto invalid = [](std::string message) { return FilterError{err(ErrorCode::INVALID_REQUEST), std::move(message)}; };
  for (const auto& c : req.components) {
    if (c.entity_type.empty()) return invalid("Invalid empty entity type.");
    if (f.exact.count(c.entity_type) || f.any.count(c.entity_type))
      return invalid("Entity type " + c.entity_type + " cannot appear more than once in the filter.");
    if (!known_type(c.entity_type))
      return FilterError{err(ErrorCode::UNSUPPORTED_VERSION), "Unsupported entity type " + c.entity_type};
    switch (c.match_type) {
      case kMatchExact:
        if (!c.match) return invalid("Request specified MATCH_TYPE_EXACT, but set match string to null.");
        f.exact[c.entity_type] = c.match;
        break;
      case kMatchDefault:
        if (c.match) return invalid("Request specified MATCH_TYPE_DEFAULT, but also specified a match string.");
        f.exact[c.entity_type] = std::nullopt;
        break;
      case kMatchSpecified:
        if (c.match) return invalid("Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.");
        f.any.insert(c.entity_type);
        break;
      default:
        return invalid("Unknown match type " + std::to_string(c.match_type));
    }
  }
  const auto names = [&](std::string_view type) { return f.exact.count(std::string(type)) || f.any.count(std::string(type)); };
  if (names(kQuotaIp) && (names(kQuotaUser) || names(kQuotaClientId)))
    return invalid("Invalid entity filter component combination. IP filter component should not be used with "
                   "user or clientId filter component.");
  return f;
}

// Kafka's ClientQuotaEntity.toString, which its messages quote.
std::string describe_entity(const QuotaEntity& entity) {
  std::string out = "ClientQuotaEntity(entries={";
  bool first = true;
  for (const auto& [type, name] : entity) {
    if (!first) out += ", ";
    first = false;
    out += type + "=" + name.value_or("null");
  }
  return out + "})";
}

bool valid_ip(const std::string& ip) {
  in6_addr buf;
  return inet_pton(AF_INET, ip.c_str(), &buf) == 1 || inet_pton(AF_INET6, ip.c_str(), &buf) == 1;
}

// The entity's problem, if any (Kafka's validateEntity and configKeysForEntityType).
std::optional<std::string> entity_problem(const std::vector<m::AlterClientQuotasRequest::EntityData>& parts,
                                          QuotaEntity& entity) {
  if (parts.empty()) return "Invalid empty client quota entity";
  for (const auto& p : parts) {
    if (entity.count(p.entity_type)) return "Invalid empty client quota entity, duplicate entity entry " + p.entity_type;
    if (!known_type(p.entity_type)) return "Unhandled client quota entity type: " + p.entity_type;
    if (p.entity_name && p.entity_name->empty()) return "Empty " + p.entity_type + " not supported";
    entity[p.entity_type] = p.entity_name;
  }
  if (quota_keys_for(entity).empty()) return "Invalid empty client quota entity";
  if (const auto ip = entity.find(std::string(kQuotaIp)); ip != entity.end() && ip->second && !valid_ip(*ip->second))
    return *ip->second + " is not a valid IP or resolvable host.";
  return std::nullopt;
}

std::optional<std::string> value_problem(const QuotaEntity& entity, const std::string& key, double value) {
  for (const auto& k : quota_keys_for(entity)) {
    if (k.name != key) continue;
    if (value <= 0) return "Quota " + key + " must be greater than 0";
    if (k.whole_number) {
      if (value > static_cast<double>(k.largest)) return "Proposed value for " + key + " is too large for " + k.type_name + ".";
      if (std::abs(std::fmod(value, 1.0)) > 1e-6) return key + " cannot be a fractional value.";
    }
    return std::nullopt;
  }
  return "Invalid configuration key " + key;
}

}  // namespace

m::DescribeClientQuotasResponse handle(Broker& broker, const Ctx& ctx, m::DescribeClientQuotasRequest& req) {
  m::DescribeClientQuotasResponse resp;
  resp.error_message = std::nullopt;
  const auto fail = [&](int16_t code, std::optional<std::string> message) {
    resp.error_code = code;
    resp.error_message = std::move(message);
    resp.entries = std::nullopt;
    return resp;
  };
  if (!authorized_cluster(broker, ctx, AclOperation::kDescribeConfigs))
    return fail(err(ErrorCode::CLUSTER_AUTHORIZATION_FAILED), kClusterAuthorizationFailed);
  auto filter = read_filter(req);
  if (const auto* e = std::get_if<FilterError>(&filter)) return fail(e->code, e->message);
  std::map<QuotaEntity, QuotaValues> all;
  try {
    all = ClientQuotaStore(*broker.store).list();
  } catch (const log::StorageError& e) {
    return fail(err(ErrorCode::KAFKA_STORAGE_ERROR), e.what());
  }
  for (const auto& [entity, values] : all) {
    if (values.empty() || !std::get<Filter>(filter).matches(entity)) continue;
    m::DescribeClientQuotasResponse::EntryData entry;
    for (const auto& [type, name] : entity) entry.entity.push_back({type, name, {}});
    for (const auto& [key, value] : values) entry.values.push_back({key, value, {}});
    resp.entries->push_back(std::move(entry));
  }
  return resp;
}

m::AlterClientQuotasResponse handle(Broker& broker, const Ctx& ctx, m::AlterClientQuotasRequest& req) {
  m::AlterClientQuotasResponse resp;
  const auto result = [&](const auto& parts, int16_t code, std::optional<std::string> message) {
    m::AlterClientQuotasResponse::EntryData out;
    out.error_code = code;
    out.error_message = std::move(message);
    for (const auto& p : parts) out.entity.push_back({p.entity_type, p.entity_name, {}});
    resp.entries.push_back(std::move(out));
  };
  if (!authorized_cluster(broker, ctx, AclOperation::kAlterConfigs)) {
    for (const auto& e : req.entries) result(e.entity, err(ErrorCode::CLUSTER_AUTHORIZATION_FAILED), kClusterAuthorizationFailed);
    return resp;
  }
  std::lock_guard lock(alter_mu);
  ClientQuotaStore store(*broker.store);
  std::map<QuotaEntity, QuotaValues> current;
  try {
    current = store.list();
  } catch (const log::StorageError& e) {
    for (const auto& en : req.entries) result(en.entity, err(ErrorCode::KAFKA_STORAGE_ERROR), e.what());
    return resp;
  }
  std::vector<ClientQuotaStore::Change> changes;
  std::vector<size_t> written;  // entries whose changes are in `changes`
  std::set<QuotaEntity> seen;
  const int16_t invalid = err(ErrorCode::INVALID_REQUEST);
  for (size_t i = 0; i < req.entries.size(); ++i) {
    const auto& en = req.entries[i];
    QuotaEntity entity;
    if (const auto problem = entity_problem(en.entity, entity)) {
      result(en.entity, invalid, *problem);
      continue;
    }
    std::set<std::string> keys;
    bool duplicate = !seen.insert(entity).second;
    for (const auto& op : en.ops) duplicate = duplicate || !keys.insert(op.key).second;
    if (duplicate) {
      result(en.entity, invalid, "Ignoring duplicate entity " + describe_entity(entity));
      continue;
    }
    std::optional<std::string> problem;
    std::vector<ClientQuotaStore::Change> entity_changes;
    const auto& values = current[entity];
    for (const auto& op : en.ops) {
      const auto now = values.find(op.key);
      if (op.remove) {
        if (now != values.end()) entity_changes.push_back({entity, op.key, std::nullopt});
        continue;
      }
      if ((problem = value_problem(entity, op.key, op.value))) break;
      if (now == values.end() || now->second != op.value) entity_changes.push_back({entity, op.key, op.value});
    }
    if (problem) {
      result(en.entity, invalid, *problem);
      continue;
    }
    changes.insert(changes.end(), entity_changes.begin(), entity_changes.end());
    written.push_back(i);
  }
  const int16_t stored = changes.empty() || req.validate_only ? int16_t{0} : store.apply(changes);
  if (!changes.empty() && !req.validate_only && !stored) {
    for (const auto& c : changes) {
      auto& values = current[c.entity];
      if (c.value) values[c.key] = *c.value;
      else values.erase(c.key);
    }
    std::erase_if(current, [](const auto& kv) { return kv.second.empty(); });
    broker.quotas.set_quotas(std::move(current));
  }
  for (const size_t i : written)
    result(req.entries[i].entity, stored,
           stored ? std::optional<std::string>("The log dir could not be written") : std::nullopt);
  return resp;
}

}  // namespace chronik::broker::handlers
