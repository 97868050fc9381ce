#include "broker/log/partition.h"

#include <limits>
#include <memory>

#include <leveldb/iterator.h>
#include <spdlog/spdlog.h>

#include "broker/log/batch_header.h"
#include "broker/log/keys.h"

namespace chronik::log {

const char* errc_name(Errc e) {
  switch (e) {
    case Errc::kNone: return "none";
    case Errc::kUnknownTopicOrPartition: return "unknown topic or partition";
    case Errc::kOffsetOutOfRange: return "offset out of range";
    case Errc::kTopicAlreadyExists: return "topic already exists";
    case Errc::kInvalidPartitions: return "invalid partitions";
    case Errc::kInvalidRecord: return "invalid record";
  }
  return "?";
}

namespace {

std::string_view as_view(const leveldb::Slice& s) { return {s.data(), s.size()}; }

std::span<const uint8_t> as_span(const leveldb::Slice& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// The key right after every data key of a partition.
std::string partition_end(const std::string& prefix) {
  std::string k = prefix;
  keys::append_be64(k, ~uint64_t{0});
  return k;
}

}  // namespace

Partition::Partition(Storage& storage, std::string topic, uint32_t topic_num, int32_t index)
    : storage_(storage),
      topic_(std::move(topic)),
      topic_num_(topic_num),
      index_(index),
      prefix_(keys::data_prefix(topic_num, static_cast<uint32_t>(index))) {}

std::string Partition::state_value(int64_t log_start) const {
  std::string v(1, '\x01');  // format version
  keys::append_be64(v, static_cast<uint64_t>(log_start));
  return v;
}

void Partition::recover() {
  leveldb::DB* db = storage_.db();
  int64_t log_start = 0;
  std::string state;
  leveldb::Status s = db->Get(leveldb::ReadOptions(),
                              keys::partition_state_key(topic_num_, index_), &state);
  if (s.ok() && state.size() == 9 && state[0] == '\x01')
    log_start = static_cast<int64_t>(load_be64(reinterpret_cast<const uint8_t*>(state.data()) + 1));
  else if (!s.IsNotFound())
    Storage::check(s, "read partition state");

  // One seek to the partition's last batch; walk back over torn/corrupt batches.
  leveldb::WriteBatch drop;
  int dropped = 0;
  int64_t leo = log_start;
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
  it->Seek(partition_end(prefix_));
  if (it->Valid()) it->Prev(); else it->SeekToLast();
  for (; it->Valid() && it->key().starts_with(prefix_); it->Prev()) {
    if (it->key().size() != keys::kDataKeySize) {
      spdlog::warn("partition {}-{}: dropping a malformed data key", topic_, index_);
      drop.Delete(it->key());
      ++dropped;
      continue;
    }
    int64_t key_offset = keys::data_key_offset(as_view(it->key()));
    auto value = as_span(it->value());
    if (batch_is_intact(value) &&
        read_batch_info(value).last_offset() == key_offset) {
      leo = std::max(log_start, key_offset + 1);
      break;
    }
    spdlog::warn("partition {}-{}: batch ending at offset {} is torn or corrupt ({} bytes), "
                 "truncating the log before it", topic_, index_, key_offset, value.size());
    drop.Delete(it->key());
    ++dropped;
  }
  Storage::check(it->status(), "recover partition");
  it.reset();
  if (dropped > 0) storage_.write(drop, true);

  // Time index: the last entry gives the running max up to its offset; the batches after
  // it (about one index interval) complete it.
  running_max_ts_ = std::numeric_limits<int64_t>::min();
  bytes_since_index_ = 0;
  int64_t scan_from = log_start;
  std::string index_prefix = keys::index_prefix(topic_num_, index_);
  it.reset(db->NewIterator(leveldb::ReadOptions()));
  it->Seek(keys::index_key(topic_num_, index_, std::numeric_limits<int64_t>::max()));
  if (it->Valid()) it->Prev(); else it->SeekToLast();
  if (it->Valid() && it->key().starts_with(index_prefix) && it->value().size() == 8) {
    running_max_ts_ = keys::index_key_timestamp(as_view(it->key()));
    scan_from = std::max(scan_from, static_cast<int64_t>(load_be64(as_span(it->value()).data())) + 1);
  }
  for (it->Seek(keys::data_key(topic_num_, index_, scan_from));
       it->Valid() && it->key().starts_with(prefix_); it->Next()) {
    auto value = as_span(it->value());
    if (value.size() < kBatchHeaderSize) continue;
    running_max_ts_ = std::max(running_max_ts_, read_batch_info(value).max_timestamp);
    bytes_since_index_ += static_cast<int64_t>(value.size());
  }
  Storage::check(it->status(), "recover time index");
  it.reset();

  log_start_.store(log_start);
  leo_.store(leo);
  size_.store(static_cast<int64_t>(storage_.approximate_size(prefix_, partition_end(prefix_))));
  max_ts_known_ = false;
}

AppendResult Partition::append(std::span<const uint8_t> batch, const AppendOptions& options) {
  std::span<const uint8_t> one[1] = {batch};
  return append(std::span<const std::span<const uint8_t>>(one), options);
}

AppendResult Partition::append(std::span<const std::span<const uint8_t>> batches,
                               const AppendOptions& options) {
  AppendResult result;
  for (auto b : batches) {
    if (b.size() < kBatchHeaderSize || read_batch_info(b).total_size() != b.size() ||
        read_batch_info(b).last_offset_delta < 0) {
      result.error = Errc::kInvalidRecord;
      return result;
    }
  }

  std::unique_lock lock(mu_);
  if (deleted()) {
    result.error = Errc::kUnknownTopicOrPartition;
    return result;
  }
  leveldb::WriteBatch wb;
  if (options.extra != nullptr) wb.Append(options.extra->raw());
  int64_t next = leo_.load(std::memory_order_relaxed);
  result.base_offset = next;
  int64_t bytes = 0;
  int64_t records = 0;
  int64_t new_max_ts = max_ts_, new_max_ts_offset = max_ts_offset_;
  int64_t running = running_max_ts_, since_index = bytes_since_index_;
  std::string value;
  for (auto b : batches) {
    BatchInfo info = read_batch_info(b);
    value.assign(reinterpret_cast<const char*>(b.data()), b.size());
    store_be64(reinterpret_cast<uint8_t*>(value.data()), static_cast<uint64_t>(next));
    int64_t last = next + info.last_offset_delta;
    wb.Put(keys::data_key(topic_num_, index_, last), value);
    if (info.max_timestamp > new_max_ts) {
      new_max_ts = info.max_timestamp;
      new_max_ts_offset = last;
    }
    running = std::max(running, info.max_timestamp);
    since_index += static_cast<int64_t>(b.size());
    if (since_index >= index_interval_bytes_) {
      std::string offset;
      keys::append_be64(offset, static_cast<uint64_t>(last));
      wb.Put(keys::index_key(topic_num_, index_, running), offset);
      since_index = 0;
    }
    bytes += static_cast<int64_t>(b.size());
    records += info.records_count;
    next = last + 1;
  }
  bool sync = options.sync;
  if (flush_interval_messages_ > 0 && flush_interval_messages_ != std::numeric_limits<int64_t>::max() &&
      unflushed_messages_ + records >= flush_interval_messages_)
    sync = true;

  storage_.write(wb, sync);  // throws StorageError; offsets are then unchanged

  unflushed_messages_ = sync ? 0 : unflushed_messages_ + records;
  running_max_ts_ = running;
  bytes_since_index_ = since_index;
  if (max_ts_known_) {
    max_ts_ = new_max_ts;
    max_ts_offset_ = new_max_ts_offset;
  }
  size_.fetch_add(bytes, std::memory_order_relaxed);
  leo_.store(next, std::memory_order_release);
  result.last_offset = next - 1;
  result.log_start_offset = log_start_.load(std::memory_order_relaxed);
  lock.unlock();
  if (listener_) listener_(next);
  return result;
}

ReadResult Partition::read(int64_t fetch_offset, size_t max_bytes) const {
  ReadResult r;
  // HW first: a log start read after it is never above it.
  r.high_watermark = leo_.load(std::memory_order_acquire);
  r.log_start_offset = log_start_.load(std::memory_order_acquire);
  if (fetch_offset < r.log_start_offset || fetch_offset > r.high_watermark) {
    r.error = Errc::kOffsetOutOfRange;
    return r;
  }
  if (fetch_offset == r.high_watermark) return r;

  std::vector<uint8_t> buffer;
  std::vector<std::pair<size_t, size_t>> spans;
  std::unique_ptr<leveldb::Iterator> it(storage_.db()->NewIterator(leveldb::ReadOptions()));
  for (it->Seek(keys::data_key(topic_num_, index_, fetch_offset));
       it->Valid() && it->key().starts_with(prefix_); it->Next()) {
    auto value = as_span(it->value());
    if (value.size() < kBatchHeaderSize) break;
    // Batches appended after we read the HW are not visible yet.
    if (static_cast<int64_t>(load_be64(value.data())) >= r.high_watermark) break;
    if (!spans.empty() && buffer.size() + value.size() > max_bytes) break;
    spans.emplace_back(buffer.size(), value.size());
    buffer.insert(buffer.end(), value.begin(), value.end());
    if (buffer.size() >= max_bytes) break;
  }
  Storage::check(it->status(), "read");
  r.records = wire::SharedBytes::adopt(std::move(buffer));
  r.batches.reserve(spans.size());
  for (auto [offset, size] : spans) r.batches.push_back(r.records.slice(offset, size));
  return r;
}

std::optional<TimestampOffset> Partition::offset_for_timestamp(int64_t timestamp) const {
  int64_t hw = leo_.load(std::memory_order_acquire);
  int64_t start = log_start_.load(std::memory_order_acquire);
  leveldb::ReadOptions ro;
  ro.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(storage_.db()->NewIterator(ro));
  // The last index entry below `timestamp`: every batch up to its offset is older.
  int64_t from = start;
  std::string index_prefix = keys::index_prefix(topic_num_, index_);
  it->Seek(keys::index_key(topic_num_, index_, timestamp));
  if (it->Valid()) it->Prev(); else it->SeekToLast();
  if (it->Valid() && it->key().starts_with(index_prefix) && it->value().size() == 8 &&
      keys::index_key_timestamp(as_view(it->key())) < timestamp)
    from = std::max(from, static_cast<int64_t>(load_be64(as_span(it->value()).data())) + 1);
  for (it->Seek(keys::data_key(topic_num_, index_, from));
       it->Valid() && it->key().starts_with(prefix_); it->Next()) {
    auto value = as_span(it->value());
    if (value.size() < kBatchHeaderSize) continue;
    BatchInfo info = read_batch_info(value);
    if (info.base_offset >= hw) break;
    if (info.max_timestamp >= timestamp) {
      return TimestampOffset{info.max_timestamp, std::max(info.base_offset, start),
                             wire::SharedBytes::copy_of(value)};
    }
  }
  Storage::check(it->status(), "offset for timestamp");
  return std::nullopt;
}

std::optional<TimestampOffset> Partition::max_timestamp() {
  std::lock_guard lock(mu_);
  int64_t start = log_start_.load(std::memory_order_relaxed);
  if (!max_ts_known_) {
    max_ts_ = -1;
    max_ts_offset_ = -1;
    leveldb::ReadOptions ro;
    ro.fill_cache = false;
    std::unique_ptr<leveldb::Iterator> it(storage_.db()->NewIterator(ro));
    for (it->Seek(keys::data_key(topic_num_, index_, start));
         it->Valid() && it->key().starts_with(prefix_); it->Next()) {
      auto value = as_span(it->value());
      if (value.size() < kBatchHeaderSize) continue;
      BatchInfo info = read_batch_info(value);
      if (max_ts_offset_ < 0 || info.max_timestamp > max_ts_) {
        max_ts_ = info.max_timestamp;
        max_ts_offset_ = info.last_offset();
      }
    }
    Storage::check(it->status(), "max timestamp");
    max_ts_known_ = true;
  }
  if (max_ts_offset_ < 0) return std::nullopt;
  std::string value;
  leveldb::Status s = storage_.db()->Get(leveldb::ReadOptions(),
                                         keys::data_key(topic_num_, index_, max_ts_offset_), &value);
  Storage::check(s, "max timestamp batch");
  return TimestampOffset{max_ts_, max_ts_offset_,
                         wire::SharedBytes::copy_of(std::span<const uint8_t>(
                             reinterpret_cast<const uint8_t*>(value.data()), value.size()))};
}

int64_t Partition::delete_before_locked(int64_t offset, std::string* compact_end) {
  leveldb::WriteBatch wb;
  int64_t deleted_bytes = 0;
  leveldb::ReadOptions ro;
  ro.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(storage_.db()->NewIterator(ro));
  for (it->Seek(prefix_); it->Valid() && it->key().starts_with(prefix_); it->Next()) {
    int64_t last = keys::data_key_offset(as_view(it->key()));
    if (last >= offset) break;
    wb.Delete(it->key());
    deleted_bytes += static_cast<int64_t>(it->value().size());
    if (last == max_ts_offset_) max_ts_known_ = false;
  }
  Storage::check(it->status(), "delete records");
  // Index entries whose offset is below the new start (offsets grow with the keys).
  std::string index_prefix = keys::index_prefix(topic_num_, index_);
  for (it->Seek(index_prefix); it->Valid() && it->key().starts_with(index_prefix); it->Next()) {
    if (it->value().size() == 8 && static_cast<int64_t>(load_be64(as_span(it->value()).data())) >= offset) break;
    wb.Delete(it->key());
  }
  Storage::check(it->status(), "delete index");
  it.reset();
  wb.Put(keys::partition_state_key(topic_num_, index_), state_value(offset));
  // Durable: a log start that went back after a crash would resurrect deleted records.
  storage_.write(wb, true);
  log_start_.store(offset, std::memory_order_release);
  size_.fetch_sub(deleted_bytes, std::memory_order_relaxed);
  if (size_.load(std::memory_order_relaxed) < 0) size_.store(0, std::memory_order_relaxed);
  *compact_end = keys::data_key(topic_num_, index_, offset);
  return deleted_bytes;
}

Partition::DeleteResult Partition::delete_records_before(int64_t offset) {
  DeleteResult result;
  std::string compact_end;
  int64_t deleted = 0;
  {
    std::lock_guard lock(mu_);
    if (offset > leo_.load(std::memory_order_relaxed) || offset < 0) {
      result.error = Errc::kOffsetOutOfRange;
      result.log_start_offset = log_start_.load();
      return result;
    }
    if (offset > log_start_.load(std::memory_order_relaxed))
      deleted = delete_before_locked(offset, &compact_end);
    result.log_start_offset = log_start_.load(std::memory_order_relaxed);
  }
  if (deleted > 0) storage_.compact(prefix_, compact_end);
  return result;
}

int64_t Partition::enforce_retention(int64_t now_ms, int64_t retention_ms,
                                     int64_t retention_bytes) {
  if (retention_ms < 0 && retention_bytes < 0) return 0;
  // Find the cut without the lock: only reads, and the tail is never deleted here while
  // appends only add after it.
  int64_t hw = leo_.load(std::memory_order_acquire);
  int64_t start = log_start_.load(std::memory_order_acquire);
  int64_t remaining = size_.load(std::memory_order_relaxed);
  int64_t cut = -1;
  leveldb::ReadOptions ro;
  ro.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(storage_.db()->NewIterator(ro));
  for (it->Seek(keys::data_key(topic_num_, index_, start));
       it->Valid() && it->key().starts_with(prefix_); it->Next()) {
    auto value = as_span(it->value());
    if (value.size() < kBatchHeaderSize) break;
    BatchInfo info = read_batch_info(value);
    if (info.base_offset >= hw) break;
    int64_t size = static_cast<int64_t>(value.size());
    bool by_time = retention_ms >= 0 && now_ms - info.max_timestamp > retention_ms;
    bool by_size = retention_bytes >= 0 && remaining - size >= retention_bytes;
    if (!by_time && !by_size) break;
    remaining -= size;
    cut = info.last_offset() + 1;
  }
  Storage::check(it->status(), "retention");
  it.reset();
  if (cut < 0) return 0;

  std::string compact_end;
  int64_t deleted = 0;
  {
    std::lock_guard lock(mu_);
    if (deleted_.load() || cut <= log_start_.load(std::memory_order_relaxed)) return 0;
    deleted = delete_before_locked(cut, &compact_end);
  }
  spdlog::info("partition {}-{}: retention deleted {} bytes, log start offset now {}", topic_,
               index_, deleted, cut);
  if (deleted > 0) storage_.compact(prefix_, compact_end);
  return deleted;
}

void Partition::mark_deleted() {
  std::lock_guard lock(mu_);
  deleted_.store(true, std::memory_order_release);
}

}  // namespace chronik::log
