#include "runtime/wire/reader.h"

#include <bit>
#include <cstring>

namespace chronik::wire {

void Reader::throw_truncated(size_t wanted) const {
  throw DecodeError("truncated: wanted " + std::to_string(wanted) + " bytes at offset " +
                    std::to_string(pos_) + ", " + std::to_string(size_ - pos_) + " remain");
}

double Reader::read_float64() { return std::bit_cast<double>(read_be<uint64_t>()); }

Uuid Reader::read_uuid() {
  Uuid uuid;
  auto bytes = take(16);
  std::memcpy(uuid.bytes.data(), bytes.data(), 16);
  return uuid;
}

uint32_t Reader::read_unsigned_varint() {
  uint32_t value = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    uint8_t b = read_uint8();
    // The fifth byte may only carry the top 4 bits of a 32-bit value.
    if (shift == 28 && (b & 0xf0) != 0) throw DecodeError("varint does not fit in 32 bits");
    value |= static_cast<uint32_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return value;
  }
  throw DecodeError("varint longer than 5 bytes");
}

uint64_t Reader::read_unsigned_varlong() {
  uint64_t value = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    uint8_t b = read_uint8();
    if (shift == 63 && (b & 0xfe) != 0) throw DecodeError("varlong does not fit in 64 bits");
    value |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return value;
  }
  throw DecodeError("varlong longer than 10 bytes");
}

int32_t Reader::read_varint() {
  uint32_t raw = read_unsigned_varint();
  return static_cast<int32_t>((raw >> 1) ^ (~(raw & 1) + 1));
}

int64_t Reader::read_varlong() {
  uint64_t raw = read_unsigned_varlong();
  return static_cast<int64_t>((raw >> 1) ^ (~(raw & 1) + 1));
}

int64_t Reader::read_length(bool compact, bool int16_length) {
  if (compact) return static_cast<int64_t>(read_unsigned_varint()) - 1;
  return int16_length ? read_int16() : read_int32();
}

std::optional<std::string> Reader::read_nullable_string(bool compact, const char* field) {
  int64_t length = read_length(compact, /*int16_length=*/true);
  if (length < 0) {
    if (length != -1) throw DecodeError(std::string("string field ") + field + " had negative length");
    return std::nullopt;
  }
  if (length > 0x7fff) throw DecodeError(std::string("string field ") + field + " had invalid length");
  auto bytes = take(static_cast<size_t>(length));
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::string Reader::read_string(bool compact, const char* field) {
  auto s = read_nullable_string(compact, field);
  if (!s) throw DecodeError(std::string("non-nullable field ") + field + " was serialized as null");
  return std::move(*s);
}

int64_t Reader::read_bytes_length(bool compact, const char* field) {
  int64_t length = read_length(compact, /*int16_length=*/false);
  if (length < -1) throw DecodeError(std::string("bytes field ") + field + " had negative length");
  if (length > static_cast<int64_t>(remaining()))
    throw DecodeError(std::string("bytes field ") + field + " is longer than the frame");
  return length;
}

std::optional<std::vector<uint8_t>> Reader::read_nullable_bytes(bool compact, const char* field) {
  int64_t length = read_bytes_length(compact, field);
  if (length < 0) return std::nullopt;
  auto bytes = take(static_cast<size_t>(length));
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

std::vector<uint8_t> Reader::read_bytes(bool compact, const char* field) {
  auto b = read_nullable_bytes(compact, field);
  if (!b) throw DecodeError(std::string("non-nullable field ") + field + " was serialized as null");
  return std::move(*b);
}

SharedBytes Reader::read_shared(size_t n) {
  auto bytes = take(n);
  if (owner_) return SharedBytes(owner_, bytes.data(), bytes.size());
  return SharedBytes::copy_of(bytes);
}

std::optional<SharedBytes> Reader::read_nullable_shared_bytes(bool compact, const char* field) {
  int64_t length = read_bytes_length(compact, field);
  if (length < 0) return std::nullopt;
  return read_shared(static_cast<size_t>(length));
}

SharedBytes Reader::read_shared_bytes(bool compact, const char* field) {
  auto b = read_nullable_shared_bytes(compact, field);
  if (!b) throw DecodeError(std::string("non-nullable field ") + field + " was serialized as null");
  return std::move(*b);
}

int32_t Reader::read_array_length(bool compact, const char* field) {
  int64_t length = read_length(compact, /*int16_length=*/false);
  if (length < -1) throw DecodeError(std::string("array field ") + field + " had negative length");
  if (length > static_cast<int64_t>(remaining()))
    throw DecodeError(std::string("array field ") + field + " has more elements than bytes remain");
  return static_cast<int32_t>(length);
}

}  // namespace chronik::wire
