// The ACL authorizer's rules (Kafka's StandardAuthorizer): deny beats allow, the operations
// an ALLOW implies, literal, wildcard and prefixed patterns, hosts, super users, the rule
// for resources no ACL names, authorizeByResourceType, the filters, and ACLs kept in a real
// LevelDB across a reopen.
#include <catch2/catch.hpp>

#include "broker/log/leveldb_log_store.h"
#include "broker/log/log_config.h"
#include "broker/security/authorizer.h"
#include "tests/support/temp_log_store.h"

using namespace chronik::security;

namespace {

AclBinding acl(ResourceType t, std::string name, PatternType p, std::string principal, std::string host,
               AclOperation op, AclPermissionType perm) {
  return AclBinding{t, std::move(name), p, std::move(principal), std::move(host), op, perm};
}

struct Fixture {
  chronik::broker::testing::TempDir dir;
  std::shared_ptr<const chronik::config::BrokerConfig> config = std::make_shared<chronik::config::BrokerConfig>();
  std::shared_ptr<chronik::broker::LevelDbLogStore> store = open();
  std::shared_ptr<chronik::broker::LevelDbLogStore> open() {
    return std::make_shared<chronik::broker::LevelDbLogStore>(
        dir.path(), chronik::log::log_manager_options([c = config] { return c; }));
  }
};

const Requester kAlice{"User:alice", "10.0.0.1"};

}  // namespace

TEST_CASE("deny beats allow; ALLOW READ implies DESCRIBE, DENY READ does not deny it") {
  Fixture f;
  Authorizer a(f.store, {}, false);
  REQUIRE(a.create({acl(ResourceType::kTopic, "t", PatternType::kLiteral, "User:alice", "*", AclOperation::kRead,
                        AclPermissionType::kAllow)}) == 0);
  CHECK(a.authorize(kAlice, AclOperation::kRead, ResourceType::kTopic, "t"));
  CHECK(a.authorize(kAlice, AclOperation::kDescribe, ResourceType::kTopic, "t"));
  CHECK_FALSE(a.authorize(kAlice, AclOperation::kWrite, ResourceType::kTopic, "t"));
  CHECK_FALSE(a.authorize({"User:bob", "10.0.0.1"}, AclOperation::kRead, ResourceType::kTopic, "t"));
  REQUIRE(a.create({acl(ResourceType::kTopic, "t", PatternType::kLiteral, "User:*", "*", AclOperation::kRead,
                        AclPermissionType::kDeny)}) == 0);
  CHECK_FALSE(a.authorize(kAlice, AclOperation::kRead, ResourceType::kTopic, "t"));
  CHECK(a.authorize(kAlice, AclOperation::kDescribe, ResourceType::kTopic, "t"));  // implied by the ALLOW
}

TEST_CASE("prefixed and wildcard patterns, hosts, super users, no-ACL rule") {
  Fixture f;
  Authorizer open_a(f.store, {"User:admin"}, true);
  CHECK(open_a.authorize(kAlice, AclOperation::kWrite, ResourceType::kTopic, "anything"));
  REQUIRE(open_a.create({acl(ResourceType::kTopic, "pay", PatternType::kPrefixed, "User:alice", "10.0.0.2",
                             AclOperation::kWrite, AclPermissionType::kAllow)}) == 0);
  // The prefix names payments: an ACL exists, from another host, so alice is denied there.
  CHECK_FALSE(open_a.authorize(kAlice, AclOperation::kWrite, ResourceType::kTopic, "payments"));
  CHECK(open_a.authorize({"User:alice", "10.0.0.2"}, AclOperation::kWrite, ResourceType::kTopic, "payments"));
  CHECK(open_a.authorize(kAlice, AclOperation::kWrite, ResourceType::kTopic, "other"));  // no ACL names it
  CHECK(open_a.authorize({"User:admin", "1.2.3.4"}, AclOperation::kWrite, ResourceType::kTopic, "payments"));
  REQUIRE(open_a.create({acl(ResourceType::kTopic, "*", PatternType::kLiteral, "User:alice", "*",
                             AclOperation::kAll, AclPermissionType::kDeny)}) == 0);
  CHECK_FALSE(open_a.authorize(kAlice, AclOperation::kDescribe, ResourceType::kTopic, "other"));
  CHECK(open_a.authorized_operations(kAlice, ResourceType::kTopic, "other") == 0);
}

TEST_CASE("authorize_any: an ALLOW somewhere not dominated by a prefixed DENY") {
  Fixture f;
  Authorizer a(f.store, {}, false);
  CHECK_FALSE(a.authorize_any(kAlice, AclOperation::kWrite, ResourceType::kTopic));
  REQUIRE(a.create({acl(ResourceType::kTopic, "abc", PatternType::kLiteral, "User:alice", "*", AclOperation::kWrite,
                        AclPermissionType::kAllow),
                    acl(ResourceType::kTopic, "ab", PatternType::kPrefixed, "User:alice", "*", AclOperation::kWrite,
                        AclPermissionType::kDeny)}) == 0);
  CHECK_FALSE(a.authorize_any(kAlice, AclOperation::kWrite, ResourceType::kTopic));
  REQUIRE(a.create({acl(ResourceType::kTopic, "x", PatternType::kLiteral, "User:alice", "*", AclOperation::kWrite,
                        AclPermissionType::kAllow)}) == 0);
  CHECK(a.authorize_any(kAlice, AclOperation::kWrite, ResourceType::kTopic));
}

TEST_CASE("filters match as Kafka's, deletes persist, ACLs survive a reopen") {
  Fixture f;
  const auto lit = acl(ResourceType::kTopic, "orders", PatternType::kLiteral, "User:alice", "*", AclOperation::kRead,
                       AclPermissionType::kAllow);
  const auto pre = acl(ResourceType::kTopic, "ord", PatternType::kPrefixed, "User:bob", "*", AclOperation::kWrite,
                       AclPermissionType::kAllow);
  const auto grp = acl(ResourceType::kGroup, "g", PatternType::kLiteral, "User:bob", "*", AclOperation::kRead,
                       AclPermissionType::kAllow);
  {
    Authorizer a(f.store, {}, false);
    REQUIRE(a.create({lit, pre, grp, lit}) == 0);
    AclBindingFilter match;
    match.resource_type = ResourceType::kTopic;
    match.name = "orders";
    match.pattern_type = PatternType::kMatch;
    CHECK(a.acls(match).size() == 2);
    AclBindingFilter literal = match;
    literal.pattern_type = PatternType::kLiteral;
    CHECK(a.acls(literal) == std::vector<AclBinding>{lit});
    std::vector<std::vector<AclBinding>> removed;
    AclBindingFilter groups;
    groups.resource_type = ResourceType::kGroup;
    REQUIRE(a.remove({groups}, removed) == 0);
    CHECK(removed == std::vector<std::vector<AclBinding>>{{grp}});
  }
  f.store.reset();
  f.store = f.open();
  Authorizer reopened(f.store, {}, false);
  reopened.load();
  CHECK(reopened.acls(AclBindingFilter{}) == std::vector<AclBinding>{pre, lit});  // in key order
}

TEST_CASE("new ACLs are validated with Kafka's messages") {
  CHECK(validate_new_acl(acl(ResourceType::kCluster, "c", PatternType::kLiteral, "User:a", "*", AclOperation::kAlter,
                             AclPermissionType::kAllow)) ==
        "The only valid name for the CLUSTER resource is kafka-cluster");
  CHECK(validate_new_acl(acl(ResourceType::kTopic, "t", PatternType::kMatch, "User:a", "*", AclOperation::kRead,
                             AclPermissionType::kAllow)) == "Invalid patternType MATCH");
  CHECK(validate_new_acl(acl(ResourceType::kTopic, "t", PatternType::kLiteral, "User:a", "*", AclOperation::kAny,
                             AclPermissionType::kAllow)) == "Invalid operation ANY");
  CHECK_FALSE(validate_new_acl(acl(ResourceType::kTopic, "t", PatternType::kLiteral, "User:a", "*",
                                   AclOperation::kRead, AclPermissionType::kAllow)));
}
