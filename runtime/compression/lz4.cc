#include "runtime/compression/lz4.h"

#include <lz4frame.h>

#include <string>

#include "runtime/compression/bounded_output.h"
#include "runtime/compression/xxhash32.h"

namespace chronik::compression {
namespace {

constexpr uint32_t kFrameMagic = 0x184D2204;
constexpr size_t kMinHeaderSize = 7;  // magic(4) FLG BD HC
constexpr uint8_t kContentSizeFlag = 0x08;
constexpr uint8_t kDictIdFlag = 0x01;

[[noreturn]] void fail(CompressionError::Kind kind, const std::string& what) {
  throw CompressionError(kind, "lz4: " + what);
}

// The frame header's size from its FLG byte. REQUIRES: at least 5 bytes.
size_t header_size(const uint8_t* frame) {
  uint8_t flg = frame[4];
  return kMinHeaderSize + ((flg & kContentSizeFlag) ? 8 : 0) + ((flg & kDictIdFlag) ? 4 : 0);
}

// The correct header checksum: the second byte of XXH32 over the descriptor (FLG..).
uint8_t header_checksum(const uint8_t* frame, size_t size) {
  return static_cast<uint8_t>(xxhash32({frame + 4, size - 5}) >> 8);
}
// Kafka 0.8's checksum, which also hashed the 4 magic bytes.
uint8_t broken_header_checksum(const uint8_t* frame, size_t size) {
  return static_cast<uint8_t>(xxhash32({frame, size - 1}) >> 8);
}

uint32_t read_le32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

class DecompressionContext {
 public:
  DecompressionContext() {
    if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx_, LZ4F_VERSION))) {
      fail(CompressionError::Kind::kInternal, "cannot create a context");
    }
  }
  ~DecompressionContext() { LZ4F_freeDecompressionContext(ctx_); }
  LZ4F_dctx* get() { return ctx_; }

 private:
  LZ4F_dctx* ctx_ = nullptr;
};

// Decodes the blocks of one frame whose header liblz4 has read; `hint` is what
// LZ4F_decompress last returned. Returns the bytes of `body` the frame took.
size_t decode_frame_body(LZ4F_dctx* ctx, std::span<const uint8_t> body, size_t hint,
                         BoundedOutput& out) {
  size_t consumed = 0;
  while (hint != 0) {
    std::span<uint8_t> room = out.grow();
    // At the limit, offer one byte: the frame may only end without writing to it.
    uint8_t probe;
    bool at_limit = room.empty();
    size_t dst = at_limit ? 1 : room.size();
    size_t src = body.size() - consumed;
    hint = LZ4F_decompress(ctx, at_limit ? &probe : room.data(), &dst, body.data() + consumed,
                           &src, nullptr);
    if (LZ4F_isError(hint)) fail(CompressionError::Kind::kCorrupt, LZ4F_getErrorName(hint));
    if (at_limit && dst > 0) out.overflow();
    if (!at_limit) out.commit(dst);
    consumed += src;
    // Neither input taken nor output given: the input ended inside the frame.
    if (hint != 0 && src == 0 && dst == 0) fail(CompressionError::Kind::kCorrupt, "truncated frame");
  }
  return consumed;
}

}  // namespace

std::vector<uint8_t> lz4_compress(std::span<const uint8_t> input, std::optional<int> level,
                                  bool broken_checksum) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  prefs.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
  prefs.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum;
  prefs.frameInfo.contentSize = 0;
  prefs.compressionLevel = level.value_or(0);
  std::vector<uint8_t> out(LZ4F_compressFrameBound(input.size(), &prefs));
  size_t n = LZ4F_compressFrame(out.data(), out.size(), input.data(), input.size(), &prefs);
  if (LZ4F_isError(n)) fail(CompressionError::Kind::kInternal, LZ4F_getErrorName(n));
  out.resize(n);
  if (broken_checksum) {
    size_t hs = header_size(out.data());
    out[hs - 1] = broken_header_checksum(out.data(), hs);
  }
  return out;
}

std::vector<uint8_t> lz4_decompress(std::span<const uint8_t> input, size_t max_output,
                                    std::vector<uint8_t> buffer) {
  BoundedOutput out(max_output, "lz4", std::move(buffer));
  DecompressionContext ctx;
  std::span<const uint8_t> rest = input;
  if (rest.empty()) fail(CompressionError::Kind::kCorrupt, "empty input");
  while (!rest.empty()) {
    if (rest.size() < kMinHeaderSize || read_le32(rest.data()) != kFrameMagic) {
      fail(CompressionError::Kind::kCorrupt, "bad frame magic");
    }
    size_t hs = header_size(rest.data());
    if (rest.size() < hs) fail(CompressionError::Kind::kCorrupt, "truncated frame header");
    // Repair Kafka 0.8's checksum into a private copy of the header only.
    std::vector<uint8_t> header(rest.begin(), rest.begin() + static_cast<ptrdiff_t>(hs));
    uint8_t good = header_checksum(header.data(), hs);
    if (header[hs - 1] != good && header[hs - 1] == broken_header_checksum(header.data(), hs)) {
      header[hs - 1] = good;
    }
    // The header alone yields no output; the blocks that follow continue the same frame.
    uint8_t probe;
    size_t dst_size = 1, src_size = hs;
    size_t hint = LZ4F_decompress(ctx.get(), &probe, &dst_size, header.data(), &src_size, nullptr);
    if (LZ4F_isError(hint)) fail(CompressionError::Kind::kCorrupt, LZ4F_getErrorName(hint));
    if (src_size != hs || dst_size != 0) fail(CompressionError::Kind::kCorrupt, "bad frame header");
    rest = rest.subspan(hs);
    // Whatever the frame leaves over must be another frame (concatenation is allowed).
    rest = rest.subspan(decode_frame_body(ctx.get(), rest, hint, out));
  }
  return std::move(out).take();
}

}  // namespace chronik::compression
