#include "runtime/compression/xxhash32.h"

#include <bit>

namespace chronik::compression {
namespace {

constexpr uint32_t kPrime1 = 2654435761U;
constexpr uint32_t kPrime2 = 2246822519U;
constexpr uint32_t kPrime3 = 3266489917U;
constexpr uint32_t kPrime4 = 668265263U;
constexpr uint32_t kPrime5 = 374761393U;

uint32_t read_le32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

uint32_t round(uint32_t acc, uint32_t lane) {
  return std::rotl(acc + lane * kPrime2, 13) * kPrime1;
}

}  // namespace

uint32_t xxhash32(std::span<const uint8_t> input, uint32_t seed) {
  const uint8_t* p = input.data();
  size_t n = input.size();
  uint32_t h;
  if (n >= 16) {
    uint32_t v1 = seed + kPrime1 + kPrime2, v2 = seed + kPrime2, v3 = seed, v4 = seed - kPrime1;
    while (n >= 16) {
      v1 = round(v1, read_le32(p));
      v2 = round(v2, read_le32(p + 4));
      v3 = round(v3, read_le32(p + 8));
      v4 = round(v4, read_le32(p + 12));
      p += 16;
      n -= 16;
    }
    h = std::rotl(v1, 1) + std::rotl(v2, 7) + std::rotl(v3, 12) + std::rotl(v4, 18);
  } else {
    h = seed + kPrime5;
  }
  h += static_cast<uint32_t>(input.size());
  while (n >= 4) {
    h = std::rotl(h + read_le32(p) * kPrime3, 17) * kPrime4;
    p += 4;
    n -= 4;
  }
  while (n > 0) {
    h = std::rotl(h + *p * kPrime5, 11) * kPrime1;
    ++p;
    --n;
  }
  h ^= h >> 15;
  h *= kPrime2;
  h ^= h >> 13;
  h *= kPrime3;
  h ^= h >> 16;
  return h;
}

}  // namespace chronik::compression
