// Writes that fail halfway (a full disk), simulated with RLIMIT_FSIZE: write() then stores
// what fits and fails with EFBIG, as it does with ENOSPC on a full file system.
//
// A failed write cuts LevelDB's log back to its last whole record (preallocated_file.h), the
// Storage then refuses every write, and reopening the dir, which appends to the same log
// (reuse_logs), gives back every acknowledged batch, also after more appends and a second
// reopen: a torn record left in the log would make LevelDB drop what follows it.
#include <signal.h>
#include <sys/resource.h>

#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "broker/log/log_manager.h"
#include "broker/log/preallocated_file.h"
#include "tests/support/failing_env.h"
#include "tests/unit/log/test_batches.h"

using namespace chronik::log;
using chronik::log::test::BatchSpec;
using chronik::log::test::TempDir;
using chronik::log::test::make_batch;

namespace {

// Limits the size of every file this process writes to `bytes` while alive.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(uint64_t bytes) {
    ::signal(SIGXFSZ, SIG_IGN);
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved_) == 0);
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
  }
  ~FileSizeLimit() { ::setrlimit(RLIMIT_FSIZE, &saved_); }

 private:
  rlimit saved_{};
};

uint64_t largest_log(const std::filesystem::path& dir) {
  uint64_t largest = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".log") largest = std::max<uint64_t>(largest, e.file_size());
  return largest;
}

}  // namespace

TEST_CASE("a failed write cuts the file back to its last flushed record and fails from then on", "[log]") {
  TempDir dir;
  const std::string path = (dir.path() / "000001.log").string();
  leveldb::WritableFile* raw = nullptr;
  REQUIRE(new_preallocated_file(path, &raw).ok());
  std::unique_ptr<leveldb::WritableFile> file(raw);
  REQUIRE(file->Append(std::string(1000, 'a')).ok());
  REQUIRE(file->Flush().ok());
  {
    FileSizeLimit limit(1000 + 300);
    REQUIRE(file->Append(std::string(500, 'b')).ok());  // buffered
    REQUIRE_FALSE(file->Flush().ok());                  // 300 of them written, then EFBIG
  }
  REQUIRE(std::filesystem::file_size(path) == 1000);
  REQUIRE_FALSE(file->Append(std::string(10, 'c')).ok());
  REQUIRE_FALSE(file->Sync().ok());
  file.reset();
  REQUIRE(std::filesystem::file_size(path) == 1000);

  // Reopened to append (LevelDB reusing its log): after what the file holds.
  REQUIRE(reopen_preallocated_file(path, &raw).ok());
  file.reset(raw);
  REQUIRE(file->Append(std::string(24, 'd')).ok());
  REQUIRE(file->Close().ok());
  REQUIRE(std::filesystem::file_size(path) == 1024);
}

TEST_CASE("after a failed write the storage refuses writes, and reopening it gives back every "
          "acknowledged batch", "[log]") {
  TempDir dir;
  std::vector<int64_t> acked_last;  // last offset of each acknowledged append, in order
  auto append = [&](LogManager& log, size_t payload) {
    auto p = log.partition("t", 0);
    auto r = p->append(make_batch(BatchSpec{4, 1000, 1000, payload}));
    REQUIRE(r.error == Errc::kNone);
    acked_last.push_back(r.last_offset);
  };
  auto require_acked = [&](LogManager& log) {
    auto p = log.partition("t", 0);
    REQUIRE(p->log_end_offset() == acked_last.back() + 1);
    auto read = p->read(0, 64 << 20);
    REQUIRE(read.error == Errc::kNone);
    REQUIRE(read.batches.size() == acked_last.size());
  };

  {
    auto log = LogManager::open(dir.str());
    REQUIRE(log->create_topic("t", 1).error == Errc::kNone);
    for (int i = 0; i < 20; ++i) append(*log, 1000);
    {
      FileSizeLimit limit(largest_log(dir.path() / "batches") + 70000);
      auto p = log->partition("t", 0);
      REQUIRE_THROWS_AS(p->append(make_batch(BatchSpec{4, 1000, 1000, 200000})), StorageError);
    }
    REQUIRE(log->storage().failed());
    // Every later write fails without touching the databases, however small.
    REQUIRE_THROWS_AS(log->partition("t", 0)->append(make_batch(BatchSpec{1, 1000, 1000, 10})),
                      StorageError);
    REQUIRE_THROWS_AS(log->storage().put_meta("k", "v"), StorageError);
    require_acked(*log);  // reads go on
  }
  {
    auto log = LogManager::open(dir.str());
    REQUIRE_FALSE(log->storage().failed());
    require_acked(*log);
    for (int i = 0; i < 20; ++i) append(*log, 1000);
    require_acked(*log);
  }
  auto log = LogManager::open(dir.str());
  require_acked(*log);
}

TEST_CASE("after a failed write nothing more is written, also what a database would still take",
          "[log]") {
  TempDir dir;
  chronik::broker::testing::FailingEnv env;  // outlives the databases
  LogManagerOptions options;
  options.storage.env = &env;
  auto log = LogManager::open(dir.str(), options);
  REQUIRE(log->create_topic("t", 1).error == Errc::kNone);
  auto p = log->partition("t", 0);
  REQUIRE(p->append(make_batch(BatchSpec{4, 1000, 1000, 100})).error == Errc::kNone);

  env.fail_writes = true;
  REQUIRE_THROWS_AS(p->append(make_batch(BatchSpec{1, 1000, 1000, 10})), StorageError);
  env.fail_writes = false;  // the disk takes writes again; the failed Storage does not
  REQUIRE(log->storage().failed());
  REQUIRE_THROWS_AS(log->storage().put_meta("k", "v"), StorageError);
  REQUIRE_FALSE(log->storage().get_meta("k"));
  // A deletion that failed deleted nothing: neither the batch nor its index entry.
  REQUIRE_THROWS_AS(p->delete_records_before(4), StorageError);
  REQUIRE(p->log_start_offset() == 0);
  auto read = p->read(0, 1 << 20);
  REQUIRE(read.error == Errc::kNone);
  REQUIRE(read.batches.size() == 1);
  // A deletion of the topic that failed leaves it as it was, appends answered as before.
  REQUIRE_THROWS_AS(log->delete_topic("t"), StorageError);
  REQUIRE(log->topic("t"));
  REQUIRE_THROWS_AS(p->append(make_batch(BatchSpec{1, 1000, 1000, 10})), StorageError);

  log.reset();
  log = LogManager::open(dir.str(), options);
  p = log->partition("t", 0);
  REQUIRE(p->log_end_offset() == 4);
  REQUIRE(p->read(0, 1 << 20).batches.size() == 1);
  REQUIRE(p->append(make_batch(BatchSpec{1, 1000, 1000, 10})).error == Errc::kNone);
}

TEST_CASE("an idempotent producer's batch whose write failed is neither in its state nor stored",
          "[log][producer]") {
  TempDir dir;
  auto idempotent = [](int32_t sequence, size_t payload) {
    BatchSpec spec{4, 1000, 1000, payload};
    spec.producer_id = 42;
    spec.producer_epoch = 0;
    spec.base_sequence = sequence;
    return make_batch(spec);
  };
  {
    auto log = LogManager::open(dir.str());
    REQUIRE(log->create_topic("t", 1).error == Errc::kNone);
    auto p = log->partition("t", 0);
    for (int32_t i = 0; i < 3; ++i) REQUIRE(p->append(idempotent(4 * i, 1000)).base_offset == 4 * i);
    {
      FileSizeLimit limit(largest_log(dir.path() / "batches") + 70000);
      REQUIRE_THROWS_AS(p->append(idempotent(12, 200000)), StorageError);
    }
    // Its retry is checked against the state before it: no duplicate, it reaches the (failed)
    // storage again.
    REQUIRE_THROWS_AS(p->append(idempotent(12, 200000)), StorageError);
    auto retry_of_acked = p->append(idempotent(8, 1000));
    REQUIRE(retry_of_acked.duplicate);
    REQUIRE(retry_of_acked.base_offset == 8);
  }
  auto log = LogManager::open(dir.str());
  auto p = log->partition("t", 0);
  REQUIRE(p->log_end_offset() == 12);
  auto retry = p->append(idempotent(12, 1000));
  REQUIRE(retry.error == Errc::kNone);
  REQUIRE_FALSE(retry.duplicate);
  REQUIRE(retry.base_offset == 12);
  REQUIRE(p->append(idempotent(8, 1000)).base_offset == 8);  // a duplicate still
}
