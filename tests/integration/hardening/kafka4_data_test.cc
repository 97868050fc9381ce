// The data path's Kafka 4.x versions (issue 21): Produce v12-13, Fetch v18, ListOffsets
// v10-11 and Metadata v13. The expected answers are Kafka 4.4's; against Kafka 3.9.1 each
// passes with a note (served.h).
#include <map>
#include <string>

#include "generated/kafka/api_versions_request.h"
#include "generated/kafka/metadata_request.h"
#include "generated/kafka/metadata_response.h"
#include "runtime/record/batch.h"
#include "tests/integration/hardening/requests.h"
#include "tests/integration/hardening/served.h"

using namespace chronik::testing;
namespace m = chronik::message;
namespace record = chronik::record;
namespace wire = chronik::wire;

namespace {

constexpr int16_t kUnknownTopicOrPartition = 3;
constexpr int16_t kUnknownTopicId = 100;

std::vector<uint8_t> one_record(const std::string& value) {
  record::Record r;
  r.value = record::Bytes(value.begin(), value.end());
  record::BatchOptions o;
  o.base_timestamp = wall_clock_ms();
  return record::build_batch(o, std::span<const record::Record>(&r, 1));
}

// The id Metadata gives `topic`.
wire::Uuid topic_id(const std::string& topic) {
  m::MetadataRequest req;
  m::MetadataRequest::MetadataRequestTopic t;
  t.name = topic;
  req.topics = std::vector{t};
  req.allow_auto_topic_creation = false;
  auto resp = call<m::MetadataResponse>(target_port(), req, 12);
  REQUIRE(resp.topics.size() == 1);
  REQUIRE(resp.topics[0].error_code == 0);
  REQUIRE(resp.topics[0].topic_id != wire::Uuid{});
  return resp.topics[0].topic_id;
}

// Produce v13 of `records` to partition `partition` of the topic with id `id`.
m::ProduceResponse produce_by_id(const wire::Uuid& id, std::vector<uint8_t> records, int32_t partition = 0) {
  m::ProduceRequest req;
  req.acks = -1;
  req.timeout_ms = 10000;
  m::ProduceRequest::TopicProduceData td;
  td.topic_id = id;
  m::ProduceRequest::PartitionProduceData pd;
  pd.index = partition;
  pd.records = wire::SharedBytes::adopt(std::move(records));
  td.partition_data.push_back(pd);
  req.topic_data.push_back(td);
  return call<m::ProduceResponse>(target_port(), req, 13);
}

// A made-up topic id: no broker has a topic with it.
wire::Uuid unknown_id() {
  wire::Uuid id{};
  for (size_t i = 0; i < id.bytes.size(); ++i) id.bytes[i] = static_cast<uint8_t>(0xa5 ^ i);
  return id;
}

}  // namespace

TEST_CASE("Produce v13 names topics by id, in the request and in the response", "[kafka][kafka4][data]") {
  REQUIRE_SERVED_OR_SKIP(m::ProduceRequest::kApiKey, 13);
  const std::string topic = unique_name("produce-v13");
  create_topic(topic);
  const auto id = topic_id(topic);
  auto resp = produce_by_id(id, one_record("by id"));
  REQUIRE(resp.responses.size() == 1);
  CHECK(resp.responses[0].topic_id == id);
  CHECK(resp.responses[0].name.empty());
  REQUIRE(resp.responses[0].partition_responses.size() == 1);
  const auto& p = resp.responses[0].partition_responses[0];
  CHECK(p.error_code == 0);
  CHECK(p.base_offset == 0);
  // And the record is there, read by name.
  CHECK(list_offset(topic, -1).offset == 1);
}

TEST_CASE("Produce v13 to an unknown topic id is UNKNOWN_TOPIC_ID; to a missing partition UNKNOWN_TOPIC_OR_PARTITION",
          "[kafka][kafka4][data]") {
  REQUIRE_SERVED_OR_SKIP(m::ProduceRequest::kApiKey, 13);
  const auto unknown = unknown_id();
  auto resp = produce_by_id(unknown, one_record("lost"));
  REQUIRE(resp.responses.size() == 1);
  CHECK(resp.responses[0].topic_id == unknown);
  REQUIRE(resp.responses[0].partition_responses.size() == 1);
  CHECK(resp.responses[0].partition_responses[0].error_code == kUnknownTopicId);
  CHECK(resp.responses[0].partition_responses[0].base_offset == -1);

  const std::string topic = unique_name("produce-v13-partition");
  create_topic(topic);
  auto missing = produce_by_id(topic_id(topic), one_record("nowhere"), 7);
  REQUIRE(missing.responses.size() == 1);
  REQUIRE(missing.responses[0].partition_responses.size() == 1);
  CHECK(missing.responses[0].partition_responses[0].error_code == kUnknownTopicOrPartition);
}

TEST_CASE("Produce v12 names topics by name, as v11", "[kafka][kafka4][data]") {
  REQUIRE_SERVED_OR_SKIP(m::ProduceRequest::kApiKey, 12);
  const std::string topic = unique_name("produce-v12");
  create_topic(topic);
  auto p = produce(topic, one_record("v12"), 12);
  CHECK(p.error_code == 0);
  CHECK(p.base_offset == 0);
}

TEST_CASE("Fetch v18: a consumer's HighWatermark is ignored", "[kafka][kafka4][data]") {
  REQUIRE_SERVED_OR_SKIP(m::FetchRequest::kApiKey, 18);
  const std::string topic = unique_name("fetch-v18");
  create_topic(topic);
  REQUIRE(produce(topic, one_record("a")).error_code == 0);
  REQUIRE(produce(topic, one_record("b")).error_code == 0);
  const auto id = topic_id(topic);

  m::FetchRequest req;
  req.max_wait_ms = 0;
  req.min_bytes = 0;
  req.max_bytes = 1 << 20;
  m::FetchRequest::FetchTopic t;
  t.topic_id = id;
  m::FetchRequest::FetchPartition p;
  p.partition = 0;
  p.fetch_offset = 0;
  p.partition_max_bytes = 1 << 20;
  // What a follower would say it knows; a consumer's fetch reads past it all the same.
  p.high_watermark = 0;
  t.partitions.push_back(p);
  req.topics.push_back(t);
  auto resp = call<m::FetchResponse>(target_port(), req, 18);
  CHECK(resp.error_code == 0);
  REQUIRE(resp.responses.size() == 1);
  CHECK(resp.responses[0].topic_id == id);
  REQUIRE(resp.responses[0].partitions.size() == 1);
  const auto& data = resp.responses[0].partitions[0];
  CHECK(data.error_code == 0);
  CHECK(data.high_watermark == 2);
  REQUIRE(data.records);
  CHECK(data.records->size() > 0);

  // An unknown id, as from v13: UNKNOWN_TOPIC_ID.
  req.topics[0].topic_id = unknown_id();
  auto unknown = call<m::FetchResponse>(target_port(), req, 18);
  REQUIRE(unknown.responses.size() == 1);
  REQUIRE(unknown.responses[0].partitions.size() == 1);
  CHECK(unknown.responses[0].partitions[0].error_code == kUnknownTopicId);
}

TEST_CASE("ListOffsets v10 takes a TimeoutMs and answers as v9", "[kafka][kafka4][data]") {
  REQUIRE_SERVED_OR_SKIP(m::ListOffsetsRequest::kApiKey, 10);
  const std::string topic = unique_name("list-offsets-v10");
  create_topic(topic);
  REQUIRE(produce(topic, one_record("a")).error_code == 0);
  m::ListOffsetsRequest req;
  req.replica_id = -1;
  req.timeout_ms = 5000;
  m::ListOffsetsRequest::ListOffsetsTopic t;
  t.name = topic;
  for (int64_t ts : {int64_t{-1}, int64_t{-2}}) {
    m::ListOffsetsRequest::ListOffsetsPartition p;
    p.partition_index = 0;
    p.timestamp = ts;
    t.partitions = {p};
    req.topics = {t};
    auto resp = call<m::ListOffsetsResponse>(target_port(), req, 10);
    REQUIRE(resp.topics.size() == 1);
    REQUIRE(resp.topics[0].partitions.size() == 1);
    const auto& out = resp.topics[0].partitions[0];
    CHECK(out.error_code == 0);
    CHECK(out.offset == (ts == -1 ? 1 : 0));
    CHECK(out.timestamp == -1);
  }
}

TEST_CASE("ListOffsets v11: earliest pending upload (-6) without tiered storage is offset -1, epoch -1",
          "[kafka][kafka4][data]") {
  REQUIRE_SERVED_OR_SKIP(m::ListOffsetsRequest::kApiKey, 11);
  const std::string topic = unique_name("list-offsets-v11");
  create_topic(topic);
  REQUIRE(produce(topic, one_record("a")).error_code == 0);
  auto pending = list_offset(topic, -6, 11);
  CHECK(pending.error_code == 0);
  CHECK(pending.offset == -1);
  CHECK(pending.timestamp == -1);
  CHECK(pending.leader_epoch == -1);
  // The other specs are as before.
  auto latest = list_offset(topic, -1, 11);
  CHECK(latest.error_code == 0);
  CHECK(latest.offset == 1);
  CHECK(latest.leader_epoch == 0);
}

TEST_CASE("ListOffsets: latest tiered (-5) without tiered storage is offset -1, epoch -1, from v9", "[kafka][kafka4][data]") {
  REQUIRE_SERVED_OR_SKIP(m::ApiVersionsRequest::kApiKey, 5);  // Kafka 4.x: 3.9 answers v7 otherwise
  const std::string topic = unique_name("list-offsets-latest-tiered");
  create_topic(topic);
  REQUIRE(produce(topic, one_record("a")).error_code == 0);
  REQUIRE(produce(topic, one_record("b")).error_code == 0);
  for (int16_t version : {int16_t{9}, int16_t{10}, int16_t{11}}) {
    INFO("ListOffsets v" << version);
    auto tiered = list_offset(topic, -5, version);
    CHECK(tiered.error_code == 0);
    CHECK(tiered.offset == -1);
    CHECK(tiered.timestamp == -1);
    CHECK(tiered.leader_epoch == -1);
  }
}

TEST_CASE("ListOffsets: a special timestamp before the version that brought it is UNSUPPORTED_VERSION",
          "[kafka][kafka4][data]") {
  REQUIRE_SERVED_OR_SKIP(m::ApiVersionsRequest::kApiKey, 5);  // the rule of Kafka 4.x
  constexpr int16_t kUnsupportedVersion = 35;
  const std::string topic = unique_name("list-offsets-special");
  create_topic(topic);
  REQUIRE(produce(topic, one_record("a")).error_code == 0);
  struct Case {
    int64_t timestamp;
    int16_t version;
  };
  for (const Case& c : {Case{-3, 6}, Case{-4, 7}, Case{-5, 1}, Case{-5, 8}, Case{-6, 10}, Case{-7, 11}}) {
    INFO("timestamp " << c.timestamp << " at v" << c.version);
    auto out = list_offset(topic, c.timestamp, c.version);
    CHECK(out.error_code == kUnsupportedVersion);
    CHECK(out.offset == -1);
    CHECK(out.timestamp == -1);
  }
  CHECK(list_offset(topic, -4, 8).offset == 0);  // earliest local, from v8
}

TEST_CASE("Metadata v13 answers with top-level ErrorCode NONE", "[kafka][kafka4][data]") {
  REQUIRE_SERVED_OR_SKIP(m::MetadataRequest::kApiKey, 13);
  const std::string topic = unique_name("metadata-v13");
  create_topic(topic);
  m::MetadataRequest req;
  m::MetadataRequest::MetadataRequestTopic t;
  t.name = topic;
  req.topics = std::vector{t};
  req.allow_auto_topic_creation = false;
  auto resp = call<m::MetadataResponse>(target_port(), req, 13);
  CHECK(resp.error_code == 0);
  REQUIRE(resp.topics.size() == 1);
  CHECK(resp.topics[0].error_code == 0);
  CHECK(resp.topics[0].topic_id == topic_id(topic));
  CHECK(resp.brokers.size() == 1);

  // An unknown topic is still the topic's error, not the response's.
  req.topics->at(0).name = unique_name("metadata-v13-missing");
  auto missing = call<m::MetadataResponse>(target_port(), req, 13);
  CHECK(missing.error_code == 0);
  REQUIRE(missing.topics.size() == 1);
  CHECK(missing.topics[0].error_code == kUnknownTopicOrPartition);
}
