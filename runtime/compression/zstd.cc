#include "runtime/compression/zstd.h"

#include <zstd.h>

#include <memory>
#include <string>

namespace chronik::compression {
namespace {

constexpr int kKafkaDefaultLevel = 3;
// Frames may ask for windows up to 2^31; Kafka's clients never need more than 8 MiB
// (level 19 and below), and a larger window is memory an attacker could make us allocate.
constexpr int kMaxWindowLog = 27;

[[noreturn]] void fail(CompressionError::Kind kind, const std::string& what) {
  throw CompressionError(kind, "zstd: " + what);
}

// Kafka's producers send frames with windows of at most a few MiB; a stream that grew past
// this for a larger one is freed rather than kept by its thread.
constexpr size_t kKeptStreamBytes = 8 << 20;

class DStream {
 public:
  DStream() : stream_(ZSTD_createDStream()) {
    if (!stream_) fail(CompressionError::Kind::kInternal, "cannot create a stream");
    ZSTD_DCtx_setParameter(stream_, ZSTD_d_windowLogMax, kMaxWindowLog);
  }
  ~DStream() { ZSTD_freeDStream(stream_); }
  DStream(const DStream&) = delete;
  DStream& operator=(const DStream&) = delete;
  ZSTD_DStream* get() { return stream_; }

 private:
  ZSTD_DStream* stream_;
};

// One stream per thread, reused: a fresh one allocates its context and window per batch,
// and touching that new memory cost more than decompressing a small batch. A stream in use
// is taken out of the thread's slot, so two alive at once on a thread never share one.
class ThreadStream {
 public:
  ThreadStream() : stream_(kept_ ? std::move(kept_) : std::make_unique<DStream>()) {
    // Also clears what an earlier use that threw left mid-frame.
    ZSTD_DCtx_reset(stream_->get(), ZSTD_reset_session_only);
  }
  ~ThreadStream() {
    if (!kept_ && ZSTD_sizeof_DStream(stream_->get()) <= kKeptStreamBytes) kept_ = std::move(stream_);
  }
  ThreadStream(const ThreadStream&) = delete;
  ThreadStream& operator=(const ThreadStream&) = delete;
  ZSTD_DStream* get() { return stream_->get(); }

 private:
  std::unique_ptr<DStream> stream_;
  static thread_local std::unique_ptr<DStream> kept_;
};

thread_local std::unique_ptr<DStream> ThreadStream::kept_;

class ZstdStream final : public DecompressStream {
 public:
  ZstdStream(std::span<const uint8_t> input, uint64_t limit)
      : DecompressStream(limit, "zstd"), in_{input.data(), input.size(), 0} {
    if (input.empty()) fail(CompressionError::Kind::kCorrupt, "empty input");
  }

 private:
  size_t fill(std::span<uint8_t> out) override {
    ZSTD_outBuffer o{out.data(), out.size(), 0};
    // hint_ is 0 between frames: then the end, or another frame.
    while (o.pos < o.size && (in_.pos < in_.size || hint_ != 0)) {
      size_t in_before = in_.pos, out_before = o.pos;
      hint_ = ZSTD_decompressStream(stream_.get(), &o, &in_);
      if (ZSTD_isError(hint_)) fail(CompressionError::Kind::kCorrupt, ZSTD_getErrorName(hint_));
      // Neither input taken nor output given: the input ended inside a frame.
      if (hint_ != 0 && in_.pos == in_before && o.pos == out_before) {
        fail(CompressionError::Kind::kCorrupt, "truncated frame");
      }
    }
    return o.pos;
  }

  ThreadStream stream_;
  ZSTD_inBuffer in_;
  size_t hint_ = 1;  // what ZSTD_decompressStream last returned; 1 before the first frame
};

}  // namespace

std::vector<uint8_t> zstd_compress(std::span<const uint8_t> input, std::optional<int> level) {
  std::vector<uint8_t> out(ZSTD_compressBound(input.size()));
  size_t n = ZSTD_compress(out.data(), out.size(), input.data(), input.size(),
                           level.value_or(kKafkaDefaultLevel));
  if (ZSTD_isError(n)) fail(CompressionError::Kind::kInternal, ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

std::unique_ptr<DecompressStream> zstd_stream(std::span<const uint8_t> input, uint64_t max_output) {
  return std::make_unique<ZstdStream>(input, max_output);
}

}  // namespace chronik::compression
