// The coordinator's per-group locking (broker/group/group_table.h): a store write of one
// group holds up no other group, nor the operations of its own group that store nothing;
// and concurrent changes to one group leave the store with the state the coordinator has.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <random>
#include <thread>

#include <catch2/catch.hpp>

#include "broker/group/group_coordinator.h"
#include "broker/group/group_records.h"
#include "tests/support/forwarding_log_store.h"
#include "tests/support/temp_log_store.h"

using namespace chronik::broker;
using namespace chronik::broker::group;
using chronik::config::BrokerConfig;
using namespace std::chrono_literals;

namespace {

// The temp LevelDB store, but writes of one group's records can be held at a gate, or
// fail, and every metadata write can be made to take a little while.
class TestStore final : public chronik::broker::testing::ForwardingLogStore {
 public:
  using ForwardingLogStore::ForwardingLogStore;

  // Writes of `group_id`'s records (with `once`, only the next one) wait until open_gate().
  void close_gate_for(const std::string& group_id, bool once = false) {
    std::lock_guard lock(mu_);
    gated_ = group_id;
    once_ = once;
  }
  void open_gate() {
    std::lock_guard lock(mu_);
    gated_.reset();
    ++openings_;
    cv_.notify_all();
  }
  // Whether a write is waiting at the gate within `timeout`.
  bool wait_until_held(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return held_ > 0; });
  }
  // Writes of `group_id`'s records fail with KAFKA_STORAGE_ERROR.
  void fail_writes_for(std::optional<std::string> group_id) {
    std::lock_guard lock(mu_);
    failing_ = std::move(group_id);
  }
  void jitter(bool on) { jitter_ = on; }

  int16_t write_meta(const MetaRecords& puts, const std::vector<std::string>& erases, bool sync) override {
    std::vector<std::string> keys = erases;
    for (const auto& [k, v] : puts) keys.push_back(k);
    if (int16_t e = before_write(keys)) return e;
    return inner_->write_meta(puts, erases, sync);
  }
  int16_t put_meta(const std::string& key, const std::optional<std::string>& value) override {
    if (int16_t e = before_write({key})) return e;
    return inner_->put_meta(key, value);
  }


 private:
  static bool of_group(const std::vector<std::string>& keys, const std::string& group_id) {
    const std::string offsets = CommittedOffsets::group_prefix(group_id);
    for (const auto& k : keys)
      if (k == group_record_key(group_id) || k.rfind(offsets, 0) == 0) return true;
    return false;
  }

  int16_t before_write(const std::vector<std::string>& keys) {
    if (jitter_) {
      thread_local std::mt19937 rng(std::hash<std::thread::id>()(std::this_thread::get_id()));
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 300));
    }
    std::unique_lock lock(mu_);
    if (failing_ && of_group(keys, *failing_)) return err(ErrorCode::KAFKA_STORAGE_ERROR);
    if (gated_ && of_group(keys, *gated_)) {
      if (once_) gated_.reset();
      ++held_;
      cv_.notify_all();
      const uint64_t opening = openings_;
      cv_.wait(lock, [&] { return openings_ != opening; });
      --held_;
    }
    return 0;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<std::string> gated_;
  bool once_ = false;
  uint64_t openings_ = 0;
  std::optional<std::string> failing_;
  int held_ = 0;
  std::atomic<bool> jitter_{false};
};

struct Fixture {
  Fixture()
      : inner(chronik::broker::testing::temp_log_store()),
        store(std::make_shared<TestStore>(inner)),
        config(std::make_shared<BrokerConfig>(BrokerConfig::from_properties(
            {{"group.initial.rebalance.delay.ms", "0"}, {"group.min.session.timeout.ms", "1000"}}))) {
    coordinator = make();
  }
  std::unique_ptr<GroupCoordinator> make() {
    auto c = std::make_unique<GroupCoordinator>(store, [this]() { return config; });
    c->load(now);
    return c;
  }
  // A static member alone in `group`, Stable at generation 1: its member id, or "" on an
  // error (no Catch2 assertions here: other threads call it).
  std::string try_stable_group(const std::string& group) {
    GroupCoordinator::JoinRequest j;
    j.group_id = group;
    j.instance_id = group + "-instance";
    j.protocol_type = "consumer";
    j.protocols = {{"range", Bytes{1}}};
    j.session_timeout_ms = 10'000;
    j.rebalance_timeout_ms = 10'000;
    j.version = 9;
    auto joined = coordinator->join(j, now);
    if (!joined.now || joined.now->error) return "";
    const std::string id = joined.now->member_id;
    GroupCoordinator::SyncRequest s;
    s.group_id = group;
    s.generation = 1;
    s.member_id = id;
    s.assignments = {{id, Bytes{7}}};
    auto synced = coordinator->sync(s, now);
    return synced.now && synced.now->error == 0 ? id : "";
  }
  std::string stable_group(const std::string& group) {
    std::string id = try_stable_group(group);
    REQUIRE_FALSE(id.empty());
    return id;
  }
  GroupCoordinator::CommitRequest commit_request(const std::string& group, const std::string& member,
                                                 int64_t offset) {
    GroupCoordinator::CommitRequest c;
    c.group_id = group;
    c.member_id = member;
    c.generation = member.empty() ? -1 : 1;
    c.offsets = {{{"t", 0}, CommittedOffset{offset}}};
    return c;
  }

  int64_t now = 1'000'000;
  std::shared_ptr<LogStore> inner;
  std::shared_ptr<TestStore> store;
  std::shared_ptr<const BrokerConfig> config;
  std::unique_ptr<GroupCoordinator> coordinator;
};

int64_t committed(GroupCoordinator& c, const std::string& group, const TopicPartition& tp) {
  auto fetched = c.fetch(group, std::vector<TopicPartition>{tp});
  return fetched.at(0).second.offset;
}

}  // namespace

TEST_CASE("a store write of one group that does not return holds up no other group") {
  Fixture f;
  const std::string a = f.stable_group("A");
  const std::string b = f.stable_group("B");

  f.store->close_gate_for("A");
  auto slow = std::async(std::launch::async, [&] { return f.coordinator->commit(f.commit_request("A", a, 5), f.now); });
  const bool held = f.store->wait_until_held(5s);
  if (!held) f.store->open_gate();
  REQUIRE(held);

  // Meanwhile, with A's commit stuck in the store (answers checked on this thread: Catch2's
  // assertions are not thread-safe):
  struct Answers {
    int16_t commit_b = -1, heartbeat_b = -1, heartbeat_a = -1;
    std::string member_c, state_a;
    int64_t committed_a = 0;
    size_t listed = 0;
  };
  auto others = std::async(std::launch::async, [&] {
    Answers r;
    r.commit_b = f.coordinator->commit(f.commit_request("B", b, 9), f.now);  // another group stores
    r.heartbeat_b = f.coordinator->heartbeat("B", 1, b, std::string("B-instance"), f.now);
    r.member_c = f.try_stable_group("C");  // a new group: join, sync, its record stored
    // Operations of A itself that store nothing.
    r.heartbeat_a = f.coordinator->heartbeat("A", 1, a, std::string("A-instance"), f.now);
    r.state_a = f.coordinator->describe("A").state;
    r.committed_a = committed(*f.coordinator, "A", {"t", 0});
    r.listed = f.coordinator->list().size();
    f.coordinator->tick(f.now + 1);  // sweeps the others, skips A
    return r;
  });
  const bool done = others.wait_for(5s) == std::future_status::ready;
  f.store->open_gate();
  const Answers r = others.get();
  REQUIRE(done);
  CHECK(r.commit_b == 0);
  CHECK(r.heartbeat_b == 0);
  CHECK_FALSE(r.member_c.empty());
  CHECK(r.heartbeat_a == 0);
  CHECK(r.state_a == "Stable");
  CHECK(r.committed_a == -1);  // not served before it is stored
  CHECK(r.listed == 3);

  CHECK(slow.get() == 0);
  CHECK(committed(*f.coordinator, "A", {"t", 0}) == 5);
  CHECK(committed(*f.coordinator, "B", {"t", 0}) == 9);
}

TEST_CASE("a commit whose write fails is answered NOT_COORDINATOR and never served") {
  Fixture f;
  const std::string a = f.stable_group("A");
  REQUIRE(f.coordinator->commit(f.commit_request("A", a, 1), f.now) == 0);
  f.store->fail_writes_for("A");
  CHECK(f.coordinator->commit(f.commit_request("A", a, 2), f.now) == err(ErrorCode::NOT_COORDINATOR));
  CHECK(f.coordinator->commit(f.commit_request("other", "", 3), f.now) == 0);
  CHECK(committed(*f.coordinator, "A", {"t", 0}) == 1);
  f.store->fail_writes_for(std::nullopt);
  f.coordinator = f.make();
  CHECK(committed(*f.coordinator, "A", {"t", 0}) == 1);
  CHECK(committed(*f.coordinator, "other", {"t", 0}) == 3);
}

TEST_CASE("a later change of a group does not overtake its earlier change's slow write") {
  Fixture f;
  ConsumerHeartbeat join;
  join.member_epoch = 0;
  join.rebalance_timeout_ms = 30'000;
  join.subscribed_topics = std::vector<std::string>{"t"};
  // The first member's join stores epoch 1, held at the gate...
  f.store->close_gate_for("cg", /*once=*/true);
  auto first = std::async(std::launch::async, [&] { return f.coordinator->consumer_heartbeat("cg", join, f.now); });
  const bool held = f.store->wait_until_held(5s);
  if (!held) f.store->open_gate();
  REQUIRE(held);
  // ...while a second member's join makes epoch 2: its record must not land first.
  auto second = std::async(std::launch::async, [&] { return f.coordinator->consumer_heartbeat("cg", join, f.now); });
  const bool overtook = second.wait_for(200ms) == std::future_status::ready;
  f.store->open_gate();
  CHECK(first.get().error == 0);
  CHECK(second.get().error == 0);
  CHECK_FALSE(overtook);  // it waits for its own group's write in progress
  REQUIRE(f.coordinator->describe_consumer_group("cg")->epoch() == 2);
  CHECK(f.make()->describe_consumer_group("cg")->epoch() == 2);
}

TEST_CASE("concurrent changes to one group leave the store with the coordinator's last state") {
  Fixture f;
  f.store->jitter(true);  // writes take a random while: a write issued later may finish first

  SECTION("commits from many threads") {
    constexpr int kThreads = 6, kCommits = 150, kPartitions = 3;
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < kCommits; ++i) {
          GroupCoordinator::CommitRequest c;
          c.group_id = "g";
          c.offsets = {{{"t", i % kPartitions}, CommittedOffset{t * 1'000'000 + i}}};
          if (f.coordinator->commit(c, f.now)) ++errors;
        }
      });
    for (auto& t : threads) t.join();
    REQUIRE(errors == 0);
    const auto in_memory = f.coordinator->fetch("g", std::nullopt);
    REQUIRE(in_memory.size() == kPartitions);
    auto reloaded = f.make();
    const auto stored = reloaded->fetch("g", std::nullopt);
    REQUIRE(stored.size() == in_memory.size());
    for (size_t i = 0; i < stored.size(); ++i) {
      CHECK(stored[i].first == in_memory[i].first);
      CHECK(stored[i].second.offset == in_memory[i].second.offset);
    }
  }

  SECTION("consumer group members joining and leaving from many threads") {
    constexpr int kThreads = 6, kRounds = 40;
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&] {
        for (int i = 0; i < kRounds; ++i) {
          ConsumerHeartbeat join;
          join.member_epoch = 0;
          join.rebalance_timeout_ms = 30'000;
          join.subscribed_topics = std::vector<std::string>{"t"};
          auto joined = f.coordinator->consumer_heartbeat("cg", join, f.now);
          if (joined.error) ++errors;
          if (joined.error || i % 3 == 2) continue;  // stays
          ConsumerHeartbeat leave;
          leave.member_id = joined.member_id;
          leave.member_epoch = -1;
          if (f.coordinator->consumer_heartbeat("cg", leave, f.now).error) ++errors;
        }
      });
    for (auto& t : threads) t.join();
    REQUIRE(errors == 0);
    const auto in_memory = f.coordinator->describe_consumer_group("cg");
    REQUIRE(in_memory);
    CHECK(in_memory->epoch() > kThreads * kRounds);
    auto reloaded = f.make();
    const auto stored = reloaded->describe_consumer_group("cg");
    REQUIRE(stored);
    CHECK(stored->epoch() == in_memory->epoch());
  }
}
