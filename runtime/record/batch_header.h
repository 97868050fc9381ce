// The 61-byte header of a v2 record batch, its attributes, and the CRC over it.
//
//   baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 |
//   crc uint32 | attributes int16 | lastOffsetDelta int32 | baseTimestamp int64 |
//   maxTimestamp int64 | producerId int64 | producerEpoch int16 | baseSequence int32 |
//   recordsCount int32 | records...
//
// batchLength counts the bytes after itself; the CRC-32C covers attributes .. end, so the
// broker may patch baseOffset and partitionLeaderEpoch without recomputing it.
#pragma once

#include <cstdint>
#include <span>

#include "runtime/compression/codec.h"

namespace chronik::record {

constexpr int8_t kMagicV0 = 0;
constexpr int8_t kMagicV1 = 1;
constexpr int8_t kMagicV2 = 2;

constexpr size_t kBaseOffsetOffset = 0;
constexpr size_t kBatchLengthOffset = 8;
constexpr size_t kPartitionLeaderEpochOffset = 12;
constexpr size_t kMagicOffset = 16;  // the same position in v0/v1 messages
constexpr size_t kCrcOffset = 17;
constexpr size_t kAttributesOffset = 21;
constexpr size_t kLastOffsetDeltaOffset = 23;
constexpr size_t kBaseTimestampOffset = 27;
constexpr size_t kMaxTimestampOffset = 35;
constexpr size_t kProducerIdOffset = 43;
constexpr size_t kProducerEpochOffset = 51;
constexpr size_t kBaseSequenceOffset = 53;
constexpr size_t kRecordsCountOffset = 57;
constexpr size_t kBatchHeaderSize = 61;
// baseOffset and batchLength: the bytes not counted by batchLength.
constexpr size_t kLogOverhead = 12;

// Timestamps and offsets in client bytes can be anything: sums and differences of them wrap
// (two's complement, as Java's longs do) instead of overflowing, so that a delta computed
// here and added back later always gives the original value.
constexpr int64_t wrapping_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
constexpr int64_t wrapping_sub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}

constexpr int64_t kNoProducerId = -1;
constexpr int16_t kNoProducerEpoch = -1;
constexpr int32_t kNoSequence = -1;
constexpr int64_t kNoTimestamp = -1;
constexpr int32_t kNoPartitionLeaderEpoch = -1;

enum class TimestampType : int8_t {
  kNoTimestamp = -1,  // magic v0 only
  kCreateTime = 0,
  kLogAppendTime = 1,
};

struct Attributes {
  static constexpr int16_t kCompressionMask = 0x07;
  static constexpr int16_t kTimestampTypeBit = 0x08;
  static constexpr int16_t kTransactionalBit = 0x10;
  static constexpr int16_t kControlBit = 0x20;
  static constexpr int16_t kDeleteHorizonBit = 0x40;

  int16_t raw = 0;

  int compression_id() const { return raw & kCompressionMask; }
  // REQUIRES: compression_id() <= 4.
  compression::Codec compression() const { return static_cast<compression::Codec>(compression_id()); }
  TimestampType timestamp_type() const {
    return (raw & kTimestampTypeBit) ? TimestampType::kLogAppendTime : TimestampType::kCreateTime;
  }
  bool is_transactional() const { return raw & kTransactionalBit; }
  bool is_control() const { return raw & kControlBit; }
  bool has_delete_horizon() const { return raw & kDeleteHorizonBit; }

  static Attributes make(compression::Codec codec, TimestampType type, bool transactional,
                         bool control, bool delete_horizon = false);
};

struct BatchHeader {
  int64_t base_offset = 0;
  int32_t batch_length = 0;
  int32_t partition_leader_epoch = kNoPartitionLeaderEpoch;
  int8_t magic = kMagicV2;
  uint32_t crc = 0;
  Attributes attributes;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = kNoTimestamp;
  int64_t max_timestamp = kNoTimestamp;
  int64_t producer_id = kNoProducerId;
  int16_t producer_epoch = kNoProducerEpoch;
  int32_t base_sequence = kNoSequence;
  int32_t records_count = 0;

  int64_t last_offset() const { return wrapping_add(base_offset, last_offset_delta); }
  // The whole batch, header included.
  size_t size_in_bytes() const { return kLogOverhead + static_cast<size_t>(batch_length); }
  bool has_producer_id() const { return producer_id >= 0; }
  // The sequence of the last record; sequences wrap at INT32_MAX as in Kafka.
  int32_t last_sequence() const;
};

// Reads the header fields. REQUIRES: bytes.size() >= kBatchHeaderSize. Checks nothing.
BatchHeader read_batch_header(std::span<const uint8_t> bytes);
// Writes every field of `header` (crc as given). REQUIRES: out.size() >= kBatchHeaderSize.
void write_batch_header(std::span<uint8_t> out, const BatchHeader& header);

// The CRC a batch should carry. REQUIRES: batch.size() >= kBatchHeaderSize; the whole span
// from attributes to its end is covered.
uint32_t compute_batch_crc(std::span<const uint8_t> batch);

// Big-endian helpers over raw bytes; REQUIRE enough bytes.
int64_t load_be64(const uint8_t* p);
int32_t load_be32(const uint8_t* p);
int16_t load_be16(const uint8_t* p);
void store_be64(uint8_t* p, int64_t v);
void store_be32(uint8_t* p, int32_t v);
void store_be16(uint8_t* p, int16_t v);

}  // namespace chronik::record
