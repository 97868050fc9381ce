// Record-level answers to "which offset has this timestamp" inside one stored batch: what
// ListOffsets returns, where the log's index only narrows the search to a batch.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace chronik::record {

struct RecordTimestamp {
  int64_t offset;
  int64_t timestamp;
};

// The first record of `batch` (a stored v2 batch, base offset assigned) whose timestamp is
// at or after `target`, or nullopt when none is. In a LogAppendTime batch every record has
// the batch's max timestamp, as Kafka reports them. Throws RecordException on a batch that
// does not decode.
std::optional<RecordTimestamp> first_record_at_or_after(std::span<const uint8_t> batch, int64_t target);

// The record holding the batch's max timestamp (the first such record).
RecordTimestamp record_with_max_timestamp(std::span<const uint8_t> batch);

}  // namespace chronik::record
