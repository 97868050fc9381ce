#include <catch2/catch.hpp>

#include "runtime/record/batch.h"
#include "runtime/record/errors.h"
#include "runtime/record/timestamp_search.h"

using namespace chronik::record;

namespace {
// Records at base+0 s, base+2 s, base+1 s, base+2 s: unordered timestamps, as producers may write.
std::vector<uint8_t> batch_of(TimestampType type, chronik::compression::Codec codec) {
  std::vector<Record> records(4);
  const int64_t deltas[] = {0, 2000, 1000, 2000};
  for (int i = 0; i < 4; ++i) {
    records[i].offset_delta = i;
    records[i].timestamp_delta = deltas[i];
    records[i].value = Bytes{'v', static_cast<uint8_t>('0' + i)};
  }
  BatchOptions options;
  options.base_offset = 100;
  options.base_timestamp = 1'700'000'000'000;
  options.codec = codec;
  options.timestamp_type = type;
  if (type == TimestampType::kLogAppendTime) options.max_timestamp = 1'800'000'000'000;
  return build_batch(options, records);
}
}  // namespace

TEST_CASE("the first record at or after a timestamp, inside a batch") {
  for (auto codec : {chronik::compression::Codec::kNone, chronik::compression::Codec::kZstd}) {
    auto batch = batch_of(TimestampType::kCreateTime, codec);
    const int64_t base = 1'700'000'000'000;
    auto at = [&](int64_t ts) { return first_record_at_or_after(batch, ts); };
    REQUIRE(at(base - 5).has_value());
    CHECK(at(base - 5)->offset == 100);
    CHECK(at(base + 1)->offset == 101);  // base+2 s is the first at or after base+1 ms
    CHECK(at(base + 1)->timestamp == base + 2000);
    CHECK(at(base + 2000)->offset == 101);
    CHECK_FALSE(at(base + 2001).has_value());
    auto max = record_with_max_timestamp(batch);
    CHECK(max.offset == 101);
    CHECK(max.timestamp == base + 2000);
  }
}

TEST_CASE("LogAppendTime batches answer with the batch's timestamp for every record") {
  auto batch = batch_of(TimestampType::kLogAppendTime, chronik::compression::Codec::kNone);
  auto r = first_record_at_or_after(batch, 1'750'000'000'000);
  REQUIRE(r.has_value());
  CHECK(r->offset == 100);
  CHECK(r->timestamp == 1'800'000'000'000);
  CHECK_FALSE(first_record_at_or_after(batch, 1'800'000'000'001).has_value());
}

TEST_CASE("a corrupt batch is an error, not an answer") {
  auto batch = batch_of(TimestampType::kCreateTime, chronik::compression::Codec::kNone);
  batch.back() ^= 0xff;  // breaks the CRC
  CHECK_THROWS_AS(first_record_at_or_after(batch, 0), RecordException);
}
