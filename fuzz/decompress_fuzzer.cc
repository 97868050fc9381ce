// One decompressor (runtime/compression), chosen at build time by CHRONIK_FUZZ_CODEC (gzip,
// snappy, lz4, zstd): the input is a compressed stream as found in a record batch. Whatever
// the input, decompression either throws CompressionError or returns at most the limit;
// output that decodes must fail with kTooLarge under a limit one byte smaller, must be the
// same when decompressed into a reused buffer that held other bytes, and must come back
// unchanged through compress + decompress.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string_view>
#include <vector>

#include "runtime/compression/codec.h"

#define CHRONIK_STR2(x) #x
#define CHRONIK_STR(x) CHRONIK_STR2(x)

using namespace chronik;
using compression::Codec;
using compression::CompressionError;

namespace {

constexpr size_t kLimit = 1 << 20;

Codec fuzzed_codec() {
  static const Codec codec = [] {
    for (Codec c : {Codec::kGzip, Codec::kSnappy, Codec::kLz4, Codec::kZstd})
      if (compression::codec_name(c) == std::string_view(CHRONIK_STR(CHRONIK_FUZZ_CODEC))) return c;
    std::abort();
  }();
  return codec;
}

[[noreturn]] void failed(const char* what) {
  std::fprintf(stderr, "PROPERTY VIOLATED: %s (%s)\n", what, CHRONIK_STR(CHRONIK_FUZZ_CODEC));
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Codec codec = fuzzed_codec();
  std::span<const uint8_t> input(data, size);
  std::vector<uint8_t> out;
  try {
    out = compression::decompress(codec, input, kLimit);
  } catch (const CompressionError&) {
    return 0;
  }
  if (out.size() > kLimit) failed("output larger than the limit");

  // A buffer reused from an earlier batch, larger or smaller than this output.
  for (size_t previous : {size_t{0}, out.size() / 2, out.size() + 4096}) {
    std::vector<uint8_t> reused(previous, 0xA5);
    try {
      if (compression::decompress(codec, input, kLimit, std::move(reused)) != out) {
        failed("decompressing into a reused buffer must give the same output");
      }
    } catch (const CompressionError&) {
      failed("decompressing into a reused buffer must succeed where a fresh one did");
    }
  }

  if (!out.empty()) {
    try {
      compression::decompress(codec, input, out.size() - 1);
      failed("a limit below the output size must be refused");
    } catch (const CompressionError& e) {
      if (e.kind() != CompressionError::Kind::kTooLarge) {
        std::fprintf(stderr, "%s\n", e.what());
        failed("a limit below the output size must fail with kTooLarge");
      }
    }
  }

  std::vector<compression::CompressOptions> variants(1);
  if (codec == Codec::kLz4) variants.push_back({.level = std::nullopt, .lz4_broken_header_checksum = true});
  for (const auto& options : variants) {
    std::vector<uint8_t> again;
    try {
      again = compression::decompress(codec, compression::compress(codec, out, options), out.size());
    } catch (const CompressionError& e) {
      std::fprintf(stderr, "%s\n", e.what());
      failed("compress + decompress of decompressed data must succeed");
    }
    if (again != out) failed("compress + decompress must give the data back");
  }
  return 0;
}
