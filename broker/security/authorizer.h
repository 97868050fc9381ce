// The ACL authorizer: Kafka's StandardAuthorizer semantics over ACLs kept in the log dir's
// LevelDB. Enabled by `authorizer.class.name`; without it the broker has no Authorizer and
// every action is allowed (Broker::authorizer is null).
#pragma once

#include <memory>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "broker/log/log_store.h"
#include "broker/security/acl.h"

namespace chronik::config {
class BrokerConfig;
}

namespace chronik::security {

// Who asks, from where: the principal ("User:alice") and the client's IP address.
struct Requester {
  std::string_view principal;
  std::string_view host;
};

class Authorizer {
 public:
  // `super_users`: principals allowed everything; `allow_if_no_acl`: a resource no ACL names
  // is open to all (allow.everyone.if.no.acl.found).
  Authorizer(std::shared_ptr<chronik::broker::LogStore> store, std::vector<std::string> super_users,
             bool allow_if_no_acl);

  // The class names Kafka users configure; nullopt for an empty one (no authorizer), else
  // an error message for a class Chronik does not implement.
  static std::optional<std::string> refuse_class(std::string_view class_name);
  // From the broker configuration: null when authorizer.class.name is empty.
  // REQUIRES: refuse_class accepted the class name.
  static std::unique_ptr<Authorizer> from_config(const chronik::config::BrokerConfig& config,
                                                 std::shared_ptr<chronik::broker::LogStore> store);

  // Reads the stored ACLs. Throws log::StorageError when the store cannot be read.
  void load();

  // May `who` do `op` on the resource (type, literal name)?
  bool authorize(const Requester& who, AclOperation op, ResourceType type, std::string_view name) const;
  // May `who` do `op` on at least one resource of `type` (Kafka's authorizeByResourceType:
  // an ALLOW on some name or prefix that no DENY dominates)?
  bool authorize_any(const Requester& who, AclOperation op, ResourceType type) const;
  // The operations `who` may do on the resource, as Kafka's 32-bit field (1 << code).
  int32_t authorized_operations(const Requester& who, ResourceType type, std::string_view name) const;

  // Adds ACLs durably; a binding already present is a success. Returns a Kafka error code
  // (KAFKA_STORAGE_ERROR when nothing could be written). REQUIRES: each passed validate_new_acl.
  int16_t create(const std::vector<AclBinding>& acls);
  // Removes every ACL each filter matches, durably; returns what each removed (in order),
  // or a storage error code (nothing removed).
  int16_t remove(const std::vector<AclBindingFilter>& filters, std::vector<std::vector<AclBinding>>& removed);
  std::vector<AclBinding> acls(const AclBindingFilter& filter) const;
  const std::vector<std::string>& super_users() const { return super_users_; }
  bool allow_if_no_acl() const { return allow_if_no_acl_; }

 private:
  bool super_user(std::string_view principal) const;

  std::shared_ptr<chronik::broker::LogStore> store_;
  std::vector<std::string> super_users_;
  bool allow_if_no_acl_;
  mutable std::shared_mutex mu_;
  std::mutex write_mu_;  // serializes create/remove across their store writes
  std::set<AclBinding> acls_;
};

}  // namespace chronik::security
