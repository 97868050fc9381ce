// The admin APIs' Kafka 4.x versions (issue 21): ApiVersions v5 (KIP-1242), DescribeCluster v2,
// DescribeLogDirs v5, UpdateFeatures v2, AlterPartitionReassignments v1 and ListConfigResources
// v1 (KIP-1142). The expected answers are Kafka 4.4.0's (against-kafka with KAFKA_VERSION=4.4.0);
// against Kafka 3.9.1 each passes with a note (served.h).
#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "generated/kafka/alter_partition_reassignments_request.h"
#include "generated/kafka/alter_partition_reassignments_response.h"
#include "generated/kafka/api_versions_request.h"
#include "generated/kafka/api_versions_response.h"
#include "generated/kafka/describe_cluster_request.h"
#include "generated/kafka/describe_cluster_response.h"
#include "generated/kafka/describe_log_dirs_request.h"
#include "generated/kafka/describe_log_dirs_response.h"
#include "generated/kafka/list_config_resources_request.h"
#include "generated/kafka/list_config_resources_response.h"
#include "generated/kafka/update_features_request.h"
#include "generated/kafka/update_features_response.h"
#include "tests/integration/hardening/requests.h"
#include "tests/integration/hardening/served.h"

using namespace chronik::testing;
namespace m = chronik::message;

namespace {

constexpr int16_t kUnsupportedVersion = 35;
constexpr int16_t kInvalidReplicaAssignment = 39;
constexpr int16_t kInvalidRequest = 42;
constexpr int16_t kInvalidUpdateVersion = 95;
constexpr int16_t kRebootstrapRequired = 129;

m::DescribeClusterResponse describe_cluster(int16_t version, bool include_fenced = false) {
  m::DescribeClusterRequest req;
  req.include_fenced_brokers = include_fenced;
  auto resp = call<m::DescribeClusterResponse>(target_port(), req, version);
  REQUIRE(resp.error_code == 0);
  return resp;
}

m::ApiVersionsResponse api_versions_v5(std::optional<std::string> cluster_id, int32_t node_id) {
  m::ApiVersionsRequest req;
  req.client_software_name = "chronik-hardening";
  req.client_software_version = "1";
  req.cluster_id = std::move(cluster_id);
  req.node_id = node_id;
  return call<m::ApiVersionsResponse>(target_port(), req, 5);
}

int16_t finalized_level(const m::ApiVersionsResponse& r, const std::string& feature) {
  for (const auto& f : r.finalized_features)
    if (f.name == feature) return f.max_version_level;
  return 0;
}

m::ListConfigResourcesResponse list_config_resources(std::vector<int8_t> types, int16_t version = 1) {
  m::ListConfigResourcesRequest req;
  req.resource_types = std::move(types);
  return call<m::ListConfigResourcesResponse>(target_port(), req, version);
}

std::set<std::pair<int8_t, std::string>> resources(const m::ListConfigResourcesResponse& r) {
  std::set<std::pair<int8_t, std::string>> out;
  for (const auto& c : r.config_resources) out.emplace(c.resource_type, c.resource_name);
  return out;
}

}  // namespace

TEST_CASE("ApiVersions v5: a ClusterId and NodeId not the broker's get REBOOTSTRAP_REQUIRED, one alone INVALID_REQUEST",
          "[kafka][kafka4][admin4]") {
  REQUIRE_SERVED_OR_SKIP(m::ApiVersionsRequest::kApiKey, 5);
  const auto cluster = describe_cluster(1);
  const int32_t node = cluster.brokers.at(0).broker_id;

  // Neither named: the ordinary answer.
  auto plain = api_versions_v5(std::nullopt, -1);
  CHECK(plain.error_code == 0);
  CHECK(plain.api_keys.size() > 40);
  // Both right.
  auto right = api_versions_v5(cluster.cluster_id, node);
  CHECK(right.error_code == 0);
  CHECK(right.api_keys.size() == plain.api_keys.size());
  CHECK(finalized_level(right, "metadata.version") == finalized_level(plain, "metadata.version"));
  // One without the other: INVALID_REQUEST, and no APIs.
  for (const auto& [id, n] : std::vector<std::pair<std::optional<std::string>, int32_t>>{{std::nullopt, node},
                                                                                       {cluster.cluster_id, -1}}) {
    INFO("ClusterId " << id.value_or("null") << ", NodeId " << n);
    auto invalid = api_versions_v5(id, n);
    CHECK(invalid.error_code == kInvalidRequest);
    CHECK(invalid.api_keys.empty());
  }
  // Another cluster, or another node of this one: the client must look up its brokers again.
  for (const auto& [id, n] : std::vector<std::pair<std::string, int32_t>>{{"AAAAAAAAAAAAAAAAAAAAAA", node},
                                                                          {cluster.cluster_id, node + 7}}) {
    INFO("ClusterId " << id << ", NodeId " << n);
    auto wrong = api_versions_v5(id, n);
    CHECK(wrong.error_code == kRebootstrapRequired);
    CHECK(wrong.api_keys.empty());
    CHECK(wrong.finalized_features.empty());
    CHECK(wrong.finalized_features_epoch == -1);
  }
  // v4 has no such fields: nothing to check.
  m::ApiVersionsRequest v4;
  v4.client_software_name = "chronik-hardening";
  v4.client_software_version = "1";
  CHECK(call<m::ApiVersionsResponse>(target_port(), v4, 4).error_code == 0);
}

TEST_CASE("DescribeCluster v2: with or without fenced brokers, the one broker, not fenced", "[kafka][kafka4][admin4]") {
  REQUIRE_SERVED_OR_SKIP(m::DescribeClusterRequest::kApiKey, 2);
  const auto v1 = describe_cluster(1);
  for (bool fenced : {false, true}) {
    INFO("IncludeFencedBrokers " << fenced);
    auto v2 = describe_cluster(2, fenced);
    CHECK(v2.cluster_id == v1.cluster_id);
    CHECK(v2.controller_id == v1.controller_id);
    CHECK(v2.endpoint_type == 1);
    REQUIRE(v2.brokers.size() == 1);
    CHECK(v2.brokers[0].broker_id == v1.brokers[0].broker_id);
    CHECK(v2.brokers[0].port == v1.brokers[0].port);
    CHECK_FALSE(v2.brokers[0].is_fenced);
  }
}

TEST_CASE("DescribeLogDirs v5: the log dir is not cordoned", "[kafka][kafka4][admin4]") {
  REQUIRE_SERVED_OR_SKIP(m::DescribeLogDirsRequest::kApiKey, 5);
  const std::string topic = unique_name("log-dirs-v5");
  create_topic(topic);
  m::DescribeLogDirsRequest req;
  m::DescribeLogDirsRequest::DescribableLogDirTopic t;
  t.topic = topic;
  t.partitions = {0};
  req.topics = std::vector{t};
  // Kafka lists a new topic's log a moment after CreateTopics answers.
  m::DescribeLogDirsResponse resp;
  for (int i = 0; i < 50; ++i) {
    resp = call<m::DescribeLogDirsResponse>(target_port(), req, 5);
    if (resp.results.size() == 1 && !resp.results[0].topics.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  CHECK(resp.error_code == 0);
  REQUIRE(resp.results.size() == 1);
  const auto& dir = resp.results[0];
  CHECK(dir.error_code == 0);
  CHECK_FALSE(dir.is_cordoned);
  CHECK(dir.total_bytes > 0);
  CHECK(dir.usable_bytes > 0);
  REQUIRE(dir.topics.size() == 1);
  CHECK(dir.topics[0].name == topic);
  REQUIRE(dir.topics[0].partitions.size() == 1);
  CHECK(dir.topics[0].partitions[0].partition_index == 0);
}

TEST_CASE("UpdateFeatures v2: one top-level answer, no per-feature results", "[kafka][kafka4][admin4]") {
  REQUIRE_SERVED_OR_SKIP(m::UpdateFeaturesRequest::kApiKey, 2);
  m::ApiVersionsRequest av;
  av.client_software_name = "chronik-hardening";
  av.client_software_version = "1";
  const int16_t level = finalized_level(call<m::ApiVersionsResponse>(target_port(), av, 4), "metadata.version");
  REQUIRE(level > 21);  // a 4.x metadata.version

  auto update = [](std::vector<std::pair<std::string, int16_t>> updates, int16_t version) {
    m::UpdateFeaturesRequest req;
    req.timeout_ms = 10000;
    req.validate_only = true;
    for (const auto& [name, to] : updates) {
      m::UpdateFeaturesRequest::FeatureUpdateKey k;
      k.feature = name;
      k.max_version_level = to;
      k.upgrade_type = 1;
      req.feature_updates.push_back(k);
    }
    return call<m::UpdateFeaturesResponse>(target_port(), req, version);
  };
  // The finalized level again: valid.
  auto same = update({{"metadata.version", level}}, 2);
  CHECK(same.error_code == 0);
  CHECK(same.results.empty());
  // A level no broker supports: the request's error (features_test.cc has the other refusals).
  const std::optional<std::string> refusal(
      "The update failed for all features since the following feature had an error: Invalid update version 9 for "
      "feature kraft.version. Local controller 1 only supports versions 0-1");
  auto beyond = update({{"kraft.version", 9}}, 2);
  CHECK(beyond.error_code == kInvalidUpdateVersion);
  CHECK(beyond.error_message == refusal);
  CHECK(beyond.results.empty());
  // v1 answers the same, and lists no feature either; a valid v1 request lists each.
  auto v1 = update({{"kraft.version", 9}}, 1);
  CHECK(v1.error_code == kInvalidUpdateVersion);
  CHECK(v1.error_message == refusal);
  CHECK(v1.results.empty());
  auto v1_ok = update({{"metadata.version", level}}, 1);
  CHECK(v1_ok.error_code == 0);
  REQUIRE(v1_ok.results.size() == 1);
  CHECK(v1_ok.results[0].feature == "metadata.version");
  CHECK(v1_ok.results[0].error_code == 0);
}

TEST_CASE("AlterPartitionReassignments v1: AllowReplicationFactorChange is repeated; brokers are checked first",
          "[kafka][kafka4][admin4]") {
  REQUIRE_SERVED_OR_SKIP(m::AlterPartitionReassignmentsRequest::kApiKey, 1);
  const std::string topic = unique_name("reassign-v1");
  create_topic(topic);
  const int32_t node = describe_cluster(1).brokers.at(0).broker_id;
  auto reassign = [&](std::vector<int32_t> replicas, bool allow) {
    m::AlterPartitionReassignmentsRequest req;
    req.timeout_ms = 10000;
    req.allow_replication_factor_change = allow;
    m::AlterPartitionReassignmentsRequest::ReassignableTopic t;
    t.name = topic;
    m::AlterPartitionReassignmentsRequest::ReassignablePartition p;
    p.partition_index = 0;
    p.replicas = std::move(replicas);
    t.partitions.push_back(p);
    req.topics.push_back(t);
    return call<m::AlterPartitionReassignmentsResponse>(target_port(), req, 1);
  };
  // The same replicas: done at once, whatever the option.
  for (bool allow : {true, false}) {
    INFO("AllowReplicationFactorChange " << allow);
    auto same = reassign({node}, allow);
    CHECK(same.error_code == 0);
    CHECK(same.allow_replication_factor_change == allow);
    REQUIRE(same.responses.size() == 1);
    REQUIRE(same.responses[0].partitions.size() == 1);
    CHECK(same.responses[0].partitions[0].error_code == 0);
  }
  // Another replica count, not allowed: Kafka checks the brokers first, so on one broker the
  // answer is that of any target naming another broker.
  auto more = reassign({node, node + 1}, false);
  CHECK(more.error_code == 0);
  CHECK_FALSE(more.allow_replication_factor_change);
  REQUIRE(more.responses.size() == 1);
  REQUIRE(more.responses[0].partitions.size() == 1);
  CHECK(more.responses[0].partitions[0].error_code == kInvalidReplicaAssignment);
  CHECK(more.responses[0].partitions[0].error_message ==
        std::optional<std::string>("The manual partition assignment includes broker " + std::to_string(node + 1) +
                                   ", but no such broker is registered."));
  auto twice = reassign({node, node}, false);
  REQUIRE(twice.responses.size() == 1);
  CHECK(twice.responses[0].partitions.at(0).error_code == kInvalidReplicaAssignment);
}

TEST_CASE("ListConfigResources v1: resources by type; v0 only client metrics", "[kafka][kafka4][admin4]") {
  REQUIRE_SERVED_OR_SKIP(m::ListConfigResourcesRequest::kApiKey, 1);
  const std::string topic = unique_name("list-config-resources");
  create_topic(topic);
  const std::string node = std::to_string(describe_cluster(1).brokers.at(0).broker_id);
  constexpr int8_t kTopic = 2, kBroker = 4, kBrokerLogger = 8, kClientMetrics = 16, kGroup = 32;

  auto all = list_config_resources({});
  CHECK(all.error_code == 0);
  const auto listed = resources(all);
  CHECK(listed.count({kTopic, topic}) == 1);
  CHECK(listed.count({kBroker, node}) == 1);
  CHECK(listed.count({kBrokerLogger, node}) == 1);
  // The broker and its logger come before the topics.
  REQUIRE(!all.config_resources.empty());
  CHECK(all.config_resources.back().resource_type == kTopic);

  auto topics = list_config_resources({kTopic});
  CHECK(topics.error_code == 0);
  CHECK(resources(topics).count({kTopic, topic}) == 1);
  for (const auto& r : topics.config_resources) CHECK(r.resource_type == kTopic);

  auto brokers = list_config_resources({kBroker, kBrokerLogger});
  CHECK(resources(brokers) == std::set<std::pair<int8_t, std::string>>{{kBroker, node}, {kBrokerLogger, node}});
  // No group has configs; client-metrics subscriptions: none set by this check.
  CHECK(list_config_resources({kGroup}).config_resources.empty());
  CHECK(list_config_resources({kClientMetrics}).error_code == 0);

  // A type the API does not list (unknown 0, cluster-wide 3? none is "1"): the whole answer.
  for (int8_t type : {int8_t{1}, int8_t{3}, int8_t{99}}) {
    INFO("type " << int(type));
    auto bad = list_config_resources({kTopic, type});
    CHECK(bad.error_code == kUnsupportedVersion);
    CHECK(bad.config_resources.empty());
  }
  // v0 (ListClientMetricsResources): client-metrics subscriptions only.
  for (const auto& r : list_config_resources({}, 0).config_resources) CHECK(r.resource_type == kClientMetrics);
}
