#include "runtime/record/record_stream.h"

#include <algorithm>
#include <cstring>

#include "runtime/wire/reader.h"

namespace chronik::record {
namespace {

[[noreturn]] void ends_inside_record() { throw wire::DecodeError("records section ends inside a record"); }

}  // namespace

void RecordStream::refill(size_t n) {
  if (end_ - pos_ >= n || source_over_) return;
  const size_t left = end_ - pos_;
  std::memmove(window_.data(), window_.data() + pos_, left);
  pos_ = 0;
  end_ = left;
  // A short read is the end of the section (DecompressStream's contract).
  const size_t room = window_.size() - end_;
  const size_t got = source_.read(window_.subspan(end_));
  end_ += got;
  if (got < room) source_over_ = true;
}

void RecordStream::drain() {
  pos_ = end_ = 0;
  while (!source_over_) {
    if (source_.read(window_) < window_.size()) source_over_ = true;
  }
}

int32_t RecordStream::read_varint_slow() {
  refill(kMaxVarintBytes);
  wire::Reader r(available().first(std::min(end_ - pos_, kMaxVarintBytes)));
  const int32_t value = r.read_varint();
  pos_ += r.position();
  return value;
}

RecordStream::Record RecordStream::sub_reader(size_t n) { return Record(*this, n); }

std::span<const uint8_t> RecordStream::Record::head() {
  const size_t want = std::min(left_, kMaxVarintBytes);
  s_.refill(want);
  return s_.available().first(std::min(s_.end_ - s_.pos_, want));
}

int8_t RecordStream::Record::read_int8_slow() {
  wire::Reader r(head());
  const int8_t value = r.read_int8();
  consume(1);
  return value;
}

int32_t RecordStream::Record::read_varint_slow() {
  wire::Reader r(head());
  const int32_t value = r.read_varint();
  consume(r.position());
  return value;
}

int64_t RecordStream::Record::read_varlong_slow() {
  wire::Reader r(head());
  const int64_t value = r.read_varlong();
  consume(r.position());
  return value;
}

RecordStream::Record::Skipped RecordStream::Record::read_raw_slow(size_t n) {
  if (n > left_) throw wire::DecodeError("field longer than its record");
  while (n > 0) {
    if (s_.pos_ == s_.end_) {
      s_.refill(1);
      if (s_.pos_ == s_.end_) ends_inside_record();
    }
    const size_t step = std::min(n, s_.end_ - s_.pos_);
    consume(step);
    n -= step;
  }
  return {};
}

}  // namespace chronik::record
