// Long random sequences of member actions (joins, rejoins, syncs, heartbeats, leaves,
// commits, silence, restarts of the coordinator) against the coordinator and a consumer
// group, checking after every step what must always hold. Seeds are fixed: a failure
// reproduces.
#include <random>
#include <set>

#include <catch2/catch.hpp>

#include "broker/group/consumer_group.h"
#include "broker/group/group_coordinator.h"
#include "tests/support/temp_log_store.h"

using namespace chronik::broker;
using namespace chronik::broker::group;
using chronik::config::BrokerConfig;
using chronik::config::Property;

namespace {

struct Client {
  std::string member_id;
  std::optional<std::string> instance_id;
  int32_t generation = -1;
  std::shared_ptr<Slot<JoinResult>> join_wait;
  std::shared_ptr<Slot<SyncResult>> sync_wait;
};

}  // namespace

TEST_CASE("classic groups stay consistent under random member behaviour") {
  for (uint32_t seed : {1u, 2u, 3u, 4u, 5u}) {
    std::mt19937 rng(seed);
    auto store = chronik::broker::testing::temp_log_store();
    auto config = std::make_shared<BrokerConfig>(BrokerConfig::from_properties(
        {{"group.initial.rebalance.delay.ms", "200"}, {"group.min.session.timeout.ms", "100"},
         {"group.max.size", "5"}}));
    auto make = [&] {
      auto c = std::make_unique<GroupCoordinator>(store, [config]() { return config; });
      c->load(0);
      return c;
    };
    auto coordinator = make();
    std::vector<Client> clients(6);
    for (size_t i = 0; i < clients.size(); ++i)
      if (i % 2) clients[i].instance_id = "static-" + std::to_string(i);
    int64_t now = 1'000;

    for (int step = 0; step < 4000; ++step) {
      Client& c = clients[rng() % clients.size()];
      const int action = static_cast<int>(rng() % 9);
      now += rng() % 300;
      if (c.join_wait && c.join_wait->get()) {
        auto r = *c.join_wait->get();
        c.join_wait.reset();
        if (r.error == 0) c.member_id = r.member_id, c.generation = r.generation;
      }
      if (c.sync_wait && c.sync_wait->get()) c.sync_wait.reset();
      switch (action) {
        case 0:
        case 1: {  // (re)join
          GroupCoordinator::JoinRequest j;
          j.group_id = "g";
          j.member_id = action == 0 ? "" : c.member_id;
          j.instance_id = c.instance_id;
          j.protocol_type = "consumer";
          j.protocols = {{rng() % 4 ? "range" : "roundrobin", {1}}, {"range", {2}}};
          j.session_timeout_ms = 1000;
          j.rebalance_timeout_ms = 1500;
          j.client_id = "c";
          j.version = static_cast<int16_t>(rng() % 10);
          auto t = coordinator->join(j, now);
          if (t.now) {
            if (t.now->error == 0) c.member_id = t.now->member_id, c.generation = t.now->generation;
            else if (t.now->error == err(ErrorCode::MEMBER_ID_REQUIRED)) c.member_id = t.now->member_id;
          } else {
            REQUIRE(t.later);
            REQUIRE(t.max_wait_ms > 0);
            c.join_wait = t.later;
          }
          break;
        }
        case 2: {  // sync, as leader or follower
          GroupCoordinator::SyncRequest s;
          s.group_id = "g";
          s.generation = c.generation;
          s.member_id = c.member_id;
          s.instance_id = c.instance_id;
          for (const auto& other : clients)
            if (!other.member_id.empty()) s.assignments.emplace_back(other.member_id, Bytes{3});
          auto t = coordinator->sync(s, now);
          if (!t.now) c.sync_wait = t.later;
          break;
        }
        case 3:
        case 4:
          coordinator->heartbeat("g", c.generation, c.member_id, c.instance_id, now);
          break;
        case 5:
          coordinator->leave("g", {{c.member_id, rng() % 2 ? c.instance_id : std::nullopt}}, now);
          break;
        case 6: {
          GroupCoordinator::CommitRequest commit;
          commit.group_id = "g";
          commit.generation = c.generation;
          commit.member_id = c.member_id;
          commit.instance_id = c.instance_id;
          commit.offsets = {{{"t", static_cast<int32_t>(rng() % 3)}, CommittedOffset{step}}};
          coordinator->commit(commit, now);
          break;
        }
        case 7:
          now += 800;  // silence: sessions and deadlines run out
          break;
        case 8:
          if (rng() % 20 == 0) coordinator = make();  // restart
          break;
      }
      coordinator->tick(now);

      const auto d = coordinator->describe("g");
      INFO("seed " << seed << " step " << step << " state " << d.state);
      if (d.state == "Empty" || d.state == "Dead") REQUIRE(d.members.empty());
      if (d.state == "Stable") REQUIRE_FALSE(d.protocol_name.empty());
      REQUIRE(d.members.size() <= 5);
      std::set<std::string> instances;
      for (const auto& m : d.members)
        if (m.instance_id) REQUIRE(instances.insert(*m.instance_id).second);
    }
  }
}

TEST_CASE("consumer group members never own the same partition, whatever they do") {
  const chronik::wire::Uuid topic = [] {
    chronik::wire::Uuid u;
    u.bytes[3] = 1;
    return u;
  }();
  for (uint32_t seed : {11u, 12u, 13u, 14u, 15u}) {
    std::mt19937 rng(seed);
    ConsumerGroup group("g", 0);
    int32_t partitions = 6;
    ConsumerGroup::Env env;
    env.topic = [&](const std::string&) -> std::optional<SubscribedTopic> {
      return SubscribedTopic{topic, partitions};
    };
    env.session_timeout_ms = 2000;
    env.assignors = {"uniform", "range"};
    struct Member {
      std::string id;
      int32_t epoch = 0;
      Assignment owned;  // what the client believes it owns
      bool joined = false;
    };
    std::vector<Member> members(5);
    for (int step = 0; step < 5000; ++step) {
      env.now_ms += rng() % 200;
      Member& m = members[rng() % members.size()];
      ConsumerHeartbeat h;
      h.member_id = m.id;
      const int action = static_cast<int>(rng() % 10);
      if (!m.joined || action == 0) {
        h.member_epoch = 0;
        h.rebalance_timeout_ms = 1000;
        h.subscribed_topics = std::vector<std::string>{"t"};
        h.server_assignor = rng() % 2 ? "uniform" : "range";
        h.owned = Assignment{};
        m.owned.clear();
      } else if (action == 1) {
        h.member_epoch = -1;
      } else if (action == 2) {
        partitions = std::min(partitions + 1, 12);
        continue;
      } else if (action == 3) {
        env.now_ms += 1500;
        for (const auto& line : group.expire(env)) (void)line;
        continue;
      } else {
        h.member_epoch = m.epoch;
        if (rng() % 3) h.owned = m.owned;
      }
      auto r = group.heartbeat(h, env);
      if (r.error == 0) {
        m.id = r.member_id;
        m.epoch = r.member_epoch;
        m.joined = r.member_epoch >= 0;
        // A well-behaved client takes the assignment (revoking first, then adding).
        if (r.assignment) m.owned = *r.assignment;
        if (!m.joined) m.owned.clear();
      } else {
        m.joined = false;
        m.owned.clear();
      }
      // What the clients believe they own never overlaps.
      std::set<int32_t> seen;
      for (const auto& other : members) {
        if (!other.joined || !group.members().count(other.id)) continue;
        auto it = other.owned.find(topic);
        if (it == other.owned.end()) continue;
        for (int32_t p : it->second) {
          INFO("seed " << seed << " step " << step << " partition " << p);
          REQUIRE(seen.insert(p).second);
        }
      }
      for (const auto& [id, cm] : group.members())
        for (const auto& [t, parts] : cm.pending_revocation)
          for (int32_t p : parts) REQUIRE(cm.assigned.at(t).count(p));
    }
  }
}
