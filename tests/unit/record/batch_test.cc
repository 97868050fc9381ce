#include "runtime/record/batch.h"

#include <catch2/catch.hpp>
#include <optional>
#include <set>

#include "runtime/record/batch_iterator.h"
#include "runtime/record/control.h"
#include "runtime/record/crc32c.h"
#include "runtime/record/patch.h"
#include "runtime/record/validator.h"
#include "tests/unit/record/expected_records.h"

using namespace chronik::record;
using namespace chronik::testdata;
using chronik::compression::Codec;

namespace {

void check_header(const BatchHeader& h, const nlohmann::json& e) {
  CHECK(h.base_offset == e["base_offset"].get<int64_t>());
  CHECK(h.size_in_bytes() == e["length"].get<size_t>());
  CHECK(h.partition_leader_epoch == e["leader_epoch"].get<int32_t>());
  CHECK(h.magic == 2);
  CHECK(h.crc == e["crc"].get<uint32_t>());
  CHECK(h.attributes.raw == e["attributes"].get<int16_t>());
  CHECK(h.attributes.compression_id() == e["compression"].get<int>());
  CHECK(static_cast<int>(h.attributes.timestamp_type()) == e["timestamp_type"].get<int>());
  CHECK(h.attributes.is_transactional() == e["transactional"].get<bool>());
  CHECK(h.attributes.is_control() == e["control"].get<bool>());
  CHECK(h.last_offset_delta == e["last_offset_delta"].get<int32_t>());
  CHECK(h.base_timestamp == e["base_timestamp"].get<int64_t>());
  CHECK(h.max_timestamp == e["max_timestamp"].get<int64_t>());
  CHECK(h.producer_id == e["producer_id"].get<int64_t>());
  CHECK(h.producer_epoch == e["producer_epoch"].get<int16_t>());
  CHECK(h.base_sequence == e["base_sequence"].get<int32_t>());
  CHECK(h.records_count == e["records_count"].get<int32_t>());
}

std::vector<Record> sample(int n) {
  std::vector<Record> out;
  for (int i = 0; i < n; ++i) {
    Record r;
    r.offset_delta = i;
    r.timestamp_delta = i * 3;
    r.key = bytes("key-" + std::to_string(i));
    r.value = Bytes(200, static_cast<uint8_t>('a' + i % 26));
    if (i % 2) r.headers.push_back({"h", bytes("v")});
    out.push_back(r);
  }
  return out;
}

std::vector<uint8_t> sample_batch(Codec codec = Codec::kNone, int n = 5) {
  BatchOptions o;
  o.codec = codec;
  o.base_timestamp = 1700000000000;
  auto records = sample(n);
  return build_batch(o, records);
}

void recompute_crc(std::vector<uint8_t>& batch) {
  store_be32(batch.data() + kCrcOffset, static_cast<int32_t>(compute_batch_crc(batch)));
}

RecordError validation_error(std::span<const uint8_t> bytes, ValidateOptions options = {}) {
  return validate_records(bytes, options).error;
}

}  // namespace

TEST_CASE("v2 batches written by kafka-python and real clients decode as they read them") {
  auto files = files_of_kind("v2");
  REQUIRE(files.size() > 60);
  for (const std::string& name : files) {
    INFO(name);
    auto data = read_file(name);
    const auto& batches = expected()["files"][name]["batches"];
    size_t position = 0;
    for (const auto& e : batches) {
      Batch batch = decode_batch(std::span<const uint8_t>(data).subspan(position));
      check_header(batch.header, e);
      check_same(flatten(batch), expected_records(e));
      if (batch.header.attributes.is_control()) {
        EndTransactionMarker marker = read_end_transaction_marker(batch.records.at(0));
        CHECK(static_cast<int>(marker.type) == e["records"][0]["control_type"].get<int>());
      }
      position += batch.header.size_in_bytes();
    }
    CHECK(position == data.size());
  }
}

TEST_CASE("the validator accepts every reference buffer and reports its stats") {
  for (const std::string& name : files_of_kind("v2")) {
    INFO(name);
    auto data = read_file(name);
    const auto& batches = expected()["files"][name]["batches"];
    ValidateOptions options;
    options.allow_control_batches = true;
    ValidationResult r = validate_records(data, options);
    REQUIRE(r.ok());
    REQUIRE(r.batches.size() == batches.size());
    int64_t count = 0, max_ts = -1;
    for (const auto& b : batches) {
      count += b["records_count"].get<int64_t>();
      for (const auto& rec : b["records"]) max_ts = std::max(max_ts, rec["timestamp"].get<int64_t>());
    }
    CHECK(r.record_count == count);
    if (!batches[0]["control"].get<bool>()) CHECK(r.max_timestamp == max_ts);
    CHECK(r.producer_id == batches[0]["producer_id"].get<int64_t>());
    CHECK(r.producer_epoch == batches[0]["producer_epoch"].get<int16_t>());
    CHECK(r.base_sequence == batches[0]["base_sequence"].get<int32_t>());
    CHECK(static_cast<int>(r.compression) == batches[0]["compression"].get<int>());
    CHECK(r.last_offset_delta == batches.back()["last_offset_delta"].get<int32_t>());
    CHECK(r.error_code() == chronik::protocol::ErrorCode::NONE);
  }
  auto idem = validate_records(read_file("v2/idempotent.bin"));
  CHECK(idem.producer_id == 1234);
  CHECK(idem.producer_epoch == 5);
  CHECK(idem.base_sequence == 42);
  CHECK(idem.last_sequence == 45);
  CHECK(validate_records(read_file("v2/transactional_lz4.bin")).transactional);
}

TEST_CASE("building an uncompressed batch gives kafka-python's bytes exactly") {
  auto reference = read_file("v2/none.bin");
  Batch batch = decode_batch(reference);
  BatchOptions o;
  o.base_offset = batch.header.base_offset;
  o.base_timestamp = batch.header.base_timestamp;
  o.partition_leader_epoch = batch.header.partition_leader_epoch;  // kafka-python writes 0
  CHECK(build_batch(o, batch.records) == reference);
  // Compressed batches round-trip through our own codecs to the same records.
  for (Codec codec : {Codec::kGzip, Codec::kSnappy, Codec::kLz4, Codec::kZstd}) {
    o.codec = codec;
    auto built = build_batch(o, batch.records);
    Batch again = decode_batch(built);
    CHECK(again.records == batch.records);
    CHECK(again.header.max_timestamp == batch.header.max_timestamp);
    CHECK(again.header.attributes.compression() == codec);
  }
}

TEST_CASE("control batches match the ones Kafka 3.9.1 wrote") {
  int seen = 0;
  for (const std::string& name : files_of_kind("v2", "captured/")) {
    auto data = read_file(name);
    Batch batch = decode_batch(data);
    if (!batch.header.attributes.is_control()) continue;
    ++seen;
    INFO(name);
    ControlBatchOptions o;
    o.base_offset = batch.header.base_offset;
    o.partition_leader_epoch = batch.header.partition_leader_epoch;
    o.producer_id = batch.header.producer_id;
    o.producer_epoch = batch.header.producer_epoch;
    o.timestamp = batch.header.base_timestamp;
    EndTransactionMarker marker = read_end_transaction_marker(batch.records.at(0));
    CHECK(build_control_batch(o, marker) == data);
  }
  CHECK(seen >= 3);
  // A client may not send one.
  ControlBatchOptions o;
  o.producer_id = 9;
  o.producer_epoch = 1;
  o.timestamp = 5;
  auto control = build_control_batch(o, {ControlType::kAbort, 17});
  auto r = validate_records(control);
  CHECK(r.error == RecordError::kControlBatchNotAllowed);
  CHECK(r.error_code() == chronik::protocol::ErrorCode::INVALID_RECORD);
  auto marker = read_end_transaction_marker(decode_batch(control).records.at(0));
  CHECK(marker == EndTransactionMarker{ControlType::kAbort, 17});
}

TEST_CASE("every truncation of a batch is a clean error") {
  for (const char* name : {"v2/none.bin", "v2/gzip.bin", "v2/multi.bin"}) {
    INFO(name);
    auto data = read_file(name);
    std::set<size_t> boundaries;
    for (const auto& b : validate_records(data).batches) boundaries.insert(b.position);
    for (size_t n = 0; n < data.size(); ++n) {
      if (n > 0 && boundaries.count(n)) continue;  // whole batches: valid
      INFO("truncated to " << n);
      auto r = validate_records(std::span<const uint8_t>(data.data(), n));
      CHECK_FALSE(r.ok());
      CHECK((r.error == RecordError::kTruncated || r.error == RecordError::kEmptyBatch ||
             r.error == RecordError::kUnsupportedMagic));
      CHECK((r.error_code() == chronik::protocol::ErrorCode::CORRUPT_MESSAGE ||
             r.error == RecordError::kEmptyBatch));
    }
  }
}

TEST_CASE("every flipped byte covered by the CRC is caught") {
  for (const char* name : {"v2/none.bin", "v2/snappy.bin"}) {
    INFO(name);
    auto data = read_file(name);
    for (size_t i = 0; i < data.size(); ++i) {
      auto bad = data;
      bad[i] ^= 0x01;
      auto r = validate_records(bad);
      bool outside_crc = i < kBatchLengthOffset || (i >= kPartitionLeaderEpochOffset && i < kMagicOffset);
      INFO("byte " << i);
      if (outside_crc) {
        CHECK(r.ok());
      } else {
        CHECK_FALSE(r.ok());
        CHECK(r.error_code() == chronik::protocol::ErrorCode::CORRUPT_MESSAGE);
      }
    }
  }
}

TEST_CASE("bad lengths, magic and codec ids") {
  auto data = sample_batch();
  auto with_length = [&](int32_t length) {
    auto bad = data;
    store_be32(bad.data() + kBatchLengthOffset, length);
    return validation_error(bad);
  };
  CHECK(with_length(-1) == RecordError::kBadLength);
  CHECK(with_length(0) == RecordError::kBadLength);
  CHECK(with_length(48) == RecordError::kBadLength);
  CHECK(with_length(INT32_MAX) == RecordError::kTruncated);
  CHECK(with_length(static_cast<int32_t>(data.size())) == RecordError::kTruncated);
  CHECK(with_length(static_cast<int32_t>(data.size() - kLogOverhead - 1)) == RecordError::kCrcMismatch);

  auto magic = data;
  magic[kMagicOffset] = 3;
  CHECK(validation_error(magic) == RecordError::kUnsupportedMagic);

  auto codec = data;
  store_be16(codec.data() + kAttributesOffset, 6);
  recompute_crc(codec);
  CHECK(validation_error(codec) == RecordError::kUnknownCompression);

  // A batch whose CRC is right but whose records section is cut: the records are malformed.
  auto cut = data;
  cut.resize(cut.size() - 3);
  store_be32(cut.data() + kBatchLengthOffset, static_cast<int32_t>(cut.size() - kLogOverhead));
  recompute_crc(cut);
  auto r = validate_records(cut);
  CHECK(r.error == RecordError::kMalformedRecord);
  CHECK(r.error_code() == chronik::protocol::ErrorCode::INVALID_RECORD);
}

TEST_CASE("record count, offset deltas and producer state are enforced") {
  auto data = sample_batch();
  auto patched = [&](size_t offset, int32_t value) {
    auto bad = data;
    store_be32(bad.data() + offset, value);
    recompute_crc(bad);
    return validation_error(bad);
  };
  CHECK(patched(kRecordsCountOffset, 4) == RecordError::kRecordCountMismatch);
  CHECK(patched(kRecordsCountOffset, 0) == RecordError::kEmptyBatch);
  CHECK(patched(kRecordsCountOffset, -1) == RecordError::kEmptyBatch);
  CHECK(patched(kLastOffsetDeltaOffset, 9) == RecordError::kRecordCountMismatch);
  CHECK(patched(kRecordsCountOffset, 1000000) == RecordError::kRecordCountMismatch);

  auto records = sample(3);
  records[2].offset_delta = 5;
  BatchOptions o;
  o.base_timestamp = 0;
  auto gap = build_batch(o, records);
  store_be32(gap.data() + kLastOffsetDeltaOffset, 2);
  recompute_crc(gap);
  CHECK(validation_error(gap) == RecordError::kOffsetDeltaMismatch);

  o.producer_id = 5;
  o.producer_epoch = 0;
  CHECK(validation_error(build_batch(o, sample(2))) == RecordError::kInvalidProducerState);
  o.producer_id = -1;
  o.transactional = true;
  CHECK(validation_error(build_batch(o, sample(2))) == RecordError::kInvalidProducerState);

  CHECK(validation_error({}) == RecordError::kEmptyBatch);
}

TEST_CASE("decompression bombs inside a batch are refused at the bound") {
  Record r;
  r.value = Bytes(8 * 1024 * 1024, 0);
  BatchOptions o;
  o.codec = Codec::kZstd;
  o.base_timestamp = 0;
  auto bomb = build_batch(o, std::span<const Record>(&r, 1));
  CHECK(bomb.size() < 10000);
  ValidateOptions small;
  small.max_decompressed_bytes = 1024 * 1024;
  auto result = validate_records(bomb, small);
  CHECK(result.error == RecordError::kDecompressedTooLarge);
  CHECK(result.error_code() == chronik::protocol::ErrorCode::CORRUPT_MESSAGE);
  CHECK(validate_records(bomb).ok());

  // Garbage where the compressed records should be.
  auto garbage = sample_batch(Codec::kLz4);
  for (size_t i = kBatchHeaderSize; i < garbage.size(); ++i) garbage[i] = static_cast<uint8_t>(i * 31);
  recompute_crc(garbage);
  CHECK(validation_error(garbage) == RecordError::kDecompressionFailed);
}

TEST_CASE("malformed records inside an intact batch are INVALID_RECORD, never a crash") {
  auto data = sample_batch(Codec::kNone, 3);
  for (size_t i = kBatchHeaderSize; i < data.size(); ++i) {
    for (uint8_t v : {uint8_t{0x00}, uint8_t{0x7f}, uint8_t{0x80}, uint8_t{0xff}}) {
      auto bad = data;
      bad[i] = v;
      recompute_crc(bad);
      auto r = validate_records(bad);
      if (!r.ok()) CHECK(r.error_code() == chronik::protocol::ErrorCode::INVALID_RECORD);
    }
  }
}

TEST_CASE("scanning records in place accepts and refuses exactly what decoding them does") {
  // The validator scans; the admin browser and conversions decode. A record one accepts and
  // the other refuses would be stored and then be unreadable.
  auto data = sample_batch(Codec::kNone, 4);
  size_t checked = 0;
  for (size_t i = kBatchHeaderSize; i < data.size(); ++i) {
    for (uint8_t v : {uint8_t{0x00}, uint8_t{0x01}, uint8_t{0x7f}, uint8_t{0x80}, uint8_t{0xfe},
                      uint8_t{0xff}}) {
      auto bad = data;
      bad[i] = v;
      recompute_crc(bad);
      const BatchHeader h = check_batch_frame(bad);
      ScannedRecords scanned;
      std::optional<std::vector<Record>> decoded;
      try {
        decoded = read_batch_records(h, bad);
      } catch (const RecordException& e) {
        CHECK(e.error() == RecordError::kMalformedRecord);
      }
      if (decoded) {
        scan_batch_records(h, bad, scanned);
        REQUIRE(scanned.frames.size() == decoded->size());
        for (size_t k = 0; k < scanned.frames.size(); ++k) {
          CHECK(scanned.frames[k].offset_delta == (*decoded)[k].offset_delta);
          CHECK(scanned.frames[k].timestamp_delta == (*decoded)[k].timestamp_delta);
        }
        ++checked;
      } else {
        CHECK_THROWS_AS(scan_batch_records(h, bad, scanned), RecordException);
      }
    }
  }
  CHECK(checked > 0);
}

TEST_CASE("assigning offsets and LogAppendTime in place") {
  auto data = read_file("v2/multi.bin");
  int64_t next = assign_offsets(data, 5000, 7);
  CHECK(next == 5000 + 10);
  ValidationResult r = validate_records(data);
  REQUIRE(r.ok());
  CHECK(r.batches[0].header.base_offset == 5000);
  CHECK(r.batches[1].header.base_offset == 5003);
  CHECK(r.batches[2].header.base_offset == 5008);
  CHECK(r.batches[2].header.partition_leader_epoch == 7);

  auto batch = read_file("v2/gzip.bin");
  uint32_t old_crc = read_batch_header(batch).crc;
  set_log_append_time(batch, 1800000000000);
  Batch decoded = decode_batch(batch);  // CRC checked
  CHECK(decoded.header.crc != old_crc);
  CHECK(decoded.header.attributes.timestamp_type() == TimestampType::kLogAppendTime);
  CHECK(decoded.header.attributes.compression() == Codec::kGzip);
  CHECK(decoded.header.max_timestamp == 1800000000000);
  for (const auto& f : flatten(decoded)) CHECK(f.timestamp == 1800000000000);
}

TEST_CASE("iterating stored batches shares the buffer") {
  auto owned = chronik::wire::SharedBytes::adopt(read_file("v2/multi.bin"));
  BatchIterator it(owned);
  std::vector<int64_t> offsets;
  while (auto view = it.next()) {
    CHECK(view->bytes.owner() == owned.owner());
    CHECK(view->bytes.data() >= owned.data());
    CHECK(view->bytes.data() + view->bytes.size() <= owned.data() + owned.size());
    REQUIRE(view->header);
    CHECK(view->magic == 2);
    CHECK(view->offset_field() == view->header->base_offset);
    offsets.push_back(view->header->base_offset);
    CHECK(decode_batch(view->bytes.span()).records.size() == static_cast<size_t>(view->header->records_count));
  }
  CHECK(offsets == std::vector<int64_t>{0, 3, 8});
  CHECK_FALSE(it.partial_tail());

  // A fetch response may end with part of a batch: the walk stops before it.
  for (size_t cut = 1; cut < 60; cut += 7) {
    BatchIterator partial(owned.slice(0, owned.size() - cut));
    int n = 0;
    while (partial.next()) ++n;
    CHECK(n == 2);
    CHECK(partial.partial_tail());
  }
  auto bad = read_file("v2/none.bin");
  store_be32(bad.data() + kBatchLengthOffset, 3);
  BatchIterator broken(chronik::wire::SharedBytes::adopt(bad));
  CHECK_THROWS_AS(broken.next(), RecordException);

  // Legacy entries are framed too.
  BatchIterator legacy(chronik::wire::SharedBytes::adopt(read_file("legacy/v1_two_wrappers.bin")));
  int wrappers = 0;
  while (auto view = legacy.next()) {
    CHECK(view->magic == 1);
    CHECK_FALSE(view->header);
    ++wrappers;
  }
  CHECK(wrappers == 2);
}

TEST_CASE("records_magic tells the formats apart") {
  CHECK(records_magic(read_file("v2/none.bin")) == 2);
  CHECK(records_magic(read_file("legacy/v1_none.bin")) == 1);
  CHECK(records_magic(read_file("legacy/v0_gzip.bin")) == 0);
  CHECK(records_magic({}) == -1);
}
