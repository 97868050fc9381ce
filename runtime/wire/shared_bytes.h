// A read-only slice of bytes that keeps its backing buffer alive. Record batches travel as
// SharedBytes from the request frame to storage and from storage to the fetch response, so
// payloads are never copied on the produce and fetch paths.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

namespace chronik::wire {

class SharedBytes {
 public:
  SharedBytes() = default;
  SharedBytes(std::shared_ptr<const void> owner, const uint8_t* data, size_t size)
      : owner_(std::move(owner)), data_(data), size_(size) {}

  // Copies `bytes` into a new buffer owned by the result.
  static SharedBytes copy_of(std::span<const uint8_t> bytes) {
    auto buffer = std::make_shared<std::vector<uint8_t>>(bytes.begin(), bytes.end());
    const uint8_t* data = buffer->data();
    return SharedBytes(std::move(buffer), data, bytes.size());
  }
  static SharedBytes adopt(std::vector<uint8_t> bytes) {
    auto buffer = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
    const uint8_t* data = buffer->data();
    size_t size = buffer->size();
    return SharedBytes(std::move(buffer), data, size);
  }

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<const uint8_t> span() const { return {data_, size_}; }
  const std::shared_ptr<const void>& owner() const { return owner_; }

  // A sub-slice sharing the same owner. REQUIRES: offset + length <= size().
  SharedBytes slice(size_t offset, size_t length) const {
    return SharedBytes(owner_, data_ + offset, length);
  }

  // Equal when the bytes are equal, wherever they live.
  friend bool operator==(const SharedBytes& a, const SharedBytes& b) {
    return a.size_ == b.size_ && (a.size_ == 0 || std::memcmp(a.data_, b.data_, a.size_) == 0);
  }

 private:
  std::shared_ptr<const void> owner_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace chronik::wire
