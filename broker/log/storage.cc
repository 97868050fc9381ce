#include "broker/log/storage.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include <leveldb/cache.h>
#include <leveldb/options.h>
#include <spdlog/spdlog.h>

#include "broker/log/keys.h"
#include "broker/log/pread_env.h"

namespace chronik::log {

void MetaBatch::put(std::string_view key, std::string_view value) {
  batch_.Put(keys::meta_key(key), leveldb::Slice(value.data(), value.size()));
  ++count_;
}

void MetaBatch::erase(std::string_view key) {
  batch_.Delete(keys::meta_key(key));
  ++count_;
}

// One caller of write(), queued until a leader has written its batch.
struct Storage::Writer {
  leveldb::WriteBatch* batch = nullptr;
  bool sync = false;
  bool done = false;
  leveldb::Status status;
  std::condition_variable cv;
};

void Storage::check(const leveldb::Status& s, std::string_view what) {
  if (!s.ok()) throw StorageError(std::string(what) + ": " + s.ToString());
}

std::unique_ptr<Storage> Storage::open(const std::string& dir, const StorageOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw StorageError("cannot create data dir " + dir + ": " + ec.message());

  std::unique_ptr<Storage> storage(new Storage());
  storage->dir_ = dir;
  storage->cache_.reset(leveldb::NewLRUCache(options.block_cache_bytes));

  leveldb::Options opts;
  opts.create_if_missing = true;
  opts.compression = leveldb::kNoCompression;  // batches arrive compressed by clients
  opts.write_buffer_size = options.write_buffer_size;
  opts.max_file_size = options.max_file_size;
  opts.block_size = options.block_size;
  opts.block_cache = storage->cache_.get();
  opts.max_open_files = options.max_open_files;
  opts.paranoid_checks = options.paranoid_checks;
  opts.env = pread_env();

  leveldb::DB* db = nullptr;
  leveldb::Status s = leveldb::DB::Open(opts, dir, &db);
  if (!s.ok()) {
    // LevelDB reports a held LOCK file as an IOError "lock <dir>/LOCK: ..." (another
    // process holds the fcntl lock, or this process already opened it).
    std::string text = s.ToString();
    if (s.IsIOError() && text.find("/LOCK") != std::string::npos)
      throw StorageError("data dir " + dir + " is in use by another process (" + text + ")");
    throw StorageError("cannot open data dir " + dir + ": " + text);
  }
  storage->db_.reset(db);
  return storage;
}

Storage::~Storage() {
  db_.reset();  // before the cache it uses
  cache_.reset();
}

void Storage::write(leveldb::WriteBatch& batch, bool sync) {
  Writer self;
  self.batch = &batch;
  self.sync = sync;
  std::unique_lock lock(commit_mu_);
  writers_.push_back(&self);
  while (!self.done && writers_.front() != &self) self.cv.wait(lock);
  if (self.done) {
    check(self.status, "write");
    return;
  }

  // This caller leads: it writes every batch queued so far as one LevelDB write. Writers
  // that arrive meanwhile queue up and the next leader takes them all.
  constexpr size_t kMaxGroupBytes = 64 << 20;
  std::vector<Writer*> group;
  size_t bytes = 0;
  bool group_sync = false;
  for (Writer* w : writers_) {
    size_t size = w->batch->ApproximateSize();
    if (!group.empty() && bytes + size > kMaxGroupBytes) break;
    group.push_back(w);
    bytes += size;
    group_sync = group_sync || w->sync;
  }
  ++physical_writes_;
  lock.unlock();

  leveldb::WriteBatch merged;
  leveldb::WriteBatch* to_write = &batch;
  if (group.size() > 1) {
    for (Writer* w : group) merged.Append(*w->batch);
    to_write = &merged;
  }
  leveldb::WriteOptions wo;
  wo.sync = group_sync;
  const auto started = std::chrono::steady_clock::now();
  leveldb::Status s = db_->Write(wo, to_write);
  // LevelDB delays a write by 1 ms while level 0 has kL0_SlowdownWritesTrigger (8) files and
  // stops writers at kL0_StopWritesTrigger (12). Only a write that took that long looks at
  // level 0 (the property takes the DB mutex), to count stalls and their time.
  const auto elapsed = std::chrono::steady_clock::now() - started;
  if (!group_sync && elapsed >= std::chrono::milliseconds(1)) {
    std::string level0;
    const int l0_files = db_->GetProperty("leveldb.num-files-at-level0", &level0) ? std::atoi(level0.c_str()) : 0;
    if (l0_files >= 8) {
      (l0_files >= 12 ? write_stops_ : write_slowdowns_).fetch_add(1, std::memory_order_relaxed);
      write_stall_micros_.fetch_add(
          static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()),
          std::memory_order_relaxed);
    }
  }

  lock.lock();
  for (Writer* w : group) {
    writers_.pop_front();
    w->status = s;
    w->done = true;
    if (w != &self) w->cv.notify_one();
  }
  if (!writers_.empty()) writers_.front()->cv.notify_one();
  lock.unlock();
  check(s, "write");
}

void Storage::flush() {
  leveldb::WriteBatch empty;  // an empty record still makes LevelDB fsync its log
  write(empty, true);
}

std::optional<std::string> Storage::property(const std::string& name) const {
  if (name == "chronik.write-slowdowns") return std::to_string(write_slowdowns_.load());
  if (name == "chronik.write-stops") return std::to_string(write_stops_.load());
  if (name == "chronik.write-stall-micros") return std::to_string(write_stall_micros_.load());
  std::string value;
  if (!db_->GetProperty(name, &value)) return std::nullopt;
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
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), keys::meta_key(key), &value);
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
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  for (it->Seek(start); it->Valid() && it->key().starts_with(start); it->Next())
    out.emplace_back(it->key().ToString().substr(1), it->value().ToString());
  check(it->status(), "scan");
  return out;
}

void Storage::compact(const std::string& begin, const std::string& end) {
  leveldb::Slice b(begin), e(end);
  db_->CompactRange(&b, &e);
}

uint64_t Storage::approximate_size(const std::string& begin, const std::string& end) {
  leveldb::Range r(begin, end);
  uint64_t size = 0;
  db_->GetApproximateSizes(&r, 1, &size);
  return size;
}

}  // namespace chronik::log
