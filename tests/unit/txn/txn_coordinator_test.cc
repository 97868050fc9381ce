// The transaction coordinator driven directly, with time passed in, over a real LevelDB in a
// temporary directory: Kafka's state machine (KIP-98), fencing (KIP-360), timeouts, offsets
// in transactions (KIP-447), and what a restart finds after a crash in each phase (the
// store is closed and opened again; only what was written survives).
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include <catch2/catch.hpp>

#include "broker/group/group_coordinator.h"
#include "broker/log/leveldb_log_store.h"
#include "broker/log/log_config.h"
#include "broker/txn/txn_coordinator.h"
#include "tests/support/temp_log_store.h"

using namespace chronik::broker;
using namespace chronik::broker::txn;
using chronik::broker::group::CommittedOffset;
using chronik::broker::group::GroupCoordinator;
using chronik::config::BrokerConfig;
using chronik::config::Property;

namespace {

constexpr int16_t kNone = 0;
int16_t E(ErrorCode c) { return err(c); }

struct Marker {
  std::string topic;
  int32_t partition;
  int64_t producer_id;
  int16_t epoch;
  bool commit;
  friend bool operator==(const Marker&, const Marker&) = default;
};

// Records the markers asked for; a partition in `failing` answers that error instead.
class RecordingMarkers : public TxnMarkerWriter {
 public:
  int16_t write_txn_marker(const std::string& topic, int32_t partition, int64_t producer_id, int16_t producer_epoch,
                           int32_t coordinator_epoch, bool commit) override {
    std::lock_guard lock(mu);
    (void)coordinator_epoch;
    if (auto it = failing.find({topic, partition}); it != failing.end()) return it->second;
    written.push_back({topic, partition, producer_id, producer_epoch, commit});
    return 0;
  }
  std::vector<Marker> take() {
    std::lock_guard lock(mu);
    return std::exchange(written, {});
  }
  std::mutex mu;
  std::vector<Marker> written;
  std::map<TopicPartition, int16_t> failing;
};

// A broker's worth of coordinators over a LevelDB in a directory that outlives them, so
// that a test can close everything (a crash: nothing is written on the way down that was not
// written before) and open it again.
struct Fixture {
  explicit Fixture(std::vector<Property> overrides = {}) {
    std::vector<Property> props = {{"transaction.max.timeout.ms", "60000"},
                                   {"transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000"},
                                   {"transactional.id.expiration.ms", "3600000"},
                                   {"offsets.topic.num.partitions", "3"}};
    props.insert(props.end(), overrides.begin(), overrides.end());
    config = std::make_shared<BrokerConfig>(BrokerConfig::from_properties(props));
    open();
  }
  ~Fixture() { close(); }

  void open() {
    store = std::make_shared<LevelDbLogStore>(dir.path(), chronik::log::log_manager_options([c = config] { return c; }));
    groups = std::make_unique<GroupCoordinator>(store, [this]() { return config; });
    groups->load(now);
    txn = std::make_unique<TxnCoordinator>(
        store, [this]() { return config; }, [this]() { return next_producer_id++; }, markers, groups.get(),
        [this]() { return now; });
    txn->load(now);
  }
  void close() {
    txn.reset();
    groups.reset();
    store.reset();
  }
  void crash_and_restart() {
    close();
    open();
  }

  TxnCoordinator::InitResult init(const std::string& id = "t", int32_t timeout_ms = 10'000,
                                  std::optional<TxnCoordinator::ProducerIdAndEpoch> expected = std::nullopt) {
    return txn->init_producer_id(id, timeout_ms, expected, now);
  }
  TransactionMetadata state(const std::string& id = "t") {
    auto m = txn->describe(id);
    REQUIRE(m);
    return *m;
  }
  // The record the store holds for `id`, decoded.
  std::optional<TransactionMetadata> stored(const std::string& id = "t") {
    for (const auto& [k, v] : store->scan_meta(txn_record_key(id)))
      if (k == txn_record_key(id)) return decode_txn_record(k, v);
    return std::nullopt;
  }

  chronik::broker::testing::TempDir dir;
  std::shared_ptr<const BrokerConfig> config;
  int64_t now = 1'000'000;
  int64_t next_producer_id = 5000;
  RecordingMarkers markers;
  std::shared_ptr<LevelDbLogStore> store;
  std::unique_ptr<GroupCoordinator> groups;
  std::unique_ptr<TxnCoordinator> txn;
};

const std::vector<TopicPartition> kTwo = {{"a", 0}, {"b", 1}};

}  // namespace

TEST_CASE("InitProducerId gives a new id epoch 0, and each re-init bumps the epoch, stored") {
  Fixture f;
  auto first = f.init();
  REQUIRE(first.error == kNone);
  CHECK(first.producer_id == 5000);
  CHECK(first.producer_epoch == 0);
  auto second = f.init();
  REQUIRE(second.error == kNone);
  CHECK(second.producer_id == 5000);
  CHECK(second.producer_epoch == 1);
  auto s = f.stored();
  REQUIRE(s);
  CHECK(s->producer_id == 5000);
  CHECK(s->producer_epoch == 1);
  CHECK(s->state == TxnState::kEmpty);
  CHECK(s->timeout_ms == 10'000);
}

TEST_CASE("a transaction timeout outside (0, transaction.max.timeout.ms] is INVALID_TRANSACTION_TIMEOUT") {
  Fixture f;
  CHECK(f.init("t", 0).error == E(ErrorCode::INVALID_TRANSACTION_TIMEOUT));
  CHECK(f.init("t", 60'001).error == E(ErrorCode::INVALID_TRANSACTION_TIMEOUT));
  CHECK_FALSE(f.txn->describe("t"));  // nothing made
  CHECK(f.init("t", 60'000).error == kNone);
}

TEST_CASE("AddPartitionsToTxn checks the producer id and epoch, then starts the transaction") {
  Fixture f;
  CHECK(f.txn->add_partitions("t", 1, 0, kTwo, f.now) == E(ErrorCode::INVALID_PRODUCER_ID_MAPPING));
  auto p = f.init();
  CHECK(f.txn->add_partitions("t", p.producer_id + 1, 0, kTwo, f.now) == E(ErrorCode::INVALID_PRODUCER_ID_MAPPING));
  CHECK(f.txn->add_partitions("t", p.producer_id, 1, kTwo, f.now) == E(ErrorCode::PRODUCER_FENCED));
  REQUIRE(f.txn->add_partitions("t", p.producer_id, 0, kTwo, f.now) == kNone);
  f.now += 5;
  REQUIRE(f.txn->add_partitions("t", p.producer_id, 0, {{"c", 0}}, f.now) == kNone);
  auto s = f.stored();
  REQUIRE(s);
  CHECK(s->state == TxnState::kOngoing);
  CHECK(s->start_ms == f.now - 5);  // the first add started it
  CHECK(s->partitions == std::set<TopicPartition>{{"a", 0}, {"b", 1}, {"c", 0}});
}

TEST_CASE("EndTxn: PrepareCommit stored, answered, then markers and CompleteCommit") {
  Fixture f;
  auto p = f.init();
  CHECK(f.txn->end_txn("t", p.producer_id, 0, true, f.now) == E(ErrorCode::INVALID_TXN_STATE));  // no transaction
  REQUIRE(f.txn->add_partitions("t", p.producer_id, 0, kTwo, f.now) == kNone);
  REQUIRE(f.txn->end_txn("t", p.producer_id, 0, true, f.now) == kNone);
  CHECK(f.stored()->state == TxnState::kPrepareCommit);
  CHECK(f.markers.take().empty());  // not yet: the client has its answer first
  // While the markers are due the id starts nothing new.
  CHECK(f.txn->add_partitions("t", p.producer_id, 0, {{"c", 0}}, f.now) == E(ErrorCode::CONCURRENT_TRANSACTIONS));
  CHECK(f.txn->end_txn("t", p.producer_id, 0, true, f.now) == E(ErrorCode::CONCURRENT_TRANSACTIONS));
  CHECK(f.txn->end_txn("t", p.producer_id, 0, false, f.now) == E(ErrorCode::INVALID_TXN_STATE));
  CHECK(f.init().error == E(ErrorCode::CONCURRENT_TRANSACTIONS));

  CHECK(f.txn->complete_pending(f.now) == 0);
  CHECK(f.markers.take() ==
        std::vector<Marker>{{"a", 0, p.producer_id, 0, true}, {"b", 1, p.producer_id, 0, true}});
  auto s = f.stored();
  CHECK(s->state == TxnState::kCompleteCommit);
  CHECK(s->partitions.empty());
  // A retried EndTxn gets the same answer; the other outcome is an invalid transition.
  CHECK(f.txn->end_txn("t", p.producer_id, 0, true, f.now) == kNone);
  CHECK(f.txn->end_txn("t", p.producer_id, 0, false, f.now) == E(ErrorCode::INVALID_TXN_STATE));
  // The next transaction.
  REQUIRE(f.txn->add_partitions("t", p.producer_id, 0, {{"a", 0}}, f.now) == kNone);
  REQUIRE(f.txn->end_txn("t", p.producer_id, 0, false, f.now) == kNone);
  f.txn->complete_pending(f.now);
  CHECK(f.markers.take() == std::vector<Marker>{{"a", 0, p.producer_id, 0, false}});
  CHECK(f.state().state == TxnState::kCompleteAbort);
}

TEST_CASE("a second producer of the id fences the first: its transaction aborts at a bumped epoch") {
  Fixture f;
  auto zombie = f.init();
  REQUIRE(f.txn->add_partitions("t", zombie.producer_id, 0, kTwo, f.now) == kNone);
  // The new producer is told to retry while the zombie's transaction is aborted.
  CHECK(f.init().error == E(ErrorCode::CONCURRENT_TRANSACTIONS));
  auto s = f.stored();
  CHECK(s->state == TxnState::kPrepareAbort);
  CHECK(s->producer_epoch == 1);
  // The zombie can neither commit nor add.
  CHECK(f.txn->end_txn("t", zombie.producer_id, 0, true, f.now) == E(ErrorCode::PRODUCER_FENCED));
  CHECK(f.txn->add_partitions("t", zombie.producer_id, 0, kTwo, f.now) == E(ErrorCode::PRODUCER_FENCED));
  f.txn->complete_pending(f.now);
  // The abort markers carry the bumped epoch: the partitions fence the zombie too.
  CHECK(f.markers.take() ==
        std::vector<Marker>{{"a", 0, zombie.producer_id, 1, false}, {"b", 1, zombie.producer_id, 1, false}});
  auto retry = f.init();
  REQUIRE(retry.error == kNone);
  CHECK(retry.producer_id == zombie.producer_id);
  CHECK(retry.producer_epoch == 2);
  CHECK(f.txn->end_txn("t", zombie.producer_id, 0, false, f.now) == E(ErrorCode::PRODUCER_FENCED));
}

TEST_CASE("KIP-360: a producer naming its id and epoch is bumped, a retry gets the same, others are fenced") {
  Fixture f;
  auto p = f.init();
  REQUIRE(p.producer_epoch == 0);
  auto bumped = f.init("t", 10'000, TxnCoordinator::ProducerIdAndEpoch{p.producer_id, 0});
  REQUIRE(bumped.error == kNone);
  CHECK(bumped.producer_epoch == 1);
  // The same request again (its answer lost): the same epoch, not another bump.
  auto again = f.init("t", 10'000, TxnCoordinator::ProducerIdAndEpoch{p.producer_id, 0});
  REQUIRE(again.error == kNone);
  CHECK(again.producer_epoch == 1);
  CHECK(f.init("t", 10'000, TxnCoordinator::ProducerIdAndEpoch{p.producer_id, 7}).error ==
        E(ErrorCode::PRODUCER_FENCED));
  CHECK(f.init("t", 10'000, TxnCoordinator::ProducerIdAndEpoch{p.producer_id + 99, 1}).error ==
        E(ErrorCode::PRODUCER_FENCED));
  // A new producer without id and epoch: bumped, and the old epoch's retry is fenced now.
  REQUIRE(f.init().producer_epoch == 2);
  CHECK(f.init("t", 10'000, TxnCoordinator::ProducerIdAndEpoch{p.producer_id, 0}).error ==
        E(ErrorCode::PRODUCER_FENCED));
}

TEST_CASE("KIP-360: an exhausted epoch rotates the producer id; a retry naming the old id gets the new one") {
  Fixture f;
  TransactionMetadata m;
  m.transactional_id = "t";
  m.producer_id = 42;
  m.producer_epoch = INT16_MAX - 1;
  m.timeout_ms = 10'000;
  m.state = TxnState::kCompleteCommit;
  m.start_ms = f.now;
  m.last_update_ms = f.now;
  REQUIRE(f.store->put_meta(txn_record_key("t"), encode_txn_record(m)) == kNone);
  f.crash_and_restart();
  auto rotated = f.init("t", 10'000, TxnCoordinator::ProducerIdAndEpoch{42, INT16_MAX - 1});
  REQUIRE(rotated.error == kNone);
  CHECK(rotated.producer_id == 5000);
  CHECK(rotated.producer_epoch == 0);
  CHECK(f.stored()->last_producer_id == 42);
  auto retry = f.init("t", 10'000, TxnCoordinator::ProducerIdAndEpoch{42, INT16_MAX - 1});
  REQUIRE(retry.error == kNone);
  CHECK(retry.producer_id == 5000);
  CHECK(retry.producer_epoch == 0);
}

TEST_CASE("a transaction past its timeout is aborted by the tick, fencing its producer") {
  Fixture f;
  auto p = f.init("t", 5'000);
  REQUIRE(f.txn->add_partitions("t", p.producer_id, 0, kTwo, f.now) == kNone);
  f.txn->tick(f.now + 5'000);  // not past it yet
  CHECK(f.state().state == TxnState::kOngoing);
  f.now += 6'000;
  f.txn->tick(f.now);
  CHECK(f.stored()->state == TxnState::kPrepareAbort);
  CHECK(f.stored()->producer_epoch == 1);
  f.txn->complete_pending(f.now);
  CHECK(f.markers.take().size() == 2);
  CHECK(f.state().state == TxnState::kCompleteAbort);
  CHECK(f.txn->end_txn("t", p.producer_id, 0, true, f.now) == E(ErrorCode::PRODUCER_FENCED));
  CHECK(f.init().producer_epoch == 2);
}

TEST_CASE("a marker that cannot be written is tried again; written ones are not repeated") {
  Fixture f;
  auto p = f.init();
  REQUIRE(f.txn->add_partitions("t", p.producer_id, 0, kTwo, f.now) == kNone);
  f.markers.failing[{"b", 1}] = E(ErrorCode::KAFKA_STORAGE_ERROR);
  REQUIRE(f.txn->end_txn("t", p.producer_id, 0, true, f.now) == kNone);
  CHECK(f.txn->complete_pending(f.now) == 1);
  CHECK(f.markers.take() == std::vector<Marker>{{"a", 0, p.producer_id, 0, true}});
  CHECK(f.stored()->state == TxnState::kPrepareCommit);
  f.markers.failing.clear();
  CHECK(f.txn->complete_pending(f.now) == 0);
  CHECK(f.markers.take() == std::vector<Marker>{{"b", 1, p.producer_id, 0, true}});
  CHECK(f.stored()->state == TxnState::kCompleteCommit);
}

TEST_CASE("a deleted topic's partition ends without a marker") {
  Fixture f;
  auto p = f.init();
  REQUIRE(f.txn->add_partitions("t", p.producer_id, 0, kTwo, f.now) == kNone);
  f.markers.failing[{"b", 1}] = E(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
  REQUIRE(f.txn->end_txn("t", p.producer_id, 0, true, f.now) == kNone);
  CHECK(f.txn->complete_pending(f.now) == 0);
  CHECK(f.state().state == TxnState::kCompleteCommit);
}

TEST_CASE("offsets committed in a transaction are served only once it commits, and dropped on abort") {
  Fixture f;
  auto p = f.init();
  const TopicPartition tp{"in", 0};
  CommittedOffset o;
  o.offset = 17;
  o.metadata = "m";
  GroupCoordinator::TxnCommitRequest c;
  c.group_id = "g";
  c.producer_id = p.producer_id;
  c.offsets = {{tp, o}};

  auto commit_offsets = [&](int16_t epoch) {
    return f.txn->commit_offsets("t", p.producer_id, epoch, "g", [&] { return f.groups->txn_commit(c, f.now); });
  };
  CHECK(commit_offsets(0) == E(ErrorCode::TRANSACTION_ABORTABLE));  // not added
  CHECK(f.groups->pending_txn_partitions("g").empty());
  REQUIRE(f.txn->add_offsets("t", p.producer_id, 0, "g", f.now) == kNone);
  CHECK(f.state().partitions ==
        std::set<TopicPartition>{{"__consumer_offsets", f.txn->offsets_partition_for("g")}});
  CHECK(commit_offsets(1) == E(ErrorCode::PRODUCER_FENCED));
  REQUIRE(commit_offsets(0) == kNone);
  CHECK(f.groups->fetch("g", std::vector<TopicPartition>{tp}).at(0).second.offset == -1);
  CHECK(f.groups->pending_txn_partitions("g") == std::set<TopicPartition>{tp});

  REQUIRE(f.txn->end_txn("t", p.producer_id, 0, true, f.now) == kNone);
  f.txn->complete_pending(f.now);
  CHECK(f.markers.take().empty());  // offsets are the groups', no partition marker
  CHECK(f.groups->fetch("g", std::vector<TopicPartition>{tp}).at(0).second.offset == 17);
  CHECK(f.groups->pending_txn_partitions("g").empty());

  // An aborted transaction's offsets never show.
  REQUIRE(f.txn->add_offsets("t", p.producer_id, 0, "g", f.now) == kNone);
  c.offsets[0].second.offset = 99;
  REQUIRE(commit_offsets(0) == kNone);
  REQUIRE(f.txn->end_txn("t", p.producer_id, 0, false, f.now) == kNone);
  CHECK(commit_offsets(0) == E(ErrorCode::CONCURRENT_TRANSACTIONS));  // ending: nothing more joins it
  f.txn->complete_pending(f.now);
  CHECK(f.groups->fetch("g", std::vector<TopicPartition>{tp}).at(0).second.offset == 17);
  CHECK(f.groups->pending_txn_partitions("g").empty());
  f.crash_and_restart();
  CHECK(f.groups->fetch("g", std::vector<TopicPartition>{tp}).at(0).second.offset == 17);
}

TEST_CASE("TxnOffsetCommit checks the member and generation of a classic group loosely, as Kafka") {
  Fixture f;
  GroupCoordinator::TxnCommitRequest c;
  c.group_id = "g";
  c.producer_id = 1;
  CommittedOffset o;
  o.offset = 1;
  c.offsets = {{TopicPartition{"in", 0}, o}};
  CHECK(f.groups->txn_commit(c, f.now) == kNone);  // no group yet: made, empty
  c.member_id = "nobody";
  CHECK(f.groups->txn_commit(c, f.now) == kNone);  // generation -1 to an empty group
  c.generation = 3;
  CHECK(f.groups->txn_commit(c, f.now) == E(ErrorCode::UNKNOWN_MEMBER_ID));
  c.member_id = "";
  CHECK(f.groups->txn_commit(c, f.now) == E(ErrorCode::UNKNOWN_MEMBER_ID));
  c.instance_id = "i";
  c.generation = -1;
  CHECK(f.groups->txn_commit(c, f.now) == kNone);  // empty group, no generation
}

TEST_CASE("after a crash with a transaction ongoing it keeps its start time and times out") {
  Fixture f;
  auto p = f.init("t", 5'000);
  const int64_t started = f.now;
  REQUIRE(f.txn->add_partitions("t", p.producer_id, 0, kTwo, f.now) == kNone);
  f.crash_and_restart();
  CHECK(f.state().state == TxnState::kOngoing);
  CHECK(f.state().start_ms == started);
  CHECK(f.txn->complete_pending(f.now) == 0);
  CHECK(f.markers.take().empty());
  f.now = started + 5'001;
  f.txn->tick(f.now);
  f.txn->complete_pending(f.now);
  CHECK(f.markers.take().size() == 2);
  CHECK(f.state().state == TxnState::kCompleteAbort);
}

TEST_CASE("after a crash in PrepareCommit the restart writes the markers, commits the offsets, completes") {
  Fixture f;
  auto p = f.init();
  REQUIRE(f.txn->add_partitions("t", p.producer_id, 0, kTwo, f.now) == kNone);
  REQUIRE(f.txn->add_offsets("t", p.producer_id, 0, "g", f.now) == kNone);
  GroupCoordinator::TxnCommitRequest c;
  c.group_id = "g";
  c.producer_id = p.producer_id;
  CommittedOffset o;
  o.offset = 5;
  c.offsets = {{TopicPartition{"in", 0}, o}};
  REQUIRE(f.groups->txn_commit(c, f.now) == kNone);
  REQUIRE(f.txn->end_txn("t", p.producer_id, 0, true, f.now) == kNone);
  f.crash_and_restart();  // before any marker
  CHECK(f.state().state == TxnState::kPrepareCommit);
  CHECK(f.groups->pending_txn_partitions("g").size() == 1);
  CHECK(f.txn->complete_pending(f.now) == 0);
  CHECK(f.markers.take().size() == 2);
  CHECK(f.stored()->state == TxnState::kCompleteCommit);
  CHECK(f.groups->fetch("g", std::vector<TopicPartition>{{"in", 0}}).at(0).second.offset == 5);
  f.crash_and_restart();  // after CompleteCommit: nothing more to do
  CHECK(f.txn->complete_pending(f.now) == 0);
  CHECK(f.markers.take().empty());
  CHECK(f.state().state == TxnState::kCompleteCommit);
  CHECK(f.groups->fetch("g", std::vector<TopicPartition>{{"in", 0}}).at(0).second.offset == 5);
}

TEST_CASE("after a crash between markers every marker is written again and the abort completes") {
  Fixture f;
  auto p = f.init();
  REQUIRE(f.txn->add_partitions("t", p.producer_id, 0, kTwo, f.now) == kNone);
  f.markers.failing[{"b", 1}] = E(ErrorCode::KAFKA_STORAGE_ERROR);
  REQUIRE(f.txn->end_txn("t", p.producer_id, 0, false, f.now) == kNone);
  CHECK(f.txn->complete_pending(f.now) == 1);
  CHECK(f.markers.take().size() == 1);
  f.markers.failing.clear();
  f.crash_and_restart();
  CHECK(f.state().state == TxnState::kPrepareAbort);
  CHECK(f.txn->complete_pending(f.now) == 0);
  CHECK(f.markers.take() ==
        std::vector<Marker>{{"a", 0, p.producer_id, 0, false}, {"b", 1, p.producer_id, 0, false}});
  CHECK(f.stored()->state == TxnState::kCompleteAbort);
}

TEST_CASE("after a crash during a fence the new producer still gets the epoch after the abort") {
  Fixture f;
  auto zombie = f.init();
  REQUIRE(f.txn->add_partitions("t", zombie.producer_id, 0, kTwo, f.now) == kNone);
  CHECK(f.init().error == E(ErrorCode::CONCURRENT_TRANSACTIONS));
  f.crash_and_restart();
  CHECK(f.init().error == E(ErrorCode::CONCURRENT_TRANSACTIONS));  // still aborting
  f.txn->complete_pending(f.now);
  auto p = f.init();
  REQUIRE(p.error == kNone);
  CHECK(p.producer_epoch == 2);
}

TEST_CASE("an idle transactional id expires after transactional.id.expiration.ms") {
  Fixture f(std::vector<Property>{{"transactional.id.expiration.ms", "60000"}});
  auto p = f.init();
  REQUIRE(f.txn->add_partitions("t", p.producer_id, 0, kTwo, f.now) == kNone);
  f.now += 120'000;  // an ongoing transaction (aborted by its timeout first) does not expire
  f.txn->tick(f.now);
  f.txn->complete_pending(f.now);
  REQUIRE(f.txn->describe("t"));
  f.now += 59'000;
  f.txn->tick(f.now);
  REQUIRE(f.txn->describe("t"));
  f.now += 2'000;
  f.txn->tick(f.now);
  CHECK_FALSE(f.txn->describe("t"));
  CHECK_FALSE(f.stored());
  CHECK(f.txn->list().empty());
  // The id starts again from a new producer id.
  auto again = f.init();
  CHECK(again.producer_id != p.producer_id);
  CHECK(again.producer_epoch == 0);
}

TEST_CASE("the marker thread ends transactions by itself") {
  Fixture f;
  f.txn->start();
  auto p = f.init();
  REQUIRE(f.txn->add_partitions("t", p.producer_id, 0, kTwo, f.now) == kNone);
  REQUIRE(f.txn->end_txn("t", p.producer_id, 0, true, f.now) == kNone);
  for (int i = 0; i < 500 && f.state().state != TxnState::kCompleteCommit; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(f.state().state == TxnState::kCompleteCommit);
  CHECK(f.markers.take().size() == 2);
}

TEST_CASE("the __consumer_offsets partition of a group is Kafka's (Utils.abs(hashCode) % partitions)") {
  Fixture f(std::vector<Property>{{"offsets.topic.num.partitions", "50"}});
  // Java: "my-group".hashCode() == -1906497762, "gr\u00fcppe" -1233264812, "g\ud83d\ude00" 1871882.
  CHECK(f.txn->offsets_partition_for("my-group") == 1906497762 % 50);
  CHECK(f.txn->offsets_partition_for("gr\xc3\xbcppe") == 1233264812 % 50);
  CHECK(f.txn->offsets_partition_for("g\xf0\x9f\x98\x80") == 1871882 % 50);
  CHECK(f.txn->offsets_partition_for("") == 0);
}

TEST_CASE("transactions v2: every end bumps the epoch, the markers carry it, a retry gets the same answer") {
  Fixture f;
  auto p = f.init();
  REQUIRE(f.txn->add_partitions("t", p.producer_id, 0, kTwo, f.now, kTransactionsV2) == kNone);
  auto end = f.txn->end_transaction("t", p.producer_id, 0, true, f.now, kTransactionsV2);
  REQUIRE(end.error == kNone);
  CHECK(end.producer_id == p.producer_id);
  CHECK(end.producer_epoch == 1);
  CHECK(f.stored()->client_txn_version == kTransactionsV2);
  // While the markers are written, anything is told to wait.
  CHECK(f.txn->end_transaction("t", p.producer_id, 1, false, f.now, kTransactionsV2).error ==
        E(ErrorCode::CONCURRENT_TRANSACTIONS));
  CHECK(f.txn->add_partitions("t", p.producer_id, 1, {{"c", 0}}, f.now, kTransactionsV2) ==
        E(ErrorCode::CONCURRENT_TRANSACTIONS));
  REQUIRE(f.txn->complete_pending(f.now) == 0);
  CHECK(f.markers.take() ==
        std::vector<Marker>{{"a", 0, p.producer_id, 1, true}, {"b", 1, p.producer_id, 1, true}});
  auto retry = f.txn->end_transaction("t", p.producer_id, 0, true, f.now, kTransactionsV2);
  CHECK(retry.error == kNone);
  CHECK(retry.producer_epoch == 1);
  CHECK(f.txn->end_transaction("t", p.producer_id, 1, true, f.now, kTransactionsV2).error ==
        E(ErrorCode::INVALID_TXN_STATE));
  // The old epoch is fenced from a new transaction; the new one starts it.
  CHECK(f.txn->add_partitions("t", p.producer_id, 0, {{"a", 0}}, f.now, kTransactionsV2) ==
        E(ErrorCode::PRODUCER_FENCED));
  REQUIRE(f.txn->add_partitions("t", p.producer_id, 1, {{"a", 0}}, f.now, kTransactionsV2) == kNone);
  // A v1 producer's end on the same coordinator keeps its epoch.
  REQUIRE(f.txn->end_transaction("t", p.producer_id, 1, false, f.now, 0).error == kNone);
  f.txn->complete_pending(f.now);
  CHECK(f.markers.take() == std::vector<Marker>{{"a", 0, p.producer_id, 1, false}});
  CHECK(f.state().producer_epoch == 1);
}

TEST_CASE("transactions v2: an end that exhausts the epoch moves the producer to a new id, across a restart") {
  Fixture f;
  auto p = f.init();
  REQUIRE(f.txn->add_partitions("t", p.producer_id, 0, {{"a", 0}}, f.now, kTransactionsV2) == kNone);
  // The id's epoch at its last usable value (Short.MAX_VALUE - 1), written as a crash leaves it.
  auto m = f.state();
  m.producer_epoch = INT16_MAX - 1;
  REQUIRE(f.store->write_meta({{txn_record_key("t"), encode_txn_record(m)}}, {}, true) == kNone);
  f.crash_and_restart();
  auto end = f.txn->end_transaction("t", p.producer_id, INT16_MAX - 1, true, f.now, kTransactionsV2);
  REQUIRE(end.error == kNone);
  CHECK(end.producer_id != p.producer_id);
  CHECK(end.producer_epoch == 0);
  f.crash_and_restart();  // PrepareCommit, with the next producer id, is what was stored
  CHECK(f.stored()->next_producer_id == end.producer_id);
  REQUIRE(f.txn->complete_pending(f.now) == 0);
  // The marker fences at the old id's last epoch; the producer continues as the new id.
  CHECK(f.markers.take() == std::vector<Marker>{{"a", 0, p.producer_id, INT16_MAX, true}});
  auto s = f.stored();
  CHECK(s->producer_id == end.producer_id);
  CHECK(s->producer_epoch == 0);
  CHECK(s->last_producer_id == p.producer_id);
  CHECK(s->state == TxnState::kCompleteCommit);
  // A retry names the old id at its last epoch: the same answer.
  auto retry = f.txn->end_transaction("t", p.producer_id, INT16_MAX - 1, true, f.now, kTransactionsV2);
  CHECK(retry.error == kNone);
  CHECK(retry.producer_id == end.producer_id);
  CHECK(retry.producer_epoch == 0);
  REQUIRE(f.txn->add_partitions("t", end.producer_id, 0, {{"a", 0}}, f.now, kTransactionsV2) == kNone);
}
