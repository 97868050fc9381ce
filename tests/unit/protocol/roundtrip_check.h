// The round-trip property every generated message must hold at every version.
#pragma once

#include <catch2/catch.hpp>

#include <random>
#include <sstream>
#include <vector>

#include "runtime/wire/reader.h"
#include "runtime/wire/writer.h"
#include "tests/support/random_message.h"

namespace chronik::testing {

inline std::vector<uint8_t> encode_bytes(const auto& message, int16_t version) {
  wire::Writer w;
  message.encode(w, version);
  return std::move(w).take_bytes();
}

// Random instance -> encode -> size matches -> decode equals -> re-encode identical, and every
// strict prefix of the encoding is a DecodeError. Catch assertions only on failure: this runs
// hundreds of thousands of checks.
template <class M>
void check_round_trips(std::mt19937_64& rng, int iterations) {
  for (int16_t v = M::kLowestVersion; v <= M::kHighestVersion; ++v) {
    for (int i = 0; i < iterations; ++i) {
      M original;
      if (i > 0) RandomFiller(rng, v).fill(original);
      INFO(M::kName << " v" << v << " iteration " << i);
      std::vector<uint8_t> bytes;
      try {
        bytes = encode_bytes(original, v);
      } catch (const std::exception& e) {
        FAIL("encode threw: " << e.what());
      }
      if (original.size(v) != bytes.size()) FAIL("size() " << original.size(v) << " != " << bytes.size());
      M decoded;
      wire::Reader reader(bytes);
      try {
        decoded.decode(reader, v);
      } catch (const std::exception& e) {
        FAIL("decode threw: " << e.what());
      }
      if (!reader.at_end()) FAIL("decode left " << reader.remaining() << " bytes");
      if (!(decoded == original)) FAIL("decoded message differs from the original");
      if (encode_bytes(decoded, v) != bytes) FAIL("re-encoding differs");
      for (size_t n = 0; n < bytes.size(); ++n) {
        wire::Reader prefix(bytes.data(), n);
        M partial;
        try {
          partial.decode(prefix, v);
          FAIL("a " << n << "-byte prefix of " << bytes.size() << " bytes decoded");
        } catch (const wire::DecodeError&) {
        }
      }
    }
  }
}

}  // namespace chronik::testing
