#include "broker/log/storage.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <algorithm>
#include <set>

#include <leveldb/cache.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <spdlog/spdlog.h>

#include "broker/log/keys.h"
#include "broker/log/storage_env.h"
#include "broker/config/loggers.h"

namespace chronik::log {

void MetaBatch::put(std::string_view key, std::string_view value) {
  batch_.Put(keys::meta_key(key), leveldb::Slice(value.data(), value.size()));
  ++count_;
}

void MetaBatch::erase(std::string_view key) {
  batch_.Delete(keys::meta_key(key));
  ++count_;
}

// What one group commit writes: stored batches (and their deletions), then index changes.
struct Storage::Commit {
  leveldb::WriteBatch batches;
  leveldb::WriteBatch index;
  bool has_batches = false;
  bool has_index = false;
  bool sync = false;
  uint64_t last_sequence = 0;  // of the batches stored by this commit; 0: none

  void clear() {
    batches.Clear();  // keeps its buffer's capacity
    index.Clear();
    has_batches = has_index = sync = false;
    last_sequence = 0;
  }
};

void Storage::check(const leveldb::Status& s, std::string_view what) {
  if (!s.ok()) throw StorageError(std::string(what) + ": " + s.ToString());
}

namespace {

// The largest commit kept for reuse: a few produce requests' worth, not a burst's.
constexpr size_t kKeptCommitBytes = 8 << 20;

// The tables and logs in `path` (LevelDB names them <number>.ldb and <number>.log).
std::set<std::string> data_files(const std::string& path) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(path, ec)) {
    const std::string name = e.path().filename().string();
    if (name.ends_with(".ldb") || name.ends_with(".log")) out.insert(name);
  }
  return out;
}

std::unique_ptr<leveldb::DB> open_db(const std::string& dir, const std::string& path,
                                     leveldb::Options opts) {
  const std::set<std::string> before = data_files(path);
  leveldb::DB* db = nullptr;
  leveldb::Status s = leveldb::DB::Open(opts, path, &db);
  if (!s.ok()) {
    // An open that failed (a full disk, mostly) may have written a table of the replayed log
    // and a new log before the manifest change that would have named them failed: nothing
    // refers to them, and every further failed start would leave another pair behind.
    for (const auto& name : data_files(path))
      if (!before.count(name)) {
        std::error_code ec;
        std::filesystem::remove(std::filesystem::path(path) / name, ec);
      }
    // LevelDB reports a held LOCK file as an IOError "lock <dir>/LOCK: ..." (another
    // process holds the fcntl lock, or this process already opened it).
    std::string text = s.ToString();
    if (s.IsIOError() && text.find("/LOCK") != std::string::npos)
      throw StorageError("data dir " + dir + " is in use by another process (" + text + ")");
    throw StorageError("cannot open data dir " + dir + ": " + text);
  }
  return std::unique_ptr<leveldb::DB>(db);
}

}  // namespace

std::unique_ptr<Storage> Storage::open(const std::string& dir, const StorageOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw StorageError("cannot create data dir " + dir + ": " + ec.message());
  // Chronik before the two-database layout kept one LevelDB in the dir itself.
  if (std::filesystem::exists(std::filesystem::path(dir) / "CURRENT"))
    throw StorageError("data dir " + dir + " holds the single-database layout of an older Chronik, "
                       "which this version cannot read; move it away or point log.dirs elsewhere");

  std::unique_ptr<Storage> storage(new Storage());
  storage->dir_ = dir;
  storage->cache_.reset(leveldb::NewLRUCache(options.block_cache_bytes));
  storage->pending_ = std::make_unique<Commit>();

  leveldb::Options opts;
  opts.create_if_missing = true;
  opts.compression = leveldb::kNoCompression;  // batches arrive compressed by clients
  opts.write_buffer_size = options.write_buffer_size;
  opts.max_file_size = options.max_file_size;
  opts.block_size = options.block_size;
  opts.block_cache = storage->cache_.get();
  opts.max_open_files = options.max_open_files;
  opts.paranoid_checks = options.paranoid_checks;
  opts.env = options.env ? options.env : storage_env();
  // Reopening appends to the last log and manifest instead of writing the log out as a table
  // first (up to write_buffer_size) and starting a new manifest: a broker restarts, and the
  // storage reopens after a full disk (see LevelDbLogStore), with next to no free space.
  // LevelDB drops a record appended after a torn one when it reads the log back; our files
  // never leave a torn record behind a failed write (preallocated_file.h), and a killed
  // process leaves whole records only (each is one write()).
  opts.reuse_logs = true;

  // The index first: its LOCK is what tells a second broker that the dir is in use.
  leveldb::Options index_opts = opts;
  index_opts.write_buffer_size = std::max<size_t>(options.write_buffer_size / 16, 1 << 20);
  index_opts.block_size = 4 << 10;  // small entries, read a few at a time
  index_opts.max_open_files = std::max(options.max_open_files / 4, 64);
  storage->index_db_ = open_db(dir, (std::filesystem::path(dir) / "index").string(), index_opts);
  storage->batch_db_ = open_db(dir, (std::filesystem::path(dir) / "batches").string(), opts);
  storage->recover_sequences();
  return storage;
}

// Sequences continue after the largest one stored or indexed. Stored batches after the last
// indexed sequence were written by a commit whose index write never happened: none of them
// was acknowledged, so they are deleted.
void Storage::recover_sequences() {
  uint64_t last_indexed = 0;
  std::string value;
  leveldb::Status s = index_db_->Get(leveldb::ReadOptions(), std::string(1, keys::kLastIndexedSequence), &value);
  if (s.ok() && value.size() == 8)
    last_indexed = load_be64(reinterpret_cast<const uint8_t*>(value.data()));
  else if (!s.IsNotFound())
    check(s, "read last indexed sequence");

  leveldb::WriteBatch orphans;
  uint64_t orphan_count = 0, last_stored = 0;
  std::unique_ptr<leveldb::Iterator> it(batch_db_->NewIterator(leveldb::ReadOptions()));
  for (it->Seek(keys::stored_batch_key(last_indexed + 1)); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (keys::is_stored_batch_key(key)) last_stored = std::max(last_stored, keys::stored_batch_sequence(key));
    orphans.Delete(it->key());
    ++orphan_count;
  }
  check(it->status(), "scan unindexed batches");
  it.reset();
  if (orphan_count > 0) {
    if (last_indexed == 0 && s.IsNotFound())
      throw StorageError("data dir " + dir_ + " holds record batches but no index of them");
    ::chronik::config::named_logger("chronik.log").warn("data dir {}: deleting {} stored batches of appends interrupted before they "
                 "were indexed", dir_, orphan_count);
    leveldb::WriteOptions wo;
    wo.sync = true;
    check(batch_db_->Write(wo, &orphans), "delete unindexed batches");
  }
  next_sequence_ = std::max(last_indexed, last_stored) + 1;
}

Storage::~Storage() {
  batch_db_.reset();  // before the cache they use
  index_db_.reset();
  cache_.reset();
}

namespace {

// Writes the memtable out as a table (a range no key falls into: no key of either database
// starts with 'a').
void flush_memtable(leveldb::DB* db) {
  const leveldb::Slice nothing("a");
  db->CompactRange(&nothing, &nothing);
}

// LevelDB's CompactRange decides which levels to compact before it flushes the memtable, so
// deletions still in the memtable would land in a table it then leaves alone: flush first.
void compact_range(leveldb::DB* db, const std::string& begin, const std::string& end) {
  flush_memtable(db);
  leveldb::Slice b(begin), e(end);
  db->CompactRange(&b, &e);
}

}  // namespace

uint64_t Storage::append(std::span<const std::span<uint8_t>> batches,
                         const std::function<void(uint64_t, leveldb::WriteBatch&)>& index, bool sync) {
  std::unique_lock lock(commit_mu_);
  const uint64_t first = next_sequence_;
  next_sequence_ += batches.size();
  Commit& c = *pending_;
  for (size_t i = 0; i < batches.size(); ++i)
    c.batches.Put(keys::stored_batch_key(first + i),
                  leveldb::Slice(reinterpret_cast<const char*>(batches[i].data()), batches[i].size()));
  if (!batches.empty()) {
    c.has_batches = true;
    c.last_sequence = first + batches.size() - 1;
  }
  index(first, c.index);
  c.has_index = true;
  commit(lock, sync);
  return first;
}

void Storage::erase(std::span<const uint64_t> sequences, leveldb::WriteBatch& index_changes, bool sync) {
  // CompactRange never rewrites the lowest level holding a range, so a table holding both
  // batches and their deletions could stay there for good. With the batches in tables
  // first, the deletions land in a table above them and compaction drops both.
  if (!sequences.empty() && !failed()) flush_memtable(batch_db_.get());
  std::unique_lock lock(commit_mu_);
  Commit& c = *pending_;
  for (uint64_t seq : sequences) c.batches.Delete(keys::stored_batch_key(seq));
  c.has_batches = c.has_batches || !sequences.empty();
  c.index.Append(index_changes);
  c.has_index = true;
  commit(lock, sync);
}

void Storage::write(leveldb::WriteBatch& index_changes, bool sync) {
  std::unique_lock lock(commit_mu_);
  pending_->index.Append(index_changes);
  pending_->has_index = true;
  commit(lock, sync);
}

void Storage::commit(std::unique_lock<std::mutex>& lock, bool sync) {
  pending_->sync = pending_->sync || sync;
  const uint64_t mine = pending_generation_;
  while (committed_generation_ < mine) {
    if (writing_) {
      committed_cv_.wait(lock);
      continue;
    }
    // This caller writes the pending commit (its own changes and whatever joined them);
    // callers that arrive meanwhile fill the next one.
    std::unique_ptr<Commit> c = std::move(pending_);
    pending_ = spare_ ? std::move(spare_) : std::make_unique<Commit>();
    const uint64_t generation = pending_generation_++;
    if (failed_generation_ != UINT64_MAX) {
      // After a failure nothing more is written, though a database may accept it (one that
      // moved to a new log since): the other one would not, and half a commit is worse than
      // none (a deletion's batches gone while their index entries stay).
      committed_generation_ = generation;
      committed_cv_.notify_all();
      continue;
    }
    writing_ = true;
    ++physical_writes_;
    lock.unlock();
    const leveldb::Status s = write_commit(*c);
    lock.lock();
    writing_ = false;
    committed_generation_ = generation;
    if (!s.ok() && failed_generation_ == UINT64_MAX) failure_ = s;
    if (!s.ok()) failed_generation_ = std::min(failed_generation_, generation);
    committed_cv_.notify_all();
    if (c->batches.ApproximateSize() + c->index.ApproximateSize() <= kKeptCommitBytes) {
      c->clear();
      spare_ = std::move(c);
    }
  }
  if (mine >= failed_generation_) throw StorageError(failure_.ToString());
}

bool Storage::failed() const {
  std::lock_guard lock(commit_mu_);
  return failed_generation_ != UINT64_MAX;
}

// Batches first: an index entry is never visible (nor durable, when syncing) before the
// batch it points at.
leveldb::Status Storage::write_commit(Commit& c) {
  leveldb::WriteOptions wo;
  wo.sync = c.sync;
  if (c.has_batches) {
    const auto started = std::chrono::steady_clock::now();
    leveldb::Status s = batch_db_->Write(wo, &c.batches);
    if (!s.ok()) return leveldb::Status::IOError("writing record batches", s.ToString());
    // LevelDB delays a write by 1 ms while level 0 has kL0_SlowdownWritesTrigger (8) files
    // and stops writers at kL0_StopWritesTrigger (12). Only a write that took that long
    // looks at level 0 (the property takes the DB mutex), to count stalls and their time.
    const auto elapsed = std::chrono::steady_clock::now() - started;
    if (!c.sync && elapsed >= std::chrono::milliseconds(1)) {
      std::string level0;
      const int l0_files = batch_db_->GetProperty("leveldb.num-files-at-level0", &level0) ? std::atoi(level0.c_str()) : 0;
      if (l0_files >= 8) {
        (l0_files >= 12 ? write_stops_ : write_slowdowns_).fetch_add(1, std::memory_order_relaxed);
        write_stall_micros_.fetch_add(
            static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()),
            std::memory_order_relaxed);
      }
    }
  }
  if (c.last_sequence != 0) {
    std::string value;
    keys::append_be64(value, c.last_sequence);
    c.index.Put(std::string(1, keys::kLastIndexedSequence), value);
  }
  if (c.has_index || c.sync) {
    // An empty batch still makes LevelDB fsync its log when syncing.
    leveldb::Status s = index_db_->Write(wo, &c.index);
    if (!s.ok()) return leveldb::Status::IOError("writing the index", s.ToString());
  }
  return leveldb::Status::OK();
}

void Storage::flush() {
  std::unique_lock lock(commit_mu_);
  pending_->has_batches = true;  // an empty write still fsyncs the batches database's log
  commit(lock, true);
}

std::optional<std::string> Storage::property(const std::string& name) const {
  if (name == "chronik.write-slowdowns") return std::to_string(write_slowdowns_.load());
  if (name == "chronik.write-stops") return std::to_string(write_stops_.load());
  if (name == "chronik.write-stall-micros") return std::to_string(write_stall_micros_.load());
  std::string value;
  if (name.starts_with("index.")) {
    if (!index_db_->GetProperty(name.substr(6), &value)) return std::nullopt;
    return value;
  }
  if (!batch_db_->GetProperty(name, &value)) return std::nullopt;
  if (name == "leveldb.approximate-memory-usage") {
    std::string index_value;
    if (index_db_->GetProperty(name, &index_value))
      return std::to_string(std::strtoull(value.c_str(), nullptr, 10) +
                            std::strtoull(index_value.c_str(), nullptr, 10));
  }
  return value;
}

uint64_t Storage::physical_writes() const {
  std::lock_guard lock(commit_mu_);
  return physical_writes_;
}

void Storage::put_meta(std::string_view key, std::string_view value, bool sync) {
  MetaBatch b;
  b.put(key, value);
  write(b.raw(), sync);
}

std::optional<std::string> Storage::get_meta(std::string_view key) {
  std::string value;
  leveldb::Status s = index_db_->Get(leveldb::ReadOptions(), keys::meta_key(key), &value);
  if (s.IsNotFound()) return std::nullopt;
  check(s, "get");
  return value;
}

void Storage::erase_meta(std::string_view key, bool sync) {
  MetaBatch b;
  b.erase(key);
  write(b.raw(), sync);
}

std::vector<std::pair<std::string, std::string>> Storage::scan_meta(std::string_view prefix) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string start = keys::meta_key(prefix);
  std::unique_ptr<leveldb::Iterator> it(index_db_->NewIterator(leveldb::ReadOptions()));
  for (it->Seek(start); it->Valid() && it->key().starts_with(start); it->Next())
    out.emplace_back(it->key().ToString().substr(1), it->value().ToString());
  check(it->status(), "scan");
  return out;
}

void Storage::compact_index(const std::string& begin, const std::string& end) {
  compact_range(index_db_.get(), begin, end);
}

void Storage::compact_batches(uint64_t first, uint64_t last) {
  compact_range(batch_db_.get(), keys::stored_batch_key(first), keys::stored_batch_key(last));
}

}  // namespace chronik::log
