#include "runtime/record/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define CHRONIK_CRC32C_X86 1
#endif

namespace chronik::record {
namespace {

constexpr uint32_t kPolynomial = 0x82F63B78;  // Castagnoli, bit-reversed

// Slicing-by-8 tables: table[k][b] is the CRC of byte b followed by k zero bytes.
constexpr std::array<std::array<uint32_t, 256>, 8> make_tables() {
  std::array<std::array<uint32_t, 256>, 8> t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t c = b;
    for (int i = 0; i < 8; ++i) c = (c >> 1) ^ ((c & 1) ? kPolynomial : 0);
    t[0][b] = c;
  }
  for (uint32_t b = 0; b < 256; ++b) {
    for (size_t k = 1; k < 8; ++k) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFF];
  }
  return t;
}
constexpr auto kTables = make_tables();

// The crc32 instruction takes three cycles but can start one per cycle, so the hardware
// path runs three independent streams over consecutive stripes of kStripe bytes and
// joins them. CRC-32C without its final inversion is linear: the register after A then B
// is shift(register after A, |B|) ^ (register of B alone from 0), where shift(x, n) is x
// followed by n zero bytes. shift by kStripe is a fixed linear map, applied a byte of x at
// a time through four tables.
constexpr size_t kStripe = 256;

// The register after `n` zero bytes from state `x`, one byte at a time.
constexpr uint32_t shift_slowly(uint32_t x, size_t n) {
  for (size_t i = 0; i < n; ++i) x = (x >> 8) ^ kTables[0][x & 0xFF];
  return x;
}

struct StripeShift {
  std::array<std::array<uint32_t, 256>, 4> table{};
  StripeShift() {
    for (size_t k = 0; k < 4; ++k)
      for (uint32_t b = 0; b < 256; ++b) table[k][b] = shift_slowly(b << (8 * k), kStripe);
  }
  uint32_t operator()(uint32_t x) const {
    return table[0][x & 0xFF] ^ table[1][(x >> 8) & 0xFF] ^ table[2][(x >> 16) & 0xFF] ^
           table[3][x >> 24];
  }
};

#ifdef CHRONIK_CRC32C_X86
__attribute__((target("sse4.2"))) uint32_t hardware(const uint8_t* p, size_t n, uint32_t crc) {
  uint64_t c = ~crc;
#if defined(__x86_64__)
  if (n >= 3 * kStripe) {
    static const StripeShift shift;
    for (; n >= 3 * kStripe; n -= 3 * kStripe, p += 3 * kStripe) {
      uint64_t b = 0, d = 0;
      for (size_t i = 0; i < kStripe; i += 8) {
        uint64_t w0, w1, w2;
        std::memcpy(&w0, p + i, 8);
        std::memcpy(&w1, p + kStripe + i, 8);
        std::memcpy(&w2, p + 2 * kStripe + i, 8);
        c = _mm_crc32_u64(c, w0);
        b = _mm_crc32_u64(b, w1);
        d = _mm_crc32_u64(d, w2);
      }
      c = shift(shift(static_cast<uint32_t>(c)) ^ static_cast<uint32_t>(b)) ^
          static_cast<uint32_t>(d);
    }
  }
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
  }
#endif
  uint32_t c32 = static_cast<uint32_t>(c);
  for (; n > 0; --n, ++p) c32 = _mm_crc32_u8(c32, *p);
  return ~c32;
}
#endif

bool detect_hardware() {
#ifdef CHRONIK_CRC32C_X86
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
#else
  return false;
#endif
}

}  // namespace

uint32_t crc32c_software(std::span<const uint8_t> data, uint32_t crc) {
  const uint8_t* p = data.data();
  size_t n = data.size();
  uint32_t c = ~crc;
  for (; n >= 8; n -= 8, p += 8) {
    uint32_t lo = c ^ (uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) |
                       (uint32_t{p[3]} << 24));
    c = kTables[7][lo & 0xFF] ^ kTables[6][(lo >> 8) & 0xFF] ^ kTables[5][(lo >> 16) & 0xFF] ^
        kTables[4][lo >> 24] ^ kTables[3][p[4]] ^ kTables[2][p[5]] ^ kTables[1][p[6]] ^
        kTables[0][p[7]];
  }
  for (; n > 0; --n, ++p) c = (c >> 8) ^ kTables[0][(c ^ *p) & 0xFF];
  return ~c;
}

bool crc32c_hardware_available() {
  static const bool available = detect_hardware();
  return available;
}

uint32_t crc32c_hardware(std::span<const uint8_t> data, uint32_t crc) {
#ifdef CHRONIK_CRC32C_X86
  return hardware(data.data(), data.size(), crc);
#else
  return crc32c_software(data, crc);
#endif
}

uint32_t crc32c(std::span<const uint8_t> data, uint32_t crc) {
  return crc32c_hardware_available() ? crc32c_hardware(data, crc) : crc32c_software(data, crc);
}

}  // namespace chronik::record
