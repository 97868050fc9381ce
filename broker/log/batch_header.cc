#include "broker/log/batch_header.h"

#include <array>

namespace chronik::log {
namespace {

// Slicing-by-8 tables for the reflected Castagnoli polynomial 0x82F63B78.
struct Crc32cTables {
  std::array<std::array<uint32_t, 256>, 8> t{};
  Crc32cTables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i)
      for (size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  }
};

const Crc32cTables& tables() {
  static const Crc32cTables instance;
  return instance;
}

}  // namespace

uint32_t crc32c(std::span<const uint8_t> bytes, uint32_t crc) {
  const auto& t = tables().t;
  uint32_t c = ~crc;
  const uint8_t* p = bytes.data();
  size_t n = bytes.size();
  while (n >= 8) {
    uint32_t lo = c ^ (uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 |
                       uint32_t{p[3]} << 24);
    c = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24] ^
        t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = (c >> 8) ^ t[0][(c ^ *p++) & 0xFF];
  return ~c;
}

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
