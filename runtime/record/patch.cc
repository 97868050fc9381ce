#include "runtime/record/patch.h"

#include "runtime/record/batch_header.h"

namespace chronik::record {

void set_base_offset(std::span<uint8_t> batch, int64_t base_offset) {
  store_be64(batch.data() + kBaseOffsetOffset, base_offset);
}

void set_partition_leader_epoch(std::span<uint8_t> batch, int32_t epoch) {
  store_be32(batch.data() + kPartitionLeaderEpochOffset, epoch);
}

void set_log_append_time(std::span<uint8_t> batch, int64_t timestamp) {
  BatchHeader h = read_batch_header(batch);
  auto attributes = static_cast<int16_t>(h.attributes.raw | Attributes::kTimestampTypeBit);
  store_be16(batch.data() + kAttributesOffset, attributes);
  store_be64(batch.data() + kMaxTimestampOffset, timestamp);
  uint32_t crc = compute_batch_crc(batch.first(h.size_in_bytes()));
  store_be32(batch.data() + kCrcOffset, static_cast<int32_t>(crc));
}

bool set_max_timestamp(std::span<uint8_t> batch, int64_t max_timestamp) {
  BatchHeader h = read_batch_header(batch);
  const bool log_append_time = h.attributes.raw & Attributes::kTimestampTypeBit;
  if (h.max_timestamp == max_timestamp && !log_append_time) return false;
  store_be16(batch.data() + kAttributesOffset, static_cast<int16_t>(h.attributes.raw & ~Attributes::kTimestampTypeBit));
  store_be64(batch.data() + kMaxTimestampOffset, max_timestamp);
  uint32_t crc = compute_batch_crc(batch.first(h.size_in_bytes()));
  store_be32(batch.data() + kCrcOffset, static_cast<int32_t>(crc));
  return true;
}

int64_t assign_offsets(std::span<uint8_t> records, int64_t first_offset, int32_t epoch) {
  size_t position = 0;
  int64_t next = first_offset;
  while (position + kBatchHeaderSize <= records.size()) {
    std::span<uint8_t> batch = records.subspan(position);
    BatchHeader h = read_batch_header(batch);
    set_base_offset(batch, next);
    set_partition_leader_epoch(batch, epoch);
    next += int64_t{h.last_offset_delta} + 1;
    position += h.size_in_bytes();
  }
  return next;
}

}  // namespace chronik::record
