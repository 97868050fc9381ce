#include "runtime/compression/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <string>

#include "runtime/compression/bounded_output.h"

namespace chronik::compression {
namespace {

[[noreturn]] void fail(CompressionError::Kind kind, const std::string& what) {
  throw CompressionError(kind, "gzip: " + what);
}

// zlib counts in uInt; feed it at most this much at a time.
constexpr size_t kMaxStep = UINT_MAX / 2;

class Inflater {
 public:
  Inflater() {
    // 15 + 32: a window of 32 KiB and automatic detection of the gzip or zlib header.
    if (inflateInit2(&stream_, 15 + 32) != Z_OK) fail(CompressionError::Kind::kInternal, "inflateInit2");
  }
  ~Inflater() { inflateEnd(&stream_); }
  z_stream* operator->() { return &stream_; }
  z_stream* get() { return &stream_; }

 private:
  z_stream stream_{};
};

}  // namespace

std::vector<uint8_t> gzip_compress(std::span<const uint8_t> input, std::optional<int> level) {
  z_stream stream{};
  // 15 + 16: a 32 KiB window and a gzip (not zlib) wrapper.
  if (deflateInit2(&stream, level.value_or(Z_DEFAULT_COMPRESSION), Z_DEFLATED, 15 + 16, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    fail(CompressionError::Kind::kInternal, "deflateInit2");
  }
  std::vector<uint8_t> out(deflateBound(&stream, static_cast<uLong>(input.size())) + 64);
  stream.next_in = const_cast<Bytef*>(input.data());
  stream.avail_in = static_cast<uInt>(input.size());
  stream.next_out = out.data();
  stream.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&stream, Z_FINISH);
  size_t written = stream.total_out;
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) fail(CompressionError::Kind::kInternal, "deflate failed");
  out.resize(written);
  return out;
}

namespace {

class GzipStream final : public DecompressStream {
 public:
  GzipStream(std::span<const uint8_t> input, uint64_t limit)
      : DecompressStream(limit, "gzip"), next_(input.data()), left_(input.size()) {
    if (input.empty()) fail(CompressionError::Kind::kCorrupt, "empty input");
  }

 private:
  size_t fill(std::span<uint8_t> out) override {
    size_t written = 0;
    while (written < out.size() && !ended_) {
      if (inflater_->avail_in == 0 && left_ > 0) {
        size_t step = std::min(left_, kMaxStep);
        inflater_->next_in = const_cast<Bytef*>(next_);
        inflater_->avail_in = static_cast<uInt>(step);
        next_ += step;
        left_ -= step;
      }
      // zlib counts in uInt: ask for at most kMaxStep at a time.
      const size_t room = std::min(out.size() - written, kMaxStep);
      inflater_->next_out = out.data() + written;
      inflater_->avail_out = static_cast<uInt>(room);
      int rc = inflate(inflater_.get(), Z_NO_FLUSH);
      written += room - inflater_->avail_out;
      if (rc == Z_STREAM_END) {
        // Another member may follow, as Java's GZIPInputStream allows.
        if (inflater_->avail_in == 0 && left_ == 0) {
          ended_ = true;
        } else if (inflateReset(inflater_.get()) != Z_OK) {
          fail(CompressionError::Kind::kInternal, "inflateReset");
        }
        continue;
      }
      // No progress possible with room to write: the input ended inside the stream.
      if (rc == Z_BUF_ERROR) fail(CompressionError::Kind::kCorrupt, "truncated stream");
      if (rc != Z_OK) fail(CompressionError::Kind::kCorrupt, inflater_->msg ? inflater_->msg : "invalid stream");
      if (inflater_->avail_in == 0 && left_ == 0 && inflater_->avail_out != 0) {
        fail(CompressionError::Kind::kCorrupt, "truncated stream");
      }
    }
    return written;
  }

  Inflater inflater_;
  const uint8_t* next_;
  size_t left_;
  bool ended_ = false;
};

}  // namespace

std::unique_ptr<DecompressStream> gzip_stream(std::span<const uint8_t> input, uint64_t max_output) {
  return std::make_unique<GzipStream>(input, max_output);
}

}  // namespace chronik::compression
