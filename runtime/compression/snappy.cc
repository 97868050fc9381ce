#include "runtime/compression/snappy.h"

#include <snappy.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>
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

// A raw block's uncompressed length, from its header, once it is known to fit `out` and
// to be one the block could hold: no snappy element yields more than 64 bytes from 3, so a
// larger claim is a lie, refused before anything is allocated for it.
size_t block_length(std::span<const uint8_t> block, const BoundedOutput& out) {
  size_t length = 0;
  if (!snappy::GetUncompressedLength(reinterpret_cast<const char*>(block.data()), block.size(), &length)) {
    corrupt("bad block header");
  }
  out.require(length);
  if (length / 64 > block.size() / 3 + 1) corrupt("block claims more than it can hold");
  return length;
}

// Appends the raw snappy block `block` to `out`, within the limit.
void uncompress_block(std::span<const uint8_t> block, BoundedOutput& out,
                      std::vector<uint8_t>& result) {
  const char* data = reinterpret_cast<const char*>(block.data());
  const size_t length = block_length(block, out);
  size_t at = result.size();
  result.resize(at + length);
  if (!snappy::RawUncompress(data, block.size(), reinterpret_cast<char*>(result.data() + at))) {
    corrupt("invalid block");
  }
  out.commit(length);
}

// Snappy blocks can only be decoded whole: the stream decodes one at a time (all of raw
// input, or one xerial block), straight into the reader's buffer when it fits there, else
// into its own and hands that out in pieces.
class SnappyStream final : public DecompressStream {
 public:
  SnappyStream(std::span<const uint8_t> input, uint64_t limit)
      : DecompressStream(limit, "snappy"), count_(limit, "snappy") {
    if (input.empty()) corrupt("empty input");
    if (is_xerial_snappy(input)) {
      rest_ = input.subspan(kXerialHeaderSize);
    } else {
      raw_ = input;
    }
  }

 private:
  size_t fill(std::span<uint8_t> out) override {
    size_t written = 0;
    while (written < out.size()) {
      if (at_ < held_.size()) {
        const size_t n = std::min(out.size() - written, held_.size() - at_);
        std::copy_n(held_.begin() + static_cast<ptrdiff_t>(at_), n, out.begin() + static_cast<ptrdiff_t>(written));
        at_ += n;
        written += n;
        continue;
      }
      std::span<const uint8_t> block = next_block();
      if (block.empty()) break;
      const size_t length = block_length(block, count_);
      std::span<uint8_t> room = out.subspan(written);
      uint8_t* into = room.data();
      if (length > room.size()) {
        held_.resize(length);
        at_ = 0;
        into = held_.data();
      }
      if (!snappy::RawUncompress(reinterpret_cast<const char*>(block.data()), block.size(),
                                 reinterpret_cast<char*>(into))) {
        corrupt("invalid block");
      }
      count_.commit(length);
      if (into == room.data()) written += length;
    }
    return written;
  }

  // The next compressed block (all of raw input, or one xerial block); empty at the end.
  std::span<const uint8_t> next_block() {
    if (!raw_.empty()) return std::exchange(raw_, {});
    if (rest_.empty()) return {};
    if (rest_.size() < 4) corrupt("truncated xerial block length");
    uint32_t length = read_be32(rest_.data());
    rest_ = rest_.subspan(4);
    if (length > rest_.size()) corrupt("xerial block longer than the input");
    // An empty block is corrupt either way: no snappy block lacks its length header.
    if (length == 0) corrupt("bad block header");
    std::span<const uint8_t> block = rest_.first(length);
    rest_ = rest_.subspan(length);
    return block;
  }

  std::span<const uint8_t> raw_;   // raw input not yet decoded
  std::span<const uint8_t> rest_;  // xerial blocks not yet decoded
  BoundedOutput count_;            // refuses a block past the limit before allocating it
  std::vector<uint8_t> held_;      // a block larger than the reader's buffer
  size_t at_ = 0;                  // of held_, handed out so far
};

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

namespace chronik::compression {

std::unique_ptr<DecompressStream> snappy_stream(std::span<const uint8_t> input, uint64_t max_output) {
  return std::make_unique<SnappyStream>(input, max_output);
}

}  // namespace chronik::compression
