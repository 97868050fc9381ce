// Client quotas over a real LevelDB store: names holding the key's own separators survive a
// round trip, default entities stay distinct from named ones, and the effective quota of a
// client follows Kafka's precedence (most specific entity first).
#include <catch2/catch.hpp>

#include "broker/core/client_quotas.h"
#include "tests/support/temp_log_store.h"

using namespace chronik::broker;

TEST_CASE("quota entities and values round-trip through the store") {
  auto store = testing::temp_log_store();
  ClientQuotaStore quotas(*store);
  const QuotaEntity odd{{"user", "CN=a,O=b/c%d"}, {"client-id", std::nullopt}};
  const QuotaEntity plain{{"client-id", "app"}};
  REQUIRE(quotas.apply({{odd, "producer_byte_rate", 1024}, {odd, "request_percentage", 0.1},
                        {plain, "consumer_byte_rate", 5e9}}) == 0);
  auto all = quotas.list();
  REQUIRE(all.size() == 2);
  CHECK(all[odd] == QuotaValues{{"producer_byte_rate", 1024}, {"request_percentage", 0.1}});
  CHECK(all[plain] == QuotaValues{{"consumer_byte_rate", 5e9}});

  REQUIRE(quotas.apply({{odd, "producer_byte_rate", std::nullopt}, {odd, "request_percentage", std::nullopt}}) == 0);
  all = quotas.list();
  CHECK(all.size() == 1);
  CHECK(all.count(plain) == 1);
}

TEST_CASE("the effective quota is the most specific entity's") {
  std::map<QuotaEntity, QuotaValues> q;
  const auto rate = [&](const QuotaEntity& e, double v) { q[e]["producer_byte_rate"] = v; };
  const auto effective = [&](const std::string& user, const std::string& client) {
    return effective_quota(q, user, client, "producer_byte_rate");
  };
  CHECK_FALSE(effective("alice", "app"));
  rate({{"client-id", std::nullopt}}, 8);
  CHECK(effective("alice", "app") == 8);
  rate({{"client-id", "app"}}, 7);
  CHECK(effective("alice", "app") == 7);
  CHECK(effective("alice", "other") == 8);
  rate({{"user", std::nullopt}}, 6);
  CHECK(effective("alice", "app") == 6);
  rate({{"user", std::nullopt}, {"client-id", std::nullopt}}, 5);
  CHECK(effective("alice", "app") == 5);
  rate({{"user", std::nullopt}, {"client-id", "app"}}, 4);
  CHECK(effective("alice", "app") == 4);
  rate({{"user", "alice"}}, 3);
  CHECK(effective("alice", "app") == 3);
  CHECK(effective("bob", "app") == 4);
  rate({{"user", "alice"}, {"client-id", std::nullopt}}, 2);
  CHECK(effective("alice", "app") == 2);
  rate({{"user", "alice"}, {"client-id", "app"}}, 1);
  CHECK(effective("alice", "app") == 1);
  CHECK(effective("alice", "other") == 2);
  // Another key of the same entity does not count.
  CHECK_FALSE(effective_quota(q, "alice", "app", "consumer_byte_rate"));
}

TEST_CASE("which keys an entity takes") {
  CHECK(quota_keys_for({{"user", "a"}}).size() == 4);
  CHECK(quota_keys_for({{"user", "a"}, {"client-id", "b"}}).size() == 4);
  CHECK(quota_keys_for({{"ip", "1.2.3.4"}}).size() == 1);
  CHECK(quota_keys_for({{"ip", "1.2.3.4"}, {"user", "a"}}).empty());
  CHECK(quota_keys_for({}).empty());
}
