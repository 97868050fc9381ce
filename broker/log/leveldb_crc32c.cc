#include "broker/log/leveldb_crc32c.h"

#include <span>

#include "runtime/record/crc32c.h"

namespace leveldb::crc32c {

uint32_t Extend(uint32_t init_crc, const char* data, size_t n) {
  return chronik::record::crc32c(std::span(reinterpret_cast<const uint8_t*>(data), n), init_crc);
}

}  // namespace leveldb::crc32c

namespace chronik::log {

const char* leveldb_crc32c_implementation() {
  return record::crc32c_hardware_available() ? "hardware" : "software";
}

}  // namespace chronik::log
