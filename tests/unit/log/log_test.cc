#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <set>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>
#include <leveldb/db.h>
#include <leveldb/iterator.h>

#include "generated/state/topic_metadata_value.h"
#include "runtime/wire/reader.h"
#include "broker/log/batch_header.h"
#include "broker/log/keys.h"
#include "broker/log/log_config.h"
#include "broker/log/log_manager.h"
#include "tests/unit/log/test_batches.h"

using namespace chronik::log;
using chronik::log::test::BatchSpec;
using chronik::log::test::TempDir;
using chronik::log::test::base_offset_of;
using chronik::log::test::make_batch;

namespace {

std::vector<uint8_t> batch(int32_t records, size_t payload = 16, int64_t ts = 1000) {
  return make_batch(BatchSpec{records, ts, ts, payload});
}

// One of the log dir's two databases, opened directly (the broker must not hold the dir).
std::unique_ptr<leveldb::DB> open_raw(const TempDir& dir, const char* name) {
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(leveldb::Options(), (dir.path() / name).string(), &raw);
  REQUIRE(s.ok());
  return std::unique_ptr<leveldb::DB>(raw);
}

// The stored batch key that the index entry of (topic_num, partition, last_offset) points at.
std::string stored_key_of(const TempDir& dir, uint32_t topic_num, uint32_t partition, int64_t last_offset) {
  auto index = open_raw(dir, "index");
  std::string value;
  REQUIRE(index->Get(leveldb::ReadOptions(), keys::batch_key(topic_num, partition, last_offset), &value).ok());
  auto location = keys::decode_location(value);
  REQUIRE(location);
  return keys::stored_batch_key(location->sequence);
}

}  // namespace

TEST_CASE("crc32c matches the Castagnoli check value", "[log]") {
  const char* s = "123456789";
  REQUIRE(crc32c({reinterpret_cast<const uint8_t*>(s), 9}) == 0xE3069283u);
  std::vector<uint8_t> zeros(32, 0);
  REQUIRE(crc32c(zeros) == 0x8A9136AAu);
  auto b = batch(3);
  REQUIRE(batch_is_intact(b));
  b.back() ^= 1;
  REQUIRE_FALSE(batch_is_intact(b));
}

TEST_CASE("append assigns offsets and read returns whole batches", "[log]") {
  TempDir dir;
  auto log = LogManager::open(dir.str());
  auto created = log->create_topic("t", 2);
  REQUIRE(created.error == Errc::kNone);
  REQUIRE_FALSE(created.topic.id.is_zero());
  auto p = log->partition("t", 0);
  REQUIRE(p);
  REQUIRE(log->partition("t", 2) == nullptr);
  REQUIRE(log->partition("nope", 0) == nullptr);
  REQUIRE(log->partition(created.topic.id, 1) != nullptr);

  auto b1 = batch(3), b2 = batch(5), b3 = batch(1);
  REQUIRE(p->append(b1).base_offset == 0);
  auto r2 = p->append(b2);
  REQUIRE(r2.base_offset == 3);
  REQUIRE(r2.last_offset == 7);
  REQUIRE(p->append(b3).base_offset == 8);
  REQUIRE(p->log_end_offset() == 9);
  REQUIRE(p->high_watermark() == 9);
  REQUIRE(p->log_start_offset() == 0);
  REQUIRE(log->partition("t", 1)->log_end_offset() == 0);

  SECTION("seek inside a batch returns the batch that contains the offset") {
    auto r = p->read(5, 1 << 20);
    REQUIRE(r.error == Errc::kNone);
    REQUIRE(r.batches.size() == 2);
    REQUIRE(base_offset_of(r.batches[0].span()) == 3);
    REQUIRE(base_offset_of(r.batches[1].span()) == 8);
    // Only the base offset differs from what was appended.
    auto stored = r.batches[0].span();
    REQUIRE(std::equal(stored.begin() + 8, stored.end(), b2.begin() + 8));
    REQUIRE(batch_is_intact(stored));
    REQUIRE(r.records.size() == b2.size() + b3.size());
    REQUIRE(r.high_watermark == 9);
  }
  SECTION("max_bytes: at least one batch, then whole batches only") {
    auto r = p->read(0, 1);
    REQUIRE(r.batches.size() == 1);
    r = p->read(0, b1.size() + b2.size() - 1);
    REQUIRE(r.batches.size() == 1);
    r = p->read(0, b1.size() + b2.size());
    REQUIRE(r.batches.size() == 2);
  }
  SECTION("range checks") {
    REQUIRE(p->read(9, 100).error == Errc::kNone);
    REQUIRE(p->read(9, 100).batches.empty());
    REQUIRE(p->read(10, 100).error == Errc::kOffsetOutOfRange);
    REQUIRE(p->read(-1, 100).error == Errc::kOffsetOutOfRange);
  }
  SECTION("malformed framing is refused") {
    auto bad = batch(2);
    bad.pop_back();
    REQUIRE(p->append(bad).error == Errc::kInvalidRecord);
    REQUIRE(p->log_end_offset() == 9);
  }
  SECTION("several batches in one append get consecutive offsets") {
    std::vector<std::span<const uint8_t>> many{b1, b3};
    auto r = p->append(many);
    REQUIRE(r.base_offset == 9);
    REQUIRE(r.last_offset == 12);
    REQUIRE(p->read(12, 1).batches.size() == 1);
    REQUIRE(base_offset_of(p->read(12, 1).batches[0].span()) == 12);
  }
}

TEST_CASE("topics and offsets survive a reopen", "[log]") {
  TempDir dir;
  chronik::wire::Uuid id;
  {
    auto log = LogManager::open(dir.str());
    id = log->create_topic("a", 3, {{"retention.ms", "1000"}}).topic.id;
    log->create_topic("b", 1);
    REQUIRE(log->create_topic("a", 1).error == Errc::kTopicAlreadyExists);
    REQUIRE(log->create_topic("c", 0).error == Errc::kInvalidPartitions);
    for (int i = 0; i < 10; ++i) log->partition("a", 2)->append(batch(i + 1));
    log->partition("b", 0)->append(batch(7));
    REQUIRE(log->create_partitions("b", 2) == Errc::kNone);
    REQUIRE(log->create_partitions("b", 2) == Errc::kInvalidPartitions);
    log->partition("b", 1)->append(batch(2));
  }
  auto log = LogManager::open(dir.str());
  auto topics = log->topics();
  REQUIRE(topics.size() == 2);
  REQUIRE(topics[0].name == "a");
  REQUIRE(topics[0].id == id);
  REQUIRE(topics[0].partitions == 3);
  REQUIRE(topics[0].configs.at("retention.ms") == "1000");
  REQUIRE(topics[1].partitions == 2);
  REQUIRE(log->topic(id)->name == "a");
  REQUIRE(log->partition("a", 2)->log_end_offset() == 55);
  REQUIRE(log->partition("a", 0)->log_end_offset() == 0);
  REQUIRE(log->partition("b", 0)->log_end_offset() == 7);
  REQUIRE(log->partition("b", 1)->log_end_offset() == 2);
  auto r = log->partition("a", 2)->read(54, 1 << 20);
  REQUIRE(r.batches.size() == 1);
  REQUIRE(base_offset_of(r.batches[0].span()) == 45);
  // Appends continue from the recovered end.
  REQUIRE(log->partition("a", 2)->append(batch(1)).base_offset == 55);
  REQUIRE(log->partition("a", 2)->size_bytes() > 0);
}

TEST_CASE("delete_records moves the log start offset, possibly inside a batch", "[log]") {
  TempDir dir;
  {
    auto log = LogManager::open(dir.str());
    log->create_topic("t", 1);
    auto p = log->partition("t", 0);
    for (int i = 0; i < 4; ++i) p->append(batch(10));  // 0-9, 10-19, 20-29, 30-39
    REQUIRE(p->delete_records_before(25).log_start_offset == 25);
    REQUIRE(p->log_start_offset() == 25);
    REQUIRE(p->read(19, 100).error == Errc::kOffsetOutOfRange);
    auto r = p->read(25, 1);
    REQUIRE(r.batches.size() == 1);
    REQUIRE(base_offset_of(r.batches[0].span()) == 20);  // the batch is kept whole
    REQUIRE(r.log_start_offset == 25);
    REQUIRE(p->delete_records_before(5).log_start_offset == 25);  // never goes back
    REQUIRE(p->delete_records_before(41).error == Errc::kOffsetOutOfRange);
  }
  auto log = LogManager::open(dir.str());
  auto p = log->partition("t", 0);
  REQUIRE(p->log_start_offset() == 25);
  REQUIRE(p->log_end_offset() == 40);
  // Deleting everything: the log is empty and continues at the old end.
  REQUIRE(p->delete_records_before(40).log_start_offset == 40);
  REQUIRE(p->read(40, 100).batches.empty());
  {
    auto reopened = std::move(log);
    reopened.reset();
  }
  log = LogManager::open(dir.str());
  p = log->partition("t", 0);
  REQUIRE(p->log_start_offset() == 40);
  REQUIRE(p->log_end_offset() == 40);
  REQUIRE(p->append(batch(1)).base_offset == 40);
}

TEST_CASE("offset_for_timestamp and max_timestamp", "[log]") {
  TempDir dir;
  auto log = LogManager::open(dir.str());
  log->create_topic("t", 1);
  auto p = log->partition("t", 0);
  REQUIRE_FALSE(p->max_timestamp());
  REQUIRE_FALSE(p->offset_for_timestamp(0));
  p->append(make_batch({2, 100, 150}));  // 0-1
  p->append(make_batch({3, 140, 300}));  // 2-4
  p->append(make_batch({1, 200, 200}));  // 5
  auto t = p->offset_for_timestamp(160);
  REQUIRE(t);
  REQUIRE(t->offset == 2);
  REQUIRE(t->timestamp == 300);
  REQUIRE(base_offset_of(t->batch.span()) == 2);
  REQUIRE(p->offset_for_timestamp(0)->offset == 0);
  REQUIRE_FALSE(p->offset_for_timestamp(301));
  auto m = p->max_timestamp();
  REQUIRE(m);
  REQUIRE(m->timestamp == 300);
  REQUIRE(m->offset == 4);
  p->delete_records_before(5);
  REQUIRE(p->max_timestamp()->timestamp == 200);
  REQUIRE(p->max_timestamp()->offset == 5);
}

TEST_CASE("retention by time and by size reclaims disk", "[log]") {
  TempDir dir;
  LogManagerOptions options;
  options.storage.write_buffer_size = 1 << 20;
  options.retention_ms = -1;
  auto log = LogManager::open(dir.str(), options);
  log->create_topic("time", 1, {{"retention.ms", "1000"}});
  log->create_topic("size", 1, {{"retention.bytes", "1000000"}});
  log->create_topic("keep", 1, {{"cleanup.policy", "compact"}, {"retention.bytes", "0"}});
  auto pt = log->partition("time", 0), ps = log->partition("size", 0);
  // 8 MB per topic, 64 KB batches; "time" has old batches then recent ones.
  constexpr size_t kPayload = 64 << 10;
  for (int i = 0; i < 128; ++i) {
    int64_t ts = i < 120 ? 1000 : 100000;
    pt->append(make_batch({10, ts, ts, kPayload, static_cast<uint8_t>(i)}));
    ps->append(make_batch({10, ts, ts, kPayload, static_cast<uint8_t>(i)}));
  }
  log->partition("keep", 0)->append(batch(1));
  log->flush();
  log->storage().compact_batches(0, UINT64_MAX);
  uint64_t before = test::dir_size(dir.path());
  REQUIRE(before > 16u << 20);

  int64_t deleted = log->enforce_retention(100500);
  REQUIRE(pt->log_start_offset() == 1200);
  REQUIRE(pt->log_end_offset() == 1280);
  // Keeps at least retention.bytes: 15 batches of 64 KB + header = just under 1 MB + one.
  int64_t batch_size = static_cast<int64_t>(kPayload + kBatchHeaderSize);
  REQUIRE(ps->size_bytes() >= 1000000);
  REQUIRE(ps->size_bytes() < 1000000 + batch_size);
  REQUIRE(ps->log_start_offset() == 1280 - 10 * (ps->size_bytes() / batch_size));
  REQUIRE(log->partition("keep", 0)->log_start_offset() == 0);
  REQUIRE(deleted > 14 << 20);

  uint64_t after = test::dir_size(dir.path());
  INFO("before " << before << " after " << after);
  REQUIRE(after < before / 3);
  REQUIRE(pt->read(1200, 1 << 20).batches.size() >= 1);
  REQUIRE(pt->read(1199, 1 << 20).error == Errc::kOffsetOutOfRange);

  // tick() runs retention only once the interval has passed.
  pt->append(make_batch({1, 100000, 100000, 10}));
  log->tick(200000);   // first tick starts the clock
  REQUIRE(pt->log_start_offset() == 1200);
  log->tick(200000 + 300000);
  REQUIRE(pt->log_start_offset() == 1281);
}

TEST_CASE("a torn last batch is truncated on reopen", "[log]") {
  TempDir dir;
  {
    auto log = LogManager::open(dir.str());
    log->create_topic("t", 2);
    for (int i = 0; i < 3; ++i) log->partition("t", 0)->append(batch(4));
    log->partition("t", 1)->append(batch(4));
  }
  const std::string torn = stored_key_of(dir, 1, 0, 11), flipped = stored_key_of(dir, 1, 1, 3);
  {
    auto db = open_raw(dir, "batches");
    // The partition 0 batch at offsets 8-11 loses its tail.
    std::string key = torn;
    std::string value;
    REQUIRE(db->Get(leveldb::ReadOptions(), key, &value).ok());
    value.resize(value.size() - 5);
    REQUIRE(db->Put(leveldb::WriteOptions(), key, value).ok());
    // Partition 1's only batch gets a flipped bit.
    key = flipped;
    REQUIRE(db->Get(leveldb::ReadOptions(), key, &value).ok());
    value[70] ^= 0x10;
    REQUIRE(db->Put(leveldb::WriteOptions(), key, value).ok());
  }
  auto log = LogManager::open(dir.str());
  REQUIRE(log->partition("t", 0)->log_end_offset() == 8);
  REQUIRE(log->partition("t", 1)->log_end_offset() == 0);
  REQUIRE(log->partition("t", 0)->read(4, 1 << 20).batches.size() == 1);
  REQUIRE(log->partition("t", 0)->append(batch(1)).base_offset == 8);
  REQUIRE(log->partition("t", 0)->read(8, 1 << 20).batches.size() == 1);
  REQUIRE(batch_is_intact(log->partition("t", 0)->read(8, 1 << 20).batches[0].span()));
}

TEST_CASE("concurrent appends give dense unique offsets per partition", "[log]") {
  TempDir dir;
  auto log = LogManager::open(dir.str());
  constexpr int kPartitions = 3, kThreads = 6, kAppends = 300;
  log->create_topic("t", kPartitions);
  std::vector<std::vector<std::pair<int64_t, int64_t>>> got(kThreads);
  std::atomic<bool> reader_ok{true};
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    // Reads concurrent with appends always see whole, intact batches below the HW.
    while (!stop) {
      auto r = log->partition("t", 0)->read(0, 1 << 16);
      for (auto& b : r.batches)
        if (!batch_is_intact(b.span()) || base_offset_of(b.span()) >= r.high_watermark)
          reader_ok = false;
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAppends; ++i) {
        int records = 1 + (i + t) % 4;
        auto r = log->partition("t", (t + i) % kPartitions)->append(batch(records, 100));
        got[t].emplace_back((t + i) % kPartitions * 1000000 + r.base_offset, records);
      }
    });
  }
  for (auto& th : threads) th.join();
  stop = true;
  reader.join();
  REQUIRE(reader_ok);

  std::vector<std::vector<std::pair<int64_t, int64_t>>> per(kPartitions);
  for (auto& v : got)
    for (auto [key, n] : v) per[key / 1000000].emplace_back(key % 1000000, n);
  int64_t total_records = 0;
  for (int p = 0; p < kPartitions; ++p) {
    std::sort(per[p].begin(), per[p].end());
    int64_t next = 0;
    for (auto [base, n] : per[p]) {
      REQUIRE(base == next);
      next += n;
    }
    REQUIRE(log->partition("t", p)->log_end_offset() == next);
    total_records += next;
    // The stored batches agree with what the appends returned.
    auto r = log->partition("t", p)->read(0, 1 << 30);
    REQUIRE(r.batches.size() == per[p].size());
    for (size_t i = 0; i < r.batches.size(); ++i)
      REQUIRE(base_offset_of(r.batches[i].span()) == per[p][i].first);
  }
  REQUIRE(total_records > 0);
}

TEST_CASE("sync appends on different partitions share fsyncs", "[log]") {
  TempDir dir;
  auto log = LogManager::open(dir.str());
  constexpr int kThreads = 8, kAppends = 40;
  log->create_topic("t", kThreads);
  uint64_t writes_before = log->storage().physical_writes();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      AppendOptions o;
      o.sync = true;
      for (int i = 0; i < kAppends; ++i) log->partition("t", t)->append(batch(1, 200), o);
    });
  for (auto& th : threads) th.join();
  uint64_t writes = log->storage().physical_writes() - writes_before;
  INFO("physical writes " << writes << " for " << kThreads * kAppends << " appends");
  REQUIRE(writes < kThreads * kAppends);
  for (int t = 0; t < kThreads; ++t) REQUIRE(log->partition("t", t)->log_end_offset() == kAppends);
}

TEST_CASE("the metadata keyspace, atomically with batches", "[log]") {
  TempDir dir;
  {
    auto log = LogManager::open(dir.str());
    auto& s = log->storage();
    s.put_meta("group/g1/offset/t/0", "42");
    s.put_meta("group/g1/offset/t/1", "43");
    s.put_meta("group/g2/offset/t/0", "7");
    s.put_meta("producer/5", "x");
    REQUIRE(s.get_meta("group/g1/offset/t/1") == "43");
    REQUIRE_FALSE(s.get_meta("group/g3"));
    auto g1 = s.scan_meta("group/g1/");
    REQUIRE(g1.size() == 2);
    REQUIRE(g1[0].first == "group/g1/offset/t/0");
    REQUIRE(g1[0].second == "42");
    s.erase_meta("group/g1/offset/t/0");
    REQUIRE(s.scan_meta("group/").size() == 2);

    log->create_topic("t", 1);
    MetaBatch extra;
    extra.put("producer/5", "seq=3");
    AppendOptions o;
    o.extra = &extra;
    REQUIRE(log->partition("t", 0)->append(batch(3), o).base_offset == 0);
  }
  auto log = LogManager::open(dir.str());
  REQUIRE(log->storage().get_meta("producer/5") == "seq=3");
  REQUIRE(log->storage().scan_meta("").size() == 3);
  REQUIRE(log->topics().size() == 1);  // meta keys are not mistaken for topics
}

TEST_CASE("deleting a topic removes its data, also after a crash midway", "[log]") {
  TempDir dir;
  {
    auto log = LogManager::open(dir.str());
    log->create_topic("gone", 2);
    log->create_topic("stays", 1);
    auto p = log->partition("gone", 1);
    for (int i = 0; i < 5; ++i) p->append(batch(2));
    log->partition("stays", 0)->append(batch(2));
    REQUIRE(log->delete_topic("gone") == Errc::kNone);
    REQUIRE(log->delete_topic("gone") == Errc::kUnknownTopicOrPartition);
    REQUIRE_FALSE(log->topic("gone"));
    REQUIRE(p->append(batch(1)).error == Errc::kUnknownTopicOrPartition);
    // Same name again: a new topic, empty.
    auto again = log->create_topic("gone", 1);
    REQUIRE(again.error == Errc::kNone);
    REQUIRE(log->partition("gone", 0)->log_end_offset() == 0);
  }
  {
    // A crash between metadata and data deletion: "orphan" (topic #4) loses its topic record
    // but keeps its index entries and stored batches.
    auto log = LogManager::open(dir.str());
    log->create_topic("orphan", 1);
    for (int i = 0; i < 3; ++i) log->partition("orphan", 0)->append(batch(1));
  }
  const std::string orphan_batch = stored_key_of(dir, 4, 0, 2);
  {
    auto index = open_raw(dir, "index");
    REQUIRE(index->Delete(leveldb::WriteOptions(), keys::topic_key(4)).ok());
  }
  auto log = LogManager::open(dir.str());
  REQUIRE(log->topics().size() == 2);
  REQUIRE(log->partition("gone", 0)->log_end_offset() == 0);
  REQUIRE(log->partition("stays", 0)->log_end_offset() == 2);
  std::string value;
  REQUIRE(log->storage().index_db()->Get(leveldb::ReadOptions(), keys::batch_key(4, 0, 2), &value).IsNotFound());
  REQUIRE(log->storage().batch_db()->Get(leveldb::ReadOptions(), orphan_batch, &value).IsNotFound());
}

TEST_CASE("a second open of the same data dir fails with a clear error", "[log]") {
  TempDir dir;
  auto log = LogManager::open(dir.str());
  // In this process.
  try {
    LogManager::open(dir.str());
    FAIL("second open succeeded");
  } catch (const StorageError& e) {
    REQUIRE_THAT(e.what(), Catch::Contains("is in use by another process"));
    REQUIRE_THAT(e.what(), Catch::Contains(dir.str()));
  }
  // From another process.
  pid_t pid = fork();
  if (pid == 0) {
    int code = 3;
    try {
      Storage::open(dir.str());
      code = 1;
    } catch (const StorageError& e) {
      code = std::strstr(e.what(), "is in use by another process") ? 0 : 2;
    }
    _exit(code);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
}

TEST_CASE("topic metadata records round trip and reject garbage", "[log]") {
  TopicMeta m{"orders", chronik::wire::Uuid::random(), 12, {{"a", "1"}, {"retention.ms", ""}}};
  auto encoded = encode_topic_meta(m, 9);
  auto decoded = decode_topic_meta(encoded);
  REQUIRE(decoded);
  REQUIRE(decoded->second == 9);
  REQUIRE(decoded->first.name == "orders");
  REQUIRE(decoded->first.id == m.id);
  REQUIRE(decoded->first.configs == m.configs);
  for (size_t n = 0; n < encoded.size(); ++n) REQUIRE_FALSE(decode_topic_meta(encoded.substr(0, n)));
  // After the topic number, the record is the generated TopicMetadataValue.
  chronik::state::TopicMetadataValue v;
  chronik::wire::Reader r(reinterpret_cast<const uint8_t*>(encoded.data()) + 4, encoded.size() - 4);
  v.decode(r, 0);
  CHECK(r.at_end());
  CHECK(v.name == "orders");
  CHECK(v.topic_id == m.id);
  CHECK(v.partition_count == 12);
  REQUIRE(v.configs.size() == 2);
  CHECK(v.configs[1].name == "retention.ms");
}

// Not run by default: ./log_tests "[.bench]"
TEST_CASE("append throughput and reopen time", "[.bench]") {
  TempDir dir;
  using clock = std::chrono::steady_clock;
  constexpr int kPartitions = 200;
  {
    auto log = LogManager::open(dir.str());
    log->create_topic("t", kPartitions);
    for (size_t payload : {1000u, 16000u, 256000u}) {
      auto b = batch(10, payload);
      size_t n = (256u << 20) / b.size();
      auto start = clock::now();
      for (size_t i = 0; i < n; ++i) log->partition("t", static_cast<int32_t>(i % 8))->append(b);
      double s = std::chrono::duration<double>(clock::now() - start).count();
      WARN("append " << b.size() << " B batches: " << n / s << " batches/s, "
                     << (n * b.size()) / s / (1 << 20) << " MB/s");
    }
    auto b = batch(10, 1000);
    AppendOptions o;
    o.sync = true;
    auto start = clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
      threads.emplace_back([&, t] { for (int i = 0; i < 200; ++i) log->partition("t", 100 + t)->append(b, o); });
    for (auto& th : threads) th.join();
    double s = std::chrono::duration<double>(clock::now() - start).count();
    WARN("sync appends, 8 threads: " << 1600 / s << " appends/s");
    for (int p = 0; p < kPartitions; ++p) log->partition("t", p)->append(b);
  }
  auto start = clock::now();
  auto log = LogManager::open(dir.str());
  double s = std::chrono::duration<double>(clock::now() - start).count();
  WARN("reopen with " << kPartitions << " partitions, " << test::dir_size(dir.path()) / (1 << 20)
                      << " MB: " << s * 1000 << " ms");
}

TEST_CASE("retention follows the broker configuration", "[log]") {
  TempDir dir;
  auto cfg = std::make_shared<const chronik::config::BrokerConfig>(
      chronik::config::BrokerConfig::from_properties(chronik::config::parse_properties(
          "log.retention.minutes=1\nlog.retention.check.interval.ms=10\nlog.flush.interval.ms=50\n")));
  auto options = log_manager_options([cfg] { return cfg; });
  REQUIRE(options.retention_ms == 60000);
  REQUIRE(options.retention_check_interval_ms == 10);
  REQUIRE(options.flush_interval_ms == 50);
  auto log = LogManager::open(dir.str(), options);
  log->create_topic("inherits", 1);
  log->create_topic("own", 1, {{"retention.ms", "-1"}});
  log->create_topic("compacted", 1, {{"cleanup.policy", "compact"}});
  for (const char* t : {"inherits", "own", "compacted"}) {
    log->partition(t, 0)->append(make_batch({1, 0, 0}));
    log->partition(t, 0)->append(make_batch({1, 100000, 100000}));
  }
  log->enforce_retention(130000);
  REQUIRE(log->partition("inherits", 0)->log_start_offset() == 1);
  REQUIRE(log->partition("own", 0)->log_start_offset() == 0);
  REQUIRE(log->partition("compacted", 0)->log_start_offset() == 0);
}

TEST_CASE("the time index gives the same answers as a full scan", "[log]") {
  TempDir dir;
  // Timestamps mostly rising, with stragglers, so the running max matters.
  std::vector<std::pair<int64_t, int32_t>> batches;  // (maxTimestamp, records)
  std::mt19937 rng(7);
  for (int i = 0; i < 400; ++i) {
    int64_t ts = 1000 + i * 10 + static_cast<int64_t>(rng() % 50);
    if (i % 17 == 0) ts -= 300;
    batches.emplace_back(ts, 1 + static_cast<int32_t>(rng() % 3));
  }
  auto expected = [&](int64_t ts, int64_t start) -> int64_t {
    int64_t base = 0;
    for (auto [max_ts, n] : batches) {
      if (base + n > start && max_ts >= ts) return std::max(base, start);
      base += n;
    }
    return -1;
  };
  auto check_all = [&](Partition& p) {
    for (int64_t ts = 500; ts <= 5200; ts += 7) {
      auto got = p.offset_for_timestamp(ts);
      INFO("ts " << ts);
      REQUIRE((got ? got->offset : -1) == expected(ts, p.log_start_offset()));
    }
  };
  {
    auto log = LogManager::open(dir.str());
    log->create_topic("t", 1);
    auto p = log->partition("t", 0);
    p->set_index_interval_bytes(500);  // an entry every few batches
    for (auto [ts, n] : batches) p->append(make_batch({n, ts - 5, ts, 100}));
    int entries = 0;
    std::unique_ptr<leveldb::Iterator> it(log->storage().index_db()->NewIterator(leveldb::ReadOptions()));
    for (it->Seek("x"); it->Valid() && it->key().starts_with("x"); it->Next()) ++entries;
    REQUIRE(entries > 50);
    check_all(*p);
    auto m = p->max_timestamp();
    REQUIRE(m->timestamp == std::max_element(batches.begin(), batches.end())->first);
  }
  auto log = LogManager::open(dir.str());
  auto p = log->partition("t", 0);
  check_all(*p);
  p->delete_records_before(300);
  check_all(*p);
  // Appends after recovery continue the running max correctly.
  p->set_index_interval_bytes(500);
  for (int i = 0; i < 30; ++i) {
    batches.emplace_back(6000 + i, 1);
    p->append(make_batch({1, 6000 + i, 6000 + i, 100}));
  }
  check_all(*p);
  REQUIRE(p->offset_for_timestamp(6010)->timestamp == 6010);
}

TEST_CASE("storage properties: Chronik's write stall counters and LevelDB's own", "[log]") {
  TempDir dir;
  auto storage = Storage::open(dir.str());
  storage->put_meta("k", "v");
  CHECK(storage->property("chronik.write-slowdowns") == "0");  // an empty level 0
  CHECK(storage->property("chronik.write-stops") == "0");
  CHECK(storage->property("chronik.write-stall-micros") == "0");
  CHECK(storage->property("leveldb.num-files-at-level0").has_value());
  CHECK_FALSE(storage->property("no.such.property").has_value());
}

TEST_CASE("stored batches are never rewritten by LevelDB's compactions", "[log]") {
  // Appends interleaved over many partitions still reach the batches database in key
  // order, so every flushed table moves down the levels as it is.
  TempDir dir;
  LogManagerOptions options;
  options.storage.write_buffer_size = 1 << 20;
  options.storage.max_file_size = 1 << 20;
  auto log = LogManager::open(dir.str(), options);
  log->create_topic("t", 8);
  for (int i = 0; i < 640; ++i)
    log->partition("t", i % 8)->append(make_batch({4, 1000, 1000, 32 << 10, static_cast<uint8_t>(i)}));
  log->flush();
  log->storage().compact_batches(0, UINT64_MAX);
  auto stats = log->storage().property("leveldb.stats");
  REQUIRE(stats);
  INFO(*stats);
  // Rows "level files size time read write": every compaction read nothing.
  std::istringstream in(*stats);
  std::string line;
  int rows = 0;
  while (std::getline(in, line)) {
    std::istringstream row(line);
    int level = 0, files = 0;
    double size = 0, seconds = 0, read = -1, written = 0;
    if (row >> level >> files >> size >> seconds >> read >> written) {
      ++rows;
      CHECK(read == 0);
    }
  }
  REQUIRE(rows >= 1);
  for (int p = 0; p < 8; ++p) REQUIRE(log->partition("t", p)->read(0, 64 << 20).batches.size() == 80);
}

TEST_CASE("stored batches that were never indexed are deleted on open", "[log]") {
  TempDir dir;
  {
    auto log = LogManager::open(dir.str());
    log->create_topic("t", 1);
    log->partition("t", 0)->append(batch(2));
  }
  {
    // A crash between the two writes of a commit: the batch is stored, its index entry is not.
    auto db = open_raw(dir, "batches");
    auto b = batch(5);
    REQUIRE(db->Put(leveldb::WriteOptions(), keys::stored_batch_key(2),
                    leveldb::Slice(reinterpret_cast<const char*>(b.data()), b.size())).ok());
  }
  auto log = LogManager::open(dir.str());
  std::string value;
  REQUIRE(log->storage().batch_db()->Get(leveldb::ReadOptions(), keys::stored_batch_key(2), &value).IsNotFound());
  auto p = log->partition("t", 0);
  REQUIRE(p->log_end_offset() == 2);
  REQUIRE(p->append(batch(3)).base_offset == 2);
  auto r = p->read(0, 1 << 20);
  REQUIRE(r.batches.size() == 2);
  REQUIRE(base_offset_of(r.batches[1].span()) == 2);
}

TEST_CASE("a deletion interrupted after its stored batches went is finished on open", "[log]") {
  TempDir dir;
  {
    auto log = LogManager::open(dir.str());
    log->create_topic("t", 1);
    for (int i = 0; i < 4; ++i) log->partition("t", 0)->append(batch(2));
  }
  const std::string first = stored_key_of(dir, 1, 0, 1), second = stored_key_of(dir, 1, 0, 3);
  {
    auto db = open_raw(dir, "batches");
    REQUIRE(db->Delete(leveldb::WriteOptions(), first).ok());
    REQUIRE(db->Delete(leveldb::WriteOptions(), second).ok());
  }
  auto log = LogManager::open(dir.str());
  auto p = log->partition("t", 0);
  REQUIRE(p->log_start_offset() == 4);
  REQUIRE(p->log_end_offset() == 8);
  REQUIRE(p->read(4, 1 << 20).batches.size() == 2);
  REQUIRE(p->size_bytes() == static_cast<int64_t>(2 * batch(2).size()));
}

TEST_CASE("open reads the index only for partitions that have entries or an old state record", "[log]") {
  TempDir dir;
  {
    auto log = LogManager::open(dir.str());
    log->create_topic("a", 1000);
    log->create_topic("b", 3);
    for (int i = 0; i < 3; ++i) log->partition("a", 17)->append(batch(5));
    log->partition("a", 999)->append(batch(4));
    log->partition("b", 2)->append(batch(6));
    log->partition("b", 1)->append(batch(3));
    REQUIRE(log->partition("b", 1)->delete_records_before(3).log_start_offset == 3);  // state only
  }
  {
    // Partition a-500 with a state record of the first format (log start 7, no size) and
    // no entries, and a torn index entry (no stored batch) at the end of b-2.
    auto index = open_raw(dir, "index");
    std::string v1(1, '\x01');
    keys::append_be64(v1, 7);
    REQUIRE(index->Put(leveldb::WriteOptions(), keys::partition_state_key(1, 500), v1).ok());
    keys::BatchLocation missing{999999, 100, 0, 1000};
    REQUIRE(index->Put(leveldb::WriteOptions(), keys::batch_key(2, 2, 6), keys::encode_location(missing)).ok());
  }
  auto log = LogManager::open(dir.str());
  auto offsets = [&](const std::string& topic, int32_t p) {
    auto part = log->partition(topic, p);
    return std::make_pair(part->log_start_offset(), part->log_end_offset());
  };
  CHECK(offsets("a", 0) == std::make_pair<int64_t, int64_t>(0, 0));
  CHECK(offsets("a", 17) == std::make_pair<int64_t, int64_t>(0, 15));
  CHECK(offsets("a", 500) == std::make_pair<int64_t, int64_t>(7, 7));
  CHECK(offsets("a", 998) == std::make_pair<int64_t, int64_t>(0, 0));
  CHECK(offsets("a", 999) == std::make_pair<int64_t, int64_t>(0, 4));
  CHECK(offsets("b", 0) == std::make_pair<int64_t, int64_t>(0, 0));
  CHECK(offsets("b", 1) == std::make_pair<int64_t, int64_t>(3, 3));
  CHECK(offsets("b", 2) == std::make_pair<int64_t, int64_t>(0, 6));  // the torn entry dropped
  CHECK(log->partition("b", 1)->size_bytes() == 0);
  CHECK(log->partition("a", 17)->size_bytes() == static_cast<int64_t>(3 * batch(5).size()));
  CHECK(!log->partition("a", 3)->max_timestamp());
  CHECK(log->partition("a", 3)->append(batch(2)).base_offset == 0);
  CHECK(log->partition("b", 1)->append(batch(2)).base_offset == 3);
  CHECK(log->partition("a", 3)->max_timestamp()->offset == 1);
}

TEST_CASE("a data dir of the single-database layout is refused with a clear error", "[log]") {
  TempDir dir;
  {
    leveldb::Options o;
    o.create_if_missing = true;
    leveldb::DB* raw = nullptr;
    REQUIRE(leveldb::DB::Open(o, dir.str(), &raw).ok());
    delete raw;
  }
  REQUIRE_THROWS_WITH(LogManager::open(dir.str()), Catch::Contains("single-database layout"));
}
