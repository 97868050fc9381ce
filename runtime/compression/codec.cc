#include "runtime/compression/codec.h"

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

std::vector<uint8_t> decompress(Codec codec, std::span<const uint8_t> input, size_t max_output,
                                std::vector<uint8_t> buffer) {
  switch (codec) {
    case Codec::kNone: {
      BoundedOutput out(max_output, "none");
      out.require(input.size());
      buffer.assign(input.begin(), input.end());
      return buffer;
    }
    case Codec::kGzip: return gzip_decompress(input, max_output, std::move(buffer));
    case Codec::kSnappy: return snappy_decompress(input, max_output, std::move(buffer));
    case Codec::kLz4: return lz4_decompress(input, max_output, std::move(buffer));
    case Codec::kZstd: return zstd_decompress(input, max_output, std::move(buffer));
  }
  throw CompressionError(CompressionError::Kind::kCorrupt, "unknown codec");
}

}  // namespace chronik::compression
