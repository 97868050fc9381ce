#include "runtime/compression/codec.h"

#include <zstd.h>

#include <catch2/catch.hpp>
#include <random>

#include "runtime/compression/lz4.h"
#include "runtime/compression/snappy.h"
#include "runtime/compression/xxhash32.h"
#include "tests/unit/record/test_data.h"

using namespace chronik::compression;
using chronik::testdata::bytes;
using chronik::testdata::read_file;

namespace {

constexpr size_t kBig = 64 * 1024 * 1024;

std::vector<uint8_t> sample(size_t n, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = (i % 3 == 0) ? static_cast<uint8_t>(rng()) : uint8_t('a' + i % 7);
  return out;
}

CompressionError::Kind kind_of(Codec codec, std::span<const uint8_t> input, size_t max) {
  try {
    decompress(codec, input, max);
  } catch (const CompressionError& e) {
    return e.kind();
  }
  FAIL("decompression succeeded");
  return CompressionError::Kind::kInternal;
}

}  // namespace

TEST_CASE("xxhash32 known vectors") {
  CHECK(xxhash32({}) == 0x02CC5D05u);
  CHECK(xxhash32(bytes("a")) == 0x550D7456u);
  CHECK(xxhash32(bytes("abc")) == 0x32D153FFu);
  CHECK(xxhash32(bytes("Nobody inspects the spammish repetition")) == 0xE2293B2Fu);
}

TEST_CASE("codec ids and names") {
  CHECK(codec_from_id(0) == Codec::kNone);
  CHECK(codec_from_id(4) == Codec::kZstd);
  CHECK_FALSE(codec_from_id(5).has_value());
  CHECK_FALSE(codec_from_id(-1).has_value());
  CHECK(codec_name(Codec::kSnappy) == "snappy");
}

TEST_CASE("reference streams from independent encoders decompress to the original") {
  auto plain = read_file("codec/plain.bin");
  struct Case {
    const char* file;
    Codec codec;
  } cases[] = {
      {"codec/plain.gzip", Codec::kGzip},           {"codec/plain.snappy_raw", Codec::kSnappy},
      {"codec/plain.snappy_xerial", Codec::kSnappy}, {"codec/plain.lz4_frame", Codec::kLz4},
      {"codec/plain.lz4_kafka08", Codec::kLz4},      {"codec/plain.zstd", Codec::kZstd},
  };
  for (const Case& c : cases) {
    INFO(c.file);
    auto stream = read_file(c.file);
    CHECK(decompress(c.codec, stream, kBig) == plain);
    // Exactly the size fits; one byte less does not.
    CHECK(decompress(c.codec, stream, plain.size()) == plain);
    CHECK(kind_of(c.codec, stream, plain.size() - 1) == CompressionError::Kind::kTooLarge);
  }
  CHECK(is_xerial_snappy(read_file("codec/plain.snappy_xerial")));
  CHECK_FALSE(is_xerial_snappy(read_file("codec/plain.snappy_raw")));
}

TEST_CASE("round trips for every codec and size") {
  for (Codec codec : {Codec::kNone, Codec::kGzip, Codec::kSnappy, Codec::kLz4, Codec::kZstd}) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{100}, size_t{32 * 1024}, size_t{32 * 1024 + 1},
                     size_t{200000}}) {
      INFO(codec_name(codec) << " " << n);
      auto input = sample(n);
      auto packed = compress(codec, input);
      CHECK(decompress(codec, packed, n) == input);
    }
  }
}

TEST_CASE("snappy writes xerial framing as Java clients do") {
  auto packed = compress(Codec::kSnappy, sample(70000));
  REQUIRE(packed.size() > 16);
  CHECK(packed[0] == 0x82);
  CHECK(std::string(packed.begin() + 1, packed.begin() + 7) == "SNAPPY");
  CHECK(packed[7] == 0);
  CHECK(packed[11] == 1);  // version 1, big-endian
  CHECK(packed[15] == 1);  // compatible version 1
  // Raw snappy also decodes.
  CHECK(decompress(Codec::kSnappy, snappy_compress_raw(sample(5000)), kBig) == sample(5000));
}

TEST_CASE("lz4 frames: Kafka's layout and the broken v0 header checksum") {
  auto input = sample(100000);
  auto good = compress(Codec::kLz4, input);
  CompressOptions broken_options;
  broken_options.lz4_broken_header_checksum = true;
  auto broken = compress(Codec::kLz4, input, broken_options);
  REQUIRE(good.size() == broken.size());
  CHECK(good[0] == 0x04);
  CHECK(good[3] == 0x18);
  CHECK((good[4] & 0x08) == 0);  // no content size
  CHECK(good[5] == 0x40);        // 64 KiB blocks
  CHECK(good[6] != broken[6]);   // only the header checksum differs
  CHECK(std::equal(good.begin() + 7, good.end(), broken.begin() + 7));
  CHECK(decompress(Codec::kLz4, good, kBig) == input);
  CHECK(decompress(Codec::kLz4, broken, kBig) == input);
  // A header checksum that is neither is corrupt.
  good[6] ^= 0x5a;
  if (good[6] == broken[6]) good[6] ^= 1;
  CHECK(kind_of(Codec::kLz4, good, kBig) == CompressionError::Kind::kCorrupt);
}

TEST_CASE("decompression bombs fail cleanly at the limit") {
  std::vector<uint8_t> zeros(50 * 1024 * 1024, 0);
  for (Codec codec : {Codec::kGzip, Codec::kSnappy, Codec::kLz4, Codec::kZstd}) {
    INFO(codec_name(codec));
    auto bomb = compress(codec, zeros);
    CHECK(bomb.size() < zeros.size() / 20);
    CHECK(kind_of(codec, bomb, 1024 * 1024) == CompressionError::Kind::kTooLarge);
    CHECK(kind_of(codec, bomb, 0) == CompressionError::Kind::kTooLarge);
  }
  // A raw snappy block that claims 4 GiB is refused before anything is allocated.
  std::vector<uint8_t> liar = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x00};
  CHECK(kind_of(Codec::kSnappy, liar, kBig) == CompressionError::Kind::kTooLarge);
}

TEST_CASE("truncated and corrupted streams fail cleanly") {
  auto input = sample(5000, 9);
  for (Codec codec : {Codec::kGzip, Codec::kSnappy, Codec::kLz4, Codec::kZstd}) {
    INFO(codec_name(codec));
    auto packed = compress(codec, input);
    CHECK(kind_of(codec, {}, kBig) == CompressionError::Kind::kCorrupt);
    // Every truncation either fails or (never) yields the input.
    for (size_t n = 0; n < packed.size(); ++n) {
      INFO("truncated to " << n);
      std::span<const uint8_t> cut(packed.data(), n);
      try {
        auto out = decompress(codec, cut, kBig);
        CHECK(out != input);
      } catch (const CompressionError& e) {
        CHECK(e.kind() != CompressionError::Kind::kInternal);
      }
    }
    // Flipped bytes never crash; what they decode to is the codec's business.
    for (size_t i = 0; i < packed.size(); i += 7) {
      auto bad = packed;
      bad[i] ^= 0xA5;
      try {
        decompress(codec, bad, kBig);
      } catch (const CompressionError& e) {
        CHECK(e.kind() != CompressionError::Kind::kInternal);
      }
    }
    // Garbage.
    CHECK_THROWS_AS(decompress(codec, sample(300, 3), kBig), CompressionError);
  }
}

TEST_CASE("zstd: each thread's reused stream starts clean after a failed or large frame") {
  auto first = sample(200 * 1024, 4), second = sample(70 * 1024, 5);
  auto packed_first = compress(Codec::kZstd, first), packed_second = compress(Codec::kZstd, second);
  // A frame cut anywhere, or refused at its limit, must leave nothing behind for the next.
  for (size_t n = 1; n < packed_first.size(); n += 97) {
    INFO("first frame cut to " << n);
    try {
      decompress(Codec::kZstd, std::span<const uint8_t>(packed_first.data(), n), kBig);
    } catch (const CompressionError&) {
    }
    REQUIRE(decompress(Codec::kZstd, packed_second, kBig) == second);
  }
  CHECK(kind_of(Codec::kZstd, packed_first, 1000) == CompressionError::Kind::kTooLarge);
  REQUIRE(decompress(Codec::kZstd, packed_second, kBig) == second);

  // A 32 MiB window (the stream grows past what a thread keeps, and is replaced).
  auto big = sample(24 * 1024 * 1024, 6);
  std::vector<uint8_t> packed_big(ZSTD_compressBound(big.size()));
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 1);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, 25);
  const size_t n =
      ZSTD_compress2(cctx, packed_big.data(), packed_big.size(), big.data(), big.size());
  ZSTD_freeCCtx(cctx);
  REQUIRE_FALSE(ZSTD_isError(n));
  packed_big.resize(n);
  REQUIRE(decompress(Codec::kZstd, packed_big, kBig) == big);
  REQUIRE(decompress(Codec::kZstd, packed_first, kBig) == first);
}

TEST_CASE("streams give the one-shot output in pieces of any size, and its errors") {
  auto input = sample(300 * 1024, 11);
  for (Codec codec : {Codec::kNone, Codec::kGzip, Codec::kSnappy, Codec::kLz4, Codec::kZstd}) {
    INFO(codec_name(codec));
    auto packed = compress(codec, input);
    for (size_t piece : {size_t{1}, size_t{7}, size_t{4096}, size_t{65536 + 3}, input.size() + 1}) {
      INFO("pieces of " << piece);
      auto stream = open_decompress_stream(codec, packed, input.size());
      std::vector<uint8_t> out, buf(piece);
      size_t n;
      // Reads are full until the end: one short read, then nothing.
      while ((n = stream->read(buf)) == piece) out.insert(out.end(), buf.begin(), buf.end());
      out.insert(out.end(), buf.begin(), buf.begin() + static_cast<ptrdiff_t>(n));
      CHECK(stream->read(buf) == 0);
      CHECK(out == input);
      CHECK(stream->produced() == input.size());
    }
    // One byte short of the output is too large, found when the limit is reached.
    {
      auto stream = open_decompress_stream(codec, packed, input.size() - 1);
      std::vector<uint8_t> buf(input.size());
      try {
        stream->read(buf);
        FAIL("read past the limit");
      } catch (const CompressionError& e) {
        CHECK(e.kind() == CompressionError::Kind::kTooLarge);
      }
    }
    if (codec == Codec::kNone) continue;
    // Cut streams are corrupt, as one-shot decompression says, reading in small pieces too.
    for (size_t cut : {size_t{1}, packed.size() / 2, packed.size() - 1}) {
      INFO("cut to " << cut);
      std::span<const uint8_t> part(packed.data(), cut);
      CHECK(kind_of(codec, part, kBig) == CompressionError::Kind::kCorrupt);
      try {
        auto stream = open_decompress_stream(codec, part, kBig);
        std::vector<uint8_t> buf(1000);
        while (stream->read(buf) == buf.size()) {
        }
        FAIL("a cut stream ended cleanly");
      } catch (const CompressionError& e) {
        CHECK(e.kind() == CompressionError::Kind::kCorrupt);
      }
      // A thread's reused codec state starts clean after a stream that failed mid-frame.
      CHECK(decompress(codec, packed, kBig) == input);
    }
  }
  // A raw snappy block may claim only what its bytes could hold: nothing is allocated for a lie.
  std::vector<uint8_t> liar = {0x80, 0x80, 0x80, 0x80, 0x01, 0x00};  // 256 MiB from 6 bytes
  CHECK(kind_of(Codec::kSnappy, liar, uint64_t{1} << 32) == CompressionError::Kind::kCorrupt);
  std::vector<uint8_t> buf(10);
  CHECK_THROWS_AS(open_decompress_stream(Codec::kSnappy, liar, uint64_t{1} << 32)->read(buf), CompressionError);
}
