// Client quotas (KIP-546): AlterClientQuotas stores the quota configs of users, client ids and
// IP addresses, DescribeClientQuotas reads them back through its filters. Every expected answer
// here is Kafka 3.9.1's (against-kafka); entity names are unique per run so that the checks
// can run again against a long-lived Kafka.
#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "generated/kafka/alter_client_quotas_request.h"
#include "generated/kafka/alter_client_quotas_response.h"
#include "generated/kafka/describe_client_quotas_request.h"
#include "generated/kafka/describe_client_quotas_response.h"
#include "tests/integration/hardening/target_broker.h"

using namespace chronik::testing;
namespace m = chronik::message;

namespace {

constexpr int16_t kUnsupportedVersion = 35;
constexpr int16_t kInvalidRequest = 42;
constexpr int8_t kExact = 0, kDefault = 1, kSpecified = 2;

using Entity = std::map<std::string, std::optional<std::string>>;
using Values = std::map<std::string, double>;

struct Op {
  std::string key;
  std::optional<double> value;  // nullopt: remove
};

m::AlterClientQuotasRequest::EntryData entry(const Entity& entity, const std::vector<Op>& ops) {
  m::AlterClientQuotasRequest::EntryData e;
  for (const auto& [type, name] : entity) e.entity.push_back({type, name, {}});
  for (const auto& op : ops) e.ops.push_back({op.key, op.value.value_or(0), !op.value, {}});
  return e;
}

// The error code of each entity of one AlterClientQuotas, in the request's order.
std::vector<int16_t> alter(std::vector<m::AlterClientQuotasRequest::EntryData> entries, bool validate_only = false,
                           int16_t version = 1) {
  m::AlterClientQuotasRequest req;
  req.entries = std::move(entries);
  req.validate_only = validate_only;
  const auto resp = call<m::AlterClientQuotasResponse>(target_port(), req, version);
  REQUIRE(resp.entries.size() == req.entries.size());
  // Kafka answers the entities in no particular order: each is found by its entity.
  std::map<Entity, int16_t> by_entity;
  for (const auto& e : resp.entries) {
    Entity entity;
    for (const auto& d : e.entity) entity[d.entity_type] = d.entity_name;
    by_entity[entity] = e.error_code;
  }
  std::vector<int16_t> codes;
  for (const auto& e : req.entries) {
    Entity entity;
    for (const auto& d : e.entity) entity[d.entity_type] = d.entity_name;
    REQUIRE(by_entity.count(entity));
    codes.push_back(by_entity[entity]);
  }
  // Kafka's controller answers before its broker has the change in its metadata image, which
  // DescribeClientQuotas reads: give it a moment.
  if (against_kafka() && !validate_only) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  return codes;
}

int16_t alter_one(const Entity& entity, const std::vector<Op>& ops, bool validate_only = false) {
  return alter({entry(entity, ops)}, validate_only).at(0);
}

struct Component {
  std::string type;
  int8_t match_type;
  std::optional<std::string> match;
};

m::DescribeClientQuotasResponse describe(const std::vector<Component>& components, bool strict = false,
                                         int16_t version = 1) {
  m::DescribeClientQuotasRequest req;
  for (const auto& c : components) req.components.push_back({c.type, c.match_type, c.match, {}});
  req.strict = strict;
  return call<m::DescribeClientQuotasResponse>(target_port(), req, version);
}

// The entities a describe answered, with their values.
std::map<Entity, Values> entities(const m::DescribeClientQuotasResponse& r) {
  INFO("describe error " << r.error_code << ": " << r.error_message.value_or("(null)"));
  REQUIRE(r.error_code == 0);
  REQUIRE(r.entries);
  std::map<Entity, Values> out;
  for (const auto& e : *r.entries) {
    Entity entity;
    for (const auto& d : e.entity) entity[d.entity_type] = d.entity_name;
    for (const auto& v : e.values) out[entity][v.key] = v.value;
  }
  return out;
}

}  // namespace

TEST_CASE("AlterClientQuotas sets user and client quotas that DescribeClientQuotas reads back", "[kafka][quotas]") {
  const std::string user = unique_name("quota-user");
  const std::string client = unique_name("quota-client");
  const Entity u{{"user", user}};
  const Entity uc{{"user", user}, {"client-id", client}};
  REQUIRE(alter({entry(u, {{"producer_byte_rate", 1024}, {"consumer_byte_rate", 2048}}),
                 entry(uc, {{"request_percentage", 12.5}})}) == std::vector<int16_t>{0, 0});

  SECTION("an exact user match, not strict, finds the user and its (user, client) entity") {
    const auto found = entities(describe({{"user", kExact, user}}));
    CHECK(found == std::map<Entity, Values>{{u, {{"consumer_byte_rate", 2048}, {"producer_byte_rate", 1024}}},
                                            {uc, {{"request_percentage", 12.5}}}});
  }
  SECTION("strict, only the entity with exactly the filter's types") {
    CHECK(entities(describe({{"user", kExact, user}}, true)) ==
          std::map<Entity, Values>{{u, {{"consumer_byte_rate", 2048}, {"producer_byte_rate", 1024}}}});
    CHECK(entities(describe({{"user", kExact, user}, {"client-id", kExact, client}}, true)) ==
          std::map<Entity, Values>{{uc, {{"request_percentage", 12.5}}}});
  }
  SECTION("any client id of the user") {
    CHECK(entities(describe({{"user", kExact, user}, {"client-id", kSpecified, std::nullopt}})) ==
          std::map<Entity, Values>{{uc, {{"request_percentage", 12.5}}}});
  }
  SECTION("version 0 answers the same") {
    CHECK(entities(describe({{"user", kExact, user}}, true, 0)).size() == 1);
  }
  SECTION("a removed key is gone; an entity with no key left is not described") {
    REQUIRE(alter_one(u, {{"producer_byte_rate", std::nullopt}}) == 0);
    CHECK(entities(describe({{"user", kExact, user}}, true)) ==
          std::map<Entity, Values>{{u, {{"consumer_byte_rate", 2048}}}});
    REQUIRE(alter_one(u, {{"consumer_byte_rate", std::nullopt}}) == 0);
    CHECK(entities(describe({{"user", kExact, user}}, true)).empty());
    // Removing what is not there is no error.
    CHECK(alter_one(u, {{"consumer_byte_rate", std::nullopt}}) == 0);
  }
  SECTION("a changed value replaces the old one") {
    REQUIRE(alter_one(u, {{"producer_byte_rate", 4096}}) == 0);
    CHECK(entities(describe({{"user", kExact, user}}, true))[u]["producer_byte_rate"] == 4096);
  }
  // Leave nothing behind for the next run against a long-lived Kafka.
  alter({entry(u, {{"producer_byte_rate", std::nullopt}, {"consumer_byte_rate", std::nullopt}}),
         entry(uc, {{"request_percentage", std::nullopt}})});
}

TEST_CASE("AlterClientQuotas with validate_only checks and writes nothing", "[kafka][quotas]") {
  const Entity client{{"client-id", unique_name("quota-validate")}};
  REQUIRE(alter_one(client, {{"producer_byte_rate", 100}}, true) == 0);
  CHECK(entities(describe({{"client-id", kExact, client.begin()->second}})).empty());
  CHECK(alter_one(client, {{"producer_byte_rate", 1.5}}, true) == kInvalidRequest);
}

TEST_CASE("Default entities: a null name is the type's default", "[kafka][quotas]") {
  const std::string user = unique_name("quota-default");
  const Entity default_client_of_user{{"user", user}, {"client-id", std::nullopt}};
  REQUIRE(alter_one(default_client_of_user, {{"consumer_byte_rate", 500}}) == 0);
  CHECK(entities(describe({{"user", kExact, user}, {"client-id", kDefault, std::nullopt}}, true)) ==
        std::map<Entity, Values>{{default_client_of_user, {{"consumer_byte_rate", 500}}}});
  // A named client of the user is another entity.
  CHECK(entities(describe({{"user", kExact, user}, {"client-id", kExact, "someone"}}, true)).empty());
  REQUIRE(alter_one(default_client_of_user, {{"consumer_byte_rate", std::nullopt}}) == 0);
}

TEST_CASE("IP quotas take connection_creation_rate", "[kafka][quotas]") {
  const Entity ip{{"ip", "192.0.2.77"}};
  REQUIRE(alter_one(ip, {{"connection_creation_rate", 30}}) == 0);
  CHECK(entities(describe({{"ip", kExact, "192.0.2.77"}})) ==
        std::map<Entity, Values>{{ip, {{"connection_creation_rate", 30}}}});
  REQUIRE(alter_one(ip, {{"connection_creation_rate", std::nullopt}}) == 0);
}

TEST_CASE("AlterClientQuotas refuses bad entities and keys entity by entity", "[kafka][quotas]") {
  const std::string user = unique_name("quota-bad");
  SECTION("entity shapes") {
    CHECK(alter_one({}, {{"producer_byte_rate", 1}}) == kInvalidRequest);
    CHECK(alter_one({{"group", "g"}}, {{"producer_byte_rate", 1}}) == kInvalidRequest);
    CHECK(alter_one({{"user", ""}}, {{"producer_byte_rate", 1}}) == kInvalidRequest);
    CHECK(alter_one({{"user", user}, {"ip", "192.0.2.1"}}, {{"producer_byte_rate", 1}}) == kInvalidRequest);
    CHECK(alter_one({{"ip", "not an address"}}, {{"connection_creation_rate", 1}}) == kInvalidRequest);
  }
  SECTION("keys and values") {
    CHECK(alter_one({{"user", user}}, {{"connection_creation_rate", 1}}) == kInvalidRequest);
    CHECK(alter_one({{"user", user}}, {{"no_such_quota", 1}}) == kInvalidRequest);
    CHECK(alter_one({{"user", user}}, {{"producer_byte_rate", 10.5}}) == kInvalidRequest);
    CHECK(alter_one({{"user", user}}, {{"producer_byte_rate", 0}}) == kInvalidRequest);
    CHECK(alter_one({{"user", user}}, {{"request_percentage", -1}}) == kInvalidRequest);
    CHECK(alter_one({{"ip", "192.0.2.3"}}, {{"connection_creation_rate", 3e9}}) == kInvalidRequest);
    CHECK(alter_one({{"user", user}}, {{"producer_byte_rate", 1}, {"producer_byte_rate", 2}}) == kInvalidRequest);
    CHECK(alter_one({{"ip", "192.0.2.2"}}, {{"producer_byte_rate", 1}}) == kInvalidRequest);
  }
  SECTION("a bad entity does not stop a good one") {
    const Entity good{{"user", user}};
    CHECK(alter({entry({{"user", ""}}, {{"producer_byte_rate", 1}}), entry(good, {{"producer_byte_rate", 7}})}) ==
          std::vector<int16_t>{kInvalidRequest, 0});
    CHECK(entities(describe({{"user", kExact, user}}, true)) ==
          std::map<Entity, Values>{{good, {{"producer_byte_rate", 7}}}});
    alter_one(good, {{"producer_byte_rate", std::nullopt}});
  }
  // Nothing of the refused alterations was written.
  CHECK(entities(describe({{"user", kExact, user}})).empty());
}

TEST_CASE("DescribeClientQuotas refuses bad filters", "[kafka][quotas]") {
  const auto code = [](const std::vector<Component>& components) {
    const auto r = describe(components);
    INFO(r.error_message.value_or("(null)"));
    return r.error_code;
  };
  CHECK(code({{"user", kExact, "a"}, {"user", kDefault, std::nullopt}}) == kInvalidRequest);
  CHECK(code({{"user", kExact, std::nullopt}}) == kInvalidRequest);
  CHECK(code({{"user", kDefault, "a"}}) == kInvalidRequest);
  CHECK(code({{"user", kSpecified, "a"}}) == kInvalidRequest);
  CHECK(code({{"user", 7, std::nullopt}}) == kInvalidRequest);
  CHECK(code({{"ip", kSpecified, std::nullopt}, {"user", kSpecified, std::nullopt}}) == kInvalidRequest);
  CHECK(code({{"group", kSpecified, std::nullopt}}) == kUnsupportedVersion);
  CHECK(code({{"", kSpecified, std::nullopt}}) == kInvalidRequest);
}
