// XXH32, needed only to compute and fix LZ4 frame header checksums (liblz4 does not export
// its copy). Written from the xxHash specification.
#pragma once

#include <cstdint>
#include <span>

namespace chronik::compression {

uint32_t xxhash32(std::span<const uint8_t> input, uint32_t seed = 0);

}  // namespace chronik::compression
