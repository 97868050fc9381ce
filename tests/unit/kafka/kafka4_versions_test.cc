// Kafka 4.x versions through dispatch (issue 21): what ApiVersions advertises, Produce v13's
// topic ids, acks=0 at v13, ListOffsets' -5 and -6, ApiVersions v5's cluster check,
// ListConfigResources v1, AlterPartitionReassignments v1, DescribeCluster v2 and
// DescribeLogDirs v5. (The same answers are checked against Kafka 4.4.0 in
// tests/integration/hardening/kafka4_*_test.cc.)
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "generated/kafka/alter_partition_reassignments_request.h"
#include "generated/kafka/alter_partition_reassignments_response.h"
#include "generated/kafka/api_versions_request.h"
#include "generated/kafka/api_versions_response.h"
#include "generated/kafka/create_topics_response.h"
#include "generated/kafka/describe_cluster_request.h"
#include "generated/kafka/describe_cluster_response.h"
#include "generated/kafka/describe_log_dirs_request.h"
#include "generated/kafka/describe_log_dirs_response.h"
#include "generated/kafka/fetch_response.h"
#include "generated/kafka/list_config_resources_request.h"
#include "generated/kafka/list_config_resources_response.h"
#include "generated/kafka/list_offsets_request.h"
#include "generated/kafka/list_offsets_response.h"
#include "generated/kafka/metadata_request.h"
#include "generated/kafka/produce_response.h"
#include "generated/kafka/update_features_request.h"
#include "generated/kafka/update_features_response.h"
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
  for (const auto& k : h.call<m::ApiVersionsResponse>(api_versions_request(), 3).api_keys) max[k.api_key] = k.max_version;
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

TEST_CASE("ListOffsets -6 (earliest pending upload) and -5 (latest tiered) are offset -1 and epoch -1", "[kafka]") {
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
  // Latest tiered (-5): nothing is tiered either.
  req.topics[0].partitions[0].timestamp = -5;
  for (int16_t version : {int16_t{9}, int16_t{11}}) {
    auto tiered = h.call<m::ListOffsetsResponse>(req, version).topics.at(0).partitions.at(0);
    CHECK(tiered.error_code == 0);
    CHECK(tiered.offset == -1);
    CHECK(tiered.timestamp == -1);
    CHECK(tiered.leader_epoch == -1);
  }
}

TEST_CASE("ListOffsets: a special timestamp before the version that brought it is UNSUPPORTED_VERSION", "[kafka]") {
  KafkaHarness h;
  create_topic(h, "special", 1);
  h.call<m::ProduceResponse>(produce_request("special", {0}, {"a"}), 9);
  m::ListOffsetsRequest req;
  req.replica_id = -1;
  m::ListOffsetsRequest::ListOffsetsTopic t;
  t.name = "special";
  m::ListOffsetsRequest::ListOffsetsPartition p;
  p.partition_index = 0;
  t.partitions.push_back(p);
  req.topics.push_back(t);
  struct Case {
    int64_t timestamp;
    int16_t version;
    bool known;
  };
  for (const Case& c : {Case{-3, 6, false}, Case{-3, 7, true}, Case{-4, 7, false}, Case{-4, 8, true},
                        Case{-5, 8, false}, Case{-5, 9, true}, Case{-6, 10, false}, Case{-6, 11, true},
                        Case{-7, 11, false}, Case{-1, 1, true}, Case{-2, 1, true}}) {
    INFO("timestamp " << c.timestamp << " at v" << c.version);
    req.topics[0].partitions[0].timestamp = c.timestamp;
    auto out = h.call<m::ListOffsetsResponse>(req, c.version).topics.at(0).partitions.at(0);
    CHECK(out.error_code == (c.known ? 0 : code(ErrorCode::UNSUPPORTED_VERSION)));
    if (!c.known) {
      CHECK(out.offset == -1);
      CHECK(out.timestamp == -1);
    }
  }
}

TEST_CASE("ApiVersions v5: a ClusterId and NodeId not ours are REBOOTSTRAP_REQUIRED; one without the other INVALID_REQUEST",
          "[kafka]") {
  KafkaHarness h;
  auto v5 = [&](std::optional<std::string> cluster, int32_t node) {
    m::ApiVersionsRequest req;
    req.client_software_name = "unit";
    req.client_software_version = "1";
    req.cluster_id = std::move(cluster);
    req.node_id = node;
    return h.call<m::ApiVersionsResponse>(req, 5);
  };
  const std::string cluster = h.broker.cluster_id;
  const int32_t node = h.broker.node_id;
  auto plain = v5(std::nullopt, -1);
  CHECK(plain.error_code == 0);
  CHECK_FALSE(plain.api_keys.empty());
  CHECK(v5(cluster, node).error_code == 0);
  // One without the other: INVALID_REQUEST.
  CHECK(v5(std::nullopt, node).error_code == code(ErrorCode::INVALID_REQUEST));
  CHECK(v5(cluster, -1).error_code == code(ErrorCode::INVALID_REQUEST));
  CHECK(v5(cluster, -1).api_keys.empty());
  for (const auto& [c, n] : std::vector<std::pair<std::string, int32_t>>{{"other", node}, {cluster, node + 1}}) {
    auto wrong = v5(c, n);
    CHECK(wrong.error_code == code(ErrorCode::REBOOTSTRAP_REQUIRED));
    CHECK(wrong.api_keys.empty());
  }
  // v4 has neither field.
  std::map<int16_t, int16_t> max;
  for (const auto& k : plain.api_keys) max[k.api_key] = k.max_version;
  CHECK(max[m::ApiVersionsRequest::kApiKey] == 5);
  CHECK(max[m::DescribeClusterRequest::kApiKey] == 2);
  CHECK(max[m::DescribeLogDirsRequest::kApiKey] == 5);
  CHECK(max[m::UpdateFeaturesRequest::kApiKey] == 2);
  CHECK(max[m::AlterPartitionReassignmentsRequest::kApiKey] == 1);
  CHECK(max[m::ListConfigResourcesRequest::kApiKey] == 1);
}

TEST_CASE("ListConfigResources v1 lists by type; an unknown type fails the request; v0 lists client metrics",
          "[kafka]") {
  KafkaHarness h;
  create_topic(h, "configured", 1);
  auto list = [&](std::vector<int8_t> types, int16_t version) {
    m::ListConfigResourcesRequest req;
    req.resource_types = std::move(types);
    return h.call<m::ListConfigResourcesResponse>(req, version);
  };
  auto pairs = [](const m::ListConfigResourcesResponse& r) {
    std::vector<std::pair<int, std::string>> out;
    for (const auto& c : r.config_resources) out.emplace_back(c.resource_type, c.resource_name);
    return out;
  };
  const std::string node = std::to_string(h.broker.node_id);
  auto all = pairs(list({}, 1));
  // Client metrics (none), broker loggers, brokers, then topics, as Kafka 4.4 orders them.
  REQUIRE(all.size() >= 3);
  CHECK(all[0] == std::pair<int, std::string>{8, node});
  CHECK(all[1] == std::pair<int, std::string>{4, node});
  CHECK(std::count(all.begin(), all.end(), std::pair<int, std::string>{2, "configured"}) == 1);
  for (size_t i = 2; i < all.size(); ++i) CHECK(all[i].first == 2);
  CHECK(pairs(list({4}, 1)) == std::vector<std::pair<int, std::string>>{{4, node}});
  CHECK(list({32}, 1).config_resources.empty());
  auto bad = list({2, 1}, 1);
  CHECK(bad.error_code == code(ErrorCode::UNSUPPORTED_VERSION));
  CHECK(bad.config_resources.empty());
  CHECK(list({}, 0).config_resources.empty());  // no client-metrics subscription
}

TEST_CASE("AlterPartitionReassignments v1 repeats AllowReplicationFactorChange; the brokers are checked first",
          "[kafka]") {
  KafkaHarness h;
  create_topic(h, "moved", 1);
  auto reassign = [&](std::vector<int32_t> replicas, bool allow) {
    m::AlterPartitionReassignmentsRequest req;
    req.allow_replication_factor_change = allow;
    m::AlterPartitionReassignmentsRequest::ReassignableTopic t;
    t.name = "moved";
    m::AlterPartitionReassignmentsRequest::ReassignablePartition p;
    p.partition_index = 0;
    p.replicas = std::move(replicas);
    t.partitions.push_back(p);
    req.topics.push_back(t);
    return h.call<m::AlterPartitionReassignmentsResponse>(req, 1);
  };
  const int32_t node = h.broker.node_id;
  for (bool allow : {false, true}) {
    auto same = reassign({node}, allow);
    CHECK(same.allow_replication_factor_change == allow);
    CHECK(same.responses.at(0).partitions.at(0).error_code == 0);
    // Another count: a broker that is not registered, as Kafka 4.4 answers it first.
    auto more = reassign({node, node + 1}, allow);
    CHECK(more.allow_replication_factor_change == allow);
    CHECK(more.responses.at(0).partitions.at(0).error_code == code(ErrorCode::INVALID_REPLICA_ASSIGNMENT));
  }
}

TEST_CASE("DescribeCluster v2 and DescribeLogDirs v5: not fenced, not cordoned", "[kafka]") {
  KafkaHarness h;
  m::DescribeClusterRequest dc;
  dc.include_fenced_brokers = true;
  auto cluster = h.call<m::DescribeClusterResponse>(dc, 2);
  REQUIRE(cluster.brokers.size() == 1);
  CHECK_FALSE(cluster.brokers[0].is_fenced);
  auto dirs = h.call<m::DescribeLogDirsResponse>(m::DescribeLogDirsRequest{}, 5);
  REQUIRE(dirs.results.size() == 1);
  CHECK(dirs.results[0].error_code == 0);
  CHECK_FALSE(dirs.results[0].is_cordoned);
}
