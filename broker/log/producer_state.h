// Idempotent and transactional producers' state on one partition: per producer id, its epoch,
// its last five batches (sequences and offsets), the first offset of its open transaction and
// the coordinator epoch of its last transaction marker, as Kafka's ProducerStateManager keeps
// them. The open transactions give the partition its last stable offset (LSO).
//
// A Partition owns one ProducerStateMap and checks each append against it under the lock that
// serializes the partition's appends; the producer's updated entry is written in the same
// LevelDB write as the batch, so that after a crash (kill -9) the state matches the data, and
// LogManager::open restores it. Stored in the metadata keyspace under producer_state_key()
// as chronik::state::ProducerStateValue (schemas/state/ProducerStateValue.json).
//
// Thread safety: none of its own; the owning partition's mutex guards it.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "runtime/wire/uuid.h"

namespace chronik::log {

// What an append needs to know of a batch's producer, from the v2 batch header(s).
struct ProducerBatch {
  int64_t producer_id = -1;
  int16_t epoch = -1;
  int32_t first_seq = -1;
  int32_t last_seq = -1;
  // The batch's isTransactional attribute: it opens the producer's transaction here.
  bool transactional = false;

  // Batches without a producer id (not idempotent) are never checked.
  bool idempotent() const { return producer_id >= 0; }
  // The producer of `first`..`last` (the batches of one append; one for Produce v3+), read
  // from their headers. REQUIRES: both hold at least a whole batch header.
  static ProducerBatch of(std::span<const uint8_t> first, std::span<const uint8_t> last);
};

class ProducerStateMap {
 public:
  struct BatchMetadata {
    int32_t first_seq = 0;
    int32_t last_seq = 0;
    int64_t base_offset = -1;
    int64_t last_offset = -1;
    int64_t max_timestamp = -1;
  };
  struct Entry {
    int16_t epoch = 0;
    std::deque<BatchMetadata> recent;  // the last 5 batches, oldest first, as Kafka keeps
    int64_t last_timestamp = -1;
    // First offset of the producer's open transaction here; -1: none.
    int64_t current_txn_first_offset = -1;
    // Coordinator epoch of the producer's last transaction marker here; -1: none yet.
    int32_t coordinator_epoch = -1;
  };

  struct Check {
    // kOutOfOrder: OUT_OF_ORDER_SEQUENCE_NUMBER; kFenced: INVALID_PRODUCER_EPOCH;
    // kInvalidTxnState: INVALID_TXN_STATE (a non-transactional batch while the producer's
    // transaction is open); kCoordinatorFenced: TRANSACTION_COORDINATOR_FENCED (a marker from
    // an older coordinator epoch).
    enum Kind { kAppend, kDuplicate, kOutOfOrder, kFenced, kInvalidTxnState, kCoordinatorFenced } kind = kAppend;
    // kDuplicate: where the batch was appended the first time.
    int64_t duplicate_base_offset = -1;
    int64_t duplicate_last_offset = -1;
  };
  // Whether `batch` may be appended (Kafka's rules, as this broker has always applied them):
  // an older epoch is fenced; a newer epoch must start at sequence 0; a batch equal to one of
  // the producer's last five is a duplicate (answered with its first offsets); otherwise the
  // first sequence must follow the last one (wrapping after INT32_MAX), else out of order. A producer id without state here (its first
  // batch on this partition, or after its state was lost) may start at any sequence: never
  // UNKNOWN_PRODUCER_ID. REQUIRES: batch.idempotent().
  Check check(const ProducerBatch& batch) const;

  // The producer's entry once `batch` is appended at [base_offset, last_offset]: a new epoch
  // forgets the batches of the old one (not its open transaction, as in Kafka); a
  // transactional batch opens the producer's transaction if none is open.
  Entry after(const ProducerBatch& batch, int64_t base_offset, int64_t last_offset,
              int64_t max_timestamp) const;

  // Whether a transaction marker (a COMMIT or ABORT control batch) of `producer_id` at
  // `epoch` from a coordinator at `coordinator_epoch` may be appended: an older epoch than the
  // producer's is kFenced, an older coordinator epoch than its last marker's is
  // kCoordinatorFenced. A producer without state here takes any marker.
  Check check_marker(int64_t producer_id, int16_t epoch, int32_t coordinator_epoch) const;
  // The producer's entry once its marker is appended at `timestamp`: the transaction is
  // closed, the epoch and coordinator epoch are the marker's (a newer epoch forgets the old
  // epoch's batches).
  Entry after_marker(int64_t producer_id, int16_t epoch, int32_t coordinator_epoch, int64_t timestamp) const;

  void put(int64_t producer_id, Entry entry);
  const Entry* find(int64_t producer_id) const;
  size_t size() const { return entries_.size(); }
  // Every producer's entry, by producer id (DescribeProducers).
  std::vector<std::pair<int64_t, Entry>> entries() const;

  // The first offset of the oldest open transaction, or -1 when none is open.
  int64_t first_unstable_offset() const { return open_txns_.empty() ? -1 : open_txns_.begin()->first; }
  // The first offset of the oldest open transaction of a producer other than `producer_id`,
  // or -1 (the last stable offset an abort of `producer_id`'s transaction leaves).
  int64_t first_unstable_offset_except(int64_t producer_id) const;

  // The stored form of an entry, and back (nullopt when `bytes` does not decode).
  static std::string encode(int64_t producer_id, const Entry& entry);
  static std::optional<std::pair<int64_t, Entry>> decode(std::string_view bytes);

 private:
  std::unordered_map<int64_t, Entry> entries_;
  // (current_txn_first_offset, producer id) of every open transaction, oldest first.
  std::set<std::pair<int64_t, int64_t>> open_txns_;
};

// "producer/<topic id>/<partition>/<producer id>", a key of the metadata keyspace: by topic id,
// so that a topic deleted and created again under the same name starts without its
// predecessor's producers. (The layout of data dirs written before producer state moved into
// the log; kept so that they load.)
inline constexpr std::string_view kProducerStatePrefix = "producer/";
std::string producer_state_key(const wire::Uuid& topic_id, int32_t partition, int64_t producer_id);
// The prefix of every producer state key of a topic, or of one of its partitions.
std::string producer_state_prefix(const wire::Uuid& topic_id);
std::string producer_state_prefix(const wire::Uuid& topic_id, int32_t partition);
// The (topic id, partition) of a producer state key; nullopt when it is none.
std::optional<std::pair<wire::Uuid, int32_t>> parse_producer_state_key(std::string_view key);

}  // namespace chronik::log
