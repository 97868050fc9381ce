#include "broker/log/partition.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <memory>
#include <tuple>

#include <leveldb/iterator.h>
#include <spdlog/spdlog.h>

#include "broker/log/batch_header.h"
#include "broker/log/keys.h"
#include "broker/config/loggers.h"
#include "runtime/record/control.h"

namespace chronik::log {

const char* errc_name(Errc e) {
  switch (e) {
    case Errc::kNone: return "none";
    case Errc::kUnknownTopicOrPartition: return "unknown topic or partition";
    case Errc::kOffsetOutOfRange: return "offset out of range";
    case Errc::kTopicAlreadyExists: return "topic already exists";
    case Errc::kInvalidPartitions: return "invalid partitions";
    case Errc::kInvalidRecord: return "invalid record";
    case Errc::kOutOfOrderSequenceNumber: return "out of order sequence number";
    case Errc::kInvalidProducerEpoch: return "invalid producer epoch";
    case Errc::kInvalidTxnState: return "invalid transaction state";
    case Errc::kTransactionCoordinatorFenced: return "transaction coordinator fenced";
  }
  return "?";
}

namespace {

std::string_view as_view(const leveldb::Slice& s) { return {s.data(), s.size()}; }

std::span<const uint8_t> as_span(const leveldb::Slice& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::span<const uint8_t> as_span(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// The key right after every batch index key of a partition.
std::string partition_end(const std::string& prefix) {
  std::string k = prefix;
  keys::append_be64(k, ~uint64_t{0});
  return k;
}

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

leveldb::ReadOptions scan_options() {
  leveldb::ReadOptions ro;
  ro.fill_cache = false;  // scans of old data must not evict the tail consumers read
  return ro;
}

}  // namespace

Partition::Partition(Storage& storage, std::string topic, wire::Uuid topic_id, uint32_t topic_num,
                     int32_t index)
    : storage_(storage),
      topic_(std::move(topic)),
      topic_num_(topic_num),
      index_(index),
      prefix_(keys::batch_prefix(topic_num, static_cast<uint32_t>(index))),
      producer_key_prefix_(keys::meta_key(producer_state_prefix(topic_id, index))) {}

bool Partition::restore_producer_state(std::string_view bytes) {
  auto decoded = ProducerStateMap::decode(bytes);
  if (!decoded) return false;
  producers_.put(decoded->first, std::move(decoded->second));
  first_unstable_.store(producers_.first_unstable_offset(), std::memory_order_release);
  return true;
}

std::string Partition::state_value(int64_t log_start, int64_t size) const {
  std::string v(1, '\x02');  // format version
  keys::append_be64(v, static_cast<uint64_t>(log_start));
  keys::append_be64(v, static_cast<uint64_t>(size));
  return v;
}

std::optional<std::string> Partition::stored_batch(uint64_t sequence) const {
  std::string value;
  leveldb::Status s = storage_.batch_db()->Get(leveldb::ReadOptions(), keys::stored_batch_key(sequence), &value);
  if (s.IsNotFound()) return std::nullopt;
  Storage::check(s, "read batch");
  return value;
}

namespace {

// The log start offset and size of a state record; size -1 in the format that lacks it,
// nullopt when `state` is no state record.
std::optional<std::pair<int64_t, int64_t>> parse_any_state(std::string_view state) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(state.data());
  if (state.size() == 9 && state[0] == '\x01')
    return std::make_pair(static_cast<int64_t>(load_be64(bytes + 1)), int64_t{-1});
  if (state.size() == 17 && state[0] == '\x02')
    return std::make_pair(static_cast<int64_t>(load_be64(bytes + 1)), static_cast<int64_t>(load_be64(bytes + 9)));
  return std::nullopt;
}

}  // namespace

std::optional<std::pair<int64_t, int64_t>> Partition::parse_state(std::string_view state) {
  auto parsed = parse_any_state(state);
  if (!parsed || parsed->second < 0) return std::nullopt;
  return parsed;
}

void Partition::recover_empty(int64_t log_start, int64_t size) {
  log_start_.store(log_start);
  leo_.store(log_start);
  size_.store(size);
  running_max_ts_ = std::numeric_limits<int64_t>::min();
  bytes_since_index_ = 0;
  max_ts_known_ = true;  // no batch: none
  max_ts_ = -1;
  max_ts_offset_ = -1;
}

void Partition::recover() {
  leveldb::DB* db = storage_.index_db();
  int64_t log_start = 0;
  int64_t size = -1;  // unknown: summed from the index below
  std::string state;
  leveldb::Status s = db->Get(leveldb::ReadOptions(), keys::partition_state_key(topic_num_, index_), &state);
  if (s.ok()) {
    if (auto parsed = parse_any_state(state)) std::tie(log_start, size) = *parsed;
  } else if (!s.IsNotFound()) {
    Storage::check(s, "read partition state");
  }

  leveldb::WriteBatch drop;
  std::vector<uint64_t> drop_sequences;
  int64_t dropped_bytes = 0;
  bool state_changed = false;

  // The tail: the last indexed batch must be stored and intact (a crash of the machine may
  // lose the end of either database's log). Walk back over those that are not.
  int64_t leo = log_start;
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
  it->Seek(partition_end(prefix_));
  if (it->Valid()) it->Prev(); else it->SeekToLast();
  for (; it->Valid() && it->key().starts_with(prefix_); it->Prev()) {
    auto location = keys::decode_location(as_view(it->value()));
    const int64_t last = it->key().size() == keys::kBatchKeySize ? keys::batch_key_offset(as_view(it->key())) : -1;
    std::optional<std::string> batch;
    if (location && last >= 0) batch = stored_batch(location->sequence);
    if (batch && batch_is_intact(as_span(*batch)) && read_batch_info(as_span(*batch)).last_offset() == last &&
        batch->size() == location->size) {
      leo = std::max(log_start, last + 1);
      break;
    }
    ::chronik::config::named_logger("chronik.log").warn("partition {}-{}: batch ending at offset {} is missing, torn or corrupt, "
                 "truncating the log before it", topic_, index_, last);
    drop.Delete(it->key());
    if (location) {
      drop_sequences.push_back(location->sequence);
      dropped_bytes += location->size;
    }
    state_changed = true;
  }
  Storage::check(it->status(), "recover partition");

  // The head: a deletion (retention, DeleteRecords) interrupted between deleting the stored
  // batches and their index entries left entries whose batches are gone. Finish it.
  for (it->Seek(prefix_); it->Valid() && it->key().starts_with(prefix_); it->Next()) {
    if (it->key().size() != keys::kBatchKeySize) break;
    const int64_t last = keys::batch_key_offset(as_view(it->key()));
    if (last >= leo) break;
    auto location = keys::decode_location(as_view(it->value()));
    if (location && stored_batch(location->sequence)) break;
    ::chronik::config::named_logger("chronik.log").warn("partition {}-{}: finishing an interrupted deletion of the batch ending at offset {}",
                 topic_, index_, last);
    drop.Delete(it->key());
    if (location) dropped_bytes += location->size;
    log_start = std::max(log_start, last + 1);
    state_changed = true;
  }
  Storage::check(it->status(), "recover partition");

  // Time index: the last entry gives the running max up to its offset; the batches after
  // it (about one index interval) complete it from their index entries.
  running_max_ts_ = std::numeric_limits<int64_t>::min();
  bytes_since_index_ = 0;
  int64_t scan_from = log_start;
  std::string index_prefix = keys::index_prefix(topic_num_, index_);
  it->Seek(keys::index_key(topic_num_, index_, std::numeric_limits<int64_t>::max()));
  if (it->Valid()) it->Prev(); else it->SeekToLast();
  if (it->Valid() && it->key().starts_with(index_prefix) && it->value().size() == 8) {
    running_max_ts_ = keys::index_key_timestamp(as_view(it->key()));
    scan_from = std::max(scan_from, static_cast<int64_t>(load_be64(as_span(it->value()).data())) + 1);
  }
  for (it->Seek(keys::batch_key(topic_num_, index_, scan_from));
       it->Valid() && it->key().starts_with(prefix_); it->Next()) {
    if (it->key().size() != keys::kBatchKeySize || keys::batch_key_offset(as_view(it->key())) >= leo) break;
    auto location = keys::decode_location(as_view(it->value()));
    if (!location) continue;
    running_max_ts_ = std::max(running_max_ts_, location->max_timestamp);
    bytes_since_index_ += location->size;
  }
  Storage::check(it->status(), "recover time index");

  // Stores of a format without the size: the sum of the index entries.
  if (size < 0) {
    size = 0;
    for (it->Seek(keys::batch_key(topic_num_, index_, log_start));
         it->Valid() && it->key().starts_with(prefix_); it->Next())
      if (auto location = keys::decode_location(as_view(it->value()))) size += location->size;
    Storage::check(it->status(), "recover partition size");
    state_changed = true;
  }
  it.reset();
  size = std::max<int64_t>(0, size - dropped_bytes);
  if (state_changed) {
    drop.Put(keys::partition_state_key(topic_num_, index_), state_value(log_start, size));
    storage_.erase(drop_sequences, drop, true);
  }

  log_start_.store(log_start);
  leo_.store(leo);
  size_.store(size);
  max_ts_known_ = false;
}

AppendResult Partition::append(std::span<const uint8_t> batch, const AppendOptions& options) {
  std::span<const uint8_t> one[1] = {batch};
  return append(std::span<const std::span<const uint8_t>>(one), options);
}

AppendResult Partition::append(std::span<const std::span<const uint8_t>> batches,
                               const AppendOptions& options) {
  std::vector<std::vector<uint8_t>> copies;
  copies.reserve(batches.size());
  std::vector<std::span<uint8_t>> spans;
  spans.reserve(batches.size());
  for (auto b : batches) spans.emplace_back(copies.emplace_back(b.begin(), b.end()));
  return append_in_place(spans, options);
}

AppendResult Partition::append_in_place(std::span<const std::span<uint8_t>> batches,
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
  // Checks of the batch's producer go here, under mu_, against the state every earlier append
  // left: nothing can be appended between the check and the append (sequences, epochs, and
  // a transaction's state: ProducerStateMap::check).
  const ProducerBatch producer =
      batches.empty() ? ProducerBatch{} : ProducerBatch::of(batches.front(), batches.back());
  if (producer.idempotent()) {
    const auto check = producers_.check(producer);
    switch (check.kind) {
      case ProducerStateMap::Check::kAppend:
        break;
      case ProducerStateMap::Check::kDuplicate:
        result.duplicate = true;
        result.base_offset = check.duplicate_base_offset;
        result.last_offset = check.duplicate_last_offset;
        result.log_start_offset = log_start_.load(std::memory_order_relaxed);
        return result;
      case ProducerStateMap::Check::kOutOfOrder:
        result.error = Errc::kOutOfOrderSequenceNumber;
        return result;
      case ProducerStateMap::Check::kFenced:
        result.error = Errc::kInvalidProducerEpoch;
        return result;
      case ProducerStateMap::Check::kInvalidTxnState:
        result.error = Errc::kInvalidTxnState;
        return result;
      case ProducerStateMap::Check::kCoordinatorFenced:
        result.error = Errc::kTransactionCoordinatorFenced;
        return result;
    }
  }
  return append_locked(lock, batches, options, producer, nullptr);
}

AppendResult Partition::append_marker(int64_t producer_id, int16_t epoch, int32_t coordinator_epoch, bool commit,
                                      int64_t timestamp_ms, const AppendOptions& options) {
  AppendResult result;
  std::unique_lock lock(mu_);
  if (deleted()) {
    result.error = Errc::kUnknownTopicOrPartition;
    return result;
  }
  switch (producers_.check_marker(producer_id, epoch, coordinator_epoch).kind) {
    case ProducerStateMap::Check::kFenced:
      result.error = Errc::kInvalidProducerEpoch;
      return result;
    case ProducerStateMap::Check::kCoordinatorFenced:
      result.error = Errc::kTransactionCoordinatorFenced;
      return result;
    default:
      break;
  }
  // Kafka's MemoryRecords.withEndTransactionMarker: one control record, no sequence, the
  // partition leader epoch this single broker always leads with (0).
  record::ControlBatchOptions batch_options;
  batch_options.partition_leader_epoch = 0;
  batch_options.producer_id = producer_id;
  batch_options.producer_epoch = epoch;
  batch_options.timestamp = timestamp_ms;
  std::vector<uint8_t> bytes = record::build_control_batch(
      batch_options, record::EndTransactionMarker{commit ? record::ControlType::kCommit : record::ControlType::kAbort,
                                                  coordinator_epoch});
  std::span<uint8_t> one[1] = {bytes};
  const Marker marker{producer_id, epoch, coordinator_epoch, commit, timestamp_ms};
  return append_locked(lock, std::span<const std::span<uint8_t>>(one), options, ProducerBatch{}, &marker);
}

AppendResult Partition::append_locked(std::unique_lock<std::mutex>& lock, std::span<const std::span<uint8_t>> batches,
                                      const AppendOptions& options, const ProducerBatch& producer,
                                      const Marker* marker) {
  AppendResult result;
  int64_t next = leo_.load(std::memory_order_relaxed);
  result.base_offset = next;
  const int64_t now = wall_clock_ms();
  int64_t bytes = 0;
  int64_t records = 0;
  int64_t new_max_ts = max_ts_, new_max_ts_offset = max_ts_offset_;
  int64_t running = running_max_ts_, since_index = bytes_since_index_;
  std::vector<std::pair<int64_t, keys::BatchLocation>> entries;  // (last offset, location)
  entries.reserve(batches.size());
  std::vector<std::pair<int64_t, int64_t>> time_entries;  // (running max timestamp, offset)
  int64_t appended_max_ts = -1;
  for (auto b : batches) {
    BatchInfo info = read_batch_info(b);
    store_be64(b.data(), static_cast<uint64_t>(next));
    int64_t last = next + info.last_offset_delta;
    entries.emplace_back(last, keys::BatchLocation{0, static_cast<uint32_t>(b.size()), info.last_offset_delta,
                                                   info.max_timestamp, info.max_timestamp < 0 ? now : -1});
    if (info.max_timestamp > new_max_ts) {
      new_max_ts = info.max_timestamp;
      new_max_ts_offset = last;
    }
    running = std::max(running, info.max_timestamp);
    appended_max_ts = std::max(appended_max_ts, info.max_timestamp);
    since_index += static_cast<int64_t>(b.size());
    if (since_index >= index_interval_bytes_) {
      time_entries.emplace_back(running, last);
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

  const int64_t new_size = size_.load(std::memory_order_relaxed) + bytes;
  // The producer's state as it is once the batches are stored, written with them: after a
  // crash, either both are there or neither.
  std::optional<ProducerStateMap::Entry> producer_entry;
  const int64_t producer_id = marker ? marker->producer_id : producer.producer_id;
  std::string producer_key, producer_value;
  std::optional<keys::AbortedTxn> aborted;
  if (marker) {
    const ProducerStateMap::Entry* now = producers_.find(producer_id);
    // Only a marker that ends an open transaction completes one (Kafka's CompletedTxn): an
    // ABORT of a transaction with no data here leaves no index entry.
    if (!marker->commit && now != nullptr && now->current_txn_first_offset >= 0) {
      const int64_t other = producers_.first_unstable_offset_except(producer_id);
      aborted = keys::AbortedTxn{producer_id, now->current_txn_first_offset, result.base_offset,
                                 other >= 0 ? other : result.base_offset + 1};
    }
    producer_entry = producers_.after_marker(producer_id, marker->epoch, marker->coordinator_epoch, marker->timestamp);
  } else if (producer.idempotent()) {
    producer_entry = producers_.after(producer, result.base_offset, next - 1, appended_max_ts);
  }
  if (producer_entry) {
    producer_key = producer_key_prefix_ + std::to_string(producer_id);
    producer_value = ProducerStateMap::encode(producer_id, *producer_entry);
  }
  auto index = [&](uint64_t first_sequence, leveldb::WriteBatch& wb) {
    if (options.extra != nullptr) wb.Append(options.extra->raw());
    if (producer_entry) wb.Put(producer_key, producer_value);
    if (aborted)
      wb.Put(keys::aborted_txn_key(topic_num_, index_, aborted->last_offset), keys::encode_aborted_txn(*aborted));
    for (size_t i = 0; i < entries.size(); ++i) {
      entries[i].second.sequence = first_sequence + i;
      wb.Put(keys::batch_key(topic_num_, index_, entries[i].first), keys::encode_location(entries[i].second));
    }
    for (auto [ts, offset] : time_entries) {
      std::string value;
      keys::append_be64(value, static_cast<uint64_t>(offset));
      wb.Put(keys::index_key(topic_num_, index_, ts), value);
    }
    wb.Put(keys::partition_state_key(topic_num_, index_),
           state_value(log_start_.load(std::memory_order_relaxed), new_size));
  };
  storage_.append(batches, index, sync);  // throws StorageError; offsets are then unchanged

  if (producer_entry) {
    producers_.put(producer_id, std::move(*producer_entry));
    // Before leo_: see first_unstable_.
    first_unstable_.store(producers_.first_unstable_offset(), std::memory_order_release);
  }
  unflushed_messages_ = sync ? 0 : unflushed_messages_ + records;
  running_max_ts_ = running;
  bytes_since_index_ = since_index;
  if (max_ts_known_) {
    max_ts_ = new_max_ts;
    max_ts_offset_ = new_max_ts_offset;
  }
  size_.store(new_size, std::memory_order_relaxed);
  leo_.store(next, std::memory_order_release);
  result.last_offset = next - 1;
  result.log_start_offset = log_start_.load(std::memory_order_relaxed);
  lock.unlock();
  if (listener_) listener_(next);
  return result;
}

int64_t Partition::last_stable_offset() const {
  // leo_ before first_unstable_: see first_unstable_.
  const int64_t hw = leo_.load(std::memory_order_acquire);
  const int64_t first_unstable = first_unstable_.load(std::memory_order_acquire);
  if (first_unstable < 0) return hw;
  // Retention may delete the start of an open transaction: Kafka's LSO is then the log start.
  return std::min(hw, std::max(first_unstable, log_start_.load(std::memory_order_acquire)));
}

ReadResult Partition::read(int64_t fetch_offset, size_t max_bytes) const {
  return read_until(fetch_offset, max_bytes, false);
}

ReadResult Partition::read_committed(int64_t fetch_offset, size_t max_bytes) const {
  ReadResult r = read_until(fetch_offset, max_bytes, true);
  if (r.error != Errc::kNone || r.batches.empty()) return r;
  // Kafka's upper bound: where the read stopped, or the log end when it read all it may.
  const int64_t end = read_batch_info(r.batches.back().span()).last_offset() + 1;
  r.aborted = aborted_transactions(fetch_offset, end >= r.last_stable_offset ? r.high_watermark : end);
  return r;
}

std::vector<keys::AbortedTxn> Partition::aborted_transactions(int64_t from, int64_t upper) const {
  std::vector<keys::AbortedTxn> out;
  const std::string prefix = keys::aborted_txn_prefix(topic_num_, index_);
  std::unique_ptr<leveldb::Iterator> it(storage_.index_db()->NewIterator(leveldb::ReadOptions()));
  for (it->Seek(keys::aborted_txn_key(topic_num_, index_, from)); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    auto txn = keys::decode_aborted_txn(as_view(it->key()), as_view(it->value()));
    if (!txn) continue;
    if (txn->first_offset < upper) out.push_back(*txn);
    // Every later transaction began at or after this one's LSO.
    if (txn->last_stable_offset >= upper) break;
  }
  Storage::check(it->status(), "read aborted transactions");
  return out;
}

std::vector<std::pair<int64_t, ProducerStateMap::Entry>> Partition::producers() const {
  std::lock_guard lock(mu_);
  return producers_.entries();
}

ReadResult Partition::read_until(int64_t fetch_offset, size_t max_bytes, bool committed) const {
  ReadResult r;
  // HW first: a log start read after it is never above it.
  r.high_watermark = leo_.load(std::memory_order_acquire);
  r.log_start_offset = log_start_.load(std::memory_order_acquire);
  {
    const int64_t first_unstable = first_unstable_.load(std::memory_order_acquire);
    r.last_stable_offset = first_unstable < 0 ? r.high_watermark
                                              : std::min(r.high_watermark, std::max(first_unstable, r.log_start_offset));
  }
  if (fetch_offset < r.log_start_offset || fetch_offset > r.high_watermark) {
    r.error = Errc::kOffsetOutOfRange;
    return r;
  }
  // What may be read: below the HW, or below the LSO for read_committed (a batch boundary:
  // an open transaction's first batch, or the end).
  const int64_t limit = committed ? r.last_stable_offset : r.high_watermark;
  if (fetch_offset >= limit) return r;

  // The batches' view before the index's: every batch below the high watermark read above
  // is in both, and a batch deleted meanwhile is at worst missing from the index's.
  std::unique_ptr<leveldb::Iterator> stored(storage_.batch_db()->NewIterator(leveldb::ReadOptions()));
  std::unique_ptr<leveldb::Iterator> it(storage_.index_db()->NewIterator(leveldb::ReadOptions()));
  // The index first, for the size of what is read: one buffer of exactly that size, not one
  // grown by doubling (a 55 MiB fetch would copy its bytes twice more and hold up to twice
  // its size while growing).
  std::vector<keys::BatchLocation> wanted;
  size_t total = 0;
  for (it->Seek(keys::batch_key(topic_num_, index_, fetch_offset));
       it->Valid() && it->key().starts_with(prefix_) && it->key().size() == keys::kBatchKeySize; it->Next()) {
    auto location = keys::decode_location(as_view(it->value()));
    if (!location) break;
    // Batches appended after we read the HW are not visible yet.
    if (keys::batch_key_offset(as_view(it->key())) - location->last_offset_delta >= limit) break;
    if (!wanted.empty() && total + location->size > max_bytes) break;
    wanted.push_back(*location);
    total += location->size;
    if (total >= max_bytes) break;
  }
  std::vector<uint8_t> buffer;
  buffer.reserve(total);
  std::vector<std::pair<size_t, size_t>> spans;
  for (size_t i = 0; i < wanted.size(); ++i) {
    const std::string key = keys::stored_batch_key(wanted[i].sequence);
    if (!stored->Valid() || stored->key() != key) stored->Seek(key);
    if (!stored->Valid() || stored->key() != key) break;  // deleted meanwhile
    auto value = as_span(stored->value());
    spans.emplace_back(buffer.size(), value.size());
    buffer.insert(buffer.end(), value.begin(), value.end());
    // Step only onto the batch wanted next: stepping off the end of a block reads the next
    // block from disk, which holds other partitions' batches when partitions are written
    // together (tests/unit/log/interleaved_read_test.cc).
    if (i + 1 < wanted.size() && wanted[i + 1].sequence == wanted[i].sequence + 1) stored->Next();
  }
  Storage::check(it->status(), "read");
  Storage::check(stored->status(), "read");
  r.records = wire::SharedBytes::adopt(std::move(buffer));
  r.batches.reserve(spans.size());
  for (auto [offset, size] : spans) r.batches.push_back(r.records.slice(offset, size));
  return r;
}

std::optional<TimestampOffset> Partition::offset_for_timestamp(int64_t timestamp) const {
  int64_t hw = leo_.load(std::memory_order_acquire);
  int64_t start = log_start_.load(std::memory_order_acquire);
  std::unique_ptr<leveldb::Iterator> it(storage_.index_db()->NewIterator(scan_options()));
  // The last time index entry below `timestamp`: every batch up to its offset is older.
  int64_t from = start;
  std::string index_prefix = keys::index_prefix(topic_num_, index_);
  it->Seek(keys::index_key(topic_num_, index_, timestamp));
  if (it->Valid()) it->Prev(); else it->SeekToLast();
  if (it->Valid() && it->key().starts_with(index_prefix) && it->value().size() == 8 &&
      keys::index_key_timestamp(as_view(it->key())) < timestamp)
    from = std::max(from, static_cast<int64_t>(load_be64(as_span(it->value()).data())) + 1);
  for (it->Seek(keys::batch_key(topic_num_, index_, from));
       it->Valid() && it->key().starts_with(prefix_) && it->key().size() == keys::kBatchKeySize; it->Next()) {
    auto location = keys::decode_location(as_view(it->value()));
    if (!location) continue;
    const int64_t last = keys::batch_key_offset(as_view(it->key()));
    const int64_t base = last - location->last_offset_delta;
    if (base >= hw) break;
    if (location->max_timestamp >= timestamp) {
      auto batch = stored_batch(location->sequence);
      if (!batch) return std::nullopt;  // deleted meanwhile
      return TimestampOffset{location->max_timestamp, std::max(base, start),
                             wire::SharedBytes::copy_of(as_span(*batch))};
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
    std::unique_ptr<leveldb::Iterator> it(storage_.index_db()->NewIterator(scan_options()));
    for (it->Seek(keys::batch_key(topic_num_, index_, start));
         it->Valid() && it->key().starts_with(prefix_) && it->key().size() == keys::kBatchKeySize; it->Next()) {
      auto location = keys::decode_location(as_view(it->value()));
      if (!location) continue;
      if (max_ts_offset_ < 0 || location->max_timestamp > max_ts_) {
        max_ts_ = location->max_timestamp;
        max_ts_offset_ = keys::batch_key_offset(as_view(it->key()));
      }
    }
    Storage::check(it->status(), "max timestamp");
    max_ts_known_ = true;
  }
  if (max_ts_offset_ < 0) return std::nullopt;
  std::string value;
  leveldb::Status s = storage_.index_db()->Get(leveldb::ReadOptions(),
                                               keys::batch_key(topic_num_, index_, max_ts_offset_), &value);
  Storage::check(s, "max timestamp batch");
  auto location = keys::decode_location(value);
  std::optional<std::string> batch = location ? stored_batch(location->sequence) : std::nullopt;
  if (!batch) throw StorageError("max timestamp batch of " + topic_ + "-" + std::to_string(index_) + " is missing");
  return TimestampOffset{max_ts_, max_ts_offset_, wire::SharedBytes::copy_of(as_span(*batch))};
}

Partition::Deleted Partition::delete_before_locked(int64_t offset) {
  Deleted d;
  leveldb::WriteBatch wb;
  std::vector<uint64_t> sequences;
  std::unique_ptr<leveldb::Iterator> it(storage_.index_db()->NewIterator(scan_options()));
  for (it->Seek(prefix_); it->Valid() && it->key().starts_with(prefix_); it->Next()) {
    const int64_t last = it->key().size() == keys::kBatchKeySize ? keys::batch_key_offset(as_view(it->key())) : -1;
    if (last >= offset) break;
    wb.Delete(it->key());
    if (auto location = keys::decode_location(as_view(it->value()))) {
      sequences.push_back(location->sequence);
      d.bytes += location->size;
    }
    if (last == max_ts_offset_) max_ts_known_ = false;
  }
  Storage::check(it->status(), "delete records");
  // Time index entries whose offset is below the new start (offsets grow with the keys).
  std::string index_prefix = keys::index_prefix(topic_num_, index_);
  for (it->Seek(index_prefix); it->Valid() && it->key().starts_with(index_prefix); it->Next()) {
    if (it->value().size() == 8 && static_cast<int64_t>(load_be64(as_span(it->value()).data())) >= offset) break;
    wb.Delete(it->key());
  }
  Storage::check(it->status(), "delete index");
  // Aborted transactions whose marker is below the new start: no fetch can reach them.
  const std::string aborted_prefix = keys::aborted_txn_prefix(topic_num_, index_);
  for (it->Seek(aborted_prefix); it->Valid() && it->key().starts_with(aborted_prefix); it->Next()) {
    if (it->key().size() == keys::kAbortedTxnKeySize &&
        static_cast<int64_t>(load_be64(as_span(it->key()).data() + 9)) >= offset)
      break;
    wb.Delete(it->key());
  }
  Storage::check(it->status(), "delete aborted transaction index");
  it.reset();
  const int64_t size = std::max<int64_t>(0, size_.load(std::memory_order_relaxed) - d.bytes);
  wb.Put(keys::partition_state_key(topic_num_, index_), state_value(offset, size));
  // Durable: a log start that went back after a crash would resurrect deleted records.
  storage_.erase(sequences, wb, true);
  log_start_.store(offset, std::memory_order_release);
  size_.store(size, std::memory_order_relaxed);
  if (!sequences.empty()) {
    d.first_sequence = *std::min_element(sequences.begin(), sequences.end());
    d.last_sequence = *std::max_element(sequences.begin(), sequences.end());
  }
  d.index_end = keys::batch_key(topic_num_, index_, offset);
  return d;
}

void Partition::reclaim(const Deleted& d) {
  if (d.bytes == 0 && d.last_sequence == 0) return;
  storage_.compact_index(prefix_, d.index_end);
  if (d.last_sequence != 0) storage_.compact_batches(d.first_sequence, d.last_sequence);
}

Partition::DeleteResult Partition::delete_records_before(int64_t offset) {
  DeleteResult result;
  Deleted deleted;
  {
    std::lock_guard lock(mu_);
    if (offset > leo_.load(std::memory_order_relaxed) || offset < 0) {
      result.error = Errc::kOffsetOutOfRange;
      result.log_start_offset = log_start_.load();
      return result;
    }
    if (offset > log_start_.load(std::memory_order_relaxed)) deleted = delete_before_locked(offset);
    result.log_start_offset = log_start_.load(std::memory_order_relaxed);
  }
  reclaim(deleted);
  return result;
}

int64_t Partition::enforce_retention(int64_t now_ms, int64_t retention_ms,
                                     int64_t retention_bytes) {
  if (retention_ms < 0 && retention_bytes < 0) return 0;
  // Find the cut without the lock, from the index alone: only reads, and the tail is never
  // deleted here while appends only add after it.
  int64_t hw = leo_.load(std::memory_order_acquire);
  int64_t start = log_start_.load(std::memory_order_acquire);
  int64_t remaining = size_.load(std::memory_order_relaxed);
  int64_t cut = -1;
  std::unique_ptr<leveldb::Iterator> it(storage_.index_db()->NewIterator(scan_options()));
  for (it->Seek(keys::batch_key(topic_num_, index_, start));
       it->Valid() && it->key().starts_with(prefix_) && it->key().size() == keys::kBatchKeySize; it->Next()) {
    auto location = keys::decode_location(as_view(it->value()));
    if (!location) break;
    const int64_t last = keys::batch_key_offset(as_view(it->key()));
    if (last - location->last_offset_delta >= hw) break;
    int64_t size = location->size;
    // A batch without timestamps ages from its append time; one stored without either
    // (before append times were kept) is never old.
    const int64_t time = location->retention_time();
    bool by_time = retention_ms >= 0 && time >= 0 && now_ms - time > retention_ms;
    bool by_size = retention_bytes >= 0 && remaining - size >= retention_bytes;
    if (!by_time && !by_size) break;
    remaining -= size;
    cut = last + 1;
  }
  Storage::check(it->status(), "retention");
  it.reset();
  if (cut < 0) return 0;

  Deleted deleted;
  {
    std::lock_guard lock(mu_);
    if (deleted_.load() || cut <= log_start_.load(std::memory_order_relaxed)) return 0;
    deleted = delete_before_locked(cut);
  }
  ::chronik::config::named_logger("chronik.log").info("partition {}-{}: retention deleted {} bytes, log start offset now {}", topic_,
               index_, deleted.bytes, cut);
  reclaim(deleted);
  return deleted.bytes;
}

void Partition::mark_deleted() {
  std::lock_guard lock(mu_);
  deleted_.store(true, std::memory_order_release);
}

}  // namespace chronik::log
