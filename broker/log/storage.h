// One LevelDB per log dir: the engine under every partition, topic and service record.
//
// Storage owns the DB, the group committer and the generic metadata keyspace. Partitions
// and the LogManager build on it; other services (groups, producer state, transactions)
// persist their small records through MetaBatch, atomically with record batches when they
// need to (Partition::append takes an optional MetaBatch).
//
// Thread safety: every method may be called from any thread. Calls block on disk; the
// network layer runs them on its worker pool.
#pragma once

#include <atomic>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

namespace leveldb {
class Cache;
}

namespace chronik::log {

// An I/O or corruption failure of the engine, or a data dir that cannot be opened.
class StorageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct StorageOptions {
  // Memtable size: large, so that big batches reach disk in few, large files.
  size_t write_buffer_size = 64 << 20;
  // Target SST size.
  size_t max_file_size = 64 << 20;
  // SST block size: values are whole record batches, mostly large.
  size_t block_size = 64 << 10;
  // LRU cache of uncompressed blocks (tail reads of consumers that keep up).
  size_t block_cache_bytes = 64 << 20;
  int max_open_files = 1000;
  // Also check LevelDB's own checksums on every read (slower).
  bool paranoid_checks = false;
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
  // Opens (creating if missing) the database in `dir`. Throws StorageError; when another
  // process (or another Storage in this process) holds the dir, the message says
  // "data dir <dir> is in use by another process".
  static std::unique_ptr<Storage> open(const std::string& dir, const StorageOptions& options = {});
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  const std::string& dir() const { return dir_; }
  leveldb::DB* db() { return db_.get(); }

  // Applies `batch` atomically. Concurrent callers are merged into one LevelDB write (group
  // commit): the group is fsynced once when any member asks for `sync`. Returns once the
  // write is applied (and durable when `sync`). Throws StorageError.
  void write(leveldb::WriteBatch& batch, bool sync);
  // Makes every write applied so far durable (one fsync of LevelDB's log).
  void flush();

  // Generic metadata keyspace. `key` is the caller's key (the 'm' prefix is added here).
  void put_meta(std::string_view key, std::string_view value, bool sync = false);
  std::optional<std::string> get_meta(std::string_view key);
  void erase_meta(std::string_view key, bool sync = false);
  // Every (key, value) whose key starts with `prefix`, in key order, prefix included.
  std::vector<std::pair<std::string, std::string>> scan_meta(std::string_view prefix);
  void write_meta(MetaBatch& batch, bool sync = false) { write(batch.raw(), sync); }

  // Compacts raw keys [begin, end) so that deleted data leaves the disk.
  void compact(const std::string& begin, const std::string& end);
  // Approximate bytes on disk of raw keys [begin, end) (SST files only, not the memtable).
  uint64_t approximate_size(const std::string& begin, const std::string& end);

  // Throws StorageError with `what` when `s` is not ok.
  static void check(const leveldb::Status& s, std::string_view what);

  // Number of LevelDB writes issued by the committer (tests: group commit merged writes).
  uint64_t physical_writes() const;
  // A LevelDB property (GetProperty), or Chronik's own: "chronik.write-slowdowns" and
  // "chronik.write-stops" (writes without fsync that took 1 ms or more while level 0 was
  // full enough for LevelDB to throttle or stop writers) and "chronik.write-stall-micros"
  // (time those writes took).
  std::optional<std::string> property(const std::string& name) const;

 private:
  struct Writer;
  Storage() = default;

  std::string dir_;
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<leveldb::DB> db_;

  mutable std::mutex commit_mu_;
  std::deque<Writer*> writers_;
  uint64_t physical_writes_ = 0;
  std::atomic<uint64_t> write_slowdowns_{0};
  std::atomic<uint64_t> write_stops_{0};
  std::atomic<uint64_t> write_stall_micros_{0};
};

}  // namespace chronik::log
