#include "broker/server/batch.h"

#include <array>

#include "broker/server/errors.h"

namespace chronik::broker {
namespace {

std::array<uint32_t, 256> make_crc32c_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (0x82F63B78u ^ (c >> 1)) : (c >> 1);
    table[i] = c;
  }
  return table;
}

}  // namespace

int64_t get_int64(const uint8_t* at) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | at[i];
  return static_cast<int64_t>(v);
}
int32_t get_int32(const uint8_t* at) {
  return static_cast<int32_t>((uint32_t{at[0]} << 24) | (uint32_t{at[1]} << 16) |
                              (uint32_t{at[2]} << 8) | uint32_t{at[3]});
}
static int16_t get_int16(const uint8_t* at) {
  return static_cast<int16_t>((uint16_t{at[0]} << 8) | uint16_t{at[1]});
}
void put_int64(uint8_t* at, int64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) at[i] = static_cast<uint8_t>(v);
}
void put_int32(uint8_t* at, int32_t v) {
  auto u = static_cast<uint32_t>(v);
  for (int i = 3; i >= 0; --i, u >>= 8) at[i] = static_cast<uint8_t>(u);
}
void put_int16(uint8_t* at, int16_t v) {
  at[0] = static_cast<uint8_t>(static_cast<uint16_t>(v) >> 8);
  at[1] = static_cast<uint8_t>(v);
}

uint32_t crc32c(std::span<const uint8_t> bytes) {
  static const auto table = make_crc32c_table();
  uint32_t c = 0xFFFFFFFFu;
  for (uint8_t b : bytes) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

BatchHeader read_batch_header(std::span<const uint8_t> b) {
  const uint8_t* p = b.data();
  BatchHeader h;
  h.base_offset = get_int64(p);
  h.batch_length = get_int32(p + 8);
  h.partition_leader_epoch = get_int32(p + 12);
  h.magic = static_cast<int8_t>(p[16]);
  h.crc = static_cast<uint32_t>(get_int32(p + 17));
  h.attributes = get_int16(p + 21);
  h.last_offset_delta = get_int32(p + 23);
  h.base_timestamp = get_int64(p + 27);
  h.max_timestamp = get_int64(p + 35);
  h.producer_id = get_int64(p + 43);
  h.producer_epoch = get_int16(p + 51);
  h.base_sequence = get_int32(p + 53);
  h.record_count = get_int32(p + 57);
  return h;
}

void refresh_crc(std::span<uint8_t> batch) {
  uint32_t crc = crc32c(batch.subspan(kAttributesOffset));
  put_int32(batch.data() + kCrcOffset, static_cast<int32_t>(crc));
}

SplitResult split_batches(std::span<const uint8_t> records) {
  SplitResult out;
  size_t pos = 0;
  while (pos < records.size()) {
    auto rest = records.subspan(pos);
    if (rest.size() < 17) {
      out.error = err::kCorruptMessage;
      out.error_message = "truncated record batch";
      return out;
    }
    const int32_t length = get_int32(rest.data() + 8);
    const int8_t magic = static_cast<int8_t>(rest[16]);
    if (magic != 2) {
      out.error = err::kUnsupportedForMessageFormat;
      out.error_message = "message format v" + std::to_string(magic) + " is not accepted yet";
      return out;
    }
    if (length < static_cast<int32_t>(kBatchHeaderSize - 12) ||
        static_cast<size_t>(length) + 12 > rest.size()) {
      out.error = err::kCorruptMessage;
      out.error_message = "record batch length does not match the data";
      return out;
    }
    auto batch = rest.subspan(0, static_cast<size_t>(length) + 12);
    BatchHeader h = read_batch_header(batch);
    if (crc32c(batch.subspan(kAttributesOffset)) != h.crc) {
      out.error = err::kCorruptMessage;
      out.error_message = "record batch CRC mismatch";
      return out;
    }
    if (h.record_count <= 0 || h.last_offset_delta < 0 ||
        (h.compression() == 0 && h.last_offset_delta + 1 != h.record_count) ||
        h.compression() > 4) {
      out.error = err::kInvalidRecord;
      out.error_message = "record batch header is inconsistent";
      return out;
    }
    out.batches.push_back(batch);
    pos += batch.size();
  }
  if (out.batches.empty()) {
    out.error = err::kInvalidRecord;
    out.error_message = "no record batch";
  }
  return out;
}

}  // namespace chronik::broker
