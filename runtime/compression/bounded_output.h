// An output buffer that refuses to grow past a limit. Every decompressor writes through
// one, so the limit check lives in a single place.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "runtime/compression/codec.h"

namespace chronik::compression {

class BoundedOutput {
 public:
  // Output is produced in chunks of this size: small enough that a stream that lies about
  // its size costs at most one chunk past the limit, large enough to be fast.
  static constexpr size_t kChunk = 64 * 1024;

  // `reuse`: a vector whose memory the output may take over (its contents are dropped).
  BoundedOutput(size_t limit, const char* codec, std::vector<uint8_t> reuse = {})
      : bytes_(std::move(reuse)), limit_(limit), codec_(codec) {
    bytes_.clear();
  }

  // Room for at most kChunk more bytes (fewer near the limit; empty when at the limit).
  std::span<uint8_t> grow() {
    size_t room = std::min(kChunk, limit_ - used_);
    bytes_.resize(used_ + room);
    return {bytes_.data() + used_, room};
  }
  // Records that `n` bytes of the last grow() span were written.
  void commit(size_t n) { used_ += n; }
  // Ensures `n` more bytes fit (for codecs that know their output size up front).
  void require(size_t n) const;
  // Throws kTooLarge: the codec still had output when the limit was reached.
  [[noreturn]] void overflow() const;
  size_t used() const { return used_; }
  bool full() const { return used_ == limit_; }
  std::vector<uint8_t> take() && {
    bytes_.resize(used_);
    return std::move(bytes_);
  }

 private:
  std::vector<uint8_t> bytes_;
  size_t used_ = 0;
  size_t limit_;
  const char* codec_;
};

}  // namespace chronik::compression
