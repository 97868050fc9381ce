#include "runtime/compression/codec.h"

#include <algorithm>
#include <string>

#include "runtime/compression/bounded_output.h"
#include "runtime/compression/gzip.h"
#include "runtime/compression/lz4.h"
#include "runtime/compression/snappy.h"
#include "runtime/compression/zstd.h"

namespace chronik::compression {

std::optional<Codec> codec_from_id(int id) {
  if (id < 0 || id > 4) return std::nullopt;
  return static_cast<Codec>(id);
}

std::string_view codec_name(Codec codec) {
  switch (codec) {
    case Codec::kNone: return "none";
    case Codec::kGzip: return "gzip";
    case Codec::kSnappy: return "snappy";
    case Codec::kLz4: return "lz4";
    case Codec::kZstd: return "zstd";
  }
  return "unknown";
}

void BoundedOutput::require(size_t n) const {
  if (n > limit_ - used_) overflow();
}

void BoundedOutput::overflow() const {
  throw CompressionError(CompressionError::Kind::kTooLarge,
                         std::string(codec_) + ": decompressed data exceeds the limit of " +
                             std::to_string(limit_) + " bytes");
}

std::vector<uint8_t> compress(Codec codec, std::span<const uint8_t> input,
                              const CompressOptions& options) {
  switch (codec) {
    case Codec::kNone: return {input.begin(), input.end()};
    case Codec::kGzip: return gzip_compress(input, options.level);
    case Codec::kSnappy: return snappy_compress_xerial(input);
    case Codec::kLz4: return lz4_compress(input, options.level, options.lz4_broken_header_checksum);
    case Codec::kZstd: return zstd_compress(input, options.level);
  }
  throw CompressionError(CompressionError::Kind::kInternal, "unknown codec");
}

size_t DecompressStream::read(std::span<uint8_t> out) {
  const size_t allowed = static_cast<size_t>(std::min<uint64_t>(out.size(), limit_ - produced_));
  const size_t n = allowed == 0 ? 0 : fill(out.first(allowed));
  produced_ += n;
  if (n == allowed && allowed < out.size()) {
    // Stopped by the limit, not by the end: only the end may follow, with no more output.
    uint8_t probe;
    if (fill({&probe, 1}) > 0) overflow();
  }
  return n;
}

void DecompressStream::overflow() const {
  throw CompressionError(CompressionError::Kind::kTooLarge,
                         std::string(codec_) + ": decompressed data exceeds the limit of " +
                             std::to_string(limit_) + " bytes");
}

namespace {

// Uncompressed sections are streams too, so that callers need no special case.
class PlainStream final : public DecompressStream {
 public:
  PlainStream(std::span<const uint8_t> input, uint64_t limit) : DecompressStream(limit, "none"), rest_(input) {}

 private:
  size_t fill(std::span<uint8_t> out) override {
    const size_t n = std::min(out.size(), rest_.size());
    std::copy_n(rest_.begin(), n, out.begin());
    rest_ = rest_.subspan(n);
    return n;
  }
  std::span<const uint8_t> rest_;
};

// Output grows by this much at a time: a stream that lies about its size costs at most one
// step past the limit.
constexpr size_t kDrainStep = 64 * 1024;

std::vector<uint8_t> drain(DecompressStream& stream, std::vector<uint8_t> buffer) {
  size_t used = 0;
  buffer.clear();
  while (true) {
    buffer.resize(used + kDrainStep);
    const size_t n = stream.read({buffer.data() + used, kDrainStep});
    used += n;
    if (n < kDrainStep) break;
  }
  buffer.resize(used);
  return buffer;
}

}  // namespace

std::unique_ptr<DecompressStream> open_decompress_stream(Codec codec, std::span<const uint8_t> input,
                                                         uint64_t max_output) {
  switch (codec) {
    case Codec::kNone: return std::make_unique<PlainStream>(input, max_output);
    case Codec::kGzip: return gzip_stream(input, max_output);
    case Codec::kSnappy: return snappy_stream(input, max_output);
    case Codec::kLz4: return lz4_stream(input, max_output);
    case Codec::kZstd: return zstd_stream(input, max_output);
  }
  throw CompressionError(CompressionError::Kind::kCorrupt, "unknown codec");
}

std::vector<uint8_t> decompress(Codec codec, std::span<const uint8_t> input, size_t max_output,
                                std::vector<uint8_t> buffer) {
  switch (codec) {
    case Codec::kNone: {
      BoundedOutput out(max_output, "none");
      out.require(input.size());
      buffer.assign(input.begin(), input.end());
      return buffer;
    }
    // Snappy decodes whole blocks straight into the result, with no window to drain.
    case Codec::kSnappy: return snappy_decompress(input, max_output, std::move(buffer));
    case Codec::kGzip:
    case Codec::kLz4:
    case Codec::kZstd: return drain(*open_decompress_stream(codec, input, max_output), std::move(buffer));
  }
  throw CompressionError(CompressionError::Kind::kCorrupt, "unknown codec");
}

}  // namespace chronik::compression
