// The few fields of a v2 record batch header that storage reads and patches.
//
// Storage never interprets records: a batch is the 61-byte header followed by opaque bytes.
// Layout (all big-endian): baseOffset int64 @0, batchLength int32 @8, partitionLeaderEpoch
// int32 @12, magic int8 @16, crc uint32 @17 (CRC-32C over bytes @21..end), attributes int16
// @21, lastOffsetDelta int32 @23, baseTimestamp int64 @27, maxTimestamp int64 @35,
// producerId int64 @43, producerEpoch int16 @51, baseSequence int32 @53, recordsCount int32
// @57.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "runtime/record/batch_header.h"
#include "runtime/record/crc32c.h"

namespace chronik::log {

inline constexpr size_t kBatchHeaderSize = 61;

// Storage keys and values are unsigned big-endian numbers; the runtime's helpers do the
// byte work.
inline uint64_t load_be64(const uint8_t* p) { return static_cast<uint64_t>(record::load_be64(p)); }
inline uint32_t load_be32(const uint8_t* p) { return static_cast<uint32_t>(record::load_be32(p)); }
inline void store_be64(uint8_t* p, uint64_t v) { record::store_be64(p, static_cast<int64_t>(v)); }
inline void store_be32(uint8_t* p, uint32_t v) { record::store_be32(p, static_cast<int32_t>(v)); }

// CRC-32C of v2 record batches: the runtime's (hardware-accelerated where the CPU allows).
using record::crc32c;

struct BatchInfo {
  int64_t base_offset = 0;
  int32_t batch_length = 0;  // bytes after the length field
  int8_t magic = 0;
  uint32_t crc = 0;
  int32_t last_offset_delta = 0;
  int64_t max_timestamp = 0;
  int32_t records_count = 0;

  size_t total_size() const { return 12 + static_cast<size_t>(batch_length); }
  int64_t last_offset() const { return base_offset + last_offset_delta; }
};

// Reads the header fields. REQUIRES: bytes.size() >= kBatchHeaderSize.
BatchInfo read_batch_info(std::span<const uint8_t> bytes);

// True when `bytes` is exactly one v2 batch: magic 2, batchLength matching the size,
// lastOffsetDelta >= 0, and a correct CRC-32C.
bool batch_is_intact(std::span<const uint8_t> bytes);

}  // namespace chronik::log
