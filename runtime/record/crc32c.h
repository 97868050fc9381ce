// CRC-32C (Castagnoli), the checksum of v2 record batches (attributes .. end of batch).
//
// crc32c() uses the SSE4.2 crc32 instruction when the CPU has it (checked once at run
// time) and a table-driven software version otherwise. Both give the same results;
// values chain: crc32c(b, crc32c(a)) == crc32c(a + b).
#pragma once

#include <cstdint>
#include <span>

namespace chronik::record {

uint32_t crc32c(std::span<const uint8_t> data, uint32_t crc = 0);

// The two implementations, exposed for tests and benchmarks.
uint32_t crc32c_software(std::span<const uint8_t> data, uint32_t crc = 0);
bool crc32c_hardware_available();
// REQUIRES: crc32c_hardware_available().
uint32_t crc32c_hardware(std::span<const uint8_t> data, uint32_t crc = 0);

}  // namespace chronik::record
