#include "runtime/compression/lz4.h"

#include <lz4frame.h>

#include <algorithm>
#include <memory>
#include <string>

#include "runtime/compression/xxhash32.h"

namespace chronik::compression {
namespace {

constexpr uint32_t kFrameMagic = 0x184D2204;
constexpr size_t kMinHeaderSize = 7;  // magic(4) FLG BD HC
constexpr size_t kMaxHeaderSize = kMinHeaderSize + 8 + 4;
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

// One context per thread, reused: a fresh one allocates and clears its block buffers for
// every batch, which cost as much as decoding a small batch. What a thread keeps is bounded
// by lz4's largest block (4 MiB) twice. A context in use is taken out of the thread's slot,
// so two alive at once on a thread never share one.
class ThreadContext {
 public:
  ThreadContext() : ctx_(kept_ ? std::move(kept_) : std::make_unique<DecompressionContext>()) {
    // Also clears what an earlier use that threw left mid-frame.
    LZ4F_resetDecompressionContext(ctx_->get());
  }
  ~ThreadContext() {
    if (!kept_) kept_ = std::move(ctx_);
  }
  ThreadContext(const ThreadContext&) = delete;
  ThreadContext& operator=(const ThreadContext&) = delete;
  LZ4F_dctx* get() { return ctx_->get(); }

 private:
  std::unique_ptr<DecompressionContext> ctx_;
  static thread_local std::unique_ptr<DecompressionContext> kept_;
};

thread_local std::unique_ptr<DecompressionContext> ThreadContext::kept_;

class Lz4Stream final : public DecompressStream {
 public:
  Lz4Stream(std::span<const uint8_t> input, uint64_t limit) : DecompressStream(limit, "lz4"), rest_(input) {
    if (rest_.empty()) fail(CompressionError::Kind::kCorrupt, "empty input");
  }

 private:
  size_t fill(std::span<uint8_t> out) override {
    size_t written = 0;
    while (written < out.size()) {
      if (hint_ == 0) {
        // Between frames: the end, or another frame (concatenation is allowed).
        if (rest_.empty()) break;
        start_frame();
        continue;
      }
      size_t dst = out.size() - written;
      size_t src = rest_.size();
      hint_ = LZ4F_decompress(ctx_.get(), out.data() + written, &dst, rest_.data(), &src, nullptr);
      if (LZ4F_isError(hint_)) fail(CompressionError::Kind::kCorrupt, LZ4F_getErrorName(hint_));
      written += dst;
      rest_ = rest_.subspan(src);
      // Neither input taken nor output given: the input ended inside the frame.
      if (hint_ != 0 && src == 0 && dst == 0) fail(CompressionError::Kind::kCorrupt, "truncated frame");
    }
    return written;
  }

  // Reads a frame header, repairing Kafka 0.8's checksum in a private copy of it only.
  void start_frame() {
    if (rest_.size() < kMinHeaderSize || read_le32(rest_.data()) != kFrameMagic) {
      fail(CompressionError::Kind::kCorrupt, "bad frame magic");
    }
    size_t hs = header_size(rest_.data());
    if (rest_.size() < hs) fail(CompressionError::Kind::kCorrupt, "truncated frame header");
    uint8_t header[kMaxHeaderSize];
    std::copy_n(rest_.begin(), hs, header);
    uint8_t good = header_checksum(header, hs);
    if (header[hs - 1] != good && header[hs - 1] == broken_header_checksum(header, hs)) header[hs - 1] = good;
    // The header alone yields no output; the blocks that follow continue the same frame.
    uint8_t probe;
    size_t dst_size = 1, src_size = hs;
    hint_ = LZ4F_decompress(ctx_.get(), &probe, &dst_size, header, &src_size, nullptr);
    if (LZ4F_isError(hint_)) fail(CompressionError::Kind::kCorrupt, LZ4F_getErrorName(hint_));
    if (src_size != hs || dst_size != 0 || hint_ == 0) fail(CompressionError::Kind::kCorrupt, "bad frame header");
    rest_ = rest_.subspan(hs);
  }

  ThreadContext ctx_;
  std::span<const uint8_t> rest_;
  size_t hint_ = 0;  // what LZ4F_decompress last returned: 0 between frames
};

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

std::unique_ptr<DecompressStream> lz4_stream(std::span<const uint8_t> input, uint64_t max_output) {
  return std::make_unique<Lz4Stream>(input, max_output);
}

}  // namespace chronik::compression
