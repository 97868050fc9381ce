// Test helper: builds a valid v2 record batch (header + CRC-32C) around opaque record bytes.
// Storage never parses records, so the payload is filler of the requested size.
#pragma once

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "broker/log/batch_header.h"

namespace chronik::log::test {

struct BatchSpec {
  int32_t records = 1;
  int64_t base_timestamp = 1000;
  int64_t max_timestamp = 1000;
  size_t payload = 16;  // bytes after the 61-byte header
  uint8_t fill = 0xAB;
  // The producer fields of the header; -1: no idempotent producer.
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  // The isTransactional attribute (a transactional producer's batch).
  bool transactional = false;
};

inline std::vector<uint8_t> make_batch(const BatchSpec& spec) {
  std::vector<uint8_t> b(kBatchHeaderSize + spec.payload, spec.fill);
  uint8_t* p = b.data();
  store_be64(p, 0);                                                // baseOffset
  store_be32(p + 8, static_cast<uint32_t>(b.size() - 12));         // batchLength
  store_be32(p + 12, 0);                                           // partitionLeaderEpoch
  p[16] = 2;                                                       // magic
  p[21] = 0; p[22] = spec.transactional ? 0x10 : 0;                // attributes
  store_be32(p + 23, static_cast<uint32_t>(spec.records - 1));     // lastOffsetDelta
  store_be64(p + 27, static_cast<uint64_t>(spec.base_timestamp));  // baseTimestamp
  store_be64(p + 35, static_cast<uint64_t>(spec.max_timestamp));   // maxTimestamp
  store_be64(p + 43, static_cast<uint64_t>(spec.producer_id));     // producerId
  p[51] = static_cast<uint8_t>(static_cast<uint16_t>(spec.producer_epoch) >> 8);  // producerEpoch
  p[52] = static_cast<uint8_t>(spec.producer_epoch);
  store_be32(p + 53, static_cast<uint32_t>(spec.base_sequence));   // baseSequence
  store_be32(p + 57, static_cast<uint32_t>(spec.records));         // recordsCount
  store_be32(p + 17, crc32c(std::span<const uint8_t>(b).subspan(21)));
  return b;
}

inline int64_t base_offset_of(std::span<const uint8_t> b) {
  return static_cast<int64_t>(load_be64(b.data()));
}

// A fresh directory under the system temp dir, removed at scope exit.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("chronik-log-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string str() const { return path_.string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline uint64_t dir_size(const std::filesystem::path& dir) {
  uint64_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) total += e.file_size();
  return total;
}

}  // namespace chronik::log::test
