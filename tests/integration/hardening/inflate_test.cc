// Issue 18, finding 7a: a compressed batch that inflated past 64 MiB was refused with
// CORRUPT_MESSAGE, which the Java producer retries until its delivery timeout. Kafka checks
// compressed batches by streaming through their records and stores any batch within
// max.message.bytes (compressed) however far it inflates; so must we.
#include <chrono>
#include <string>
#include <vector>

#include "generated/kafka/create_topics_request.h"
#include "generated/kafka/create_topics_response.h"
#include "generated/kafka/fetch_request.h"
#include "generated/kafka/fetch_response.h"
#include "generated/kafka/produce_request.h"
#include "generated/kafka/produce_response.h"
#include "runtime/record/batch.h"
#include "tests/integration/hardening/target_broker.h"

using namespace chronik;
using namespace chronik::testing;
namespace m = chronik::message;

namespace {

void create_topic(const std::string& name) {
  m::CreateTopicsRequest req;
  req.timeout_ms = 30000;
  m::CreateTopicsRequest::CreatableTopic t;
  t.name = name;
  t.num_partitions = 1;
  t.replication_factor = 1;
  req.topics.push_back(t);
  auto resp = call<m::CreateTopicsResponse>(target_port(), req, 7);
  REQUIRE(resp.topics.size() == 1);
  INFO(resp.topics[0].error_message.value_or(""));
  REQUIRE(resp.topics[0].error_code == 0);
}

m::ProduceResponse::PartitionProduceResponse produce_v9(const std::string& topic, std::vector<uint8_t> records) {
  m::ProduceRequest req;
  req.acks = -1;
  req.timeout_ms = 30000;
  m::ProduceRequest::TopicProduceData td;
  td.name = topic;
  m::ProduceRequest::PartitionProduceData pd;
  pd.index = 0;
  pd.records = wire::SharedBytes::adopt(std::move(records));
  td.partition_data.push_back(pd);
  req.topic_data.push_back(td);
  auto resp = call<m::ProduceResponse>(target_port(), req, 9);
  REQUIRE(resp.responses.size() == 1);
  REQUIRE(resp.responses[0].partition_responses.size() == 1);
  return resp.responses[0].partition_responses[0];
}

m::FetchResponse::PartitionData fetch_v12(const std::string& topic, int64_t offset) {
  m::FetchRequest req;
  req.replica_id = -1;
  req.max_wait_ms = 0;
  req.min_bytes = 0;
  req.max_bytes = 8 << 20;
  m::FetchRequest::FetchTopic t;
  t.topic = topic;
  m::FetchRequest::FetchPartition p;
  p.partition = 0;
  p.fetch_offset = offset;
  p.partition_max_bytes = 8 << 20;
  t.partitions.push_back(p);
  req.topics.push_back(t);
  auto resp = call<m::FetchResponse>(target_port(), req, 12);
  REQUIRE(resp.responses.size() == 1);
  REQUIRE(resp.responses[0].partitions.size() == 1);
  return resp.responses[0].partitions[0];
}

}  // namespace

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

    const auto produced = produce_v9(topic, batch);
    INFO(produced.error_message.value_or(""));
    CHECK(produced.error_code == 0);
    CHECK(produced.base_offset == 0);

    const auto fetched = fetch_v12(topic, 0);
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
