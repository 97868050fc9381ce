// LevelDB checksums every log record and table block with CRC-32C. Debian's LevelDB is
// built without the crc32c library, so its own crc32c::Extend runs a table-driven loop that
// cost about a fifth of the broker's CPU when producing 1 KiB records. The broker links
// LevelDB's static archive and defines leveldb::crc32c::Extend itself (leveldb_crc32c.cc),
// on Chronik's CRC-32C, which uses the SSE4.2 instruction: the archive's crc32c.cc.o is then
// never pulled in (were it pulled in as well, the link would fail on the duplicate).
//
// The checksum is the same function either way, so data dirs written before read back.
#pragma once

#include <cstddef>
#include <cstdint>

// The signature of LevelDB 1.23's util/crc32c.h, which the -dev package does not install.
// Extend(crc, data, n) is the CRC-32C of the bytes hashed into crc followed by data[0, n),
// the same chaining as chronik::record::crc32c.
namespace leveldb::crc32c {
uint32_t Extend(uint32_t init_crc, const char* data, size_t n);
}

namespace chronik::log {

// "hardware" or "software": how LevelDB's checksums are computed in this process.
const char* leveldb_crc32c_implementation();

}  // namespace chronik::log
