// Bounds-checked reading of Kafka's wire primitives from one frame.
//
// Every read checks the bytes that remain and throws DecodeError instead of reading past
// them. Lengths are checked against the remaining bytes before anything is allocated, so no
// input can make a decode allocate more than a small multiple of the frame's size.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "runtime/wire/errors.h"
#include "runtime/wire/shared_bytes.h"
#include "runtime/wire/uuid.h"

namespace chronik::wire {

class Reader {
 public:
  // `owner` keeps `data` alive for SharedBytes handed out by read_shared_bytes(); without
  // one, those are copies.
  Reader(const uint8_t* data, size_t size, std::shared_ptr<const void> owner = nullptr)
      : data_(data), size_(size), owner_(std::move(owner)) {}
  explicit Reader(std::span<const uint8_t> bytes, std::shared_ptr<const void> owner = nullptr)
      : Reader(bytes.data(), bytes.size(), std::move(owner)) {}

  size_t position() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }
  bool at_end() const { return pos_ == size_; }
  std::span<const uint8_t> rest() const { return {data_ + pos_, size_ - pos_}; }

  int8_t read_int8() { return static_cast<int8_t>(take(1)[0]); }
  uint8_t read_uint8() { return take(1)[0]; }
  int16_t read_int16() { return static_cast<int16_t>(read_be<uint16_t>()); }
  uint16_t read_uint16() { return read_be<uint16_t>(); }
  int32_t read_int32() { return static_cast<int32_t>(read_be<uint32_t>()); }
  uint32_t read_uint32() { return read_be<uint32_t>(); }
  int64_t read_int64() { return static_cast<int64_t>(read_be<uint64_t>()); }
  double read_float64();
  bool read_bool() { return read_int8() != 0; }
  Uuid read_uuid();

  // Unsigned LEB128 varints as Kafka writes them; a 32-bit one takes at most 5 bytes.
  uint32_t read_unsigned_varint();
  uint64_t read_unsigned_varlong();
  // Zigzag-encoded signed varints (record fields).
  int32_t read_varint();
  int64_t read_varlong();

  // Strings: int16 length (or compact: unsigned varint of length+1). A null read by a
  // non-nullable reader is a DecodeError naming `field`.
  std::string read_string(bool compact, const char* field);
  std::optional<std::string> read_nullable_string(bool compact, const char* field);
  // Bytes: int32 length (or compact: unsigned varint of length+1).
  std::vector<uint8_t> read_bytes(bool compact, const char* field);
  std::optional<std::vector<uint8_t>> read_nullable_bytes(bool compact, const char* field);
  SharedBytes read_shared_bytes(bool compact, const char* field);
  std::optional<SharedBytes> read_nullable_shared_bytes(bool compact, const char* field);

  // Array length: int32 (or compact: unsigned varint of length+1); -1 means null. A length
  // greater than the remaining bytes is a DecodeError: every element takes at least a byte.
  int32_t read_array_length(bool compact, const char* field);

  // The next `n` bytes, which are consumed.
  std::span<const uint8_t> read_raw(size_t n) { return take(n); }
  // A reader over the next `n` bytes, which are consumed from this one.
  Reader sub_reader(size_t n) {
    auto bytes = take(n);
    return Reader(bytes.data(), bytes.size(), owner_);
  }
  // A zero-copy slice of the next `n` bytes when an owner is known, else a copy.
  SharedBytes read_shared(size_t n);

 private:
  std::span<const uint8_t> take(size_t n) {
    if (n > size_ - pos_) throw_truncated(n);
    std::span<const uint8_t> out{data_ + pos_, n};
    pos_ += n;
    return out;
  }
  template <class T>
  T read_be() {
    auto bytes = take(sizeof(T));
    T v = 0;
    for (uint8_t b : bytes) v = static_cast<T>((v << 8) | b);
    return v;
  }
  [[noreturn]] void throw_truncated(size_t wanted) const;
  // Length of a string/bytes/array field; -1 for null.
  int64_t read_length(bool compact, bool int16_length);
  // Length of a bytes field, checked against the remaining bytes; -1 for null.
  int64_t read_bytes_length(bool compact, const char* field);

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  std::shared_ptr<const void> owner_;
};

}  // namespace chronik::wire
