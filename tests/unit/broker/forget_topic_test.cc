// A deleted topic leaves nothing behind in the other services' stored state.
#include <catch2/catch.hpp>

#include "broker/core/broker.h"
#include "broker/log/producer_state.h"
#include "tests/support/temp_log_store.h"

using namespace chronik::broker;
using chronik::log::producer_state_key;

TEST_CASE("deleting a topic erases its producers' stored state and the groups' offsets") {
  Broker broker;
  broker.store = chronik::broker::testing::temp_log_store();
  broker.start_groups();
  auto t = broker.store->create_topic("t", 2, {}, false);
  auto u = broker.store->create_topic("u", 1, {}, false);
  REQUIRE(t.error == 0);
  broker.store->put_meta(producer_state_key(t.topic.id, 0, 7), std::string("x"));
  broker.store->put_meta(producer_state_key(t.topic.id, 1, 8), std::string("x"));
  broker.store->put_meta(producer_state_key(u.topic.id, 0, 9), std::string("x"));
  group::GroupCoordinator::CommitRequest c;
  c.group_id = "g";
  c.offsets = {{{"t", 0}, group::CommittedOffset{5}}, {{"u", 0}, group::CommittedOffset{6}}};
  REQUIRE(broker.groups->commit(c, now_ms()) == 0);

  REQUIRE(broker.store->delete_topic("t") == 0);
  broker.forget_topic(t.topic);

  auto left = broker.store->scan_meta("producer/");
  REQUIRE(left.size() == 1);
  CHECK(left[0].first == producer_state_key(u.topic.id, 0, 9));
  auto offsets = broker.groups->fetch("g", std::nullopt);
  REQUIRE(offsets.size() == 1);
  CHECK(offsets[0].first.topic == "u");
}
