// One partition's log: record batches stored in the log dir's batches database, indexed by
// (partition, last offset) in its index database (see storage.h), plus its offsets in
// memory.
//
// Offsets: log start offset <= high watermark == log end offset (LEO) on a single node.
// The log start offset may point inside a batch (after delete_records_before); reads then
// still return that whole batch and the client skips the records before the offset.
//
// Idempotent producers' state (producer_state.h) is the partition's own: checked and updated
// by each append, stored with its batches, restored by LogManager::open.
//
// Transactions (KIP-98): a transactional batch opens its producer's transaction here; a
// transaction marker (append_marker: a control batch, COMMIT or ABORT) ends it. The last stable
// offset (LSO) is the first offset of the oldest open transaction, else the high watermark;
// read_committed() returns only batches below it. Each ABORT that ends an open transaction
// adds an entry to the partition's aborted transaction index (Kafka's .txnindex, keys.h) in
// the marker's own write; retention and DeleteRecords drop the entries that end before the
// new log start offset. After a restart the open transactions come back with the producers'
// stored state, and the index is on disk.
//
// Thread safety: appends, deletes and retention on one partition are serialized by its
// mutex; reads never take it and see every append that returned before they started.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "broker/log/keys.h"
#include "broker/log/producer_state.h"
#include "broker/log/storage.h"
#include "runtime/wire/shared_bytes.h"
#include "runtime/wire/uuid.h"

namespace chronik::log {

// Errors the log reports to its callers; handlers map them onto Kafka error codes.
enum class Errc {
  kNone = 0,
  kUnknownTopicOrPartition,  // no such topic/partition, or deleted meanwhile
  kOffsetOutOfRange,
  kTopicAlreadyExists,
  kInvalidPartitions,
  kInvalidRecord,  // not a complete v2 batch
  kOutOfOrderSequenceNumber,  // an idempotent producer's sequence does not follow its last
  kInvalidProducerEpoch,      // an idempotent producer's epoch is older than its last
  kInvalidTxnState,           // a non-transactional batch while the producer's transaction is open
  kTransactionCoordinatorFenced,  // a marker from an older coordinator epoch than the last one
};
const char* errc_name(Errc e);

struct AppendOptions {
  // Return only once the batches are durable (fsync, shared with concurrent appends).
  bool sync = false;
  // Other records written atomically with the batches (transaction state, say).
  MetaBatch* extra = nullptr;
};

struct AppendResult {
  Errc error = Errc::kNone;
  int64_t base_offset = -1;  // offset given to the first record
  int64_t last_offset = -1;  // offset given to the last record
  int64_t log_start_offset = 0;
  // An idempotent producer's retry of a batch appended before: nothing was appended, and the
  // offsets are those the batch got the first time.
  bool duplicate = false;
};

struct ReadResult {
  Errc error = Errc::kNone;  // kOffsetOutOfRange when offset is outside [start, HW]
  int64_t log_start_offset = 0;
  int64_t high_watermark = 0;
  int64_t last_stable_offset = 0;
  // read_committed() only: the aborted transactions that overlap what was read (Kafka's
  // collectAbortedTxns), in the order of their markers.
  std::vector<keys::AbortedTxn> aborted;
  // Whole stored batches (base offsets assigned), the first one containing the fetch
  // offset. Slices of `records`, which holds them back to back (one allocation).
  std::vector<wire::SharedBytes> batches;
  wire::SharedBytes records;
};

struct TimestampOffset {
  int64_t timestamp = -1;
  int64_t offset = -1;
  // The batch found, so that a caller can narrow the answer down to one record.
  wire::SharedBytes batch;
};

class Partition {
 public:
  Partition(Storage& storage, std::string topic, wire::Uuid topic_id, uint32_t topic_num, int32_t index);
  Partition(const Partition&) = delete;
  Partition& operator=(const Partition&) = delete;

  const std::string& topic() const { return topic_; }
  int32_t index() const { return index_; }

  // Rebuilds the offsets from the index: reads the persisted log start offset and size and
  // the last indexed batch (one seek), checks that batch's CRC and drops missing, torn or
  // corrupt tail batches with a warning; finishes a deletion interrupted at the head.
  // Called once, by LogManager, before the partition is shared.
  void recover();
  // What recover() finds for a partition that has no batch index and no time index entries
  // and whose state record (if any) holds `log_start` and `size`: no read at all. Same
  // REQUIRES as recover().
  void recover_empty(int64_t log_start, int64_t size);
  // The log start offset and size in a state record of the current format; nullopt for
  // anything else (recover() reads the older format).
  static std::optional<std::pair<int64_t, int64_t>> parse_state(std::string_view state);

  // Restores one idempotent producer's stored state (ProducerStateMap::encode). Returns false
  // when `bytes` does not decode. Same REQUIRES as recover().
  bool restore_producer_state(std::string_view bytes);

  // Appends complete v2 batches in order with consecutive offsets: each batch's
  // baseOffset is set, every other byte is stored as given. REQUIRES: each batch was
  // validated (CRC, magic) by the caller; only its framing is checked here.
  // An idempotent producer's batch (a producer id in the first batch's header) is checked
  // against the producer's state here (ProducerStateMap::check: kOutOfOrderSequenceNumber,
  // kInvalidProducerEpoch, or a duplicate answered with its first offsets and nothing
  // appended), and the producer's new state is written in the same write as the batches.
  AppendResult append(std::span<const uint8_t> batch, const AppendOptions& options = {});
  AppendResult append(std::span<const std::span<const uint8_t>> batches,
                      const AppendOptions& options = {});
  // The same without a copy: sets each batch's baseOffset in the caller's buffer and stores
  // the batch from there.
  AppendResult append_in_place(std::span<const std::span<uint8_t>> batches,
                               const AppendOptions& options = {});

  // Appends a transaction marker: a control batch (COMMIT or ABORT) of `producer_id` at
  // `epoch`, stamped `timestamp_ms`, as Kafka's coordinator writes it. Checked against the
  // producer's state (ProducerStateMap::check_marker: kInvalidProducerEpoch,
  // kTransactionCoordinatorFenced); ends the producer's open transaction (a marker without
  // one is appended all the same, as in Kafka); an ABORT that ends one adds its aborted
  // transaction index entry. State, index entry and marker are one write.
  AppendResult append_marker(int64_t producer_id, int16_t epoch, int32_t coordinator_epoch, bool commit,
                             int64_t timestamp_ms, const AppendOptions& options = {});

  int64_t log_start_offset() const { return log_start_.load(std::memory_order_acquire); }
  int64_t log_end_offset() const { return leo_.load(std::memory_order_acquire); }
  int64_t high_watermark() const { return log_end_offset(); }
  // The first offset of the oldest open transaction (never below the log start offset), or
  // the high watermark when none is open.
  int64_t last_stable_offset() const;
  // Bytes of stored batches.
  int64_t size_bytes() const { return size_.load(std::memory_order_relaxed); }

  // Whole batches starting with the one that contains `fetch_offset`, while their total
  // stays within `max_bytes`; always at least one batch when any exists, however large.
  // Reading at the high watermark returns no batches and no error.
  ReadResult read(int64_t fetch_offset, size_t max_bytes) const;
  // read() for isolation_level=1 (read_committed): only batches below the last stable offset
  // (none when fetch_offset is at or past it: not an error), and the aborted transactions
  // whose range overlaps [fetch_offset, end of what was read), or up to the high watermark
  // when the read reached the LSO (Kafka's upper bound for a read to the end of its segment).
  ReadResult read_committed(int64_t fetch_offset, size_t max_bytes) const;
  // The aborted transaction index entries with last offset >= `from` and first offset <
  // `upper`, until one whose last stable offset is >= `upper` (Kafka's collectAbortedTxns).
  std::vector<keys::AbortedTxn> aborted_transactions(int64_t from, int64_t upper) const;

  // Every producer's state here, by producer id (DescribeProducers).
  std::vector<std::pair<int64_t, ProducerStateMap::Entry>> producers() const;

  // The first batch whose maxTimestamp >= `timestamp`: its max timestamp and its base
  // offset (or the log start offset if that is larger). nullopt when there is none.
  // A sparse time index (one entry per index_interval_bytes appended) bounds the scan to
  // about one interval of batches.
  std::optional<TimestampOffset> offset_for_timestamp(int64_t timestamp) const;
  // The batch with the largest maxTimestamp (the earliest such batch): that timestamp and
  // its last offset. nullopt when the log is empty. Computed by a scan once after open or
  // after retention removed it, then kept up to date by appends.
  std::optional<TimestampOffset> max_timestamp();

  // Moves the log start offset up to `offset` and deletes the batches that end before it
  // (DeleteRecords). No-op when `offset` <= log start. Returns the new log start offset,
  // or kOffsetOutOfRange when `offset` > high watermark.
  struct DeleteResult {
    Errc error = Errc::kNone;
    int64_t log_start_offset = 0;
  };
  DeleteResult delete_records_before(int64_t offset);

  // Deletes whole batches from the start while the oldest is older than `retention_ms`
  // (now - maxTimestamp > retention_ms; a batch without timestamps ages from when it was
  // appended, as a Kafka segment without timestamps ages from its file's mtime), or while removing it leaves at least
  // `retention_bytes` (Kafka's rules, per batch instead of per segment). -1 disables
  // either rule. Disk space is reclaimed by compacting the deleted range. Returns the
  // number of bytes deleted.
  int64_t enforce_retention(int64_t now_ms, int64_t retention_ms, int64_t retention_bytes);

  // Appends made after this fsync when `flush_interval_messages` records have accumulated
  // since the last durable write (log.flush.interval.messages). <= 0 or INT64_MAX: never.
  void set_flush_interval_messages(int64_t n) { flush_interval_messages_ = n; }
  // Bytes appended between two time index entries. Set before the partition is shared.
  void set_index_interval_bytes(int64_t n) { index_interval_bytes_ = n; }
  // Called after every append with the new high watermark (wakes long-poll fetches).
  // Set before the partition is shared.
  void set_append_listener(std::function<void(int64_t)> listener) {
    listener_ = std::move(listener);
  }

  // After this, appends fail with kUnknownTopicOrPartition (topic deleted). Waits for an
  // append in progress.
  void mark_deleted();
  // Undoes mark_deleted() when deleting the topic failed.
  void unmark_deleted() { deleted_.store(false, std::memory_order_release); }
  bool deleted() const { return deleted_.load(std::memory_order_acquire); }

 private:
  // What a deletion removed, for reclaim().
  struct Deleted {
    int64_t bytes = 0;
    uint64_t first_sequence = 0, last_sequence = 0;  // 0: no stored batch
    std::string index_end;
  };
  std::string state_value(int64_t log_start, int64_t size) const;
  // A marker to append (append_marker) in place of a client's producer.
  struct Marker {
    int64_t producer_id;
    int16_t epoch;
    int32_t coordinator_epoch;
    bool commit;
    int64_t timestamp;
  };
  // The append itself, once checked. REQUIRES: `lock` holds mu_; the batches' producer (or
  // `marker`) passed its check.
  AppendResult append_locked(std::unique_lock<std::mutex>& lock, std::span<const std::span<uint8_t>> batches,
                             const AppendOptions& options, const ProducerBatch& producer, const Marker* marker);
  ReadResult read_until(int64_t fetch_offset, size_t max_bytes, bool committed) const;
  std::optional<std::string> stored_batch(uint64_t sequence) const;
  // REQUIRES: mu_ held. Deletes batches ending before `offset`, sets log start to offset.
  Deleted delete_before_locked(int64_t offset);
  // Compacts what a deletion removed so that it leaves the disk (without mu_: slow).
  void reclaim(const Deleted& d);

  Storage& storage_;
  const std::string topic_;
  const uint32_t topic_num_;
  const int32_t index_;
  const std::string prefix_;  // batch index key prefix
  const std::string producer_key_prefix_;  // index key of producer state, less the producer id

  mutable std::mutex mu_;  // serializes appends, deletes
  std::atomic<int64_t> log_start_{0};
  std::atomic<int64_t> leo_{0};
  std::atomic<int64_t> size_{0};
  std::atomic<bool> deleted_{false};
  int64_t flush_interval_messages_ = 0;
  int64_t unflushed_messages_ = 0;  // guarded by mu_
  std::function<void(int64_t)> listener_;
  ProducerStateMap producers_;  // guarded by mu_
  // producers_.first_unstable_offset(), for readers that do not take mu_. Stored before leo_
  // (and loaded after it): a reader that sees a batch of an open transaction sees it open.
  std::atomic<int64_t> first_unstable_{-1};

  // Time index state, guarded by mu_: the running max timestamp over every batch ever
  // appended, and the bytes appended since the last index entry.
  int64_t index_interval_bytes_ = 1 << 20;
  int64_t running_max_ts_ = std::numeric_limits<int64_t>::min();
  int64_t bytes_since_index_ = 0;

  // Max timestamp cache, guarded by mu_.
  bool max_ts_known_ = true;
  int64_t max_ts_ = -1;
  int64_t max_ts_offset_ = -1;
};

}  // namespace chronik::log
