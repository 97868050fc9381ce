#include "runtime/wire/writer.h"

#include <string>

namespace chronik::wire {

size_t unsigned_varint_size(uint32_t value) {
  size_t n = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++n;
  }
  return n;
}

size_t varint_size(int32_t v) {
  return unsigned_varint_size((static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31));
}

size_t varlong_size(int64_t v) {
  uint64_t u = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  size_t n = 1;
  while (u >= 0x80) {
    u >>= 7;
    ++n;
  }
  return n;
}

void check_string_length(size_t length, const char* field) {
  if (length > 0x7fff)
    throw EncodeError(std::string("string field ") + field + " is longer than 32767 bytes");
}

void Writer::put_shared(const SharedBytes& b) {
  if (b.size() < kZeroCopyThreshold) {
    put(b.data(), b.size());
    return;
  }
  references_.push_back({buffer_.size(), b});
  referenced_bytes_ += b.size();
}

std::vector<std::span<const uint8_t>> Writer::chunks() const {
  std::vector<std::span<const uint8_t>> out;
  out.reserve(references_.size() * 2 + 1);
  size_t from = 0;
  for (const auto& ref : references_) {
    if (ref.at > from) out.emplace_back(buffer_.data() + from, ref.at - from);
    if (!ref.bytes.empty()) out.push_back(ref.bytes.span());
    from = ref.at;
  }
  if (buffer_.size() > from) out.emplace_back(buffer_.data() + from, buffer_.size() - from);
  return out;
}

std::vector<uint8_t> Writer::take_bytes() && {
  if (references_.empty()) return std::move(buffer_);
  std::vector<uint8_t> out;
  out.reserve(size());
  for (auto chunk : chunks()) out.insert(out.end(), chunk.begin(), chunk.end());
  return out;
}

void Writer::patch_int32(size_t offset, int32_t v) {
  auto u = static_cast<uint32_t>(v);
  for (int i = 0; i < 4; ++i) buffer_.at(offset + i) = static_cast<uint8_t>(u >> (24 - 8 * i));
}

}  // namespace chronik::wire
