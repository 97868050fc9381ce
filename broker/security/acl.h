// Kafka's ACL model: resource patterns, access control entries, the filters that
// DescribeAcls and DeleteAcls send, and when an ACL applies to an action. The numeric
// values are Kafka's wire codes (org.apache.kafka.common.acl / .resource), so a request's
// bytes map straight onto them; an unknown code reads as UNKNOWN, as in Kafka.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chronik::security {

enum class ResourceType : int8_t {
  kUnknown = 0, kAny = 1, kTopic = 2, kGroup = 3, kCluster = 4, kTransactionalId = 5,
  kDelegationToken = 6, kUser = 7,
};
enum class PatternType : int8_t { kUnknown = 0, kAny = 1, kMatch = 2, kLiteral = 3, kPrefixed = 4 };
enum class AclOperation : int8_t {
  kUnknown = 0, kAny = 1, kAll = 2, kRead = 3, kWrite = 4, kCreate = 5, kDelete = 6, kAlter = 7,
  kDescribe = 8, kClusterAction = 9, kDescribeConfigs = 10, kAlterConfigs = 11,
  kIdempotentWrite = 12, kCreateTokens = 13, kDescribeTokens = 14,
};
enum class AclPermissionType : int8_t { kUnknown = 0, kAny = 1, kDeny = 2, kAllow = 3 };

// Wire code -> enum; codes Kafka does not define read as UNKNOWN.
ResourceType resource_type_of(int8_t code);
PatternType pattern_type_of(int8_t code);
AclOperation operation_of(int8_t code);
AclPermissionType permission_of(int8_t code);
// Kafka's enum names (TOPIC, PREFIXED, IDEMPOTENT_WRITE, ALLOW): error messages and logs.
std::string_view name_of(ResourceType t);
std::string_view name_of(PatternType t);
std::string_view name_of(AclOperation o);
std::string_view name_of(AclPermissionType p);

// The one name of the CLUSTER resource, and the literal name that matches every resource.
inline constexpr std::string_view kClusterName = "kafka-cluster";
inline constexpr std::string_view kWildcard = "*";
inline constexpr std::string_view kWildcardPrincipal = "User:*";

struct AclBinding {
  ResourceType resource_type = ResourceType::kUnknown;
  std::string name;
  PatternType pattern_type = PatternType::kLiteral;
  std::string principal;
  std::string host;
  AclOperation operation = AclOperation::kUnknown;
  AclPermissionType permission = AclPermissionType::kUnknown;
  friend bool operator==(const AclBinding&, const AclBinding&) = default;
  friend auto operator<=>(const AclBinding&, const AclBinding&) = default;
};

// A filter: ANY (and null strings) match everything; MATCH matches the patterns that
// would apply to the named resource (literal, the wildcard, prefixes of it).
struct AclBindingFilter {
  ResourceType resource_type = ResourceType::kAny;
  std::optional<std::string> name;
  PatternType pattern_type = PatternType::kAny;
  std::optional<std::string> principal;
  std::optional<std::string> host;
  AclOperation operation = AclOperation::kAny;
  AclPermissionType permission = AclPermissionType::kAny;

  bool matches(const AclBinding& acl) const;
  // A filter with an UNKNOWN element matches nothing reliably (Kafka refuses it for deletes).
  bool pattern_unknown() const {
    return resource_type == ResourceType::kUnknown || pattern_type == PatternType::kUnknown;
  }
  bool entry_unknown() const {
    return operation == AclOperation::kUnknown || permission == AclPermissionType::kUnknown;
  }
};

// Why a new ACL is refused (Kafka's InvalidRequestException messages), or nullopt.
std::optional<std::string> validate_new_acl(const AclBinding& acl);

// Does `acl` name the resource (type, literal `name`)? Literal equal, the literal wildcard,
// or a prefix.
bool pattern_matches(const AclBinding& acl, ResourceType type, std::string_view name);

// The result `acl` gives for `principal` at `host` doing `op` on a resource it names:
// nullopt when it says nothing. ALLOW of READ, WRITE, DELETE or ALTER implies DESCRIBE,
// ALLOW of ALTER_CONFIGS implies DESCRIBE_CONFIGS; a DENY applies to its own operation
// (or ALL) only.
std::optional<AclPermissionType> entry_result(const AclBinding& acl, std::string_view principal,
                                              std::string_view host, AclOperation op);

// The operations that mean something for a resource type (authorized-operations fields).
const std::vector<AclOperation>& supported_operations(ResourceType t);

// The stored form: one key per ACL (the key holds the whole binding, so the set of keys is
// the set of ACLs and a duplicate create writes nothing new).
std::string storage_key(const AclBinding& acl);
std::optional<AclBinding> from_storage_key(std::string_view key);
inline constexpr std::string_view kStoragePrefix = "acl/";

// "(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)" on
// "ResourcePattern(resourceType=TOPIC, name=t, patternType=LITERAL)": for logs.
std::string describe(const AclBinding& acl);

}  // namespace chronik::security
