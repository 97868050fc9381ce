// Control batches: the commit/abort markers a transaction coordinator writes. One record,
// key = version int16 (0) + type int16 (0 abort, 1 commit), value = version int16 (0) +
// coordinatorEpoch int32. The batch is transactional and control, with the producer's id.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "runtime/record/batch.h"

namespace chronik::record {

enum class ControlType : int16_t {
  kAbort = 0,
  kCommit = 1,
};

struct EndTransactionMarker {
  ControlType type = ControlType::kCommit;
  int32_t coordinator_epoch = 0;
  friend bool operator==(const EndTransactionMarker&, const EndTransactionMarker&) = default;
};

struct ControlBatchOptions {
  int64_t base_offset = 0;
  int32_t partition_leader_epoch = kNoPartitionLeaderEpoch;
  int64_t producer_id = kNoProducerId;
  int16_t producer_epoch = kNoProducerEpoch;
  int64_t timestamp = kNoTimestamp;
};

std::vector<uint8_t> build_control_batch(const ControlBatchOptions& options, EndTransactionMarker marker);

// The control type in a control record's key; nullopt when the key is not one (types other
// than abort/commit are reported too, as Kafka keeps room for more).
std::optional<int16_t> read_control_type(std::span<const uint8_t> key);
// The marker of a control record. Throws RecordException(kBadControlRecord).
EndTransactionMarker read_end_transaction_marker(const Record& record);

}  // namespace chronik::record
