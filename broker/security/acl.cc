#include "broker/security/acl.h"

#include <array>

namespace chronik::security {
namespace {

template <class E, size_t N>
E enum_of(int8_t code, const std::array<std::string_view, N>&) {
  return (code >= 0 && static_cast<size_t>(code) < N) ? static_cast<E>(code) : static_cast<E>(0);
}

constexpr std::array<std::string_view, 8> kResourceNames = {
    "UNKNOWN", "ANY", "TOPIC", "GROUP", "CLUSTER", "TRANSACTIONAL_ID", "DELEGATION_TOKEN", "USER"};
constexpr std::array<std::string_view, 5> kPatternNames = {"UNKNOWN", "ANY", "MATCH", "LITERAL", "PREFIXED"};
constexpr std::array<std::string_view, 15> kOperationNames = {
    "UNKNOWN", "ANY", "ALL", "READ", "WRITE", "CREATE", "DELETE", "ALTER", "DESCRIBE",
    "CLUSTER_ACTION", "DESCRIBE_CONFIGS", "ALTER_CONFIGS", "IDEMPOTENT_WRITE", "CREATE_TOKENS",
    "DESCRIBE_TOKENS"};
constexpr std::array<std::string_view, 4> kPermissionNames = {"UNKNOWN", "ANY", "DENY", "ALLOW"};

bool implies_describe(AclOperation op) {
  return op == AclOperation::kDescribe || op == AclOperation::kRead || op == AclOperation::kWrite ||
         op == AclOperation::kDelete || op == AclOperation::kAlter;
}

void put_string(std::string& out, std::string_view s) {
  const auto n = static_cast<uint32_t>(s.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
  out.append(s);
}

bool get_string(std::string_view& in, std::string& s) {
  if (in.size() < 4) return false;
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<uint8_t>(in[i]);
  in.remove_prefix(4);
  if (in.size() < n) return false;
  s.assign(in.substr(0, n));
  in.remove_prefix(n);
  return true;
}

}  // namespace

ResourceType resource_type_of(int8_t code) { return enum_of<ResourceType>(code, kResourceNames); }
PatternType pattern_type_of(int8_t code) { return enum_of<PatternType>(code, kPatternNames); }
AclOperation operation_of(int8_t code) { return enum_of<AclOperation>(code, kOperationNames); }
AclPermissionType permission_of(int8_t code) { return enum_of<AclPermissionType>(code, kPermissionNames); }

std::string_view name_of(ResourceType t) { return kResourceNames[static_cast<size_t>(t)]; }
std::string_view name_of(PatternType t) { return kPatternNames[static_cast<size_t>(t)]; }
std::string_view name_of(AclOperation o) { return kOperationNames[static_cast<size_t>(o)]; }
std::string_view name_of(AclPermissionType p) { return kPermissionNames[static_cast<size_t>(p)]; }

// As Kafka's ResourcePatternFilter and AccessControlEntryFilter.
bool AclBindingFilter::matches(const AclBinding& acl) const {
  if (resource_type != ResourceType::kAny && resource_type != acl.resource_type) return false;
  if (pattern_type != PatternType::kAny && pattern_type != PatternType::kMatch &&
      pattern_type != acl.pattern_type)
    return false;
  if (name) {
    if (pattern_type == PatternType::kAny || pattern_type == acl.pattern_type) {
      if (*name != acl.name) return false;
    } else if (acl.pattern_type == PatternType::kLiteral) {
      if (*name != acl.name && acl.name != kWildcard) return false;
    } else if (acl.pattern_type == PatternType::kPrefixed) {
      if (!std::string_view(*name).starts_with(acl.name)) return false;
    } else {
      return false;
    }
  }
  if (principal && *principal != acl.principal) return false;
  if (host && *host != acl.host) return false;
  if (operation != AclOperation::kAny && operation != acl.operation) return false;
  if (permission != AclPermissionType::kAny && permission != acl.permission) return false;
  return true;
}

// Kafka's AclControlManager.validateNewAcl, with AclApis' checks of the name first.
std::optional<std::string> validate_new_acl(const AclBinding& acl) {
  if (acl.resource_type == ResourceType::kCluster && acl.name != kClusterName)
    return "The only valid name for the CLUSTER resource is " + std::string(kClusterName);
  if (acl.name.empty()) return "Invalid empty resource name";
  if (acl.resource_type == ResourceType::kUnknown || acl.resource_type == ResourceType::kAny)
    return "Invalid resourceType " + std::string(name_of(acl.resource_type));
  if (acl.pattern_type != PatternType::kLiteral && acl.pattern_type != PatternType::kPrefixed)
    return "Invalid patternType " + std::string(name_of(acl.pattern_type));
  if (acl.operation == AclOperation::kUnknown || acl.operation == AclOperation::kAny)
    return "Invalid operation " + std::string(name_of(acl.operation));
  if (acl.permission != AclPermissionType::kAllow && acl.permission != AclPermissionType::kDeny)
    return "Invalid permissionType " + std::string(name_of(acl.permission));
  const auto colon = acl.principal.find(':');
  if (colon == std::string::npos || colon == 0)
    return "expected a string in format principalType:principalName but got " + acl.principal;
  return std::nullopt;
}

bool pattern_matches(const AclBinding& acl, ResourceType type, std::string_view name) {
  if (acl.resource_type != type) return false;
  if (acl.pattern_type == PatternType::kLiteral) return acl.name == name || acl.name == kWildcard;
  if (acl.pattern_type == PatternType::kPrefixed) return name.starts_with(acl.name);
  return false;
}

std::optional<AclPermissionType> entry_result(const AclBinding& acl, std::string_view principal,
                                              std::string_view host, AclOperation op) {
  if (acl.principal != principal && acl.principal != kWildcardPrincipal) return std::nullopt;
  if (acl.host != kWildcard && acl.host != host) return std::nullopt;
  if (acl.operation != AclOperation::kAll) {
    if (acl.permission == AclPermissionType::kAllow) {
      if (op == AclOperation::kDescribe) {
        if (!implies_describe(acl.operation)) return std::nullopt;
      } else if (op == AclOperation::kDescribeConfigs) {
        if (acl.operation != AclOperation::kDescribeConfigs && acl.operation != AclOperation::kAlterConfigs)
          return std::nullopt;
      } else if (op != acl.operation) {
        return std::nullopt;
      }
    } else if (op != acl.operation) {
      return std::nullopt;
    }
  }
  return acl.permission;
}

const std::vector<AclOperation>& supported_operations(ResourceType t) {
  using O = AclOperation;
  static const std::vector<O> topic = {O::kRead, O::kWrite, O::kCreate, O::kDescribe, O::kDelete,
                                       O::kAlter, O::kDescribeConfigs, O::kAlterConfigs};
  static const std::vector<O> group = {O::kRead, O::kDescribe, O::kDelete, O::kDescribeConfigs, O::kAlterConfigs};
  static const std::vector<O> cluster = {O::kCreate, O::kClusterAction, O::kDescribeConfigs, O::kAlterConfigs,
                                         O::kIdempotentWrite, O::kAlter, O::kDescribe};
  static const std::vector<O> txn = {O::kDescribe, O::kWrite};
  static const std::vector<O> token = {O::kDescribe};
  static const std::vector<O> user = {O::kCreateTokens, O::kDescribeTokens};
  static const std::vector<O> none;
  switch (t) {
    case ResourceType::kTopic: return topic;
    case ResourceType::kGroup: return group;
    case ResourceType::kCluster: return cluster;
    case ResourceType::kTransactionalId: return txn;
    case ResourceType::kDelegationToken: return token;
    case ResourceType::kUser: return user;
    default: return none;
  }
}

std::string storage_key(const AclBinding& acl) {
  std::string out(kStoragePrefix);
  out.push_back(static_cast<char>(acl.resource_type));
  out.push_back(static_cast<char>(acl.pattern_type));
  out.push_back(static_cast<char>(acl.operation));
  out.push_back(static_cast<char>(acl.permission));
  put_string(out, acl.name);
  put_string(out, acl.principal);
  put_string(out, acl.host);
  return out;
}

std::optional<AclBinding> from_storage_key(std::string_view key) {
  if (!key.starts_with(kStoragePrefix)) return std::nullopt;
  key.remove_prefix(kStoragePrefix.size());
  if (key.size() < 4) return std::nullopt;
  AclBinding acl;
  acl.resource_type = resource_type_of(static_cast<int8_t>(key[0]));
  acl.pattern_type = pattern_type_of(static_cast<int8_t>(key[1]));
  acl.operation = operation_of(static_cast<int8_t>(key[2]));
  acl.permission = permission_of(static_cast<int8_t>(key[3]));
  key.remove_prefix(4);
  if (!get_string(key, acl.name) || !get_string(key, acl.principal) || !get_string(key, acl.host) ||
      !key.empty())
    return std::nullopt;
  return acl;
}

std::string describe(const AclBinding& acl) {
  return "(principal=" + acl.principal + ", host=" + acl.host + ", operation=" +
         std::string(name_of(acl.operation)) + ", permissionType=" + std::string(name_of(acl.permission)) +
         ") on ResourcePattern(resourceType=" + std::string(name_of(acl.resource_type)) +
         ", name=" + acl.name + ", patternType=" + std::string(name_of(acl.pattern_type)) + ")";
}

}  // namespace chronik::security
