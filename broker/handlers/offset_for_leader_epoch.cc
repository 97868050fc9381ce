// OffsetForLeaderEpoch: this node has led every partition at epoch 0 since its creation, so
// the end offset of any epoch at or above 0 is the log end offset. As in Kafka, CLUSTER_ACTION
// (a replica's) covers every topic, else consumers (KIP-320) need DESCRIBE on the topic.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::OffsetForLeaderEpochResponse handle(Broker& broker, const Ctx& ctx,
                                       m::OffsetForLeaderEpochRequest& req) {
  m::OffsetForLeaderEpochResponse resp;
  const bool replica = authorized_cluster(broker, ctx, AclOperation::kClusterAction);
  for (const auto& t : req.topics) {
    m::OffsetForLeaderEpochResponse::OffsetForLeaderTopicResult tout;
    tout.topic = t.topic;
    const auto topic = broker.store->find_topic(t.topic);
    const bool may_describe = replica || authorized_topic(broker, ctx, AclOperation::kDescribe, t.topic);
    for (const auto& p : t.partitions) {
      m::OffsetForLeaderEpochResponse::EpochEndOffset pout;
      pout.partition = p.partition;
      if (!may_describe) {
        pout.error_code = err(ErrorCode::TOPIC_AUTHORIZATION_FAILED);
        pout.leader_epoch = -1;
        pout.end_offset = -1;
        tout.partitions.push_back(std::move(pout));
        continue;
      }
      std::optional<PartitionOffsets> offsets;
      const bool exists = topic && p.partition >= 0 && p.partition < topic->partitions;
      if (exists) offsets = broker.store->offsets(t.topic, p.partition);
      if (!offsets) {
        pout.error_code = exists ? offsets_unavailable(broker) : err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
      } else if (p.current_leader_epoch > 0) {
        pout.error_code = err(ErrorCode::UNKNOWN_LEADER_EPOCH);
      } else if (p.leader_epoch < 0) {
        pout.leader_epoch = -1;
        pout.end_offset = -1;
      } else {
        pout.leader_epoch = 0;
        pout.end_offset = offsets->high_watermark;
      }
      tout.partitions.push_back(std::move(pout));
    }
    resp.topics.push_back(std::move(tout));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
