// Writing Kafka's wire primitives.
//
// Writer and SizeCounter have the same write_* methods, so generated encoders are templates
// over the sink: size(version) is the encoder run against a SizeCounter, and cannot drift
// from encode(). Large SharedBytes (record batches) are not copied: the Writer keeps a
// reference and hands the socket a list of chunks (scatter-gather).
#pragma once

#include <bit>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/wire/errors.h"
#include "runtime/wire/shared_bytes.h"
#include "runtime/wire/uuid.h"

namespace chronik::wire {

// Bytes a length-prefixed field of `length` bytes takes, prefix included.
size_t unsigned_varint_size(uint32_t value);
size_t varint_size(int32_t value);
size_t varlong_size(int64_t value);

// The encoder's checks that do not depend on the sink.
void check_string_length(size_t length, const char* field);

template <class Sink>
class PrimitiveWriter {
 public:
  void write_int8(int8_t v) { self().put_byte(static_cast<uint8_t>(v)); }
  void write_uint8(uint8_t v) { self().put_byte(v); }
  void write_bool(bool v) { self().put_byte(v ? 1 : 0); }
  void write_int16(int16_t v) { put_be(static_cast<uint16_t>(v)); }
  void write_uint16(uint16_t v) { put_be(v); }
  void write_int32(int32_t v) { put_be(static_cast<uint32_t>(v)); }
  void write_uint32(uint32_t v) { put_be(v); }
  void write_int64(int64_t v) { put_be(static_cast<uint64_t>(v)); }
  void write_float64(double v) { put_be(std::bit_cast<uint64_t>(v)); }
  void write_uuid(const Uuid& v) { self().put(v.bytes.data(), 16); }

  void write_unsigned_varint(uint32_t v) {
    while (v >= 0x80) {
      self().put_byte(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    self().put_byte(static_cast<uint8_t>(v));
  }
  void write_unsigned_varlong(uint64_t v) {
    while (v >= 0x80) {
      self().put_byte(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    self().put_byte(static_cast<uint8_t>(v));
  }
  void write_varint(int32_t v) {
    write_unsigned_varint((static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31));
  }
  void write_varlong(int64_t v) {
    write_unsigned_varlong((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }

  // Length prefixes. compact: unsigned varint of length+1, 0 for null.
  void write_string_length(int32_t length, bool compact) {
    if (compact) write_unsigned_varint(static_cast<uint32_t>(length + 1));
    else write_int16(static_cast<int16_t>(length));
  }
  void write_bytes_length(int32_t length, bool compact) {
    if (compact) write_unsigned_varint(static_cast<uint32_t>(length + 1));
    else write_int32(length);
  }
  void write_array_length(int32_t length, bool compact) { write_bytes_length(length, compact); }

  void write_string(std::string_view s, bool compact, const char* field) {
    check_string_length(s.size(), field);
    write_string_length(static_cast<int32_t>(s.size()), compact);
    self().put(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
  void write_nullable_string(const std::optional<std::string>& s, bool compact, const char* field) {
    if (!s) write_string_length(-1, compact);
    else write_string(*s, compact, field);
  }
  void write_bytes(std::span<const uint8_t> b, bool compact) {
    write_bytes_length(static_cast<int32_t>(b.size()), compact);
    self().put(b.data(), b.size());
  }
  void write_shared_bytes(const SharedBytes& b, bool compact) {
    write_bytes_length(static_cast<int32_t>(b.size()), compact);
    self().put_shared(b);
  }
  void write_raw(std::span<const uint8_t> b) { self().put(b.data(), b.size()); }

 private:
  Sink& self() { return static_cast<Sink&>(*this); }
  template <class T>
  void put_be(T v) {
    uint8_t buf[sizeof(T)];
    for (size_t i = 0; i < sizeof(T); ++i) buf[i] = static_cast<uint8_t>(v >> (8 * (sizeof(T) - 1 - i)));
    self().put(buf, sizeof(T));
  }
};

// Counts the bytes an encoder would write.
class SizeCounter : public PrimitiveWriter<SizeCounter> {
 public:
  size_t size() const { return size_; }
  void put_byte(uint8_t) { ++size_; }
  void put(const uint8_t*, size_t n) { size_ += n; }
  void put_shared(const SharedBytes& b) { size_ += b.size(); }

 private:
  size_t size_ = 0;
};

// Writes into an owned buffer, referencing large SharedBytes instead of copying them.
class Writer : public PrimitiveWriter<Writer> {
 public:
  // SharedBytes smaller than this are copied: a chunk per tiny batch costs more than a copy.
  static constexpr size_t kZeroCopyThreshold = 4096;

  void reserve(size_t n) { buffer_.reserve(n); }
  // Bytes written so far, referenced slices included.
  size_t size() const { return buffer_.size() + referenced_bytes_; }

  void put_byte(uint8_t b) { buffer_.push_back(b); }
  void put(const uint8_t* p, size_t n) { buffer_.insert(buffer_.end(), p, p + n); }
  void put_shared(const SharedBytes& b);

  // The output as an ordered list of chunks, valid while this Writer lives unchanged.
  std::vector<std::span<const uint8_t>> chunks() const;
  // The output as one contiguous buffer (a copy when slices were referenced).
  std::vector<uint8_t> take_bytes() &&;
  // Overwrites 4 bytes at `offset` with a big-endian int32 (e.g. a size prefix).
  // REQUIRES: offset + 4 <= the owned bytes written before any referenced slice.
  void patch_int32(size_t offset, int32_t v);

 private:
  struct Reference {
    size_t at;  // position in buffer_ where the slice goes
    SharedBytes bytes;
  };
  std::vector<uint8_t> buffer_;
  std::vector<Reference> references_;
  size_t referenced_bytes_ = 0;
};

}  // namespace chronik::wire
