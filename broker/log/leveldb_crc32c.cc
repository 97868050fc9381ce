#include "broker/log/leveldb_crc32c.h"

#include <cstddef>
#include <cstdint>
#include <span>

#include "runtime/record/crc32c.h"

// The signature of LevelDB 1.23's util/crc32c.h, which the -dev package does not install.
// Extend(crc, data, n) is the CRC-32C of the bytes hashed into crc followed by data[0, n),
// the same chaining as chronik::record::crc32c.
namespace leveldb::crc32c {

uint32_t Extend(uint32_t init_crc, const char* data, size_t n);

uint32_t Extend(uint32_t init_crc, const char* data, size_t n) {
  return chronik::record::crc32c(std::span(reinterpret_cast<const uint8_t*>(data), n), init_crc);
}

}  // namespace leveldb::crc32c

namespace chronik::log {

const char* leveldb_crc32c_implementation() {
  return record::crc32c_hardware_available() ? "hardware" : "software";
}

}  // namespace chronik::log
