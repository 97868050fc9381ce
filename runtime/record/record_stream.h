// A records section read through a window as it is decompressed, for checking batches that
// inflate far beyond their stored size: memory is the window (plus the codec's own state)
// however large the section, since keys, values and headers are skipped by their length,
// never held. scan_record (record.h) reads from it with the same checks as in place.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "runtime/compression/codec.h"
#include "runtime/wire/errors.h"

namespace chronik::record {

class RecordStream {
 public:
  // Reads `source` through `window`. REQUIRES: window.size() >= kMaxVarintBytes; both outlive
  // this stream.
  RecordStream(compression::DecompressStream& source, std::span<uint8_t> window)
      : source_(source), window_(window) {}

  // A varint or varlong is never longer than this; one straddling two windows is moved to
  // the front of the window before the next piece is read behind it.
  static constexpr size_t kMaxVarintBytes = 10;

  // True when the section is over. Throws what the source throws.
  bool at_end() {
    if (pos_ == end_) refill(1);
    return pos_ == end_;
  }
  // Reads the section's rest to its end, discarding it: the source's own errors (corrupt,
  // too large) are found even when a record before them was already refused.
  void drain();

  // What walk_record (record.cc) reads a record with. The section's size is not known
  // before its end: a record's length is checked as it is read.
  class Record;
  int32_t read_varint() {
    uint64_t raw;
    const size_t n = short_varint(window_.data() + pos_, end_ - pos_, 4, raw);
    if (n == 0) return read_varint_slow();
    pos_ += n;
    return static_cast<int32_t>(zigzag(raw));
  }
  size_t remaining() const { return SIZE_MAX; }
  Record sub_reader(size_t n);

 private:
  friend class Record;
  // Makes at least `n` bytes contiguous from pos_ unless the section ends first: what is
  // left moves to the window's front and the source fills the space behind it.
  void refill(size_t n);
  int32_t read_varint_slow();
  // A varint of at most `max_bytes` bytes (so that it cannot overflow) wholly within the
  // `size` bytes at `p`: its raw value and length. 0 for anything else, which the slow path
  // reads (or refuses) through wire::Reader.
  static size_t short_varint(const uint8_t* p, size_t size, size_t max_bytes, uint64_t& raw) {
    raw = 0;
    const size_t n = std::min(size, max_bytes);
    for (size_t i = 0; i < n; ++i) {
      raw |= uint64_t{p[i] & 0x7fu} << (7 * i);
      if ((p[i] & 0x80) == 0) return i + 1;
    }
    return 0;
  }
  static int64_t zigzag(uint64_t raw) { return static_cast<int64_t>((raw >> 1) ^ (~(raw & 1) + 1)); }
  std::span<const uint8_t> available() const { return {window_.data() + pos_, end_ - pos_}; }

  compression::DecompressStream& source_;
  std::span<uint8_t> window_;
  size_t pos_ = 0, end_ = 0;
  bool source_over_ = false;
};

// The bytes of one record, `n` of them from the stream's position on; reading past them is a
// wire::DecodeError, and so is a section that ends inside them.
class RecordStream::Record {
 public:
  // A field's bytes, skipped: the stream does not keep them.
  struct Skipped {};

  // Inline for the common case, a field within the window (and one-byte varints: most of
  // a record's are); the rest out of line, the same checks either way.
  int8_t read_int8() {
    if (left_ == 0 || s_.pos_ == s_.end_) return read_int8_slow();
    const auto value = static_cast<int8_t>(s_.window_[s_.pos_]);
    consume(1);
    return value;
  }
  int32_t read_varint() {
    uint64_t raw;
    const size_t n = short_varint(here(), window_left(), 4, raw);
    if (n == 0) return read_varint_slow();
    consume(n);
    return static_cast<int32_t>(zigzag(raw));
  }
  int64_t read_varlong() {
    uint64_t raw;
    const size_t n = short_varint(here(), window_left(), 9, raw);
    if (n == 0) return read_varlong_slow();
    consume(n);
    return zigzag(raw);
  }
  Skipped read_raw(size_t n) {
    if (n > left_ || n > s_.end_ - s_.pos_) return read_raw_slow(n);
    consume(n);
    return {};
  }
  size_t remaining() const { return left_; }
  bool at_end() const { return left_ == 0; }

 private:
  friend class RecordStream;
  Record(RecordStream& stream, size_t n) : s_(stream), left_(n) {}
  const uint8_t* here() const { return s_.window_.data() + s_.pos_; }
  // The record's bytes that are in the window.
  size_t window_left() const { return std::min(left_, s_.end_ - s_.pos_); }
  int8_t read_int8_slow();
  int32_t read_varint_slow();
  int64_t read_varlong_slow();
  Skipped read_raw_slow(size_t n);
  // The record's next bytes in the window, at most kMaxVarintBytes of them.
  std::span<const uint8_t> head();
  void consume(size_t n) {
    s_.pos_ += n;
    left_ -= n;
  }

  RecordStream& s_;
  size_t left_;
};

}  // namespace chronik::record
