// The count of output a whole-block decompressor (snappy) writes, refused past a limit
// before the block is allocated. Streams (codec.h) count their output themselves.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "runtime/compression/codec.h"

namespace chronik::compression {

class BoundedOutput {
 public:
  BoundedOutput(size_t limit, const char* codec) : limit_(limit), codec_(codec) {}

  // Records that `n` bytes were written.
  void commit(size_t n) { used_ += n; }
  // Ensures `n` more bytes fit (for codecs that know their output size up front).
  void require(size_t n) const;
  // Throws kTooLarge: the codec still had output when the limit was reached.
  [[noreturn]] void overflow() const;
  size_t used() const { return used_; }

 private:
  size_t used_ = 0;
  size_t limit_;
  const char* codec_;
};

}  // namespace chronik::compression
