// Tables are read with pread into the block cache (broker/log/storage_env.h): reading back
// far more data than the cache holds leaves the broker's file-backed resident memory
// where it was, and every byte read is the byte written.
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "broker/log/batch_header.h"
#include "broker/log/log_manager.h"
#include "tests/unit/log/test_batches.h"

using namespace chronik::log;
using chronik::log::test::BatchSpec;
using chronik::log::test::TempDir;
using chronik::log::test::make_batch;

namespace {

// Resident pages of mapped files (kB), from /proc/self/status.
int64_t rss_file_kb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("RssFile:", 0) == 0) return std::stoll(line.substr(8));
  return -1;
}

}  // namespace

TEST_CASE("reading tables does not map them into memory", "[log]") {
  TempDir dir;
  constexpr int kBatches = 1600;  // of 64 KiB: 100 MiB, more than a memtable
  const auto batch = make_batch(BatchSpec{64, 1000, 1000, 64 * 1024 - 61, 0x5C});
  {
    auto log = LogManager::open(dir.str());
    REQUIRE(log->create_topic("t", 1).error == Errc::kNone);
    auto p = log->partition("t", 0);
    for (int i = 0; i < kBatches; ++i) REQUIRE(p->append(batch).error == Errc::kNone);
  }
  // Reopened, everything is in tables on disk (LevelDB writes the recovered log out).
  auto log = LogManager::open(dir.str());
  auto p = log->partition("t", 0);
  REQUIRE(p->log_end_offset() == int64_t{kBatches} * 64);

  const int64_t before = rss_file_kb();
  REQUIRE(before >= 0);
  int64_t offset = 0;
  size_t batches = 0;
  while (offset < p->log_end_offset()) {
    auto r = p->read(offset, 1 << 20);
    REQUIRE(r.error == Errc::kNone);
    REQUIRE_FALSE(r.batches.empty());
    for (const auto& b : r.batches) {
      REQUIRE(b.size() == batch.size());
      // Everything after the base offset (which the log assigned) is as appended.
      REQUIRE(std::equal(b.span().begin() + 8, b.span().end(), batch.begin() + 8));
      ++batches;
    }
    offset += static_cast<int64_t>(r.batches.size()) * 64;
  }
  REQUIRE(batches == kBatches);
  // Through mmap the 100 MiB read would stay resident; the block cache holds at most 64 MiB
  // of it, on the heap.
  CHECK(rss_file_kb() - before < 16 * 1024);
}
