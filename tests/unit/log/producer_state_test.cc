// Idempotent producers' checks inside a partition's append, through the LogStore the Produce
// handler calls, over the real LevelDB store in a temp dir.
#include <atomic>
#include <climits>
#include <memory>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "broker/log/log_config.h"
#include "broker/log/producer_state.h"
#include "tests/support/temp_log_store.h"
#include "tests/unit/log/test_batches.h"

using chronik::broker::AppendResult;
using chronik::broker::err;
using chronik::broker::ErrorCode;
using chronik::broker::LevelDbLogStore;
using chronik::broker::LogStore;
using chronik::log::test::BatchSpec;
using chronik::log::test::make_batch;

namespace {

constexpr int16_t kOutOfOrder = err(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER);
constexpr int16_t kFenced = err(ErrorCode::INVALID_PRODUCER_EPOCH);

std::vector<uint8_t> batch(int64_t producer_id, int16_t epoch, int32_t base_sequence, int32_t records = 1) {
  BatchSpec spec;
  spec.records = records;
  spec.producer_id = producer_id;
  spec.producer_epoch = epoch;
  spec.base_sequence = base_sequence;
  return make_batch(spec);
}

std::vector<uint8_t> plain_batch(int32_t records = 1) { return batch(-1, -1, -1, records); }

AppendResult append(LogStore& store, std::vector<uint8_t> b, int32_t partition = 0) {
  std::span<uint8_t> one[1] = {b};
  return store.append("t", partition, std::span<const std::span<uint8_t>>(one), false);
}

int64_t high_watermark(LogStore& store, int32_t partition = 0) {
  auto o = store.offsets("t", partition);
  REQUIRE(o);
  return o->high_watermark;
}

// Appended: no error, not a duplicate, at `offset`.
void require_appended(const AppendResult& r, int64_t offset) {
  REQUIRE(r.error == 0);
  REQUIRE_FALSE(r.duplicate);
  REQUIRE(r.base_offset == offset);
}

void require_duplicate_of(const AppendResult& r, int64_t offset) {
  REQUIRE(r.error == 0);
  REQUIRE(r.duplicate);
  REQUIRE(r.base_offset == offset);
}

std::unique_ptr<LevelDbLogStore> open_store(const std::string& dir) {
  auto config = std::make_shared<chronik::config::BrokerConfig>();
  return std::make_unique<LevelDbLogStore>(dir, chronik::log::log_manager_options([config] { return config; }));
}

}  // namespace

TEST_CASE("an idempotent producer's batches in order get consecutive offsets", "[log][producer]") {
  auto store = chronik::broker::testing::temp_log_store();
  REQUIRE(store->create_topic("t", 2, {}, false).error == 0);
  require_appended(append(*store, batch(1000, 0, 0, 3)), 0);
  require_appended(append(*store, batch(1000, 0, 3, 2)), 3);
  require_appended(append(*store, plain_batch(4)), 5);  // no producer id: never checked
  require_appended(append(*store, plain_batch(4)), 9);
  require_appended(append(*store, batch(1000, 0, 5)), 13);
  // Another producer, and the same producer on another partition, have sequences of their own.
  require_appended(append(*store, batch(2000, 0, 0)), 14);
  require_appended(append(*store, batch(1000, 0, 0), 1), 0);
  REQUIRE(high_watermark(*store) == 15);
}

TEST_CASE("a retry of any of the producer's last five batches answers its first offsets and appends nothing",
          "[log][producer]") {
  auto store = chronik::broker::testing::temp_log_store();
  REQUIRE(store->create_topic("t", 1, {}, false).error == 0);
  // Six batches of two records, with other batches between, so that offsets and sequences differ.
  std::vector<int64_t> offsets;
  for (int32_t i = 0; i < 6; ++i) {
    REQUIRE(append(*store, plain_batch(i + 1)).error == 0);
    const int64_t at = high_watermark(*store);
    require_appended(append(*store, batch(7, 3, 2 * i, 2)), at);
    offsets.push_back(at);
  }
  const int64_t end = high_watermark(*store);
  for (int32_t i = 1; i < 6; ++i) {
    INFO("batch " << i);
    require_duplicate_of(append(*store, batch(7, 3, 2 * i, 2)), offsets[i]);
  }
  // The oldest is forgotten (Kafka keeps five): its retry is out of order, as in Kafka.
  REQUIRE(append(*store, batch(7, 3, 0, 2)).error == kOutOfOrder);
  // A batch overlapping a remembered one without being it is no duplicate.
  REQUIRE(append(*store, batch(7, 3, 10, 1)).error == kOutOfOrder);
  REQUIRE(high_watermark(*store) == end);
  require_appended(append(*store, batch(7, 3, 12, 2)), end);
}

TEST_CASE("a gap in a producer's sequence is OUT_OF_ORDER_SEQUENCE_NUMBER and appends nothing",
          "[log][producer]") {
  auto store = chronik::broker::testing::temp_log_store();
  REQUIRE(store->create_topic("t", 1, {}, false).error == 0);
  // A producer without state here may start anywhere (never UNKNOWN_PRODUCER_ID).
  require_appended(append(*store, batch(5, 0, 42, 2)), 0);
  const AppendResult gap = append(*store, batch(5, 0, 45));
  REQUIRE(gap.error == kOutOfOrder);
  REQUIRE_FALSE(gap.duplicate);
  REQUIRE(append(*store, batch(5, 0, 43)).error == kOutOfOrder);  // inside the last batch
  REQUIRE(high_watermark(*store) == 2);
  require_appended(append(*store, batch(5, 0, 44)), 2);
  require_appended(append(*store, batch(5, 0, 45)), 3);
}

TEST_CASE("a sequence wraps from INT32_MAX to 0", "[log][producer]") {
  auto store = chronik::broker::testing::temp_log_store();
  REQUIRE(store->create_topic("t", 1, {}, false).error == 0);
  require_appended(append(*store, batch(5, 0, INT32_MAX - 1, 2)), 0);
  require_appended(append(*store, batch(5, 0, 0, 3)), 2);
  require_duplicate_of(append(*store, batch(5, 0, INT32_MAX - 1, 2)), 0);
  // A batch whose sequences wrap inside it.
  require_appended(append(*store, batch(6, 0, INT32_MAX - 1, 4)), 5);
  require_appended(append(*store, batch(6, 0, 2)), 9);
  require_duplicate_of(append(*store, batch(6, 0, INT32_MAX - 1, 4)), 5);
}

TEST_CASE("a new producer epoch starts the sequence again and fences the older epoch", "[log][producer]") {
  auto store = chronik::broker::testing::temp_log_store();
  REQUIRE(store->create_topic("t", 1, {}, false).error == 0);
  for (int32_t s = 0; s < 3; ++s) require_appended(append(*store, batch(9, 0, s)), s);
  REQUIRE(append(*store, batch(9, 1, 3)).error == kOutOfOrder);  // a new epoch starts at 0
  require_appended(append(*store, batch(9, 1, 0)), 3);
  // The older epoch is fenced, new batches and retries of its batches alike.
  REQUIRE(append(*store, batch(9, 0, 3)).error == kFenced);
  REQUIRE(append(*store, batch(9, 0, 2)).error == kFenced);
  REQUIRE(high_watermark(*store) == 4);
  require_duplicate_of(append(*store, batch(9, 1, 0)), 3);
  require_appended(append(*store, batch(9, 1, 1)), 4);
  // Epochs may jump (an InitProducerId bump the partition never saw).
  require_appended(append(*store, batch(9, 5, 0)), 5);
  REQUIRE(append(*store, batch(9, 1, 2)).error == kFenced);
}

TEST_CASE("producer state survives closing and reopening the log dir", "[log][producer]") {
  chronik::broker::testing::TempDir dir;
  std::vector<int64_t> offsets;
  chronik::wire::Uuid deleted_id;
  {
    auto store = open_store(dir.path());
    REQUIRE(store->create_topic("t", 1, {}, false).error == 0);
    for (int32_t i = 0; i < 7; ++i) {
      REQUIRE(append(*store, plain_batch()).error == 0);
      offsets.push_back(high_watermark(*store));
      require_appended(append(*store, batch(11, 2, 3 * i, 3)), offsets.back());
    }
    require_appended(append(*store, batch(12, 4, 0)), high_watermark(*store));
    // A deleted topic's producers do not come back.
    auto gone = store->create_topic("gone", 1, {}, false);
    deleted_id = gone.topic.id;
    std::vector<uint8_t> b = batch(11, 0, 0);
    std::span<uint8_t> one[1] = {b};
    REQUIRE(store->append("gone", 0, std::span<const std::span<uint8_t>>(one), false).error == 0);
    REQUIRE(store->scan_meta(chronik::log::producer_state_prefix(deleted_id)).size() == 1);
    REQUIRE(store->delete_topic("gone") == 0);
    REQUIRE(store->scan_meta(chronik::log::producer_state_prefix(deleted_id)).empty());
  }
  auto store = open_store(dir.path());
  const int64_t end = high_watermark(*store);
  for (int32_t i = 2; i < 7; ++i) {
    INFO("batch " << i);
    require_duplicate_of(append(*store, batch(11, 2, 3 * i, 3)), offsets[i]);
  }
  REQUIRE(append(*store, batch(11, 2, 3, 3)).error == kOutOfOrder);   // forgotten before the restart
  REQUIRE(append(*store, batch(11, 2, 22, 1)).error == kOutOfOrder);  // a gap
  REQUIRE(append(*store, batch(11, 1, 21, 1)).error == kFenced);
  REQUIRE(append(*store, batch(12, 3, 1)).error == kFenced);
  REQUIRE(high_watermark(*store) == end);
  require_appended(append(*store, batch(11, 2, 21, 1)), end);
  require_appended(append(*store, batch(12, 4, 1)), end + 1);
  REQUIRE(store->scan_meta("producer/").size() == 2);
}

TEST_CASE("a topic created again under a deleted topic's name starts without its producers",
          "[log][producer]") {
  auto store = chronik::broker::testing::temp_log_store();
  REQUIRE(store->create_topic("t", 1, {}, false).error == 0);
  for (int32_t s = 0; s < 3; ++s) require_appended(append(*store, batch(3, 0, s)), s);
  REQUIRE(store->delete_topic("t") == 0);
  REQUIRE(store->scan_meta("producer/").empty());
  REQUIRE(store->create_topic("t", 1, {}, false).error == 0);
  // Would be a duplicate (and 7 out of order) on the old topic.
  require_appended(append(*store, batch(3, 0, 2)), 0);
  require_appended(append(*store, batch(3, 0, 3)), 1);
}

TEST_CASE("one producer's batches appended from two threads at once are each stored once",
          "[log][producer]") {
  auto store = chronik::broker::testing::temp_log_store();
  REQUIRE(store->create_topic("t", 1, {}, false).error == 0);
  // Both threads send the same sequence, as a producer and its retries racing: every batch
  // must be appended by exactly one of them; the other sees it as a duplicate at the same
  // offset (or out of order once it is more than five batches behind).
  constexpr int32_t kBatches = 2000;
  std::atomic<int> ready{0};
  std::atomic<int64_t> appended{0}, duplicates{0}, out_of_order{0}, wrong{0};
  auto run = [&] {
    ++ready;
    while (ready.load() < 2) std::this_thread::yield();
    for (int32_t s = 0; s < kBatches; ++s) {
      const AppendResult r = append(*store, batch(77, 0, s));
      if (r.error == kOutOfOrder) ++out_of_order;
      else if (r.error != 0 || r.base_offset != s) ++wrong;  // sequence s belongs at offset s
      else if (r.duplicate) ++duplicates;
      else ++appended;
    }
  };
  std::thread a(run), b(run);
  a.join();
  b.join();
  CHECK(wrong.load() == 0);
  CHECK(appended.load() == kBatches);
  CHECK(duplicates.load() + out_of_order.load() == kBatches);
  REQUIRE(high_watermark(*store) == kBatches);

  // The log holds each sequence once, in order.
  auto read = store->read("t", 0, 0, INT32_MAX, true);
  REQUIRE(read.error == 0);
  auto bytes = read.records.span();
  int64_t expected = 0;
  while (!bytes.empty()) {
    auto info = chronik::log::read_batch_info(bytes);
    const auto seq = static_cast<int32_t>(chronik::log::load_be32(bytes.data() + 53));
    REQUIRE(info.base_offset == expected);
    REQUIRE(seq == expected);
    ++expected;
    bytes = bytes.subspan(info.total_size());
  }
  REQUIRE(expected == kBatches);
}
