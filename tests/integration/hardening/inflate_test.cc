// Issue 18, finding 7a: a compressed batch that inflated past 64 MiB was refused with
// CORRUPT_MESSAGE, which the Java producer retries until its delivery timeout. Kafka checks
// compressed batches by streaming through their records and stores any batch within
// max.message.bytes (compressed) however far it inflates; so must we.
#include <chrono>
#include <string>
#include <vector>

#include "runtime/record/batch.h"
#include "tests/integration/hardening/requests.h"

using namespace chronik;
using namespace chronik::testing;
namespace m = chronik::message;


TEST_CASE("a compressed batch inflating to 80 MiB is stored and fetched back", "[kafka][inflate]") {
  constexpr size_t kValue = 80 << 20;
  for (compression::Codec codec : {compression::Codec::kZstd, compression::Codec::kGzip}) {
    const std::string name(compression::codec_name(codec));
    INFO(name);
    const std::string topic = unique_name("inflate-" + name);
    create_topic(topic);

    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    std::vector<uint8_t> batch;
    {
      record::Record r;
      r.key = record::Bytes{'k'};
      r.value = record::Bytes(kValue, 0);
      record::BatchOptions o;
      o.codec = codec;
      o.base_timestamp = now;
      batch = record::build_batch(o, std::span<const record::Record>(&r, 1));
    }
    // Far within Kafka's default max.message.bytes (1 MiB): only the inflated size is large.
    REQUIRE(batch.size() < 200 * 1024);

    const auto produced = produce(topic, batch);
    INFO(produced.error_message.value_or(""));
    CHECK(produced.error_code == 0);
    CHECK(produced.base_offset == 0);

    const auto fetched = fetch(topic, 0);
    CHECK(fetched.error_code == 0);
    CHECK(fetched.high_watermark == 1);
    REQUIRE(fetched.records.has_value());
    // The client's batch, stored verbatim (the broker writes only its offset and leader
    // epoch, neither covered by the CRC).
    std::span<const uint8_t> got(fetched.records->data(), fetched.records->size());
    REQUIRE(got.size() >= batch.size());
    const record::BatchHeader header = record::check_batch_frame(got);
    CHECK(header.size_in_bytes() == batch.size());
    CHECK(header.base_offset == 0);
    CHECK(header.records_count == 1);
    CHECK(header.attributes.compression() == codec);
    CHECK(std::equal(batch.begin() + record::kMagicOffset, batch.end(), got.begin() + record::kMagicOffset));
    const auto records = record::read_batch_records(header, got, kValue + 1024);
    REQUIRE(records.size() == 1);
    REQUIRE(records[0].value.has_value());
    CHECK(records[0].value->size() == kValue);
    CHECK(std::all_of(records[0].value->begin(), records[0].value->end(), [](uint8_t b) { return b == 0; }));
  }
}
