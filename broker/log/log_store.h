// The storage the services above see: topics, partitions, record batches and offsets.
//
// Everything above broker/log/ (handlers, groups, the admin endpoint) reaches storage
// through LogStore; LevelDbLogStore maps it onto the LogManager. Batches are v2 record
// batches kept verbatim; append() patches only their base offset. Every method is
// thread-safe and may block on disk: Produce and Fetch call it on the network threads (a
// synced append waits for LevelDB's group commit), the admin endpoint and housekeeping on
// their own. Failures of the storage engine come back as Kafka error codes
// (KAFKA_STORAGE_ERROR), not as exceptions, so that a handler answers per partition.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/protocol/error_codes.h"
#include "runtime/wire/shared_bytes.h"
#include "runtime/wire/uuid.h"

namespace chronik::broker {

using protocol::ErrorCode;
// The wire value of a Kafka error code.
constexpr int16_t err(ErrorCode code) { return protocol::to_int16(code); }


using ConfigMap = std::map<std::string, std::string>;

struct TopicInfo {
  std::string name;
  wire::Uuid id;
  int32_t partitions = 0;
  ConfigMap configs;  // topic-level overrides only
};

struct PartitionOffsets {
  int64_t log_start_offset = 0;
  int64_t high_watermark = 0;  // == log end offset on a single node
  // The first offset of the partition's oldest open transaction, else the high watermark
  // (Kafka's LSO); -1 where a store did not say (the high watermark then: see lso()).
  int64_t last_stable_offset = -1;

  int64_t lso() const { return last_stable_offset < 0 ? high_watermark : last_stable_offset; }
};

// A transaction aborted on a partition, as Fetch reports it to read_committed consumers.
struct AbortedTransaction {
  int64_t producer_id = -1;
  int64_t first_offset = -1;
};

// A producer's state on a partition, as DescribeProducers reports it.
struct ProducerDescription {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t last_sequence = -1;
  int64_t last_timestamp = -1;
  int32_t coordinator_epoch = -1;
  int64_t current_txn_start_offset = -1;
};

struct AppendResult {
  int16_t error = 0;
  int64_t base_offset = -1;  // offset given to the first record appended
  int64_t log_start_offset = 0;
  // An idempotent producer's retry of a batch already in the log: nothing was appended and
  // base_offset is the one the batch got the first time (Kafka's answer to a duplicate).
  bool duplicate = false;
};

struct ReadResult {
  int16_t error = 0;
  PartitionOffsets offsets;
  // Whole batches, the first one containing `offset`, concatenated.
  wire::SharedBytes records;
  // read_committed only: the aborted transactions overlapping what was read.
  std::vector<AbortedTransaction> aborted_transactions;
};

struct CreateTopicResult {
  int16_t error = 0;
  std::string message;
  TopicInfo topic;
};

class LogStore {
 public:
  virtual ~LogStore() = default;

  virtual std::optional<TopicInfo> find_topic(const std::string& name) = 0;
  virtual std::optional<TopicInfo> find_topic(const wire::Uuid& id) = 0;
  virtual std::vector<TopicInfo> list_topics() = 0;

  // Creates `name` with `partitions` partitions and the given overrides. With
  // `validate_only`, checks and returns what would be created, creating nothing. A topic
  // over the bound of one request (request_limits.h) gets POLICY_VIOLATION, nothing built.
  // Either the whole topic exists afterwards, or nothing of it (also after a crash).
  virtual CreateTopicResult create_topic(const std::string& name, int32_t partitions,
                                         const ConfigMap& configs, bool validate_only) = 0;
  // Deletes the topic and all its data. Returns a Kafka error code.
  virtual int16_t delete_topic(const std::string& name) = 0;
  // Grows the topic to `total` partitions. Returns a Kafka error code (POLICY_VIOLATION when
  // that adds more partitions than one request may).
  virtual int16_t create_partitions(const std::string& name, int32_t total) = 0;
  // Replaces the topic's overrides. Returns a Kafka error code.
  virtual int16_t set_topic_configs(const std::string& name, const ConfigMap& configs) = 0;

  // Appends batches (each a complete v2 batch) in order, giving them consecutive offsets:
  // the store writes each batch's base offset into the caller's buffer, then stores the
  // bytes as they are (the caller's buffer is not kept). With `sync`, returns only once the
  // data is durable. The batches' producer (the first header's producer id and epoch, the
  // first and last sequence) is checked against the idempotent producer's state on the
  // partition, atomically with the append: OUT_OF_ORDER_SEQUENCE_NUMBER,
  // INVALID_PRODUCER_EPOCH, INVALID_TXN_STATE (a non-transactional batch while the producer's
  // transaction is open here), or `duplicate` (nothing appended); its new state is stored with
  // the batches. A transactional batch opens the producer's transaction (see
  // write_txn_marker).
  virtual AppendResult append(const std::string& topic, int32_t partition,
                              std::span<const std::span<uint8_t>> batches, bool sync) = 0;
  // Whole batches from the one containing `offset`, up to `max_bytes` (at least one batch
  // when `min_one`). error OFFSET_OUT_OF_RANGE when offset is outside [start, end].
  virtual ReadResult read(const std::string& topic, int32_t partition, int64_t offset,
                          int32_t max_bytes, bool min_one) = 0;
  // read() for isolation_level=1 (read_committed): only batches below the last stable offset
  // (nothing, and no error, from an offset at or past it up to the high watermark), with the
  // aborted transactions that overlap what was read (Kafka's collectAbortedTxns).
  virtual ReadResult read_committed(const std::string& topic, int32_t partition, int64_t offset,
                                    int32_t max_bytes, bool min_one) = 0;
  // Writes a transaction marker (a control batch: COMMIT or ABORT) for `producer_id` at
  // `producer_epoch` into the partition, ending the producer's ongoing transaction there
  // (if any: a marker for a producer with no open transaction is still written, as Kafka
  // does). Durable on return (synced). Errors: UNKNOWN_TOPIC_OR_PARTITION,
  // INVALID_PRODUCER_EPOCH (epoch older than the producer's on this partition),
  // KAFKA_STORAGE_ERROR.
  // Also TRANSACTION_COORDINATOR_FENCED (`coordinator_epoch` older than that of the
  // producer's last marker here). A newer epoch becomes the producer's epoch here; an ABORT
  // that ends an open transaction enters the partition's aborted transaction index. Like
  // append(), it wakes no waiting fetch: the caller calls Broker::notify_append(topic,
  // partition) after a marker is written (the LSO may have moved).
  virtual int16_t write_txn_marker(const std::string& topic, int32_t partition,
                                   int64_t producer_id, int16_t producer_epoch,
                                   int32_t coordinator_epoch, bool commit) = 0;
  // The producers with state on the partition, by producer id. error
  // UNKNOWN_TOPIC_OR_PARTITION, KAFKA_STORAGE_ERROR.
  struct ProducersResult {
    int16_t error = 0;
    std::vector<ProducerDescription> producers;
  };
  virtual ProducersResult describe_producers(const std::string& topic, int32_t partition) = 0;
  // nullopt when there is no such partition, and while the log dir is closed after a reopen
  // failed (storage_error() says why then).
  virtual std::optional<PartitionOffsets> offsets(const std::string& topic, int32_t partition) = 0;
  // Offset of the first batch whose max timestamp is >= `timestamp`, with that timestamp.
  // nullopt when there is none. When the log cannot be read: `error` KAFKA_STORAGE_ERROR,
  // timestamp and offset -1.
  struct TimestampOffset {
    int64_t timestamp;
    int64_t offset;
    int16_t error = 0;
  };
  virtual std::optional<TimestampOffset> offset_for_timestamp(const std::string& topic,
                                                              int32_t partition,
                                                              int64_t timestamp) = 0;
  // The batch with the largest max timestamp (its last offset), nullopt when empty; an
  // error as offset_for_timestamp's.
  virtual std::optional<TimestampOffset> max_timestamp(const std::string& topic,
                                                       int32_t partition) = 0;
  // Moves the log start offset to `offset` (DeleteRecords). Returns a Kafka error code and
  // the new log start offset.
  virtual std::pair<int16_t, int64_t> delete_records(const std::string& topic,
                                                     int32_t partition, int64_t offset) = 0;
  // Bytes the partition takes on disk (DescribeLogDirs).
  virtual int64_t partition_size(const std::string& topic, int32_t partition) = 0;

  // Small metadata records (dynamic broker configs): every (key, value) whose key starts
  // with `prefix`, in key order. The one method that throws (log::StorageError) when the
  // storage cannot be read: at start-up that stops the broker (an empty answer would silently
  // drop groups and offsets); a caller serving a request catches it and answers an error.
  virtual std::vector<std::pair<std::string, std::string>> scan_meta(const std::string& prefix) = 0;
  // Writes one record durably (nullopt: erases it). Returns a Kafka error code
  // (KAFKA_STORAGE_ERROR when the log dir cannot be written; nothing was written then).
  virtual int16_t put_meta(const std::string& key, const std::optional<std::string>& value) = 0;
  using MetaRecords = std::vector<std::pair<std::string, std::string>>;
  // Writes `puts` and erases `erases` atomically; durable on return only with `sync` (else
  // with the next flush, like appended batches). Returns a Kafka error code, as put_meta.
  virtual int16_t write_meta(const MetaRecords& puts, const std::vector<std::string>& erases,
                             bool sync) {
    (void)sync;
    for (const auto& [k, v] : puts)
      if (int16_t e = put_meta(k, v)) return e;
    for (const auto& k : erases)
      if (int16_t e = put_meta(k, std::nullopt)) return e;
    return 0;
  }

  // A statistic of the storage engine by name (LevelDB's GetProperty: "leveldb.stats",
  // "leveldb.num-files-at-level<N>", ...); nullopt when the engine has no such property.
  virtual std::optional<std::string> engine_property(const std::string& name) {
    (void)name;
    return std::nullopt;
  }

  // Makes everything appended so far durable. Never throws: a failure shows in
  // storage_error().
  virtual void flush() = 0;
  // Periodic housekeeping (retention, interval flushes, recovering a failed log dir); called
  // often (about every second) from a worker. Never throws.
  virtual void tick(int64_t now_ms) {}
  // Why the log dir cannot be written (a full disk, mostly), or nullopt when it can. While
  // it cannot, writes answer KAFKA_STORAGE_ERROR and the broker is not ready.
  virtual std::optional<std::string> storage_error() { return std::nullopt; }
};

}  // namespace chronik::broker
