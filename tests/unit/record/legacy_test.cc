#include "runtime/record/legacy.h"

#include <catch2/catch.hpp>
#include <set>

#include "runtime/record/errors.h"
#include "tests/unit/record/expected_records.h"

using namespace chronik::record;
using namespace chronik::testdata;
using chronik::compression::Codec;

TEST_CASE("v0/v1 message sets from kafka-python, sarama and Kafka 3.9.1 read as kafka-python reads them") {
  auto files = files_of_kind("legacy");
  REQUIRE(files.size() > 15);
  for (const std::string& name : files) {
    INFO(name);
    auto data = read_file(name);
    auto entries = read_message_set(data);
    const auto& batches = expected()["files"][name]["batches"];
    REQUIRE(entries.size() == batches.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      CHECK(entries[i].magic == batches[i]["magic"].get<int>());
      CHECK(static_cast<int>(entries[i].codec) == batches[i]["compression"].get<int>());
      CHECK(entries[i].offset == batches[i]["base_offset"].get<int64_t>());
      // kafka-python's reader leaves v0 timestamps as None; ours say kNoTimestamp.
      check_same(flatten(entries[i]), expected_records(batches[i]), entries[i].magic == 1);
    }
  }
}

TEST_CASE("log append time of a v1 wrapper applies to its inner messages") {
  auto entries = read_message_set(read_file("legacy/v1_gzip_log_append_time.bin"));
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].timestamp_type == TimestampType::kLogAppendTime);
  for (const auto& r : entries[0].records) CHECK(r.timestamp == 1700000000999);
}

TEST_CASE("uncompressed message sets are built exactly as kafka-python builds them") {
  for (int8_t magic : {kMagicV0, kMagicV1}) {
    std::string name = "convert/none_to_v" + std::to_string(magic) + ".bin";
    auto reference = read_file(name);
    std::vector<LegacyRecord> records;
    for (const auto& e : read_message_set(reference)) records.insert(records.end(), e.records.begin(), e.records.end());
    LegacyBuildOptions o;
    o.magic = magic;
    CHECK(build_message_set(o, records) == reference);
  }
}

TEST_CASE("compressed wrappers round-trip for every legacy codec") {
  auto entries = read_message_set(read_file("legacy/v1_none.bin"));
  std::vector<LegacyRecord> records;
  for (const auto& e : entries) records.push_back(e.records.at(0));
  for (int8_t magic : {kMagicV0, kMagicV1}) {
    for (Codec codec : {Codec::kGzip, Codec::kSnappy, Codec::kLz4}) {
      INFO(int(magic) << " " << chronik::compression::codec_name(codec));
      LegacyBuildOptions o;
      o.magic = magic;
      o.codec = codec;
      auto built = build_message_set(o, records);
      auto back = read_message_set(built);
      REQUIRE(back.size() == 1);
      CHECK(back[0].codec == codec);
      CHECK(back[0].offset == records.back().offset);
      auto expected_records = records;
      if (magic == kMagicV0) for (auto& r : expected_records) r.timestamp = kNoTimestamp;
      CHECK(back[0].records == expected_records);
    }
  }
  LegacyBuildOptions zstd;
  zstd.codec = Codec::kZstd;
  CHECK_THROWS_AS(build_message_set(zstd, records), RecordException);
}

TEST_CASE("corrupt message sets fail cleanly") {
  for (const char* name : {"legacy/v1_none.bin", "legacy/v1_gzip.bin", "legacy/v0_lz4.bin", "legacy/v0_none.bin"}) {
    INFO(name);
    auto data = read_file(name);
    std::set<size_t> boundaries;
    size_t at = 0;
    while (at < data.size()) {
      boundaries.insert(at);
      at += kLogOverhead + static_cast<size_t>(load_be32(data.data() + at + kBatchLengthOffset));
    }
    for (size_t n = 1; n < data.size(); ++n) {
      if (boundaries.count(n)) continue;
      INFO("truncated to " << n);
      try {
        read_message_set(std::span<const uint8_t>(data.data(), n));
        FAIL("accepted a truncated set");
      } catch (const RecordException& e) {
        CHECK(to_error_code(e.error()) == chronik::protocol::ErrorCode::CORRUPT_MESSAGE);
      }
    }
    // Flips covered by the first message's CRC, or of its size (offsets are not covered).
    size_t first_end = kLogOverhead + static_cast<size_t>(load_be32(data.data() + kBatchLengthOffset));
    for (size_t i = kBatchLengthOffset; i < first_end; ++i) {
      auto bad = data;
      bad[i] ^= 0x10;
      CHECK_THROWS_AS(read_message_set(bad), RecordException);
    }
  }
  // Bomb in a wrapper.
  LegacyRecord big{0, 0, std::nullopt, Bytes(4 * 1024 * 1024, 'x')};
  LegacyBuildOptions o;
  o.codec = Codec::kGzip;
  auto bomb = build_message_set(o, std::span<const LegacyRecord>(&big, 1));
  try {
    read_message_set(bomb, 1024 * 1024);
    FAIL("bomb accepted");
  } catch (const RecordException& e) {
    CHECK(e.error() == RecordError::kDecompressedTooLarge);
  }
}

TEST_CASE("v1 wrapper offsets at the ends of int64 wrap like Java longs") {
  // Inner offsets relative to the first, wrapper offset the last: INT64_MAX then INT64_MIN
  // (base_offset + delta wrapped), and a wrapper offset far below its inner ones.
  LegacyBuildOptions o;
  o.codec = Codec::kGzip;
  std::vector<LegacyRecord> records = {{INT64_MAX, 1, std::nullopt, Bytes{1}},
                                       {INT64_MIN, 2, std::nullopt, Bytes{2}}};
  auto back = read_message_set(build_message_set(o, records));
  REQUIRE(back.size() == 1);
  CHECK(back[0].offset == INT64_MIN);
  CHECK(back[0].records == records);

  // Wrapper at INT64_MIN, last inner offset 1 (as a client may send): the base wraps to
  // INT64_MAX, and Kafka's iterator then adds it (with wrapping) to every inner offset.
  o.codec = Codec::kNone;
  std::vector<LegacyRecord> inner_records = {{0, 1, std::nullopt, Bytes{1}}, {1, 2, std::nullopt, Bytes{2}}};
  auto inner = build_message_set(o, inner_records);
  auto packed = chronik::compression::compress(Codec::kGzip, inner, {});
  LegacyBuildOptions wrapper_options;
  std::vector<LegacyRecord> wrapper = {{INT64_MIN, 1, std::nullopt, Bytes(packed.begin(), packed.end())}};
  auto set = build_message_set(wrapper_options, wrapper);
  set[kLegacyAttributesOffset] = static_cast<uint8_t>(Codec::kGzip);
  uint32_t crc = crc32_ieee({set.data() + kMagicOffset, set.size() - kMagicOffset});
  store_be32(set.data() + kLegacyCrcOffset, static_cast<int32_t>(crc));
  back = read_message_set(set);
  REQUIRE(back.size() == 1);
  REQUIRE(back[0].records.size() == 2);
  CHECK(back[0].records[0].offset == INT64_MAX);
  CHECK(back[0].records[1].offset == INT64_MIN);
}
