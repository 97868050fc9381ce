// DescribeQuorum: a one-node Kafka in KRaft answers with its metadata quorum, itself the
// only voter and the leader. Chronik keeps its metadata in its LevelDB store, not in a
// replicated log (__cluster_metadata), so the quorum it describes is that single voter at
// epoch 1 with an empty log: high watermark and log end offset 0, caught up now.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

namespace {

const std::string kMetadataTopic = "__cluster_metadata";

bool asks_for_metadata_partition(const m::DescribeQuorumRequest& req) {
  return req.topics.size() == 1 && req.topics[0].topic_name == kMetadataTopic &&
         req.topics[0].partitions.size() == 1 && req.topics[0].partitions[0].partition_index == 0;
}

}  // namespace

m::DescribeQuorumResponse handle(Broker& broker, const Ctx& ctx, m::DescribeQuorumRequest& req) {
  require_cluster(broker, ctx, AclOperation::kDescribe);
  m::DescribeQuorumResponse resp;
  resp.error_message = std::nullopt;
  if (!asks_for_metadata_partition(req)) {
    // Kafka's partition-level answer: every partition named, UNKNOWN_TOPIC_OR_PARTITION.
    for (const auto& topic : req.topics) {
      auto& t = resp.topics.emplace_back();
      t.topic_name = topic.topic_name;
      for (const auto& partition : topic.partitions) {
        auto& p = t.partitions.emplace_back();
        p.partition_index = partition.partition_index;
        p.error_code = err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
        p.error_message = std::nullopt;
      }
    }
    return resp;
  }
  const int64_t now = now_ms();
  auto& t = resp.topics.emplace_back();
  t.topic_name = kMetadataTopic;
  auto& p = t.partitions.emplace_back();
  p.partition_index = 0;
  p.error_message = std::nullopt;
  p.leader_id = broker.node_id;
  p.leader_epoch = 1;
  p.high_watermark = 0;
  auto& voter = p.current_voters.emplace_back();
  voter.replica_id = broker.node_id;
  voter.log_end_offset = 0;
  if (ctx.api_version < 1) return resp;  // timestamps from v1, nodes from v2
  voter.last_fetch_timestamp = now;
  voter.last_caught_up_timestamp = now;
  if (ctx.api_version < 2) return resp;
  auto& node = resp.nodes.emplace_back();
  node.node_id = broker.node_id;
  const auto listeners = broker.config()->advertised_listeners();
  auto& listener = node.listeners.emplace_back();
  listener.name = listeners.empty() ? "PLAINTEXT" : listeners.front().name;
  listener.host = broker.advertised.host;
  listener.port = broker.advertised.port;
  return resp;
}

}  // namespace chronik::broker::handlers
