// Partitions written together share the batches database's tables, their batches side by
// side in the order they arrived (keys.h). A consumer of one of them must not read its
// neighbours' batches from disk as well: four partitions produced together by
// rdkafka_performance and then consumed read 2.7 bytes from disk per byte fetched (the lab
// notebook of docs/benchmarks.md: "Reading one partition's batches only").
#include <limits>

#include <catch2/catch.hpp>

#include "broker/log/log_manager.h"
#include "tests/support/failing_env.h"
#include "tests/unit/log/test_batches.h"

using namespace chronik::log;
using chronik::log::test::BatchSpec;
using chronik::log::test::TempDir;
using chronik::log::test::make_batch;

TEST_CASE("consuming one of four partitions written together reads from disk about what it fetches",
          "[log][storage]") {
  TempDir dir;
  chronik::broker::testing::FailingEnv env;
  LogManagerOptions options;
  options.storage.env = &env;
  options.storage.write_buffer_size = 1 << 20;
  constexpr int kRounds = 40;
  size_t written = 0;  // bytes of partition 0
  {
    auto log = LogManager::open(dir.str(), options);
    log->create_topic("t", 4);
    for (int round = 0; round < kRounds; ++round)
      for (int32_t partition = 0; partition < 4; ++partition) {
        // Batches as a producer with linger fills them: tens of KB, not all of one size.
        const size_t payload = 20000 + static_cast<size_t>((round * 7 + partition) % 5) * 9000;
        auto batch = make_batch(BatchSpec{1, 1000, 1000, payload});
        if (partition == 0) written += batch.size();
        REQUIRE(log->partition("t", partition)->append(batch).error == Errc::kNone);
      }
    // Everything into tables, in the order it was written.
    log->storage().compact_batches(0, std::numeric_limits<uint64_t>::max());
  }

  // A fresh store; partition 0 fetched as a consumer fetches it, 1 MiB at a time.
  auto log = LogManager::open(dir.str(), options);
  auto p = log->partition("t", 0);
  env.batch_table_bytes = 0;
  size_t fetched = 0;
  int64_t offset = 0;
  for (int fetches = 0; offset < kRounds; ++fetches) {
    REQUIRE(fetches < kRounds);
    auto r = p->read(offset, 1 << 20);
    REQUIRE(r.error == Errc::kNone);
    REQUIRE_FALSE(r.batches.empty());
    for (const auto& batch : r.batches) fetched += batch.size();
    offset += static_cast<int64_t>(r.batches.size());  // one record a batch
  }
  REQUIRE(fetched == written);
  INFO("read from tables " << env.batch_table_bytes << " bytes for " << fetched << " fetched");
  // Each batch's own block: block trailers and the tables' index blocks are the rest. (Not
  // quite all of it from the tables: opening the store read the partitions' newest batches
  // into the block cache, for the producers' state.)
  CHECK(env.batch_table_bytes > fetched * 9 / 10);
  CHECK(env.batch_table_bytes < fetched * 11 / 10);
}
