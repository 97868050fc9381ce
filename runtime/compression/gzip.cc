#include "runtime/compression/gzip.h"

#include <zlib.h>

#include <climits>
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

std::vector<uint8_t> gzip_decompress(std::span<const uint8_t> input, size_t max_output,
                                     std::vector<uint8_t> buffer) {
  if (input.empty()) fail(CompressionError::Kind::kCorrupt, "empty input");
  BoundedOutput out(max_output, "gzip", std::move(buffer));
  Inflater inflater;
  const uint8_t* next = input.data();
  size_t left = input.size();
  while (true) {
    if (inflater->avail_in == 0 && left > 0) {
      size_t step = std::min(left, kMaxStep);
      inflater->next_in = const_cast<Bytef*>(next);
      inflater->avail_in = static_cast<uInt>(step);
      next += step;
      left -= step;
    }
    std::span<uint8_t> room = out.grow();
    if (room.empty()) {
      // At the limit: only the end of the stream may follow, with no more output.
      uint8_t probe;
      inflater->next_out = &probe;
      inflater->avail_out = 1;
      int rc = inflate(inflater.get(), Z_NO_FLUSH);
      if (inflater->avail_out == 0) out.overflow();
      if (rc == Z_STREAM_END && inflater->avail_in == 0 && left == 0) break;
      if (rc == Z_STREAM_END) {
        if (inflateReset(inflater.get()) != Z_OK) fail(CompressionError::Kind::kInternal, "inflateReset");
        continue;
      }
      if (rc == Z_OK) continue;
      if (rc == Z_BUF_ERROR) fail(CompressionError::Kind::kCorrupt, "truncated stream");
      fail(CompressionError::Kind::kCorrupt, inflater->msg ? inflater->msg : "invalid stream");
    }
    inflater->next_out = room.data();
    inflater->avail_out = static_cast<uInt>(room.size());
    int rc = inflate(inflater.get(), Z_NO_FLUSH);
    out.commit(room.size() - inflater->avail_out);
    if (rc == Z_STREAM_END) {
      // Another member may follow, as Java's GZIPInputStream allows.
      if (inflater->avail_in == 0 && left == 0) break;
      if (inflateReset(inflater.get()) != Z_OK) fail(CompressionError::Kind::kInternal, "inflateReset");
      continue;
    }
    if (rc == Z_BUF_ERROR) {
      // No progress possible: with room to write, the input ended in the middle of the stream.
      fail(CompressionError::Kind::kCorrupt, "truncated stream");
    }
    if (rc != Z_OK) fail(CompressionError::Kind::kCorrupt, inflater->msg ? inflater->msg : "invalid stream");
    if (inflater->avail_in == 0 && left == 0 && inflater->avail_out != 0) {
      fail(CompressionError::Kind::kCorrupt, "truncated stream");
    }
  }
  return std::move(out).take();
}

}  // namespace chronik::compression
