// Transactions on a partition (KIP-98): transactional batches open a producer's transaction,
// markers (LogStore::write_txn_marker) end it, the last stable offset follows the oldest open
// transaction, read_committed reads stop there and report aborted transactions, the aborted
// transaction index follows retention and DeleteRecords, and all of it survives reopening the
// log dir. Over the real LevelDB store in a temp dir.
#include <climits>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <leveldb/iterator.h>

#include "broker/log/keys.h"
#include "broker/log/log_config.h"
#include "broker/log/log_manager.h"
#include "runtime/record/batch.h"
#include "runtime/record/control.h"
#include "tests/support/failing_env.h"
#include "tests/support/temp_log_store.h"
#include "tests/unit/log/test_batches.h"

using chronik::broker::AbortedTransaction;
using chronik::broker::AppendResult;
using chronik::broker::err;
using chronik::broker::ErrorCode;
using chronik::broker::LevelDbLogStore;
using chronik::broker::LogStore;
using chronik::log::test::BatchSpec;
using chronik::log::test::make_batch;

namespace {

constexpr int16_t kFenced = err(ErrorCode::INVALID_PRODUCER_EPOCH);
constexpr int16_t kCoordinatorFenced = err(ErrorCode::TRANSACTION_COORDINATOR_FENCED);
constexpr int16_t kInvalidTxnState = err(ErrorCode::INVALID_TXN_STATE);
constexpr int16_t kOutOfOrder = err(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER);

std::vector<uint8_t> batch(int64_t producer_id, int16_t epoch, int32_t base_sequence, bool transactional,
                           int32_t records = 1, int64_t timestamp = 1000) {
  BatchSpec spec;
  spec.records = records;
  spec.producer_id = producer_id;
  spec.producer_epoch = epoch;
  spec.base_sequence = base_sequence;
  spec.transactional = transactional;
  spec.base_timestamp = spec.max_timestamp = timestamp;
  return make_batch(spec);
}
std::vector<uint8_t> txn(int64_t producer_id, int16_t epoch, int32_t base_sequence, int32_t records = 1) {
  return batch(producer_id, epoch, base_sequence, true, records);
}
std::vector<uint8_t> plain() { return batch(-1, -1, -1, false); }

AppendResult append(LogStore& store, std::vector<uint8_t> b) {
  std::span<uint8_t> one[1] = {b};
  return store.append("t", 0, std::span<const std::span<uint8_t>>(one), false);
}

int16_t commit(LogStore& store, int64_t producer_id, int16_t epoch, int32_t coordinator_epoch = 0) {
  return store.write_txn_marker("t", 0, producer_id, epoch, coordinator_epoch, true);
}
int16_t abort_txn(LogStore& store, int64_t producer_id, int16_t epoch, int32_t coordinator_epoch = 0) {
  return store.write_txn_marker("t", 0, producer_id, epoch, coordinator_epoch, false);
}

chronik::broker::PartitionOffsets offsets(LogStore& store) {
  auto o = store.offsets("t", 0);
  REQUIRE(o);
  return *o;
}

// The base offsets of the batches a read returned.
std::vector<int64_t> bases(const chronik::wire::SharedBytes& records) {
  std::vector<int64_t> out;
  for (size_t at = 0; at + 12 <= records.size();) {
    const uint8_t* b = records.data() + at;
    out.push_back(static_cast<int64_t>(chronik::log::load_be64(b)));
    at += 12 + chronik::log::load_be32(b + 8);
  }
  return out;
}

std::vector<std::pair<int64_t, int64_t>> pairs(const std::vector<AbortedTransaction>& aborted) {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const auto& a : aborted) out.emplace_back(a.producer_id, a.first_offset);
  return out;
}

using Range = std::vector<int64_t>;
using Aborted = std::vector<std::pair<int64_t, int64_t>>;

std::unique_ptr<LevelDbLogStore> open_store(const std::string& dir) {
  auto config = std::make_shared<chronik::config::BrokerConfig>();
  return std::make_unique<LevelDbLogStore>(dir, chronik::log::log_manager_options([config] { return config; }));
}

}  // namespace

TEST_CASE("a transaction holds the last stable offset until its commit marker", "[log][txn]") {
  auto store = chronik::broker::testing::temp_log_store();
  REQUIRE(store->create_topic("t", 1, {}, false).error == 0);

  REQUIRE(append(*store, txn(7, 0, 0, 2)).base_offset == 0);  // offsets 0-1
  REQUIRE(append(*store, plain()).base_offset == 2);
  CHECK(offsets(*store).high_watermark == 3);
  CHECK(offsets(*store).lso() == 0);
  // read_committed stops at the LSO; read_uncommitted does not.
  auto committed = store->read_committed("t", 0, 0, 1 << 20, true);
  REQUIRE(committed.error == 0);
  CHECK(committed.records.empty());
  CHECK(committed.offsets.lso() == 0);
  CHECK(committed.aborted_transactions.empty());
  CHECK(bases(store->read("t", 0, 0, 1 << 20, true).records) == Range{0, 2});
  // Past the LSO but within the high watermark: nothing, and no error.
  CHECK(store->read_committed("t", 0, 2, 1 << 20, true).error == 0);
  CHECK(store->read_committed("t", 0, 4, 1 << 20, true).error == err(ErrorCode::OFFSET_OUT_OF_RANGE));

  REQUIRE(commit(*store, 7, 0, 5) == 0);
  CHECK(offsets(*store).high_watermark == 4);
  CHECK(offsets(*store).lso() == 4);
  committed = store->read_committed("t", 0, 0, 1 << 20, true);
  CHECK(bases(committed.records) == Range{0, 2, 3});
  CHECK(committed.aborted_transactions.empty());

  // The marker, as Kafka writes it: a transactional control batch of the producer, no
  // sequence, one record with key (0, COMMIT) and value (0, coordinator epoch).
  auto marker = store->read("t", 0, 3, 1 << 20, true);
  const auto decoded = chronik::record::decode_batch(marker.records.span());
  CHECK(decoded.header.base_offset == 3);
  CHECK(decoded.header.attributes.is_control());
  CHECK(decoded.header.attributes.is_transactional());
  CHECK(decoded.header.producer_id == 7);
  CHECK(decoded.header.producer_epoch == 0);
  CHECK(decoded.header.base_sequence == -1);
  CHECK(decoded.header.partition_leader_epoch == 0);
  REQUIRE(decoded.records.size() == 1);
  const auto& record = decoded.records[0];
  CHECK(*record.key == std::vector<uint8_t>{0, 0, 0, 1});
  CHECK(*record.value == std::vector<uint8_t>{0, 0, 0, 0, 0, 5});
  CHECK(chronik::record::read_end_transaction_marker(record).type == chronik::record::ControlType::kCommit);
  CHECK(marker.records.size() == 78);
}

TEST_CASE("interleaved transactions: the LSO is the oldest open one's first offset, aborts are indexed",
          "[log][txn]") {
  auto store = chronik::broker::testing::temp_log_store();
  REQUIRE(store->create_topic("t", 1, {}, false).error == 0);

  REQUIRE(append(*store, txn(1, 0, 0)).base_offset == 0);
  REQUIRE(append(*store, txn(2, 0, 0)).base_offset == 1);
  REQUIRE(append(*store, txn(1, 0, 1)).base_offset == 2);
  REQUIRE(append(*store, plain()).base_offset == 3);
  CHECK(offsets(*store).lso() == 0);

  REQUIRE(commit(*store, 1, 0) == 0);  // marker at 4
  CHECK(offsets(*store).lso() == 1);   // producer 2's transaction is still open
  CHECK(bases(store->read_committed("t", 0, 0, 1 << 20, true).records) == Range{0});

  REQUIRE(abort_txn(*store, 2, 0) == 0);  // marker at 5
  CHECK(offsets(*store).lso() == 6);
  auto r = store->read_committed("t", 0, 0, 1 << 20, true);
  CHECK(bases(r.records) == Range{0, 1, 2, 3, 4, 5});
  CHECK(pairs(r.aborted_transactions) == Aborted{{2, 1}});
  // A fetch from the marker itself still overlaps the transaction; one past it does not.
  CHECK(pairs(store->read_committed("t", 0, 5, 1 << 20, true).aborted_transactions) == Aborted{{2, 1}});
  CHECK(store->read_committed("t", 0, 6, 1 << 20, true).aborted_transactions.empty());

  // An abort while another transaction is open, then that one's commit.
  REQUIRE(append(*store, txn(3, 0, 0)).base_offset == 6);
  REQUIRE(append(*store, txn(4, 0, 0)).base_offset == 7);
  REQUIRE(abort_txn(*store, 4, 0) == 0);  // marker at 8
  CHECK(offsets(*store).lso() == 6);
  // Below the LSO only: producer 4's aborted batch is past it, but the index overlaps what
  // Kafka bounds the search with (the log end once the read reached the LSO).
  r = store->read_committed("t", 0, 0, 1 << 20, true);
  CHECK(bases(r.records) == Range{0, 1, 2, 3, 4, 5});
  CHECK(pairs(r.aborted_transactions) == Aborted{{2, 1}, {4, 7}});
  REQUIRE(commit(*store, 3, 0) == 0);  // marker at 9
  CHECK(offsets(*store).lso() == 10);
  r = store->read_committed("t", 0, 6, 1 << 20, true);
  CHECK(bases(r.records) == Range{6, 7, 8, 9});
  CHECK(pairs(r.aborted_transactions) == Aborted{{4, 7}});
  // A read cut short by max_bytes searches only up to where it stopped.
  r = store->read_committed("t", 0, 0, 1, true);
  CHECK(bases(r.records) == Range{0});
  CHECK(r.aborted_transactions.empty());
  r = store->read_committed("t", 0, 1, 1, true);
  CHECK(bases(r.records) == Range{1});
  CHECK(pairs(r.aborted_transactions) == Aborted{{2, 1}});

  // A marker of a producer with no open transaction is written and changes nothing else.
  REQUIRE(abort_txn(*store, 99, 0) == 0);  // marker at 10
  CHECK(offsets(*store).high_watermark == 11);
  CHECK(offsets(*store).lso() == 11);
  CHECK(store->read_committed("t", 0, 10, 1 << 20, true).aborted_transactions.empty());
}

TEST_CASE("transactional producers are fenced by epoch, markers by coordinator epoch", "[log][txn]") {
  auto store = chronik::broker::testing::temp_log_store();
  REQUIRE(store->create_topic("t", 1, {}, false).error == 0);

  REQUIRE(append(*store, txn(5, 3, 0)).error == 0);  // offset 0
  CHECK(abort_txn(*store, 5, 2) == kFenced);
  CHECK(append(*store, txn(5, 2, 1)).error == kFenced);
  // A non-transactional batch while the transaction is open: INVALID_TXN_STATE, as in Kafka.
  CHECK(append(*store, batch(5, 3, 1, false)).error == kInvalidTxnState);
  CHECK(offsets(*store).high_watermark == 1);
  CHECK(offsets(*store).lso() == 0);

  // A marker of a newer epoch (the coordinator fenced the producer) ends the transaction
  // and becomes the producer's epoch here.
  REQUIRE(abort_txn(*store, 5, 4, 2) == 0);  // offset 1
  CHECK(offsets(*store).lso() == 2);
  CHECK(append(*store, txn(5, 3, 1)).error == kFenced);
  CHECK(append(*store, txn(5, 4, 1)).error == kOutOfOrder);  // a new epoch starts at 0
  REQUIRE(append(*store, txn(5, 4, 0, 3)).base_offset == 2);
  CHECK(offsets(*store).lso() == 2);

  // Coordinator epochs only go forward; the producer epoch is checked first.
  CHECK(commit(*store, 5, 4, 1) == kCoordinatorFenced);
  CHECK(commit(*store, 5, 3, 1) == kFenced);
  CHECK(offsets(*store).lso() == 2);
  auto described = store->describe_producers("t", 0);
  REQUIRE(described.error == 0);
  REQUIRE(described.producers.size() == 1);
  CHECK(described.producers[0].producer_id == 5);
  CHECK(described.producers[0].producer_epoch == 4);
  CHECK(described.producers[0].last_sequence == 2);
  CHECK(described.producers[0].last_timestamp == 1000);
  CHECK(described.producers[0].coordinator_epoch == 2);
  CHECK(described.producers[0].current_txn_start_offset == 2);

  REQUIRE(commit(*store, 5, 4, 3) == 0);  // offset 5
  CHECK(offsets(*store).lso() == 6);
  described = store->describe_producers("t", 0);
  CHECK(described.producers[0].coordinator_epoch == 3);
  CHECK(described.producers[0].current_txn_start_offset == -1);
  CHECK(described.producers[0].last_sequence == 2);  // the same epoch keeps its batches
  CHECK(described.producers[0].last_timestamp > 1000);  // the marker's

  // A producer without state here takes a marker at any epochs.
  CHECK(commit(*store, 6, 0, 0) == 0);
  CHECK(store->write_txn_marker("t", 1, 6, 0, 0, true) == err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));
  CHECK(store->write_txn_marker("nope", 0, 6, 0, 0, true) == err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));
  CHECK(store->describe_producers("nope", 0).error == err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));
}

TEST_CASE("open transactions, the aborted index and coordinator epochs survive reopening the log dir",
          "[log][txn]") {
  chronik::broker::testing::TempDir dir;
  {
    auto store = open_store(dir.path());
    REQUIRE(store->create_topic("t", 1, {}, false).error == 0);
    REQUIRE(append(*store, plain()).base_offset == 0);
    REQUIRE(append(*store, txn(2, 1, 0)).base_offset == 1);
    REQUIRE(abort_txn(*store, 2, 1, 4) == 0);  // 2
    REQUIRE(append(*store, txn(1, 0, 0, 2)).base_offset == 3);
    REQUIRE(append(*store, plain()).base_offset == 5);
    CHECK(offsets(*store).lso() == 3);
  }
  auto store = open_store(dir.path());
  CHECK(offsets(*store).high_watermark == 6);
  CHECK(offsets(*store).lso() == 3);
  auto r = store->read_committed("t", 0, 0, 1 << 20, true);
  CHECK(bases(r.records) == Range{0, 1, 2});
  CHECK(pairs(r.aborted_transactions) == Aborted{{2, 1}});
  CHECK(commit(*store, 2, 1, 3) == kCoordinatorFenced);
  CHECK(append(*store, batch(1, 0, 2, false)).error == kInvalidTxnState);
  REQUIRE(append(*store, txn(1, 0, 2)).base_offset == 6);
  REQUIRE(commit(*store, 1, 0) == 0);  // 7
  CHECK(offsets(*store).lso() == 8);
  CHECK(bases(store->read_committed("t", 0, 3, 1 << 20, true).records) == Range{3, 5, 6, 7});
}

TEST_CASE("retention and DeleteRecords trim the aborted transaction index", "[log][txn]") {
  chronik::log::test::TempDir dir;
  auto batch_of = [](int64_t producer_id, int64_t timestamp) {
    return batch(producer_id, 0, 0, producer_id >= 0, 1, timestamp);
  };
  const int64_t now = 1'700'000'000'000LL;
  {
    auto log = chronik::log::LogManager::open(dir.str());
    log->create_topic("t", 1);
    auto p = log->partition("t", 0);
    REQUIRE(p->append(batch_of(1, 1000)).base_offset == 0);
    REQUIRE(p->append_marker(1, 0, 0, false, 1000).base_offset == 1);
    REQUIRE(p->append(batch_of(2, 1000)).base_offset == 2);
    REQUIRE(p->append_marker(2, 0, 0, false, 1000).base_offset == 3);
    REQUIRE(p->append(batch_of(3, 1000)).base_offset == 4);
    REQUIRE(p->append_marker(3, 0, 0, false, 1000).base_offset == 5);
    REQUIRE(p->append(batch_of(-1, now + 86'400'000)).base_offset == 6);  // young: retention keeps it
    const auto all = p->aborted_transactions(0, INT64_MAX);
    REQUIRE(all.size() == 3);
    CHECK(all[1].producer_id == 2);
    CHECK(all[1].first_offset == 2);
    CHECK(all[1].last_offset == 3);
    CHECK(all[1].last_stable_offset == 4);

    REQUIRE(p->delete_records_before(2).log_start_offset == 2);
    auto left = p->aborted_transactions(0, INT64_MAX);
    REQUIRE(left.size() == 2);
    CHECK(left[0].producer_id == 2);
    // Retention deletes batches up to the young one: the two other aborts go with them.
    CHECK(p->enforce_retention(now, 1000, -1) > 0);
    CHECK(p->log_start_offset() == 6);
    CHECK(p->aborted_transactions(0, INT64_MAX).empty());
  }
  auto log = chronik::log::LogManager::open(dir.str());
  auto p = log->partition("t", 0);
  CHECK(p->log_start_offset() == 6);
  CHECK(p->aborted_transactions(0, INT64_MAX).empty());
  CHECK(p->last_stable_offset() == 7);

  // Deleting the topic leaves no index entry behind.
  REQUIRE(p->append(batch_of(4, 1000)).base_offset == 7);
  REQUIRE(p->append_marker(4, 0, 0, false, 1000).base_offset == 8);
  REQUIRE(p->aborted_transactions(0, INT64_MAX).size() == 1);
  REQUIRE(log->delete_topic("t") == chronik::log::Errc::kNone);
  std::unique_ptr<leveldb::Iterator> it(log->storage().index_db()->NewIterator(leveldb::ReadOptions()));
  it->Seek(std::string(1, chronik::log::keys::kAbortedTxnIndex));
  CHECK((!it->Valid() || it->key()[0] != chronik::log::keys::kAbortedTxnIndex));
}

TEST_CASE("retention past an open transaction's start moves the LSO to the log start", "[log][txn]") {
  chronik::log::test::TempDir dir;
  auto log = chronik::log::LogManager::open(dir.str());
  log->create_topic("t", 1);
  auto p = log->partition("t", 0);
  REQUIRE(p->append(batch(1, 0, 0, true, 1, 1000)).base_offset == 0);
  REQUIRE(p->append(batch(-1, -1, -1, false, 1, 1000)).base_offset == 1);
  REQUIRE(p->append(batch(-1, -1, -1, false, 1, 1'700'000'000'000LL + 86'400'000)).base_offset == 2);
  CHECK(p->last_stable_offset() == 0);
  REQUIRE(p->delete_records_before(1).log_start_offset == 1);
  CHECK(p->last_stable_offset() == 1);
  auto r = p->read_committed(1, 1 << 20);
  CHECK(r.error == chronik::log::Errc::kNone);
  CHECK(r.batches.empty());
}

TEST_CASE("a marker whose write failed neither ends the transaction nor enters the index", "[log][txn]") {
  chronik::log::test::TempDir dir;
  chronik::broker::testing::FailingEnv env;  // outlives the databases
  chronik::log::LogManagerOptions options;
  options.storage.env = &env;
  {
    auto log = chronik::log::LogManager::open(dir.str(), options);
    log->create_topic("t", 1);
    auto p = log->partition("t", 0);
    REQUIRE(p->append(batch(1, 0, 0, true)).base_offset == 0);
    env.fail_writes = true;
    REQUIRE_THROWS_AS(p->append_marker(1, 0, 0, false, 1000), chronik::log::StorageError);
    env.fail_writes = false;
    CHECK(p->last_stable_offset() == 0);
    CHECK(p->log_end_offset() == 1);
    CHECK(p->producers().at(0).second.current_txn_first_offset == 0);
    CHECK(p->producers().at(0).second.coordinator_epoch == -1);
    CHECK(p->aborted_transactions(0, INT64_MAX).empty());
  }
  // Reopened (as the broker does after a failed write): the transaction is still open.
  auto log = chronik::log::LogManager::open(dir.str(), options);
  auto p = log->partition("t", 0);
  CHECK(p->last_stable_offset() == 0);
  REQUIRE(p->append_marker(1, 0, 0, false, 1000).base_offset == 1);
  CHECK(p->last_stable_offset() == 2);
  CHECK(p->aborted_transactions(0, INT64_MAX).size() == 1);
}
