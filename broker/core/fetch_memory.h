// The record bytes that fetch responses hold until they are written to their clients, over
// the whole broker (queued.max.fetch.bytes).
//
// Kafka sends fetched batches from the page cache (sendfile), so a client that asks for much
// and reads nothing costs it little; here they are heap copies, and eight such clients each
// holding one 55 MiB response would grow the broker by half a gigabyte. So a fetch reads no
// more than this budget leaves (as Kafka caps a fetch to what a quota window allows), beyond
// its first batch that KIP-74 always returns, and the bytes count until the last reference
// to them is dropped: when the response is written, or its connection closes.
//
// Thread-safe. A counted buffer may outlive this object.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>

#include "runtime/wire/shared_bytes.h"

namespace chronik::broker {

class FetchMemory {
 public:
  // Up to `want` bytes of what `capacity` leaves (capacity < 0: no bound), for a fetch about
  // to read; hand it back with release() once what was read is held.
  struct Reservation {
    int64_t bytes = 0;
    int64_t counted = 0;  // 0 when there was no bound
  };
  Reservation reserve(int64_t want, int64_t capacity) {
    want = std::max<int64_t>(want, 0);
    if (capacity < 0) return {want, 0};
    int64_t used = held_->load(std::memory_order_relaxed);
    for (;;) {
      const int64_t grant = std::clamp<int64_t>(capacity - used, 0, want);
      if (grant == 0 || held_->compare_exchange_weak(used, used + grant, std::memory_order_relaxed))
        return {grant, grant};
    }
  }
  void release(const Reservation& r) { held_->fetch_sub(r.counted, std::memory_order_relaxed); }

  // `records`, counted until its last reference (slices included) is dropped.
  wire::SharedBytes hold(wire::SharedBytes records) {
    if (records.empty()) return records;
    const int64_t n = static_cast<int64_t>(records.size());
    held_->fetch_add(n, std::memory_order_relaxed);
    auto holder = std::make_shared<Held>(records, held_, n);
    return wire::SharedBytes(std::move(holder), records.data(), records.size());
  }

  // Bytes held now, reservations included.
  int64_t held() const { return held_->load(std::memory_order_relaxed); }
  bool exhausted(int64_t capacity) const { return capacity >= 0 && held() >= capacity; }

 private:
  struct Held {
    Held(wire::SharedBytes b, std::shared_ptr<std::atomic<int64_t>> c, int64_t n)
        : bytes(std::move(b)), counter(std::move(c)), size(n) {}
    ~Held() { counter->fetch_sub(size, std::memory_order_relaxed); }
    wire::SharedBytes bytes;
    std::shared_ptr<std::atomic<int64_t>> counter;
    int64_t size;
  };
  std::shared_ptr<std::atomic<int64_t>> held_ = std::make_shared<std::atomic<int64_t>>(0);
};

}  // namespace chronik::broker
