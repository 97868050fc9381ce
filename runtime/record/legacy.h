// Legacy message sets, magic v0 and v1 (Kafka before 0.11):
//
//   offset int64 | messageSize int32 | crc uint32 | magic int8 | attributes int8 |
//   [timestamp int64, v1 only] | key bytes (int32 length, -1 null) | value bytes
//
// The CRC-32 (zlib's) covers magic .. end. A compressed set travels as one wrapper message
// whose value is the compressed inner message set; in v1 the inner offsets are relative
// (absolute = wrapper offset - last inner offset + inner offset, when the wrapper offset is
// a real one), in v0 they are absolute.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "runtime/compression/codec.h"
#include "runtime/record/batch.h"

namespace chronik::record {

constexpr size_t kLegacyCrcOffset = 12;
constexpr size_t kLegacyAttributesOffset = 17;
constexpr size_t kLegacyTimestampOffset = 18;
constexpr int16_t kLegacyCodecMask = 0x07;
constexpr int16_t kLegacyTimestampTypeBit = 0x08;

struct LegacyRecord {
  int64_t offset = 0;
  int64_t timestamp = kNoTimestamp;  // kNoTimestamp in v0
  std::optional<Bytes> key;
  std::optional<Bytes> value;
  friend bool operator==(const LegacyRecord&, const LegacyRecord&) = default;
};

// One top-level message: a plain message (one record) or a compressed wrapper.
struct LegacyEntry {
  int8_t magic = kMagicV1;
  compression::Codec codec = compression::Codec::kNone;
  TimestampType timestamp_type = TimestampType::kCreateTime;  // kNoTimestamp for v0
  int64_t offset = 0;                  // for a wrapper: its (last) offset
  int64_t timestamp = kNoTimestamp;    // the message's own timestamp field
  std::vector<LegacyRecord> records;   // absolute offsets; LogAppendTime applied
};

// Every entry of a message set, checking sizes, magic (0 or 1), CRCs of wrappers and inner
// messages, and decompressing within `max_decompressed` per wrapper. A message cut short at
// the end is kTruncated. Throws RecordException.
std::vector<LegacyEntry> read_message_set(std::span<const uint8_t> bytes,
                                          size_t max_decompressed = kDefaultMaxDecompressedBytes);

struct LegacyBuildOptions {
  int8_t magic = kMagicV1;
  compression::Codec codec = compression::Codec::kNone;  // zstd is not allowed
  // v1 only. With kLogAppendTime every message (or the wrapper) carries log_append_time.
  TimestampType timestamp_type = TimestampType::kCreateTime;
  int64_t log_append_time = kNoTimestamp;
};

// Plain messages, one per record, or (compressed) one wrapper whose offset is the last
// record's and whose timestamp is the largest (CreateTime). Magic v0 LZ4 uses Kafka 0.8's
// header checksum. Throws RecordException(kUnsupportedConversion) for zstd or bad magic.
std::vector<uint8_t> build_message_set(const LegacyBuildOptions& options,
                                       std::span<const LegacyRecord> records);

// zlib's CRC-32 of `data`.
uint32_t crc32_ieee(std::span<const uint8_t> data);

}  // namespace chronik::record
