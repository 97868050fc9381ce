#include "runtime/record/batch_header.h"

#include <limits>

#include "runtime/record/crc32c.h"

namespace chronik::record {

int64_t load_be64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return static_cast<int64_t>(v);
}
int32_t load_be32(const uint8_t* p) {
  return static_cast<int32_t>((uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
                              (uint32_t{p[2]} << 8) | uint32_t{p[3]});
}
int16_t load_be16(const uint8_t* p) { return static_cast<int16_t>((p[0] << 8) | p[1]); }
void store_be64(uint8_t* p, int64_t v) {
  for (int i = 7; i >= 0; --i, v = static_cast<int64_t>(static_cast<uint64_t>(v) >> 8)) {
    p[i] = static_cast<uint8_t>(v);
  }
}
void store_be32(uint8_t* p, int32_t v) {
  auto u = static_cast<uint32_t>(v);
  p[0] = static_cast<uint8_t>(u >> 24);
  p[1] = static_cast<uint8_t>(u >> 16);
  p[2] = static_cast<uint8_t>(u >> 8);
  p[3] = static_cast<uint8_t>(u);
}
void store_be16(uint8_t* p, int16_t v) {
  auto u = static_cast<uint16_t>(v);
  p[0] = static_cast<uint8_t>(u >> 8);
  p[1] = static_cast<uint8_t>(u);
}

Attributes Attributes::make(compression::Codec codec, TimestampType type, bool transactional,
                            bool control, bool delete_horizon) {
  Attributes a;
  a.raw = static_cast<int16_t>(static_cast<int16_t>(codec) |
                               (type == TimestampType::kLogAppendTime ? kTimestampTypeBit : 0) |
                               (transactional ? kTransactionalBit : 0) |
                               (control ? kControlBit : 0) |
                               (delete_horizon ? kDeleteHorizonBit : 0));
  return a;
}

int32_t BatchHeader::last_sequence() const {
  if (base_sequence == kNoSequence) return kNoSequence;
  int64_t last = int64_t{base_sequence} + last_offset_delta;
  if (last > std::numeric_limits<int32_t>::max()) last -= int64_t{std::numeric_limits<int32_t>::max()} + 1;
  return static_cast<int32_t>(last);
}

BatchHeader read_batch_header(std::span<const uint8_t> bytes) {
  const uint8_t* p = bytes.data();
  BatchHeader h;
  h.base_offset = load_be64(p + kBaseOffsetOffset);
  h.batch_length = load_be32(p + kBatchLengthOffset);
  h.partition_leader_epoch = load_be32(p + kPartitionLeaderEpochOffset);
  h.magic = static_cast<int8_t>(p[kMagicOffset]);
  h.crc = static_cast<uint32_t>(load_be32(p + kCrcOffset));
  h.attributes.raw = load_be16(p + kAttributesOffset);
  h.last_offset_delta = load_be32(p + kLastOffsetDeltaOffset);
  h.base_timestamp = load_be64(p + kBaseTimestampOffset);
  h.max_timestamp = load_be64(p + kMaxTimestampOffset);
  h.producer_id = load_be64(p + kProducerIdOffset);
  h.producer_epoch = load_be16(p + kProducerEpochOffset);
  h.base_sequence = load_be32(p + kBaseSequenceOffset);
  h.records_count = load_be32(p + kRecordsCountOffset);
  return h;
}

void write_batch_header(std::span<uint8_t> out, const BatchHeader& h) {
  uint8_t* p = out.data();
  store_be64(p + kBaseOffsetOffset, h.base_offset);
  store_be32(p + kBatchLengthOffset, h.batch_length);
  store_be32(p + kPartitionLeaderEpochOffset, h.partition_leader_epoch);
  p[kMagicOffset] = static_cast<uint8_t>(h.magic);
  store_be32(p + kCrcOffset, static_cast<int32_t>(h.crc));
  store_be16(p + kAttributesOffset, h.attributes.raw);
  store_be32(p + kLastOffsetDeltaOffset, h.last_offset_delta);
  store_be64(p + kBaseTimestampOffset, h.base_timestamp);
  store_be64(p + kMaxTimestampOffset, h.max_timestamp);
  store_be64(p + kProducerIdOffset, h.producer_id);
  store_be16(p + kProducerEpochOffset, h.producer_epoch);
  store_be32(p + kBaseSequenceOffset, h.base_sequence);
  store_be32(p + kRecordsCountOffset, h.records_count);
}

uint32_t compute_batch_crc(std::span<const uint8_t> batch) {
  return crc32c(batch.subspan(kAttributesOffset));
}

}  // namespace chronik::record
