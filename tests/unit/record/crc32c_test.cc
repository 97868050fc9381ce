#include "runtime/record/crc32c.h"

#include <catch2/catch.hpp>
#include <random>
#include <string_view>
#include <vector>

#include "runtime/record/legacy.h"

using namespace chronik::record;

namespace {

std::vector<uint8_t> text(std::string_view s) { return {s.begin(), s.end()}; }

// RFC 3720 (iSCSI) appendix B.4 vectors and the common "123456789" check value.
struct Vector {
  std::vector<uint8_t> data;
  uint32_t crc;
};
std::vector<Vector> vectors() {
  std::vector<uint8_t> ascending(32), descending(32);
  for (int i = 0; i < 32; ++i) {
    ascending[i] = static_cast<uint8_t>(i);
    descending[i] = static_cast<uint8_t>(31 - i);
  }
  return {
      {{}, 0x00000000},
      {text("123456789"), 0xE3069283},
      {std::vector<uint8_t>(32, 0x00), 0x8A9136AA},
      {std::vector<uint8_t>(32, 0xFF), 0x62A8AB43},
      {ascending, 0x46DD794E},
      {descending, 0x113FDB5C},
  };
}

}  // namespace

TEST_CASE("CRC-32C known vectors, software and hardware") {
  for (const Vector& v : vectors()) {
    INFO("size " << v.data.size());
    CHECK(crc32c_software(v.data) == v.crc);
    CHECK(crc32c(v.data) == v.crc);
    if (crc32c_hardware_available()) CHECK(crc32c_hardware(v.data) == v.crc);
  }
}

TEST_CASE("CRC-32C implementations agree on every length and alignment, and chain") {
  std::mt19937 rng(42);
  std::vector<uint8_t> data(4099);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  for (size_t start = 0; start < 9; ++start) {
    // Around the hardware path's three stripes of 256 bytes, and many of them.
    for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{63}, size_t{767},
                     size_t{768}, size_t{769}, size_t{775}, size_t{776}, size_t{1536}, size_t{2311},
                     size_t{4090}}) {
      std::span<const uint8_t> s(data.data() + start, n);
      uint32_t sw = crc32c_software(s);
      if (crc32c_hardware_available()) CHECK(crc32c_hardware(s) == sw);
      CHECK(crc32c(s) == sw);
    }
  }
  std::span<const uint8_t> all(data);
  for (size_t cut : {size_t{0}, size_t{5}, size_t{100}, size_t{4099}}) {
    CHECK(crc32c(all.subspan(cut), crc32c(all.first(cut))) == crc32c(all));
    CHECK(crc32c_software(all.subspan(cut), crc32c_software(all.first(cut))) == crc32c_software(all));
  }
}

TEST_CASE("CRC-32 (zlib) for legacy messages") {
  CHECK(crc32_ieee(text("123456789")) == 0xCBF43926);
  CHECK(crc32_ieee({}) == 0);
}
