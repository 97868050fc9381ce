// Issue 20: the partition administration APIs a one-node Kafka answers (ElectLeaders,
// Alter/ListPartitionReassignments, DescribeQuorum, UnregisterBroker), as kafka-leader-election,
// kafka-reassign-partitions, kafkactl's `alter topic --replication-factor`,
// kafka-metadata-quorum and kafka-cluster use them. Tagged [kafka]: the expected answers are
// those of Kafka 3.9.1 (hardening/against-kafka).
#include <string>
#include <vector>

#include "generated/kafka/alter_partition_reassignments_request.h"
#include "generated/kafka/alter_partition_reassignments_response.h"
#include "generated/kafka/describe_cluster_request.h"
#include "generated/kafka/describe_cluster_response.h"
#include "generated/kafka/describe_quorum_request.h"
#include "generated/kafka/describe_quorum_response.h"
#include "generated/kafka/elect_leaders_request.h"
#include "generated/kafka/elect_leaders_response.h"
#include "generated/kafka/list_partition_reassignments_request.h"
#include "generated/kafka/list_partition_reassignments_response.h"
#include "generated/kafka/unregister_broker_request.h"
#include "generated/kafka/unregister_broker_response.h"
#include "tests/integration/hardening/requests.h"

using namespace chronik::testing;
namespace m = chronik::message;

namespace {

constexpr int16_t kUnknownTopicOrPartition = 3;
constexpr int16_t kInvalidRequest = 42;
constexpr int16_t kInvalidReplicaAssignment = 39;
constexpr int16_t kElectionNotNeeded = 84;
constexpr int16_t kNoReassignmentInProgress = 85;
constexpr int16_t kBrokerIdNotRegistered = 102;

int32_t node_id() {
  m::DescribeClusterRequest req;
  auto resp = call<m::DescribeClusterResponse>(target_port(), req, 1);
  REQUIRE(resp.brokers.size() == 1);
  return resp.brokers[0].broker_id;
}

m::ElectLeadersResponse elect(std::optional<std::vector<m::ElectLeadersRequest::TopicPartitions>> partitions,
                              int8_t type = 0) {
  m::ElectLeadersRequest req;
  req.election_type = type;
  req.topic_partitions = std::move(partitions);
  req.timeout_ms = 10000;
  return call<m::ElectLeadersResponse>(target_port(), req, 2);
}

m::ElectLeadersRequest::TopicPartitions partitions_of(const std::string& topic, std::vector<int32_t> partitions) {
  m::ElectLeadersRequest::TopicPartitions t;
  t.topic = topic;
  t.partitions = std::move(partitions);
  return t;
}

// One partition's answer to a reassignment of `topic`'s partition `partition` to `replicas`.
m::AlterPartitionReassignmentsResponse::ReassignablePartitionResponse reassign(
    const std::string& topic, int32_t partition, std::optional<std::vector<int32_t>> replicas) {
  m::AlterPartitionReassignmentsRequest req;
  req.timeout_ms = 10000;
  auto& t = req.topics.emplace_back();
  t.name = topic;
  auto& p = t.partitions.emplace_back();
  p.partition_index = partition;
  p.replicas = std::move(replicas);
  auto resp = call<m::AlterPartitionReassignmentsResponse>(target_port(), req, 0);
  CHECK(resp.error_code == 0);
  CHECK_FALSE(resp.error_message.has_value());
  REQUIRE(resp.responses.size() == 1);
  CHECK(resp.responses[0].name == topic);
  REQUIRE(resp.responses[0].partitions.size() == 1);
  CHECK(resp.responses[0].partitions[0].partition_index == partition);
  return resp.responses[0].partitions[0];
}

}  // namespace

TEST_CASE("ElectLeaders: no election is needed on one broker; unknown partitions are named", "[kafka][partition-admin]") {
  const std::string topic = unique_name("elect");
  create_topic(topic, 2);

  for (int8_t type : {0, 1}) {
    INFO("election type " << int(type));
    auto resp = elect(std::vector{partitions_of(topic, {0, 1, 7}), partitions_of(unique_name("no-such"), {0})}, type);
    CHECK(resp.error_code == 0);
    REQUIRE(resp.replica_election_results.size() == 2);
    const auto& mine = resp.replica_election_results[0];
    CHECK(mine.topic == topic);
    REQUIRE(mine.partition_result.size() == 3);
    for (int i = 0; i < 2; ++i) {
      CHECK(mine.partition_result[i].partition_id == i);
      CHECK(mine.partition_result[i].error_code == kElectionNotNeeded);
      CHECK(mine.partition_result[i].error_message == "Leader election not needed for topic partition.");
    }
    CHECK(mine.partition_result[2].error_code == kUnknownTopicOrPartition);
    CHECK(mine.partition_result[2].error_message == "No such partition as " + topic + "-7");
    const auto& missing = resp.replica_election_results[1];
    REQUIRE(missing.partition_result.size() == 1);
    CHECK(missing.partition_result[0].error_code == kUnknownTopicOrPartition);
    CHECK(missing.partition_result[0].error_message == "No such topic as " + missing.topic);
  }

  // Every partition: each topic listed, none of its partitions (none needed an election).
  auto all = elect(std::nullopt);
  CHECK(all.error_code == 0);
  bool found = false;
  for (const auto& t : all.replica_election_results) {
    CHECK(t.partition_result.empty());
    found = found || t.topic == topic;
  }
  CHECK(found);

  auto unknown_type = elect(std::vector{partitions_of(topic, {0})}, 5);
  CHECK(unknown_type.error_code == kInvalidRequest);
  REQUIRE(unknown_type.replica_election_results.size() == 1);
  REQUIRE(unknown_type.replica_election_results[0].partition_result.size() == 1);
  CHECK(unknown_type.replica_election_results[0].partition_result[0].error_code == kInvalidRequest);
  CHECK(unknown_type.replica_election_results[0].partition_result[0].error_message == "Unknown election type 5");
}

TEST_CASE("AlterPartitionReassignments: the same replica completes at once; invalid targets as Kafka words them",
          "[kafka][partition-admin]") {
  const std::string topic = unique_name("reassign");
  create_topic(topic, 2);
  const int32_t id = node_id();

  auto same = reassign(topic, 1, std::vector<int32_t>{id});
  CHECK(same.error_code == 0);
  CHECK_FALSE(same.error_message.has_value());

  auto cancel = reassign(topic, 0, std::nullopt);
  CHECK(cancel.error_code == kNoReassignmentInProgress);
  CHECK_FALSE(cancel.error_message.has_value());

  auto empty = reassign(topic, 0, std::vector<int32_t>{});
  CHECK(empty.error_code == kInvalidReplicaAssignment);
  CHECK(empty.error_message == "The manual partition assignment includes an empty replica list.");

  auto stranger = reassign(topic, 0, std::vector<int32_t>{id + 1000, id});
  CHECK(stranger.error_code == kInvalidReplicaAssignment);
  CHECK(stranger.error_message == "The manual partition assignment includes broker " + std::to_string(id + 1000) +
                                      ", but no such broker is registered.");

  auto twice = reassign(topic, 0, std::vector<int32_t>{id, id});
  CHECK(twice.error_code == kInvalidReplicaAssignment);
  CHECK(twice.error_message ==
        "The manual partition assignment includes the broker " + std::to_string(id) + " more than once.");

  auto no_partition = reassign(topic, 9, std::vector<int32_t>{id});
  CHECK(no_partition.error_code == kUnknownTopicOrPartition);
  CHECK(no_partition.error_message == "Unable to find partition " + topic + ":9.");

  const std::string missing = unique_name("no-such");
  auto no_topic = reassign(missing, 0, std::vector<int32_t>{id});
  CHECK(no_topic.error_code == kUnknownTopicOrPartition);
  CHECK(no_topic.error_message == "Unable to find a topic named " + missing + ".");

  // Nothing is in progress afterwards, for all topics or this one.
  for (bool all : {true, false}) {
    m::ListPartitionReassignmentsRequest req;
    req.timeout_ms = 10000;
    if (!all) {
      req.topics = std::vector<m::ListPartitionReassignmentsRequest::ListPartitionReassignmentsTopics>(1);
      (*req.topics)[0].name = topic;
      (*req.topics)[0].partition_indexes = {0, 1};
    }
    auto list = call<m::ListPartitionReassignmentsResponse>(target_port(), req, 0);
    CHECK(list.error_code == 0);
    CHECK_FALSE(list.error_message.has_value());
    CHECK(list.topics.empty());
  }
}

TEST_CASE("DescribeQuorum: one voter, the leader, this node; another partition is unknown", "[kafka][partition-admin]") {
  const int32_t id = node_id();
  m::DescribeQuorumRequest req;
  auto& t = req.topics.emplace_back();
  t.topic_name = "__cluster_metadata";
  t.partitions.emplace_back().partition_index = 0;
  for (int16_t version : {0, 1, 2}) {
    INFO("DescribeQuorum v" << version);
    auto resp = call<m::DescribeQuorumResponse>(target_port(), req, version);
    CHECK(resp.error_code == 0);
    REQUIRE(resp.topics.size() == 1);
    CHECK(resp.topics[0].topic_name == "__cluster_metadata");
    REQUIRE(resp.topics[0].partitions.size() == 1);
    const auto& p = resp.topics[0].partitions[0];
    CHECK(p.error_code == 0);
    CHECK(p.leader_id == id);
    CHECK(p.leader_epoch >= 1);
    CHECK(p.high_watermark >= 0);
    REQUIRE(p.current_voters.size() == 1);
    CHECK(p.current_voters[0].replica_id == id);
    CHECK(p.current_voters[0].log_end_offset >= p.high_watermark);
    CHECK(p.observers.empty());
    if (version >= 1) CHECK(p.current_voters[0].last_caught_up_timestamp > 0);
    if (version >= 2) {
      REQUIRE(resp.nodes.size() == 1);
      CHECK(resp.nodes[0].node_id == id);
      CHECK(resp.nodes[0].listeners.size() == 1);
    }
  }

  req.topics[0].partitions[0].partition_index = 1;
  auto wrong = call<m::DescribeQuorumResponse>(target_port(), req, 1);
  CHECK(wrong.error_code == 0);
  REQUIRE(wrong.topics.size() == 1);
  REQUIRE(wrong.topics[0].partitions.size() == 1);
  CHECK(wrong.topics[0].partitions[0].partition_index == 1);
  CHECK(wrong.topics[0].partitions[0].error_code == kUnknownTopicOrPartition);
}

TEST_CASE("UnregisterBroker: an id that was never registered is refused", "[kafka][partition-admin]") {
  m::UnregisterBrokerRequest req;
  req.broker_id = node_id() + 1000;
  auto resp = call<m::UnregisterBrokerResponse>(target_port(), req, 0);
  CHECK(resp.error_code == kBrokerIdNotRegistered);
}

TEST_CASE("UnregisterBroker: this broker stays registered and serving", "[partition-admin]") {
  if (against_kafka()) {
    SUCCEED("a Kafka broker fences itself until it registers again: chronik only");
    return;
  }
  m::UnregisterBrokerRequest req;
  req.broker_id = node_id();
  auto resp = call<m::UnregisterBrokerResponse>(target_port(), req, 0);
  CHECK(resp.error_code == 0);
  CHECK(node_id() == req.broker_id);
}
