#include "broker/security/authorizer.h"

#include <mutex>

#include "broker/config/broker_config.h"
#include "broker/config/loggers.h"

namespace chronik::security {
namespace {

constexpr std::string_view kStandardAuthorizer = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
constexpr std::string_view kAclAuthorizer = "kafka.security.authorizer.AclAuthorizer";

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// super.users: principals separated by semicolons (a principal may hold commas).
std::vector<std::string> parse_super_users(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto semi = text.find(';');
    auto item = trim(text.substr(0, semi));
    if (!item.empty()) out.push_back(std::move(item));
    if (semi == std::string_view::npos) break;
    text.remove_prefix(semi + 1);
  }
  return out;
}

}  // namespace

Authorizer::Authorizer(std::shared_ptr<chronik::broker::LogStore> store, std::vector<std::string> super_users,
                       bool allow_if_no_acl)
    : store_(std::move(store)), super_users_(std::move(super_users)), allow_if_no_acl_(allow_if_no_acl) {}

std::optional<std::string> Authorizer::refuse_class(std::string_view class_name) {
  const auto name = trim(class_name);
  if (name.empty() || name == kStandardAuthorizer || name == kAclAuthorizer) return std::nullopt;
  return "authorizer.class.name: " + name + " is not served; Chronik implements Kafka's ACL authorizer (" +
         std::string(kStandardAuthorizer) + " or " + std::string(kAclAuthorizer) + ")";
}

std::unique_ptr<Authorizer> Authorizer::from_config(const chronik::config::BrokerConfig& config,
                                                    std::shared_ptr<chronik::broker::LogStore> store) {
  const auto name = config.get_string("authorizer.class.name");
  if (!name || trim(*name).empty()) return nullptr;
  const auto supers = config.get_string("super.users");
  return std::make_unique<Authorizer>(std::move(store), parse_super_users(supers.value_or("")),
                                      config.get_bool("allow.everyone.if.no.acl.found"));
}

void Authorizer::load() {
  std::set<AclBinding> loaded;
  for (const auto& [key, value] : store_->scan_meta(std::string(kStoragePrefix))) {
    if (auto acl = from_storage_key(key)) loaded.insert(std::move(*acl));
    else chronik::config::named_logger("chronik.security").warn("ignoring an unreadable stored ACL ({} bytes)", key.size());
  }
  std::unique_lock lock(mu_);
  acls_ = std::move(loaded);
  chronik::config::named_logger("chronik.security")
      .info("ACL authorizer enabled: {} ACLs, {} super users, allow.everyone.if.no.acl.found={}", acls_.size(),
            super_users_.size(), allow_if_no_acl_);
}

bool Authorizer::super_user(std::string_view principal) const {
  for (const auto& s : super_users_)
    if (s == principal) return true;
  return false;
}

bool Authorizer::authorize(const Requester& who, AclOperation op, ResourceType type, std::string_view name) const {
  if (super_user(who.principal)) return true;
  std::shared_lock lock(mu_);
  bool resource_has_acls = false, allowed = false;
  AclBinding first;
  first.resource_type = type;
  first.name.clear();
  first.pattern_type = PatternType::kUnknown;
  for (auto it = acls_.lower_bound(first); it != acls_.end() && it->resource_type == type; ++it) {
    if (!pattern_matches(*it, type, name)) continue;
    resource_has_acls = true;
    const auto result = entry_result(*it, who.principal, who.host, op);
    if (result == AclPermissionType::kDeny) return false;  // deny beats allow
    if (result == AclPermissionType::kAllow) allowed = true;
  }
  if (allowed) return true;
  return !resource_has_acls && allow_if_no_acl_;
}

bool Authorizer::authorize_any(const Requester& who, AclOperation op, ResourceType type) const {
  // A name no ACL is likely to mention: super users and allow.everyone.if.no.acl.found pass.
  if (authorize(who, op, type, "hardcode")) return true;
  std::shared_lock lock(mu_);
  std::set<std::string> deny_literal, deny_prefix;
  std::vector<const AclBinding*> allows;
  for (const auto& acl : acls_) {
    if (acl.resource_type != type) continue;
    if (acl.host != who.host && acl.host != kWildcard) continue;
    if (acl.principal != who.principal && acl.principal != kWildcardPrincipal) continue;
    if (acl.operation != op && acl.operation != AclOperation::kAll) continue;
    if (acl.permission == AclPermissionType::kDeny) {
      if (acl.pattern_type == PatternType::kLiteral) {
        if (acl.name == kWildcard) return false;
        deny_literal.insert(acl.name);
      } else if (acl.pattern_type == PatternType::kPrefixed) {
        deny_prefix.insert(acl.name);
      }
    } else if (acl.permission == AclPermissionType::kAllow) {
      if (acl.pattern_type == PatternType::kLiteral && acl.name == kWildcard) return true;
      allows.push_back(&acl);
    }
  }
  for (const auto* allow : allows) {
    if (allow->pattern_type == PatternType::kLiteral && deny_literal.count(allow->name)) continue;
    bool dominated = false;
    for (size_t n = 1; n <= allow->name.size() && !dominated; ++n)
      dominated = deny_prefix.count(allow->name.substr(0, n)) > 0;
    if (!dominated) return true;
  }
  return false;
}

int32_t Authorizer::authorized_operations(const Requester& who, ResourceType type, std::string_view name) const {
  int32_t bits = 0;
  for (auto op : supported_operations(type))
    if (authorize(who, op, type, name)) bits |= int32_t{1} << static_cast<int>(op);
  return bits;
}

int16_t Authorizer::create(const std::vector<AclBinding>& acls) {
  std::lock_guard write(write_mu_);
  chronik::broker::LogStore::MetaRecords puts;
  {
    std::shared_lock lock(mu_);
    for (const auto& acl : acls)
      if (!acls_.count(acl)) puts.emplace_back(storage_key(acl), std::string());
  }
  if (puts.empty()) return 0;
  if (int16_t e = store_->write_meta(puts, {}, true)) return e;
  std::unique_lock lock(mu_);
  auto& log = chronik::config::named_logger("chronik.security");
  for (const auto& acl : acls)
    if (acls_.insert(acl).second) log.info("ACL added: {}", describe(acl));
  return 0;
}

int16_t Authorizer::remove(const std::vector<AclBindingFilter>& filters,
                           std::vector<std::vector<AclBinding>>& removed) {
  std::lock_guard write(write_mu_);
  removed.assign(filters.size(), {});
  std::set<AclBinding> gone;
  {
    std::shared_lock lock(mu_);
    for (size_t i = 0; i < filters.size(); ++i)
      for (const auto& acl : acls_)
        if (filters[i].matches(acl)) {
          removed[i].push_back(acl);
          gone.insert(acl);
        }
  }
  if (gone.empty()) return 0;
  std::vector<std::string> erases;
  for (const auto& acl : gone) erases.push_back(storage_key(acl));
  if (int16_t e = store_->write_meta({}, erases, true)) {
    removed.assign(filters.size(), {});
    return e;
  }
  std::unique_lock lock(mu_);
  auto& log = chronik::config::named_logger("chronik.security");
  for (const auto& acl : gone) {
    acls_.erase(acl);
    log.info("ACL removed: {}", describe(acl));
  }
  return 0;
}

std::vector<AclBinding> Authorizer::acls(const AclBindingFilter& filter) const {
  std::shared_lock lock(mu_);
  std::vector<AclBinding> out;
  for (const auto& acl : acls_)
    if (filter.matches(acl)) out.push_back(acl);
  return out;
}

}  // namespace chronik::security
