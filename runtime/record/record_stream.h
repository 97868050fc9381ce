// A records section read through a window as it is decompressed, for checking batches that
// inflate far beyond their stored size: memory is the window (plus the codec's own state)
// however large the section, since keys, values and headers are skipped by their length,
// never held. scan_record (record.h) reads from it with the same checks as in place.
#pragma once

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
  int32_t read_varint();
  size_t remaining() const { return SIZE_MAX; }
  Record sub_reader(size_t n);

 private:
  friend class Record;
  // Makes at least `n` bytes contiguous from pos_ unless the section ends first: what is
  // left moves to the window's front and the source fills the space behind it.
  void refill(size_t n);
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

  int8_t read_int8();
  int32_t read_varint();
  int64_t read_varlong();
  Skipped read_raw(size_t n);
  size_t remaining() const { return left_; }
  bool at_end() const { return left_ == 0; }

 private:
  friend class RecordStream;
  Record(RecordStream& stream, size_t n) : s_(stream), left_(n) {}
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
