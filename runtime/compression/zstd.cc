#include "runtime/compression/zstd.h"

#include <zstd.h>

#include <memory>
#include <string>

#include "runtime/compression/bounded_output.h"

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
// and touching that new memory cost more than decompressing a small batch.
class ThreadStream {
 public:
  ThreadStream() {
    if (!kept_) kept_ = std::make_unique<DStream>();
    // Also clears what an earlier call that threw left mid-frame.
    ZSTD_DCtx_reset(kept_->get(), ZSTD_reset_session_only);
  }
  ~ThreadStream() {
    if (ZSTD_sizeof_DStream(kept_->get()) > kKeptStreamBytes) kept_.reset();
  }
  ThreadStream(const ThreadStream&) = delete;
  ThreadStream& operator=(const ThreadStream&) = delete;
  ZSTD_DStream* get() { return kept_->get(); }

 private:
  static thread_local std::unique_ptr<DStream> kept_;
};

thread_local std::unique_ptr<DStream> ThreadStream::kept_;

}  // namespace

std::vector<uint8_t> zstd_compress(std::span<const uint8_t> input, std::optional<int> level) {
  std::vector<uint8_t> out(ZSTD_compressBound(input.size()));
  size_t n = ZSTD_compress(out.data(), out.size(), input.data(), input.size(),
                           level.value_or(kKafkaDefaultLevel));
  if (ZSTD_isError(n)) fail(CompressionError::Kind::kInternal, ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

std::vector<uint8_t> zstd_decompress(std::span<const uint8_t> input, size_t max_output,
                                     std::vector<uint8_t> buffer) {
  if (input.empty()) fail(CompressionError::Kind::kCorrupt, "empty input");
  BoundedOutput out(max_output, "zstd", std::move(buffer));
  ThreadStream stream;
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  size_t hint = 1;
  while (in.pos < in.size || hint != 0) {
    std::span<uint8_t> room = out.grow();
    uint8_t probe;
    bool at_limit = room.empty();
    ZSTD_outBuffer o{at_limit ? &probe : room.data(), at_limit ? 1 : room.size(), 0};
    size_t before = in.pos;
    hint = ZSTD_decompressStream(stream.get(), &o, &in);
    if (ZSTD_isError(hint)) fail(CompressionError::Kind::kCorrupt, ZSTD_getErrorName(hint));
    if (at_limit && o.pos > 0) out.overflow();
    if (!at_limit) out.commit(o.pos);
    // Neither input taken nor output given: the input ended inside a frame.
    if (hint != 0 && in.pos == before && o.pos == 0) fail(CompressionError::Kind::kCorrupt, "truncated frame");
  }
  return std::move(out).take();
}

}  // namespace chronik::compression
