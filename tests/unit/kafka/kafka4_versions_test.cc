// The data path's Kafka 4.x versions through dispatch (issue 21): what ApiVersions
// advertises, Produce v13's topic ids, acks=0 at v13, and ListOffsets' -6 before and at v11.
#include <catch2/catch.hpp>

#include <map>

#include "generated/kafka/api_versions_request.h"
#include "generated/kafka/api_versions_response.h"
#include "generated/kafka/create_topics_response.h"
#include "generated/kafka/fetch_response.h"
#include "generated/kafka/list_offsets_request.h"
#include "generated/kafka/list_offsets_response.h"
#include "generated/kafka/metadata_request.h"
#include "generated/kafka/produce_response.h"
#include "tests/unit/kafka/harness.h"
#include "tests/unit/kafka/requests.h"

using namespace chronik::broker;
using namespace chronik::broker::testing;
using chronik::protocol::ErrorCode;
namespace wire = chronik::wire;

namespace {

int16_t code(ErrorCode e) { return chronik::protocol::to_int16(e); }

wire::Uuid create_topic(KafkaHarness& h, const std::string& name, int32_t partitions) {
  auto resp = h.call<m::CreateTopicsResponse>(create_topics_request(name, partitions), 7);
  REQUIRE(resp.topics.size() == 1);
  REQUIRE(resp.topics[0].error_code == 0);
  auto topic = h.broker.store->find_topic(name);
  REQUIRE(topic);
  return topic->id;
}

m::ProduceRequest by_id(m::ProduceRequest req, const wire::Uuid& id) {
  for (auto& t : req.topic_data) {
    t.name.clear();
    t.topic_id = id;
  }
  return req;
}

}  // namespace

TEST_CASE("ApiVersions advertises the 4.x data path versions the handlers implement", "[kafka]") {
  KafkaHarness h;
  std::map<int16_t, int16_t> max;
  for (const auto& k : h.call<m::ApiVersionsResponse>(m::ApiVersionsRequest{}, 3).api_keys) max[k.api_key] = k.max_version;
  CHECK(max[m::ProduceRequest::kApiKey] == 13);
  CHECK(max[m::FetchRequest::kApiKey] == 18);
  CHECK(max[m::ListOffsetsRequest::kApiKey] == 11);
  CHECK(max[m::MetadataRequest::kApiKey] == 13);
}

TEST_CASE("Produce v13 appends by topic id and answers by topic id", "[kafka]") {
  KafkaHarness h;
  const auto id = create_topic(h, "by-id", 2);
  auto resp = h.call<m::ProduceResponse>(by_id(produce_request("by-id", {0, 1, 2}, {"a", "b"}), id), 13);
  REQUIRE(resp.responses.size() == 1);
  CHECK(resp.responses[0].topic_id == id);
  CHECK(resp.responses[0].name.empty());
  const auto& parts = resp.responses[0].partition_responses;
  REQUIRE(parts.size() == 3);
  CHECK(parts[0].error_code == 0);
  CHECK(parts[1].error_code == 0);
  CHECK(parts[2].error_code == code(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));

  auto fetched = h.call<m::FetchResponse>(fetch_request("by-id", 1, 0), 12);
  CHECK(values_of(*fetched.responses.at(0).partitions.at(0).records) == std::vector<std::string>{"a", "b"});

  wire::Uuid unknown{};
  unknown.bytes[0] = 0x42;
  auto lost = h.call<m::ProduceResponse>(by_id(produce_request("by-id", {0}, {"x"}), unknown), 13);
  CHECK(lost.responses.at(0).topic_id == unknown);
  CHECK(lost.responses.at(0).partition_responses.at(0).error_code == code(ErrorCode::UNKNOWN_TOPIC_ID));
  // v12 still names topics: an id there means nothing.
  auto v12 = h.call<m::ProduceResponse>(produce_request("by-id", {0}, {"c"}), 12);
  CHECK(v12.responses.at(0).name == "by-id");
  CHECK(v12.responses.at(0).partition_responses.at(0).base_offset == 2);
}

TEST_CASE("Produce v13 with acks=0 to an unknown topic id closes the connection", "[kafka]") {
  KafkaHarness h;
  wire::Uuid unknown{};
  unknown.bytes[3] = 0x17;
  auto req = by_id(produce_request("nowhere", {0}, {"x"}), unknown);
  req.acks = 0;
  auto outcome = h.run(KafkaHarness::frame(req, 13, 1));
  CHECK(outcome.kind == Outcome::Kind::kClose);
}

TEST_CASE("ListOffsets -6 (earliest pending upload) is offset -1 and epoch -1 at v11", "[kafka]") {
  KafkaHarness h;
  create_topic(h, "pending", 1);
  h.call<m::ProduceResponse>(produce_request("pending", {0}, {"a", "b"}), 9);
  m::ListOffsetsRequest req;
  req.replica_id = -1;
  req.timeout_ms = 1000;
  m::ListOffsetsRequest::ListOffsetsTopic t;
  t.name = "pending";
  m::ListOffsetsRequest::ListOffsetsPartition p;
  p.partition_index = 0;
  p.timestamp = -6;
  t.partitions.push_back(p);
  req.topics.push_back(t);
  auto v11 = h.call<m::ListOffsetsResponse>(req, 11).topics.at(0).partitions.at(0);
  CHECK(v11.error_code == 0);
  CHECK(v11.offset == -1);
  CHECK(v11.timestamp == -1);
  CHECK(v11.leader_epoch == -1);
  req.topics[0].partitions[0].timestamp = -1;
  auto latest = h.call<m::ListOffsetsResponse>(req, 11).topics.at(0).partitions.at(0);
  CHECK(latest.offset == 2);
  CHECK(latest.leader_epoch == 0);
}
