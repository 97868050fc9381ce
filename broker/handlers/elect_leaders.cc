// ElectLeaders: on a single broker every partition already has its preferred leader, and a
// live one, so no election is ever needed. Answers as a one-node KRaft Kafka: each named
// partition ELECTION_NOT_NEEDED (unknown ones UNKNOWN_TOPIC_OR_PARTITION), and for "every
// partition" (null) each topic with no partition listed, since those that need nothing
// are left out.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

namespace {

constexpr int8_t kPreferred = 0;
constexpr int8_t kUnclean = 1;

m::ElectLeadersResponse::PartitionResult election(const std::optional<TopicInfo>& topic, const std::string& name,
                                                  int32_t partition) {
  m::ElectLeadersResponse::PartitionResult r;
  r.partition_id = partition;
  if (!topic) {
    r.error_code = err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    r.error_message = "No such topic as " + name;
  } else if (partition < 0 || partition >= topic->partitions) {
    r.error_code = err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    r.error_message = "No such partition as " + name + "-" + std::to_string(partition);
  } else {
    r.error_code = err(ErrorCode::ELECTION_NOT_NEEDED);
    r.error_message = "Leader election not needed for topic partition.";
  }
  return r;
}

}  // namespace

m::ElectLeadersResponse handle(Broker& broker, const Ctx& ctx, m::ElectLeadersRequest& req) {
  require_cluster(broker, ctx, AclOperation::kAlter);
  m::ElectLeadersResponse resp;
  if (req.election_type != kPreferred && req.election_type != kUnclean) {
    // The whole request fails, every named partition with it.
    resp.error_code = err(ErrorCode::INVALID_REQUEST);
    const std::string message = "Unknown election type " + std::to_string(req.election_type);
    for (const auto& topic : req.topic_partitions.value_or(std::vector<m::ElectLeadersRequest::TopicPartitions>{})) {
      auto& t = resp.replica_election_results.emplace_back();
      t.topic = topic.topic;
      for (int32_t partition : topic.partitions) {
        auto& p = t.partition_result.emplace_back();
        p.partition_id = partition;
        p.error_code = resp.error_code;
        p.error_message = message;
      }
    }
    return resp;
  }
  if (!req.topic_partitions) {
    for (const auto& topic : broker.store->list_topics()) resp.replica_election_results.emplace_back().topic = topic.name;
    return resp;
  }
  for (const auto& topic : *req.topic_partitions) {
    auto& t = resp.replica_election_results.emplace_back();
    t.topic = topic.topic;
    const auto info = broker.store->find_topic(topic.topic);
    for (int32_t partition : topic.partitions) t.partition_result.push_back(election(info, topic.topic, partition));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
