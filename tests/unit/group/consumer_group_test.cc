// KIP-848 consumer groups: the server-side assignors and the reconciliation that never
// lets two members own a partition at once.
#include <algorithm>

#include <catch2/catch.hpp>

#include "broker/group/consumer_group.h"
#include "broker/log/log_store.h"

using namespace chronik::broker;
using namespace chronik::broker::group;
using chronik::wire::Uuid;

namespace {

int16_t E(ErrorCode c) { return err(c); }

const Uuid kTopic = [] {
  Uuid u;
  u.bytes[0] = 7;
  return u;
}();

struct Fixture {
  ConsumerGroup group{"g", 0};
  ConsumerGroup::Env env;
  int32_t partitions = 8;
  Fixture() {
    env.topic = [this](const std::string& name) -> std::optional<SubscribedTopic> {
      if (name != "t") return std::nullopt;
      return SubscribedTopic{kTopic, partitions};
    };
    env.session_timeout_ms = 45'000;
    env.assignors = {"uniform", "range"};
    env.now_ms = 1'000;
  }
  ConsumerHeartbeatResult join(const std::string& id, std::optional<std::string> instance = std::nullopt) {
    ConsumerHeartbeat h;
    h.member_id = id;
    h.member_epoch = 0;
    h.instance_id = std::move(instance);
    h.rebalance_timeout_ms = 30'000;
    h.subscribed_topics = std::vector<std::string>{"t"};
    h.owned = Assignment{};
    return group.heartbeat(h, env);
  }
  ConsumerHeartbeatResult beat(const std::string& id, int32_t epoch,
                               std::optional<Assignment> owned = std::nullopt) {
    ConsumerHeartbeat h;
    h.member_id = id;
    h.member_epoch = epoch;
    h.owned = std::move(owned);
    return group.heartbeat(h, env);
  }
  // No partition owned (as the coordinator knows it) by two members.
  void check_exclusive() const {
    std::set<int32_t> seen;
    for (const auto& [id, m] : group.members()) {
      auto it = m.assigned.find(kTopic);
      if (it == m.assigned.end()) continue;
      for (int32_t p : it->second) CHECK(seen.insert(p).second);
    }
  }
};

std::set<int32_t> parts(const std::optional<Assignment>& a) {
  if (!a || !a->count(kTopic)) return {};
  return a->at(kTopic);
}

}  // namespace

TEST_CASE("uniform spreads partitions evenly and keeps them where they were") {
  AssignorInput in;
  in.topics["t"] = {kTopic, 8};
  in.subscriptions = {{"a", {"t"}}, {"b", {"t"}}, {"c", {"t"}}};
  auto out = assign("uniform", in);
  std::vector<size_t> sizes;
  for (const auto& [id, a] : out) sizes.push_back(partition_count(a));
  std::sort(sizes.begin(), sizes.end());
  CHECK(sizes == std::vector<size_t>{2, 3, 3});

  // A fourth member takes partitions from the others; nobody else's partitions move.
  in.current = out;
  in.subscriptions["d"] = {"t"};
  auto next = assign("uniform", in);
  for (const char* id : {"a", "b", "c"})
    for (int32_t p : next[id][kTopic]) CHECK(out[id][kTopic].count(p));
  CHECK(partition_count(next["d"]) == 2);
}

TEST_CASE("range gives each member a contiguous range per topic") {
  AssignorInput in;
  in.topics["t"] = {kTopic, 7};
  in.subscriptions = {{"a", {"t"}}, {"b", {"t"}}, {"c", {"t"}}};
  auto out = assign("range", in);
  CHECK(out["a"][kTopic] == std::set<int32_t>{0, 1, 2});
  CHECK(out["b"][kTopic] == std::set<int32_t>{3, 4});
  CHECK(out["c"][kTopic] == std::set<int32_t>{5, 6});
}

TEST_CASE("a joining member gets partitions only after their owner revoked them") {
  Fixture f;
  auto a = f.join("");
  REQUIRE(a.error == 0);
  const std::string ida = a.member_id;
  CHECK(a.member_epoch == 1);
  CHECK(parts(a.assignment).size() == 8);
  f.beat(ida, 1, Assignment{{kTopic, {0, 1, 2, 3, 4, 5, 6, 7}}});

  auto b = f.join("member-b");
  REQUIRE(b.error == 0);
  CHECK(b.member_id == "member-b");
  CHECK(b.member_epoch == 2);
  CHECK(parts(b.assignment).empty());  // all still owned by a
  CHECK(f.group.state() == "Reconciling");
  f.check_exclusive();

  auto a2 = f.beat(ida, 1);
  CHECK(a2.member_epoch == 1);  // stays until it has revoked
  const auto keep = parts(a2.assignment);
  CHECK(keep.size() == 4);
  CHECK(parts(f.beat("member-b", 2).assignment).empty());
  f.check_exclusive();

  Assignment owned{{kTopic, keep}};
  auto a3 = f.beat(ida, 1, owned);  // revoked
  CHECK(a3.member_epoch == 2);
  auto b2 = f.beat("member-b", 2);
  CHECK(parts(b2.assignment).size() == 4);
  for (int32_t p : parts(b2.assignment)) CHECK_FALSE(keep.count(p));
  f.beat("member-b", 2, b2.assignment);
  CHECK(f.group.state() == "Stable");
  f.check_exclusive();
}

TEST_CASE("epochs are checked and members leave or time out") {
  Fixture f;
  const std::string ida = f.join("").member_id;
  CHECK(f.beat(ida, 5).error == E(ErrorCode::FENCED_MEMBER_EPOCH));
  CHECK(f.beat("ghost", 1).error == E(ErrorCode::UNKNOWN_MEMBER_ID));
  CHECK(f.group.validate_member(ida, 1) == 0);
  CHECK(f.group.validate_member(ida, 0) == 0);  // the previous epoch
  CHECK(f.group.validate_member(ida, 7) == E(ErrorCode::STALE_MEMBER_EPOCH));

  const std::string idb = f.join("").member_id;
  auto left = f.beat(idb, -1);
  CHECK(left.error == 0);
  CHECK(left.member_epoch == -1);
  CHECK(f.group.members().size() == 1);

  f.env.now_ms += 46'000;
  auto removed = f.group.expire(f.env);
  CHECK(removed.size() == 1);
  CHECK(f.group.state() == "Empty");
}

TEST_CASE("a static member that leaves for a while comes back to its partitions") {
  Fixture f;
  auto a = f.join("", "inst");
  f.beat(a.member_id, a.member_epoch, a.assignment);
  auto b = f.join("", "other");
  auto a2 = f.beat(a.member_id, a.member_epoch);
  f.beat(a.member_id, a.member_epoch, a2.assignment);
  auto a3 = f.beat(a.member_id, a.member_epoch);
  const auto mine = parts(a2.assignment);
  REQUIRE(mine.size() == 4);

  CHECK(f.beat(a.member_id, -2).member_epoch == -2);
  auto again = f.join("", "inst");  // replaces the one that left, with its partitions
  CHECK(again.error == 0);
  CHECK(again.member_id != a.member_id);
  CHECK(parts(again.assignment) == mine);
  f.check_exclusive();
  auto back = f.join("new-incarnation", "inst");
  CHECK(back.error == E(ErrorCode::UNRELEASED_INSTANCE_ID));  // the previous is active again
  (void)b;
  (void)a3;
}

TEST_CASE("joining needs a subscription and a known assignor") {
  Fixture f;
  ConsumerHeartbeat h;
  h.member_epoch = 0;
  h.rebalance_timeout_ms = 1000;
  CHECK(f.group.heartbeat(h, f.env).error == E(ErrorCode::INVALID_REQUEST));
  h.subscribed_topics = std::vector<std::string>{"t"};
  h.server_assignor = "sticky";
  CHECK(f.group.heartbeat(h, f.env).error == E(ErrorCode::UNSUPPORTED_ASSIGNOR));
}

TEST_CASE("new partitions of a subscribed topic are assigned on the next heartbeat") {
  Fixture f;
  auto a = f.join("");
  f.beat(a.member_id, 1, a.assignment);
  f.partitions = 10;
  auto r = f.beat(a.member_id, 1);
  CHECK(r.member_epoch == 2);
  CHECK(parts(r.assignment).size() == 10);
}

TEST_CASE("revoked partitions are freed only when the member owns exactly what it keeps") {
  Fixture f;
  auto a = f.join("");
  f.beat(a.member_id, 1, a.assignment);
  auto b = f.join("member-b");
  auto told = f.beat(a.member_id, 1);  // keep 4, give up 4
  REQUIRE(parts(told.assignment).size() == 4);
  // A client still applying an older assignment reports owning nothing yet: that is not a
  // release, or it could fetch partitions that another member already has.
  f.beat(a.member_id, 1, Assignment{});
  CHECK(parts(f.beat("member-b", 2).assignment).empty());
  f.check_exclusive();
  f.beat(a.member_id, 1, told.assignment);  // now it has let go
  CHECK(parts(f.beat("member-b", 2).assignment).size() == 4);
  f.check_exclusive();
}

// KIP-848 v1: a member subscribes by a regular expression; the group matches it against
// the (non-internal) topics on every heartbeat, so topics created later are assigned.
TEST_CASE("consumer group: a regex subscription follows the topics that match it") {
  const Uuid other = [] {
    Uuid u;
    u.bytes[0] = 9;
    return u;
  }();
  std::vector<std::string> names = {"t", "orders"};
  ConsumerGroup group{"g", 0};
  ConsumerGroup::Env env;
  env.topic = [&](const std::string& name) -> std::optional<SubscribedTopic> {
    if (std::find(names.begin(), names.end(), name) == names.end()) return std::nullopt;
    return SubscribedTopic{name == "t" ? kTopic : other, 2};
  };
  env.topic_names = [&] { return names; };
  env.assignors = {"uniform"};
  env.now_ms = 1'000;

  ConsumerHeartbeat h;
  h.version = 1;
  h.member_id = "m1";
  h.rebalance_timeout_ms = 30'000;
  h.subscribed_regex = "t.*";  // the whole name must match: "orders" does not
  h.owned = Assignment{};
  auto r = group.heartbeat(h, env);
  REQUIRE(r.error == 0);
  CHECK(r.member_id == "m1");
  REQUIRE(r.assignment);
  CHECK(r.assignment->size() == 1);
  CHECK(r.assignment->count(kTopic));

  // A topic created afterwards that matches joins the assignment at the next heartbeat.
  names.push_back("tx");  // shares "orders"' id here: only the name decides the match
  ConsumerHeartbeat beat;
  beat.version = 1;
  beat.member_id = "m1";
  beat.member_epoch = r.member_epoch;
  beat.owned = *r.assignment;
  auto r2 = group.heartbeat(beat, env);
  REQUIRE(r2.error == 0);
  CHECK(r2.member_epoch > r.member_epoch);
  CHECK(group.members().at("m1").regex_topics == std::vector<std::string>{"t", "tx"});

  // Deleting it takes it away again.
  names.pop_back();
  beat.member_epoch = r2.member_epoch;
  beat.owned = r2.assignment ? *r2.assignment : *r.assignment;
  auto r3 = group.heartbeat(beat, env);
  REQUIRE(r3.error == 0);
  CHECK(group.members().at("m1").regex_topics == std::vector<std::string>{"t"});
}

TEST_CASE("consumer group: v1 heartbeats are checked as Kafka 4 checks them") {
  ConsumerGroup group{"g", 0};
  ConsumerGroup::Env env;
  env.topic = [](const std::string&) -> std::optional<SubscribedTopic> { return std::nullopt; };
  env.assignors = {"uniform"};
  ConsumerHeartbeat h;
  h.version = 1;
  h.rebalance_timeout_ms = 30'000;
  h.subscribed_topics = std::vector<std::string>{"t"};
  // The consumer makes up its member id from v1.
  CHECK(group.heartbeat(h, env).error == E(ErrorCode::INVALID_REQUEST));
  h.member_id = "m1";
  h.subscribed_regex = "(unclosed";
  auto r = group.heartbeat(h, env);
  CHECK(r.error == E(ErrorCode::INVALID_REGULAR_EXPRESSION));
  CHECK(group.members().empty());
  // Neither names nor a regex when joining.
  h.subscribed_topics.reset();
  h.subscribed_regex.reset();
  CHECK(group.heartbeat(h, env).error == E(ErrorCode::INVALID_REQUEST));
}
