#include "broker/log/batch_header.h"

namespace chronik::log {

BatchInfo read_batch_info(std::span<const uint8_t> bytes) {
  const uint8_t* p = bytes.data();
  BatchInfo info;
  info.base_offset = static_cast<int64_t>(load_be64(p));
  info.batch_length = static_cast<int32_t>(load_be32(p + 8));
  info.magic = static_cast<int8_t>(p[16]);
  info.crc = load_be32(p + 17);
  info.last_offset_delta = static_cast<int32_t>(load_be32(p + 23));
  info.max_timestamp = static_cast<int64_t>(load_be64(p + 35));
  info.records_count = static_cast<int32_t>(load_be32(p + 57));
  return info;
}

bool batch_is_intact(std::span<const uint8_t> bytes) {
  if (bytes.size() < kBatchHeaderSize) return false;
  BatchInfo info = read_batch_info(bytes);
  if (info.magic != 2 || info.batch_length < 0 || info.total_size() != bytes.size() ||
      info.last_offset_delta < 0)
    return false;
  return crc32c(bytes.subspan(21)) == info.crc;
}

}  // namespace chronik::log
