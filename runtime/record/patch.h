// In-place changes the broker makes to a client's batches before storing them. The client's
// bytes are never re-encoded: baseOffset and partitionLeaderEpoch lie outside the CRC, and
// LogAppendTime changes two header fields and then the CRC.
#pragma once

#include <cstdint>
#include <span>

namespace chronik::record {

// REQUIRES (all): `batch` starts with a v2 batch header (kBatchHeaderSize bytes at least).
void set_base_offset(std::span<uint8_t> batch, int64_t base_offset);
void set_partition_leader_epoch(std::span<uint8_t> batch, int32_t epoch);
// Marks the batch LogAppendTime with maxTimestamp = `timestamp` and recomputes the CRC.
// REQUIRES: the whole batch (batchLength) lies within `batch`.
void set_log_append_time(std::span<uint8_t> batch, int64_t timestamp);
// Marks the batch CreateTime with maxTimestamp = `max_timestamp`, the largest timestamp of
// its records, where the header says otherwise (clients that leave it -1), and then the CRC:
// Kafka stores the true value, and retention and timestamp lookups read only the header.
// Returns whether the batch changed. REQUIRES: as set_log_append_time.
bool set_max_timestamp(std::span<uint8_t> batch, int64_t max_timestamp);

// Gives the batches of a validated records buffer consecutive offsets starting at
// `first_offset` (and `epoch` as partition leader epoch); returns the next offset.
// REQUIRES: validate_records(records).ok().
int64_t assign_offsets(std::span<uint8_t> records, int64_t first_offset, int32_t epoch);

}  // namespace chronik::record
