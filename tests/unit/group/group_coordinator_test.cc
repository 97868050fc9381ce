// The group coordinator driven directly, with time passed in: Kafka's classic rebalance
// protocol, static membership, offsets and persistence over a store.
#include <catch2/catch.hpp>

#include "broker/group/group_coordinator.h"
#include "broker/group/group_records.h"
#include "tests/support/temp_log_store.h"
#include "generated/kafka/consumer_protocol_subscription.h"
#include "runtime/wire/writer.h"

using namespace chronik::broker;
using namespace chronik::broker::group;
using chronik::config::BrokerConfig;
using chronik::config::Property;

namespace {

constexpr int16_t kNone = 0;
int16_t E(ErrorCode c) { return err(c); }

Bytes subscription(const std::vector<std::string>& topics) {
  chronik::message::ConsumerProtocolSubscription s;
  s.topics = topics;
  chronik::wire::Writer w;
  w.write_int16(1);
  s.encode_to(w, 1);
  return std::move(w).take_bytes();
}

struct Fixture {
  explicit Fixture(std::vector<Property> overrides = {}) : store(chronik::broker::testing::temp_log_store()) {
    std::vector<Property> props = {{"group.initial.rebalance.delay.ms", "0"},
                                   {"group.min.session.timeout.ms", "1000"}};
    props.insert(props.end(), overrides.begin(), overrides.end());
    config = std::make_shared<BrokerConfig>(BrokerConfig::from_properties(props));
    coordinator = make();
  }
  std::unique_ptr<GroupCoordinator> make() {
    auto c = std::make_unique<GroupCoordinator>(store, [this]() { return config; });
    c->set_on_change([this](const std::string& g) { changes.push_back(g); });
    c->load(now);
    return c;
  }
  GroupCoordinator::JoinRequest join_request(const std::string& member_id,
                                             std::optional<std::string> instance = std::nullopt) {
    GroupCoordinator::JoinRequest r;
    r.group_id = "g";
    r.member_id = member_id;
    r.instance_id = std::move(instance);
    r.protocol_type = "consumer";
    r.protocols = {{"range", subscription({"t"})}, {"roundrobin", subscription({"t"})}};
    r.session_timeout_ms = 10'000;
    r.rebalance_timeout_ms = 30'000;
    r.client_id = "client";
    r.client_host = "/127.0.0.1";
    r.version = 9;
    return r;
  }
  // A dynamic member through the MEMBER_ID_REQUIRED round trip; returns its ticket.
  std::pair<std::string, GroupCoordinator::Ticket<JoinResult>> join_new() {
    auto first = coordinator->join(join_request(""), now);
    REQUIRE(first.now);
    REQUIRE(first.now->error == E(ErrorCode::MEMBER_ID_REQUIRED));
    const std::string id = first.now->member_id;
    return {id, coordinator->join(join_request(id), now)};
  }
  GroupCoordinator::Ticket<SyncResult> sync(const std::string& member, int32_t generation,
                                            std::vector<std::pair<std::string, Bytes>> assignments = {}) {
    GroupCoordinator::SyncRequest s;
    s.group_id = "g";
    s.generation = generation;
    s.member_id = member;
    s.protocol_type = "consumer";
    s.protocol_name = "range";
    s.assignments = std::move(assignments);
    return coordinator->sync(s, now);
  }

  int64_t now = 1'000'000;
  std::shared_ptr<chronik::broker::LogStore> store;
  std::shared_ptr<const BrokerConfig> config;
  std::vector<std::string> changes;
  std::unique_ptr<GroupCoordinator> coordinator;
};

}  // namespace

TEST_CASE("a single dynamic member joins with the id it was given and leads generation 1") {
  Fixture f;
  auto [id, ticket] = f.join_new();
  REQUIRE(ticket.now);
  CHECK(ticket.now->error == kNone);
  CHECK(ticket.now->generation == 1);
  CHECK(ticket.now->leader == id);
  CHECK(ticket.now->member_id == id);
  CHECK(ticket.now->protocol_name == "range");
  REQUIRE(ticket.now->members.size() == 1);
  CHECK(ticket.now->members[0].metadata == subscription({"t"}));

  auto s = f.sync(id, 1, {{id, Bytes{1, 2, 3}}});
  REQUIRE(s.now);
  CHECK(s.now->error == kNone);
  CHECK(s.now->assignment == Bytes{1, 2, 3});
  CHECK(f.coordinator->describe("g").state == "Stable");
}

TEST_CASE("a second member makes the group rebalance; the join waits for every member") {
  Fixture f;
  auto [a, ta] = f.join_new();
  f.sync(a, 1, {{a, Bytes{1}}});

  auto [b, tb] = f.join_new();
  REQUIRE_FALSE(tb.now);  // waits for a to rejoin
  REQUIRE(tb.later);
  CHECK(f.coordinator->describe("g").state == "PreparingRebalance");
  CHECK(f.coordinator->heartbeat("g", 1, a, std::nullopt, f.now) == E(ErrorCode::REBALANCE_IN_PROGRESS));

  f.changes.clear();
  auto ta2 = f.coordinator->join(f.join_request(a), f.now);
  REQUIRE(ta2.now);  // the last one in completes the phase
  CHECK(ta2.now->generation == 2);
  CHECK(ta2.now->leader == a);
  CHECK(ta2.now->members.size() == 2);
  auto b_result = tb.later->get();
  REQUIRE(b_result);
  CHECK(b_result->generation == 2);
  CHECK(b_result->members.empty());  // followers do not see the others
  CHECK(std::count(f.changes.begin(), f.changes.end(), "g") >= 1);

  auto sb = f.sync(b, 2);
  REQUIRE_FALSE(sb.now);  // waits for the leader's assignment
  auto sa = f.sync(a, 2, {{a, Bytes{1}}, {b, Bytes{2}}});
  REQUIRE(sa.now);
  CHECK(sa.now->assignment == Bytes{1});
  REQUIRE(sb.later->get());
  CHECK(sb.later->get()->assignment == Bytes{2});
  CHECK(f.coordinator->heartbeat("g", 2, b, std::nullopt, f.now) == kNone);
  CHECK(f.coordinator->heartbeat("g", 1, b, std::nullopt, f.now) == E(ErrorCode::ILLEGAL_GENERATION));
}

TEST_CASE("a member that stops heartbeating is removed after its session timeout") {
  Fixture f;
  auto [a, ta] = f.join_new();
  f.sync(a, 1);
  auto [b, tb] = f.join_new();
  f.coordinator->join(f.join_request(a), f.now);
  f.sync(a, 2);
  f.sync(b, 2);
  REQUIRE(f.coordinator->describe("g").state == "Stable");

  f.now += 6'000;
  CHECK(f.coordinator->heartbeat("g", 2, a, std::nullopt, f.now) == kNone);
  f.now += 5'000;  // b is silent for 11 s > 10 s
  f.coordinator->tick(f.now);
  auto d = f.coordinator->describe("g");
  CHECK(d.state == "PreparingRebalance");
  REQUIRE(d.members.size() == 1);
  CHECK(d.members[0].member_id == a);
  CHECK(f.coordinator->heartbeat("g", 2, b, std::nullopt, f.now) == E(ErrorCode::UNKNOWN_MEMBER_ID));
  auto again = f.coordinator->join(f.join_request(a), f.now);
  REQUIRE(again.now);
  CHECK(again.now->generation == 3);
}

TEST_CASE("members that do not rejoin within the rebalance timeout are dropped") {
  Fixture f;
  auto [a, ta] = f.join_new();
  f.sync(a, 1);
  auto [b, tb] = f.join_new();
  f.coordinator->join(f.join_request(a), f.now);
  f.sync(a, 2);
  f.sync(b, 2);
  // a triggers a rebalance by changing its protocols; b never rejoins (but heartbeats).
  auto req = f.join_request(a);
  req.protocols = {{"range", subscription({"t", "u"})}};
  auto ta3 = f.coordinator->join(req, f.now);
  REQUIRE_FALSE(ta3.now);
  for (int i = 0; i < 6; ++i) {
    f.now += 5'000;
    f.coordinator->heartbeat("g", 2, b, std::nullopt, f.now);
    f.coordinator->tick(f.now);
  }
  f.now += 1;
  f.coordinator->tick(f.now);
  REQUIRE(ta3.later->get());
  CHECK(ta3.later->get()->generation == 3);
  CHECK(f.coordinator->describe("g").members.size() == 1);
}

TEST_CASE("the initial rebalance delay collects members before the first assignment") {
  Fixture f(std::vector<Property>{{"group.initial.rebalance.delay.ms", "3000"}});
  auto [a, ta] = f.join_new();
  REQUIRE_FALSE(ta.now);
  f.now += 1'000;
  f.coordinator->tick(f.now);
  REQUIRE_FALSE(ta.later->get());
  auto [b, tb] = f.join_new();  // extends the delay to now + 3 s
  REQUIRE_FALSE(tb.now);
  f.now += 2'500;
  f.coordinator->tick(f.now);
  CHECK_FALSE(ta.later->get());
  f.now += 500;
  f.coordinator->tick(f.now);
  REQUIRE(ta.later->get());
  REQUIRE(tb.later->get());
  CHECK(ta.later->get()->generation == 1);
  CHECK(tb.later->get()->generation == 1);
}

TEST_CASE("a static member restarted within its session keeps its assignment, no rebalance") {
  Fixture f;
  auto t1 = f.coordinator->join(f.join_request("", "instance-1"), f.now);
  REQUIRE(t1.now);  // static members need no member id round trip
  REQUIRE(t1.now->error == kNone);
  const std::string old_id = t1.now->member_id;
  CHECK(old_id.rfind("instance-1-", 0) == 0);
  f.sync(old_id, 1, {{old_id, Bytes{7}}});

  f.now += 3'000;  // restarted: joins again without its member id
  auto t2 = f.coordinator->join(f.join_request("", "instance-1"), f.now);
  REQUIRE(t2.now);
  CHECK(t2.now->error == kNone);
  CHECK(t2.now->generation == 1);
  CHECK(t2.now->member_id != old_id);
  CHECK(t2.now->skip_assignment);  // the leader need not assign again (v9+)
  CHECK(f.coordinator->describe("g").state == "Stable");
  auto s = f.sync(t2.now->member_id, 1);
  REQUIRE(s.now);
  CHECK(s.now->assignment == Bytes{7});
  // The old incarnation is fenced.
  CHECK(f.coordinator->heartbeat("g", 1, old_id, std::string("instance-1"), f.now) ==
        E(ErrorCode::FENCED_INSTANCE_ID));
}

TEST_CASE("join errors are Kafka's") {
  Fixture f(std::vector<Property>{{"group.max.size", "1"}});
  auto req = f.join_request("");
  req.session_timeout_ms = 10;
  CHECK(f.coordinator->join(req, f.now).now->error == E(ErrorCode::INVALID_SESSION_TIMEOUT));
  CHECK(f.coordinator->join(f.join_request("nobody"), f.now).now->error == E(ErrorCode::UNKNOWN_MEMBER_ID));
  auto empty_group = f.join_request("");
  empty_group.group_id = "";
  CHECK(f.coordinator->join(empty_group, f.now).now->error == E(ErrorCode::INVALID_GROUP_ID));

  auto [a, ta] = f.join_new();
  REQUIRE(ta.now->error == kNone);
  auto other_type = f.join_request("");
  other_type.protocol_type = "connect";
  CHECK(f.coordinator->join(other_type, f.now).now->error == E(ErrorCode::INCONSISTENT_GROUP_PROTOCOL));
  auto no_common = f.join_request("");
  no_common.protocols = {{"sticky", subscription({"t"})}};
  CHECK(f.coordinator->join(no_common, f.now).now->error == E(ErrorCode::INCONSISTENT_GROUP_PROTOCOL));
  CHECK(f.coordinator->join(f.join_request(""), f.now).now->error == E(ErrorCode::GROUP_MAX_SIZE_REACHED));
}

TEST_CASE("leave removes members (by member id or instance id) and rebalances the rest") {
  Fixture f;
  auto t1 = f.coordinator->join(f.join_request("", "i1"), f.now);
  const std::string a = t1.now->member_id;
  f.sync(a, 1);
  auto r = f.coordinator->leave("g", {{"", std::string("i1")}, {"ghost", std::nullopt}}, f.now);
  REQUIRE(r.member_errors.size() == 2);
  CHECK(r.member_errors[0] == kNone);
  CHECK(r.member_errors[1] == E(ErrorCode::UNKNOWN_MEMBER_ID));
  auto d = f.coordinator->describe("g");
  CHECK(d.state == "Empty");
  CHECK(d.generation == 2);
  CHECK(f.coordinator->delete_group("g") == kNone);
  CHECK(f.coordinator->describe("g").state == "Dead");
  CHECK(f.coordinator->delete_group("g") == E(ErrorCode::GROUP_ID_NOT_FOUND));
}

TEST_CASE("offset commits: simple consumers, members, and the errors in between") {
  Fixture f;
  GroupCoordinator::CommitRequest c;
  c.group_id = "solo";
  c.offsets = {{{"t", 0}, CommittedOffset{42, 3, std::string("meta")}}};
  CHECK(f.coordinator->commit(c, f.now) == kNone);  // no group needed
  c.group_id = "gone";
  c.generation = 5;
  c.member_id = "m";
  CHECK(f.coordinator->commit(c, f.now) == E(ErrorCode::ILLEGAL_GENERATION));

  auto fetched = f.coordinator->fetch("solo", std::vector<TopicPartition>{{"t", 0}, {"t", 1}});
  REQUIRE(fetched.size() == 2);
  CHECK(fetched[0].second.offset == 42);
  CHECK(fetched[0].second.leader_epoch == 3);
  CHECK(fetched[0].second.metadata == "meta");
  CHECK(fetched[1].second.offset == -1);
  CHECK(f.coordinator->fetch("solo", std::nullopt).size() == 1);
  CHECK(f.coordinator->list().size() == 1);  // "solo" exists now, Empty

  auto [a, ta] = f.join_new();
  c.group_id = "g";
  c.member_id = a;
  c.generation = 1;
  CHECK(f.coordinator->commit(c, f.now) == E(ErrorCode::REBALANCE_IN_PROGRESS));  // not synced yet
  f.sync(a, 1);
  CHECK(f.coordinator->commit(c, f.now) == kNone);
  c.generation = 0;
  CHECK(f.coordinator->commit(c, f.now) == E(ErrorCode::ILLEGAL_GENERATION));
  c.generation = -1;
  c.member_id = "";
  CHECK(f.coordinator->commit(c, f.now) == E(ErrorCode::UNKNOWN_MEMBER_ID));  // group has members
}

TEST_CASE("groups and offsets survive a restart of the coordinator") {
  Fixture f;
  auto [a, ta] = f.join_new();
  f.sync(a, 1, {{a, Bytes{9}}});
  GroupCoordinator::CommitRequest c;
  c.group_id = "g";
  c.generation = 1;
  c.member_id = a;
  c.offsets = {{{"t", 0}, CommittedOffset{10}}, {{"t", 1}, CommittedOffset{20}}};
  REQUIRE(f.coordinator->commit(c, f.now) == kNone);

  f.coordinator = f.make();  // same store
  auto d = f.coordinator->describe("g");
  CHECK(d.state == "Stable");
  REQUIRE(d.members.size() == 1);
  CHECK(d.members[0].assignment == Bytes{9});
  CHECK(f.coordinator->heartbeat("g", 1, a, std::nullopt, f.now) == kNone);
  auto fetched = f.coordinator->fetch("g", std::nullopt);
  REQUIRE(fetched.size() == 2);
  CHECK(fetched[1].second.offset == 20);

  // A member that does not come back is timed out as after a failover.
  f.now += 11'000;
  f.coordinator->tick(f.now);
  CHECK(f.coordinator->describe("g").members.empty());
}

TEST_CASE("offsets of an empty group expire after offsets.retention.minutes; then the group goes") {
  Fixture f(std::vector<Property>{{"offsets.retention.minutes", "1"}, {"offsets.retention.check.interval.ms", "1000"}});
  GroupCoordinator::CommitRequest c;
  c.group_id = "solo";
  c.offsets = {{{"t", 0}, CommittedOffset{1}}};
  REQUIRE(f.coordinator->commit(c, f.now) == kNone);
  f.coordinator->tick(f.now + 30'000);
  CHECK(f.coordinator->fetch("solo", std::nullopt).size() == 1);
  f.coordinator->tick(f.now + 61'000);
  CHECK(f.coordinator->fetch("solo", std::nullopt).empty());
  CHECK(f.coordinator->list().empty());
  CHECK(f.store->scan_meta(std::string(CommittedOffsets::kKeyPrefix)).empty());
}

TEST_CASE("offset deletion refuses topics the members consume") {
  Fixture f;
  auto [a, ta] = f.join_new();
  f.sync(a, 1);
  GroupCoordinator::CommitRequest c;
  c.group_id = "g";
  c.generation = 1;
  c.member_id = a;
  c.offsets = {{{"t", 0}, CommittedOffset{5}}, {{"old", 0}, CommittedOffset{6}}};
  REQUIRE(f.coordinator->commit(c, f.now) == kNone);
  auto r = f.coordinator->delete_offsets("g", {{"t", 0}, {"old", 0}});
  CHECK(r.error == kNone);
  REQUIRE(r.partition_errors.size() == 2);
  CHECK(r.partition_errors[0] == E(ErrorCode::GROUP_SUBSCRIBED_TO_TOPIC));
  CHECK(r.partition_errors[1] == kNone);
  CHECK(f.coordinator->fetch("g", std::nullopt).size() == 1);
  CHECK(f.coordinator->delete_offsets("nope", {{"t", 0}}).error == E(ErrorCode::GROUP_ID_NOT_FOUND));
  CHECK(subscribed_topics(subscription({"x", "y"})) == std::vector<std::string>{"x", "y"});
  CHECK(subscribed_topics(Bytes{1}).empty());
}

TEST_CASE("consumer groups share the coordinator with classic ones: offsets, listing, expiry") {
  Fixture f(std::vector<Property>{{"offsets.retention.minutes", "1"},
                                  {"offsets.retention.check.interval.ms", "1000"}});
  REQUIRE(f.store->create_topic("t", 4, {}, false).error == 0);
  ConsumerHeartbeat h;
  h.member_epoch = 0;
  h.rebalance_timeout_ms = 30'000;
  h.subscribed_topics = std::vector<std::string>{"t"};
  h.owned = Assignment{};
  auto joined = f.coordinator->consumer_heartbeat("cg", h, f.now);
  REQUIRE(joined.error == kNone);
  CHECK(joined.member_epoch == 1);
  CHECK(partition_count(*joined.assignment) == 4);

  // A classic member cannot join a consumer group that has members.
  auto classic = f.join_request("");
  classic.group_id = "cg";
  CHECK(f.coordinator->join(classic, f.now).now->error == E(ErrorCode::INCONSISTENT_GROUP_PROTOCOL));
  CHECK(f.coordinator->describe("cg").state == "Dead");  // DescribeGroups is for classic groups
  auto listed = f.coordinator->list();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].type == "consumer");
  CHECK(listed[0].state == "Stable");

  GroupCoordinator::CommitRequest c;
  c.group_id = "cg";
  c.member_id = joined.member_id;
  c.generation = 4;
  c.offsets = {{{"t", 0}, CommittedOffset{3}}};
  CHECK(f.coordinator->commit(c, f.now) == E(ErrorCode::STALE_MEMBER_EPOCH));
  c.generation = 1;
  CHECK(f.coordinator->commit(c, f.now) == kNone);
  CHECK(f.coordinator->validate_offset_fetch("cg", joined.member_id, 1) == kNone);
  CHECK(f.coordinator->validate_offset_fetch("cg", std::string("ghost"), 1) == E(ErrorCode::UNKNOWN_MEMBER_ID));
  CHECK(f.coordinator->delete_group("cg") == E(ErrorCode::NON_EMPTY_GROUP));

  ConsumerHeartbeat leave;
  leave.member_id = joined.member_id;
  leave.member_epoch = -1;
  CHECK(f.coordinator->consumer_heartbeat("cg", leave, f.now).error == kNone);
  CHECK(f.coordinator->list()[0].state == "Empty");
  f.coordinator->tick(f.now + 30'000);
  CHECK(f.coordinator->fetch("cg", std::nullopt).size() == 1);
  f.coordinator->tick(f.now + 61'000);
  CHECK(f.coordinator->fetch("cg", std::nullopt).empty());
  CHECK(f.coordinator->list().empty());
}
