#include "runtime/compression/snappy.h"

#include <snappy.h>

#include <cstring>
#include <string>

#include "runtime/compression/bounded_output.h"

namespace chronik::compression {
namespace {

constexpr uint8_t kXerialMagic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr size_t kXerialHeaderSize = 16;
constexpr size_t kXerialBlockSize = 32 * 1024;  // xerial's default, as Kafka uses it

[[noreturn]] void corrupt(const std::string& what) {
  throw CompressionError(CompressionError::Kind::kCorrupt, "snappy: " + what);
}

uint32_t read_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
void put_be32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

// Appends the raw snappy block `block` to `out`, within the limit.
void uncompress_block(std::span<const uint8_t> block, BoundedOutput& out,
                      std::vector<uint8_t>& result) {
  const char* data = reinterpret_cast<const char*>(block.data());
  size_t length = 0;
  // The length header is checked before any allocation: a lying header costs nothing.
  if (!snappy::GetUncompressedLength(data, block.size(), &length)) corrupt("bad block header");
  out.require(length);
  size_t at = result.size();
  result.resize(at + length);
  if (!snappy::RawUncompress(data, block.size(), reinterpret_cast<char*>(result.data() + at))) {
    corrupt("invalid block");
  }
  out.commit(length);
}

}  // namespace

std::vector<uint8_t> snappy_compress_raw(std::span<const uint8_t> input) {
  std::vector<uint8_t> out(snappy::MaxCompressedLength(input.size()));
  size_t length = 0;
  snappy::RawCompress(reinterpret_cast<const char*>(input.data()), input.size(),
                      reinterpret_cast<char*>(out.data()), &length);
  out.resize(length);
  return out;
}

std::vector<uint8_t> snappy_compress_xerial(std::span<const uint8_t> input) {
  std::vector<uint8_t> out(kXerialMagic, kXerialMagic + sizeof(kXerialMagic));
  put_be32(out, 1);  // version
  put_be32(out, 1);  // oldest compatible version
  std::vector<uint8_t> block(snappy::MaxCompressedLength(kXerialBlockSize));
  for (size_t at = 0; at < input.size(); at += kXerialBlockSize) {
    size_t n = std::min(kXerialBlockSize, input.size() - at);
    size_t length = 0;
    snappy::RawCompress(reinterpret_cast<const char*>(input.data() + at), n,
                        reinterpret_cast<char*>(block.data()), &length);
    put_be32(out, static_cast<uint32_t>(length));
    out.insert(out.end(), block.begin(), block.begin() + static_cast<ptrdiff_t>(length));
  }
  return out;
}

bool is_xerial_snappy(std::span<const uint8_t> input) {
  return input.size() >= kXerialHeaderSize &&
         std::memcmp(input.data(), kXerialMagic, sizeof(kXerialMagic)) == 0;
}

std::vector<uint8_t> snappy_decompress(std::span<const uint8_t> input, size_t max_output,
                                       std::vector<uint8_t> buffer) {
  // Snappy writes straight into the result; `out` only keeps the count against the limit.
  BoundedOutput out(max_output, "snappy");
  std::vector<uint8_t> result = std::move(buffer);
  result.clear();
  if (!is_xerial_snappy(input)) {
    if (input.empty()) corrupt("empty input");
    uncompress_block(input, out, result);
    return result;
  }
  std::span<const uint8_t> rest = input.subspan(kXerialHeaderSize);
  while (!rest.empty()) {
    if (rest.size() < 4) corrupt("truncated xerial block length");
    uint32_t length = read_be32(rest.data());
    rest = rest.subspan(4);
    if (length > rest.size()) corrupt("xerial block longer than the input");
    uncompress_block(rest.first(length), out, result);
    rest = rest.subspan(length);
  }
  return result;
}

}  // namespace chronik::compression
