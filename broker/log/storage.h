// The log dir's two LevelDB databases: the engine under every partition, topic and service
// record.
//
//   <dir>/batches  record batches, verbatim, keyed by a sequence number that grows with
//                  every stored batch across all partitions
//   <dir>/index    everything else: each partition's batch index (last offset -> sequence),
//                  time index, partition state, topics, and other services' records
//
// Why two: the batches database only ever receives keys larger than every key it holds, so
// each table LevelDB flushes overlaps no other and moves down the levels without being
// rewritten (a database whose tables mixed the partitions' keys, or small index keys with
// batches, had to merge every table with the ones below it, level after level: half of the
// broker's produce CPU). A commit writes the batches database first and then the index
// database; recovery deletes stored batches that no index write refers to (appends that
// were never acknowledged) and checks each partition's first and last indexed batch.
//
// Storage owns the databases, the group committer and the generic metadata keyspace.
// Partitions and the LogManager build on it (a partition keeps its idempotent producers'
// state in the metadata keyspace, written with its batches); other services (groups,
// transactions) persist their small records through MetaBatch, atomically with a
// partition's index entries when they need to (Partition::append takes an optional
// MetaBatch).
//
// Thread safety: every method may be called from any thread. Calls block on disk: Produce
// and Fetch run them on the network threads (a synced commit waits for the group committer),
// everything else on the worker pool (docs/architecture.md).
#pragma once

#include <atomic>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

namespace leveldb {
class Cache;
class Env;
}

namespace chronik::log {

// An I/O or corruption failure of the engine, or a data dir that cannot be opened.
class StorageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct StorageOptions {
  // Memtable size of the batches database: large, so that batches reach disk in few, large
  // files. The index database uses a sixteenth of it.
  size_t write_buffer_size = 16 << 20;
  // Target SST size.
  size_t max_file_size = 64 << 20;
  // SST block size. Values are whole record batches, stored in the order they arrived, so a
  // block holds batches of every partition written at the time, and reading one partition
  // reads its batches' whole blocks. A batch of this size or more closes its block: the
  // larger batches of librdkafka get blocks of their own, full batches of the Java client
  // (batch.size 16 KiB) share one with at most one other. With 64 KiB blocks, consuming one of
  // four partitions produced together read 1.5-1.9 bytes from disk per byte fetched
  // (tests/unit/log/interleaved_read_test.cc); smaller blocks cost a read per few batches
  // where batches are small.
  size_t block_size = 16 << 10;
  // LRU cache of uncompressed blocks of both databases (tail reads of consumers that keep
  // up).
  size_t block_cache_bytes = 32 << 20;
  int max_open_files = 1000;
  // Also check LevelDB's own checksums on every read (slower).
  bool paranoid_checks = false;
  // The file system both databases are opened with; nullptr: storage_env() (the broker's).
  // Tests pass one that fails reads, writes or syncs on demand (tests/support/failing_env.h).
  // REQUIRES: outlives the Storage.
  leveldb::Env* env = nullptr;
};

// Writes to the metadata keyspace ('m' prefix), applied atomically with whatever else the
// batch carries. Keys are the caller's, e.g. "group/<id>/offset/<topic>/<partition>";
// pick a distinct first segment per service.
class MetaBatch {
 public:
  void put(std::string_view key, std::string_view value);
  void erase(std::string_view key);
  bool empty() const { return count_ == 0; }
  leveldb::WriteBatch& raw() { return batch_; }

 private:
  leveldb::WriteBatch batch_;
  size_t count_ = 0;
};

class Storage {
 public:
  // Opens (creating if missing) the databases under `dir`. Throws StorageError; when another
  // process (or another Storage in this process) holds the dir, the message says
  // "data dir <dir> is in use by another process".
  static std::unique_ptr<Storage> open(const std::string& dir, const StorageOptions& options = {});
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  const std::string& dir() const { return dir_; }
  leveldb::DB* index_db() { return index_db_.get(); }
  // Keys are keys::stored_batch_key(sequence).
  leveldb::DB* batch_db() { return batch_db_.get(); }

  // Stores `batches` under consecutive new sequence numbers and applies the index changes
  // that `index(first_sequence, changes)` adds to `changes` (called once, under the
  // committer's lock: keep it short). Concurrent callers are merged into one write per
  // database (group commit), fsynced when any member asks for `sync`. Returns the first
  // sequence once everything is applied (and durable when `sync`). Throws StorageError.
  uint64_t append(std::span<const std::span<uint8_t>> batches,
                  const std::function<void(uint64_t, leveldb::WriteBatch&)>& index, bool sync);
  // Deletes the stored batches `sequences` and applies `index_changes`, in one commit.
  void erase(std::span<const uint64_t> sequences, leveldb::WriteBatch& index_changes, bool sync);
  // Applies `index_changes` to the index database atomically, in one commit.
  void write(leveldb::WriteBatch& index_changes, bool sync);
  // Makes every write applied so far durable (one fsync of each database's log).
  void flush();
  // Whether a write failed (see failed_generation_): every write fails from then on, reads
  // still work. Recovering takes closing and reopening the dir.
  bool failed() const;

  // Generic metadata keyspace. `key` is the caller's key (the 'm' prefix is added here).
  void put_meta(std::string_view key, std::string_view value, bool sync = false);
  std::optional<std::string> get_meta(std::string_view key);
  void erase_meta(std::string_view key, bool sync = false);
  // Every (key, value) whose key starts with `prefix`, in key order, prefix included.
  std::vector<std::pair<std::string, std::string>> scan_meta(std::string_view prefix);
  void write_meta(MetaBatch& batch, bool sync = false) { write(batch.raw(), sync); }

  // Compacts index keys [begin, end), or the stored batches with sequences in
  // [first, last], so that deleted data leaves the disk.
  void compact_index(const std::string& begin, const std::string& end);
  void compact_batches(uint64_t first, uint64_t last);

  // Throws StorageError with `what` when `s` is not ok.
  static void check(const leveldb::Status& s, std::string_view what);

  // Number of commits (tests: group commit merged writes).
  uint64_t physical_writes() const;
  // A LevelDB property of the batches database (GetProperty; "index.<name>" asks the index
  // database; "leveldb.approximate-memory-usage" is the sum of both), or Chronik's own:
  // "chronik.write-slowdowns" and "chronik.write-stops" (writes without fsync that took
  // 1 ms or more while level 0 was full enough for LevelDB to throttle or stop writers)
  // and "chronik.write-stall-micros" (time those writes took).
  std::optional<std::string> property(const std::string& name) const;

 private:
  struct Commit;
  Storage() = default;
  void recover_sequences();
  // REQUIRES: lock holds commit_mu_ and the caller's changes are in pending_. Returns once
  // they are applied.
  void commit(std::unique_lock<std::mutex>& lock, bool sync);
  leveldb::Status write_commit(Commit& c);

  std::string dir_;
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<leveldb::DB> index_db_;
  std::unique_ptr<leveldb::DB> batch_db_;

  // The group committer: callers add their changes to the pending commit; one of them at a
  // time writes a pending commit while the next one fills up.
  mutable std::mutex commit_mu_;
  std::condition_variable committed_cv_;
  std::unique_ptr<Commit> pending_;
  // The last commit written, emptied, for the next one: a WriteBatch grows by doubling, and
  // one grown afresh for every produce request copied each batch twice more.
  std::unique_ptr<Commit> spare_;
  uint64_t pending_generation_ = 1;
  uint64_t committed_generation_ = 0;
  bool writing_ = false;
  // The first commit that failed: later ones fail too, without writing. A failed LevelDB
  // write may leave its log in a state where later records would be lost on reopen (a
  // non-sync write that failed halfway leaves LevelDB's log writer misaligned), and a failed
  // sync or compaction makes LevelDB refuse writes for good: only a new Storage (closing and
  // reopening the databases) writes again.
  uint64_t failed_generation_ = UINT64_MAX;
  leveldb::Status failure_;
  uint64_t next_sequence_ = 1;
  uint64_t physical_writes_ = 0;
  std::atomic<uint64_t> write_slowdowns_{0};
  std::atomic<uint64_t> write_stops_{0};
  std::atomic<uint64_t> write_stall_micros_{0};
};

}  // namespace chronik::log
