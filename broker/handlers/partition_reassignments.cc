// AlterPartitionReassignments and ListPartitionReassignments on a single broker: the only
// assignment a partition can have is this broker alone, which it already has, so a valid
// reassignment completes at once and none is ever in progress. Invalid targets get Kafka's
// answers (an empty list, a broker that is not registered, a broker named twice). v1's
// AllowReplicationFactorChange (KIP-1127) is repeated in the answer; false would refuse a
// target with another number of replicas, but Kafka 4.4 checks the brokers first, and on one
// broker every other count names a broker that is not registered, or this one twice, so the
// answers are those above whatever the option (checked against Kafka 4.4.0).
#include <algorithm>

#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

namespace {

struct Refusal {
  int16_t code = 0;
  std::optional<std::string> message;
};

Refusal check_target(const Broker& broker, const std::optional<TopicInfo>& topic, const std::string& name,
                     const m::AlterPartitionReassignmentsRequest::ReassignablePartition& target) {
  const int16_t invalid = err(ErrorCode::INVALID_REPLICA_ASSIGNMENT);
  if (!topic) return {err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION), "Unable to find a topic named " + name + "."};
  if (target.partition_index < 0 || target.partition_index >= topic->partitions)
    return {err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION),
            "Unable to find partition " + name + ":" + std::to_string(target.partition_index) + "."};
  if (!target.replicas) return {err(ErrorCode::NO_REASSIGNMENT_IN_PROGRESS), std::nullopt};  // a cancellation
  std::vector<int32_t> replicas = *target.replicas;
  if (replicas.empty()) return {invalid, "The manual partition assignment includes an empty replica list."};
  std::sort(replicas.begin(), replicas.end());
  for (size_t i = 0; i < replicas.size(); ++i) {
    if (replicas[i] != broker.node_id)
      return {invalid, "The manual partition assignment includes broker " + std::to_string(replicas[i]) +
                           ", but no such broker is registered."};
    if (i > 0 && replicas[i] == replicas[i - 1])
      return {invalid, "The manual partition assignment includes the broker " + std::to_string(replicas[i]) +
                           " more than once."};
  }
  return {};
}

}  // namespace

m::AlterPartitionReassignmentsResponse handle(Broker& broker, const Ctx& ctx, m::AlterPartitionReassignmentsRequest& req) {
  require_cluster(broker, ctx, AclOperation::kAlter);
  m::AlterPartitionReassignmentsResponse resp;
  resp.error_message = std::nullopt;
  resp.allow_replication_factor_change = req.allow_replication_factor_change;
  for (const auto& topic : req.topics) {
    auto& t = resp.responses.emplace_back();
    t.name = topic.name;
    const auto info = broker.store->find_topic(topic.name);
    for (const auto& target : topic.partitions) {
      const Refusal refusal = check_target(broker, info, topic.name, target);
      auto& p = t.partitions.emplace_back();
      p.partition_index = target.partition_index;
      p.error_code = refusal.code;
      p.error_message = refusal.message;
    }
  }
  return resp;
}

m::ListPartitionReassignmentsResponse handle(Broker& broker, const Ctx& ctx, m::ListPartitionReassignmentsRequest&) {
  require_cluster(broker, ctx, AclOperation::kDescribe);
  m::ListPartitionReassignmentsResponse resp;
  resp.error_message = std::nullopt;
  return resp;
}

}  // namespace chronik::broker::handlers
