// Validation of the `records` field of a produce request (v2 batches) before it is stored.
//
// Walks every batch, checks its frame and CRC, reads its records in place or, compressed,
// through a window as they are decompressed (stream_batch_records: memory stays bounded
// however far a batch inflates, as in Kafka, which streams through them too; copying no key
// or value) and checks the rules Kafka applies: a positive
// count matching the records read and lastOffsetDelta + 1, offset deltas 0, 1, 2, ..., no
// control batches from clients, a base sequence whenever there is a producer id; and, when
// given, the topic's rules for each record (RecordRules). Nothing is modified.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "runtime/compression/codec.h"
#include "runtime/record/batch.h"
#include "runtime/record/errors.h"

namespace chronik::record {

// A topic's rules for each record, as Kafka's LogValidator applies them: a compacted topic
// takes only records with a key; with CreateTime, a record's timestamp (unless it has none)
// lies within [now - before, now + after].
struct RecordRules {
  bool require_key = false;
  bool create_time = true;
  int64_t now_ms = 0;
  int64_t timestamp_before_max_ms = std::numeric_limits<int64_t>::max();
  int64_t timestamp_after_max_ms = std::numeric_limits<int64_t>::max();
  std::string partition;  // "topic-partition", which Kafka's messages name
};

// A record a RecordRules check refused: its index within its batch and why.
struct RejectedRecord {
  int32_t batch_index = 0;
  std::string message;
};

struct ValidateOptions {
  // How far a compressed batch may inflate: a bound on time, not memory.
  uint64_t max_decompressed_bytes = kMaxStreamedBytes;
  // The broker's own writes (transaction markers) may contain control batches.
  bool allow_control_batches = false;
  std::optional<RecordRules> record_rules;
};

struct BatchSummary {
  size_t position = 0;  // of the batch within the buffer
  BatchHeader header;
  int32_t records = 0;
  int64_t max_timestamp = kNoTimestamp;  // computed from the records (CreateTime)
};

struct ValidationResult {
  RecordError error = RecordError::kNone;
  std::string message;      // empty when valid
  size_t error_batch = 0;   // index of the failing batch
  // With kInvalidTimestamp or kRejectedRecords: the failing batch's refused records (the
  // first kMaxRejectedRecords of them; message counts them all, as Kafka's does).
  std::vector<RejectedRecord> rejected_records;
  static constexpr size_t kMaxRejectedRecords = 1000;
  std::vector<BatchSummary> batches;

  // Over all batches:
  int64_t record_count = 0;
  int32_t first_offset_delta = 0;  // of the first batch's first record
  int32_t last_offset_delta = 0;   // of the last batch's header
  int64_t max_timestamp = kNoTimestamp;
  // The first batch's producer state and codec (a produce request carries one batch).
  int64_t producer_id = kNoProducerId;
  int16_t producer_epoch = kNoProducerEpoch;
  int32_t base_sequence = kNoSequence;
  int32_t last_sequence = kNoSequence;
  bool transactional = false;
  compression::Codec compression = compression::Codec::kNone;

  bool ok() const { return error == RecordError::kNone; }
  protocol::ErrorCode error_code() const { return to_error_code(error); }
};

ValidationResult validate_records(std::span<const uint8_t> records, const ValidateOptions& options = {});

// The largest size (12 + batchLength) any batch or legacy message of `records` declares,
// read from the frames alone: Kafka checks it against max.message.bytes before it reads or
// decompresses anything. Stops at a frame too short to declare its size.
size_t largest_batch_size(std::span<const uint8_t> records);

// The magic of the first entry of a records buffer (v2 batch or v0/v1 message: magic sits at
// the same position), or -1 when the buffer is too short to tell.
int8_t records_magic(std::span<const uint8_t> records);

}  // namespace chronik::record
