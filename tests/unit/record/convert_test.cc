#include "runtime/record/convert.h"

#include <catch2/catch.hpp>

#include "runtime/record/batch_iterator.h"
#include "runtime/record/errors.h"
#include "runtime/record/patch.h"
#include "runtime/record/validator.h"
#include "tests/unit/record/expected_records.h"

using namespace chronik::record;
using namespace chronik::testdata;
using chronik::compression::Codec;

namespace {

std::vector<FlatRecord> all_expected(const std::string& name) {
  std::vector<FlatRecord> out;
  for (const auto& b : expected()["files"][name]["batches"]) {
    auto r = expected_records(b);
    out.insert(out.end(), r.begin(), r.end());
  }
  return out;
}

std::vector<FlatRecord> read_legacy(std::span<const uint8_t> bytes) {
  std::vector<FlatRecord> out;
  for (const auto& e : read_message_set(bytes)) {
    auto f = flatten(e);
    out.insert(out.end(), f.begin(), f.end());
  }
  return out;
}

}  // namespace

TEST_CASE("up-conversion keeps every record of kafka-python's and sarama's message sets") {
  for (const std::string& name : files_of_kind("legacy")) {
    INFO(name);
    auto data = read_file(name);
    auto batch_bytes = up_convert(data);
    ValidationResult v = validate_records(batch_bytes);
    REQUIRE(v.ok());
    Batch batch = decode_batch(batch_bytes);
    auto entries = read_message_set(data);
    bool v0 = entries[0].magic == 0;
    auto expected_recs = all_expected(name);
    // Producers' offsets are placeholders (sarama sends 0 for all): v2 numbers them 0, 1, ...
    for (size_t i = 0; i < expected_recs.size(); ++i) expected_recs[i].offset = expected_recs[0].offset + int64_t(i);
    check_same(flatten(batch), expected_recs, !v0);
    if (v0) {
      CHECK(batch.header.base_timestamp == kNoTimestamp);
      for (const auto& f : flatten(batch)) CHECK(f.timestamp == kNoTimestamp);
    }
    // The codec of the source is kept.
    Codec source = Codec::kNone;
    for (const auto& e : entries) if (e.codec != Codec::kNone) { source = e.codec; break; }
    CHECK(batch.header.attributes.compression() == source);
  }
  auto lat = decode_batch(up_convert(read_file("legacy/v1_gzip_log_append_time.bin")));
  CHECK(lat.header.attributes.timestamp_type() == TimestampType::kLogAppendTime);
  CHECK(lat.header.max_timestamp == 1700000000999);
}

TEST_CASE("up-conversion of an uncompressed v1 set gives kafka-python's v2 batch exactly") {
  auto ours = up_convert(read_file("legacy/v1_none.bin"));
  CHECK(read_batch_header(ours).partition_leader_epoch == kNoPartitionLeaderEpoch);
  set_partition_leader_epoch(ours, 0);  // kafka-python's builder writes 0 there
  CHECK(ours == read_file("convert/v1_none_to_v2.bin"));
  UpConvertOptions zstd;
  zstd.codec = Codec::kZstd;
  auto batch = decode_batch(up_convert(read_file("legacy/v1_snappy.bin"), zstd));
  CHECK(batch.header.attributes.compression() == Codec::kZstd);
}

TEST_CASE("down-conversion of an uncompressed batch gives kafka-python's message sets exactly") {
  auto v2 = read_file("v2/none.bin");
  DownConvertOptions o;
  o.magic = kMagicV1;
  CHECK(down_convert(v2, o) == read_file("convert/none_to_v1.bin"));
  o.magic = kMagicV0;
  CHECK(down_convert(v2, o) == read_file("convert/none_to_v0.bin"));
}

TEST_CASE("down-conversion keeps records, offsets, timestamps and codecs") {
  for (const std::string& name : files_of_kind("v2")) {
    auto data = read_file(name);
    const auto& batches = expected()["files"][name]["batches"];
    bool zstd = false, control = false;
    for (const auto& b : batches) {
      zstd |= b["compression"].get<int>() == 4;
      control |= b["control"].get<bool>();
    }
    for (int8_t magic : {kMagicV0, kMagicV1}) {
      INFO(name << " to v" << int(magic));
      DownConvertOptions o;
      o.magic = magic;
      if (zstd) {
        try {
          down_convert(data, o);
          FAIL("zstd down-converted");
        } catch (const RecordException& e) {
          CHECK(to_error_code(e.error()) == chronik::protocol::ErrorCode::UNSUPPORTED_COMPRESSION_TYPE);
        }
        continue;
      }
      auto set = down_convert(data, o);
      if (control) {
        CHECK(set.empty());  // markers have no v0/v1 form
        continue;
      }
      check_same(read_legacy(set), all_expected(name), magic == 1, false);
      auto entries = read_message_set(set);
      size_t i = 0;
      for (const auto& b : batches) {
        if (b["compression"].get<int>() == 0) {
          i += b["records"].size();
        } else {
          REQUIRE(i < entries.size());
          CHECK(static_cast<int>(entries[i].codec) == b["compression"].get<int>());
          ++i;
        }
      }
      CHECK(i == entries.size());
    }
  }
}

TEST_CASE("converting what sarama 0.10 produced matches what Kafka 3.9.1 fetched back to it") {
  // The broker up-converted sarama's v1 produce requests, stored them, and down-converted
  // them to v1 for its Fetch v3: our two conversions must give the same records.
  auto fetched = read_legacy(read_file("captured/sarama-v0.10.2-0061-resp-78.bin"));
  std::vector<FlatRecord> ours;
  int64_t next_offset = 0;
  for (const std::string& name : files_of_kind("legacy", "captured/sarama-v0.10.2-")) {
    if (name.find("-req-") == std::string::npos) continue;
    std::vector<uint8_t> batch = up_convert(read_file(name));
    BatchHeader h = read_batch_header(batch);
    store_be64(batch.data(), next_offset);  // the broker's offset assignment
    next_offset += h.last_offset_delta + 1;
    auto back = read_legacy(down_convert(batch));
    ours.insert(ours.end(), back.begin(), back.end());
  }
  REQUIRE(ours.size() == fetched.size());
  for (size_t i = 0; i < ours.size(); ++i) {
    INFO("record " << i);
    CHECK(ours[i].offset == fetched[i].offset);
    CHECK(ours[i].key == fetched[i].key);
    CHECK(ours[i].value == fetched[i].value);
    CHECK(ours[i].timestamp == fetched[i].timestamp);
  }
}

TEST_CASE("extreme timestamps and offsets wrap instead of overflowing") {
  std::vector<LegacyRecord> records = {{0, INT64_MIN + 1, std::nullopt, Bytes{1}},
                                       {1, INT64_MAX, std::nullopt, Bytes{2}}};
  LegacyBuildOptions o;
  auto batch = up_convert(build_message_set(o, records));
  CHECK(validate_records(batch).ok());
  auto back = read_message_set(down_convert(batch));
  REQUIRE(back.size() == 2);
  CHECK(back[0].records[0].timestamp == INT64_MIN + 1);
  CHECK(back[1].records[0].timestamp == INT64_MAX);
  set_base_offset(batch, INT64_MAX);
  CHECK_NOTHROW(down_convert(batch));
}

TEST_CASE("conversion of corrupt input fails cleanly") {
  auto data = read_file("legacy/v1_gzip.bin");
  for (size_t n = 0; n < data.size(); n += 3) {
    CHECK_THROWS_AS(up_convert(std::span<const uint8_t>(data.data(), n)), RecordException);
  }
  auto v2 = read_file("v2/gzip.bin");
  v2[40] ^= 1;
  CHECK_THROWS_AS(down_convert(v2), RecordException);
  // A partial batch at the end is dropped, as fetch responses may end with one.
  auto none = read_file("v2/none.bin");
  auto two = none;
  two.insert(two.end(), none.begin(), none.begin() + 30);
  CHECK(down_convert(two) == down_convert(none));
  DownConvertOptions v2_target;
  v2_target.magic = 2;
  CHECK_THROWS_AS(down_convert(none, v2_target), RecordException);
}

namespace {

// A legacy message set of `n` uncompressed records with the given magic.
std::vector<uint8_t> legacy_set(int8_t magic, int n = 2, Codec codec = Codec::kNone) {
  std::vector<LegacyRecord> records;
  for (int i = 0; i < n; ++i) records.push_back({i, magic == kMagicV0 ? kNoTimestamp : 1000 + i, std::nullopt, Bytes{uint8_t(i)}});
  LegacyBuildOptions o;
  o.magic = magic;
  o.codec = codec;
  return build_message_set(o, records);
}

// Writes the CRC-32 of the first message of `set` (over magic .. end) into it.
void fix_first_crc(std::vector<uint8_t>& set) {
  auto size = static_cast<size_t>(load_be32(set.data() + kBatchLengthOffset));
  uint32_t crc = crc32_ieee({set.data() + kMagicOffset, kLogOverhead + size - kMagicOffset});
  store_be32(set.data() + kLegacyCrcOffset, static_cast<int32_t>(crc));
}

RecordError down_convert_error(std::span<const uint8_t> input, int8_t magic = kMagicV1) {
  DownConvertOptions o;
  o.magic = magic;
  try {
    down_convert(input, o);
  } catch (const RecordException& e) {
    return e.error();
  }
  return RecordError::kNone;
}

std::vector<uint8_t> concat(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("down-conversion copies valid legacy entries verbatim, beside converted v2 batches") {
  auto none = read_file("v2/none.bin");
  for (int8_t magic : {kMagicV0, kMagicV1}) {
    auto set = legacy_set(magic);
    DownConvertOptions o;
    o.magic = kMagicV1;
    CHECK(down_convert(set, o) == set);
    auto mixed = concat(set, none);
    CHECK(down_convert(mixed, o) == concat(set, down_convert(none, o)));
    CHECK_NOTHROW(read_message_set(down_convert(mixed, o)));
  }
  auto gzip = legacy_set(kMagicV1, 3, Codec::kGzip);
  CHECK(down_convert(gzip) == gzip);
  CHECK(down_convert_error(legacy_set(kMagicV1), kMagicV0) == RecordError::kUnsupportedConversion);
}

TEST_CASE("down-conversion refuses legacy entries with another magic") {
  auto none = read_file("v2/none.bin");
  for (int magic : {-1, 3, 0x7f, -128}) {
    auto set = legacy_set(kMagicV1);
    set[kMagicOffset] = static_cast<uint8_t>(magic);
    fix_first_crc(set);
    CHECK(down_convert_error(set) == RecordError::kUnsupportedMagic);
    CHECK(down_convert_error(set, kMagicV0) == RecordError::kUnsupportedMagic);
    // Also after a valid v2 batch: nothing of a bad input is returned.
    CHECK(down_convert_error(concat(none, set)) == RecordError::kUnsupportedMagic);
  }
}

TEST_CASE("down-conversion refuses legacy entries with a wrong CRC") {
  for (int8_t magic : {kMagicV0, kMagicV1}) {
    for (Codec codec : {Codec::kNone, Codec::kGzip}) {
      auto set = legacy_set(magic, 2, codec);
      set[kLegacyCrcOffset] ^= 0x01;  // the stored CRC
      CHECK(down_convert_error(set) == RecordError::kCrcMismatch);
      set = legacy_set(magic, 2, codec);
      set.back() ^= 0x80;  // the covered bytes
      CHECK(down_convert_error(set) == RecordError::kCrcMismatch);
    }
  }
}

TEST_CASE("down-conversion refuses a legacy wrapper whose inner messages do not read") {
  auto set = legacy_set(kMagicV1, 3, Codec::kGzip);
  set[set.size() - 20] ^= 0xff;  // inside the compressed value (gzip's tail: CRC, size)
  fix_first_crc(set);
  RecordError error = down_convert_error(set);
  CHECK(error != RecordError::kNone);
  CHECK(error != RecordError::kCrcMismatch);
}
