// The fields of a v2 record batch header the broker reads and patches.
//
// Thin stand-in until runtime/record/ lands: only the fixed 61-byte header is interpreted,
// the records themselves stay opaque bytes (a compressed batch is never inflated here).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace chronik::broker {

inline constexpr size_t kBatchHeaderSize = 61;
inline constexpr size_t kBatchLengthOffset = 8;
inline constexpr size_t kMagicOffset = 16;
inline constexpr size_t kCrcOffset = 17;
inline constexpr size_t kAttributesOffset = 21;
inline constexpr size_t kLastOffsetDeltaOffset = 23;
inline constexpr size_t kBaseTimestampOffset = 27;
inline constexpr size_t kMaxTimestampOffset = 35;
inline constexpr size_t kProducerIdOffset = 43;

struct BatchHeader {
  int64_t base_offset = 0;
  int32_t batch_length = 0;  // bytes after the length field
  int32_t partition_leader_epoch = 0;
  int8_t magic = 0;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = 0;
  int64_t max_timestamp = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t record_count = 0;

  size_t total_size() const { return 12 + static_cast<size_t>(batch_length); }
  int compression() const { return attributes & 0x7; }
  bool log_append_time() const { return (attributes & 0x8) != 0; }
  bool transactional() const { return (attributes & 0x10) != 0; }
  bool control() const { return (attributes & 0x20) != 0; }
  int64_t last_offset() const { return base_offset + last_offset_delta; }
};

// Reads the header at the start of `bytes`. REQUIRES: bytes.size() >= kBatchHeaderSize.
BatchHeader read_batch_header(std::span<const uint8_t> bytes);

// CRC-32C (Castagnoli) of `bytes`.
uint32_t crc32c(std::span<const uint8_t> bytes);

// One batch cut out of a produce request's records, validated.
struct SplitResult {
  std::vector<std::span<const uint8_t>> batches;
  int16_t error = 0;            // Kafka error code when the records are refused
  std::string error_message;
};

// Splits `records` into v2 batches and checks each: complete, magic 2, CRC, record count
// consistent with last_offset_delta. Legacy magic 0/1 are refused with
// UNSUPPORTED_FOR_MESSAGE_FORMAT until the runtime's converter lands.
SplitResult split_batches(std::span<const uint8_t> records);

void put_int64(uint8_t* at, int64_t v);
void put_int32(uint8_t* at, int32_t v);
void put_int16(uint8_t* at, int16_t v);
int64_t get_int64(const uint8_t* at);
int32_t get_int32(const uint8_t* at);

// Rewrites the CRC of a v2 batch after its attributes or timestamps changed.
void refresh_crc(std::span<uint8_t> batch);

}  // namespace chronik::broker
