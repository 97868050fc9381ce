// ConsumerGroupHeartbeat (KIP-848): joins, keeps alive, reconciles and leaves a consumer
// group whose partitions the coordinator assigns.
#include "broker/handlers/group_common.h"
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::ConsumerGroupHeartbeatResponse handle(Broker& broker, const Ctx& ctx,
                                         m::ConsumerGroupHeartbeatRequest& req) {
  if (!authorized_group(broker, ctx, AclOperation::kRead, req.group_id)) {  // READ on the group
    m::ConsumerGroupHeartbeatResponse refused;
    refused.error_code = err(ErrorCode::GROUP_AUTHORIZATION_FAILED);
    refused.error_message = std::nullopt;
    refused.member_id = std::nullopt;
    return refused;
  }
  group::ConsumerHeartbeat h;
  h.member_id = req.member_id;
  h.member_epoch = req.member_epoch;
  h.instance_id = req.instance_id;
  h.rack_id = req.rack_id;
  h.rebalance_timeout_ms = req.rebalance_timeout_ms;
  h.subscribed_topics = req.subscribed_topic_names;
  h.subscribed_regex = req.subscribed_topic_regex;
  h.version = ctx.api_version;
  h.server_assignor = req.server_assignor;
  if (req.topic_partitions) {
    h.owned.emplace();
    for (const auto& t : *req.topic_partitions)
      for (int32_t p : t.partitions) (*h.owned)[t.topic_id].insert(p);
  }
  h.client_id = ctx.client_id.value_or("");
  h.client_host = client_host(ctx);

  const auto r = broker.groups->consumer_heartbeat(req.group_id, h, now_ms());
  m::ConsumerGroupHeartbeatResponse resp;
  resp.error_code = r.error;
  resp.error_message = r.message;
  resp.member_id = r.member_id;
  resp.member_epoch = r.member_epoch;
  resp.heartbeat_interval_ms = broker.groups->consumer_heartbeat_interval_ms();
  if (r.error == 0 && r.assignment) {
    m::ConsumerGroupHeartbeatResponse::Assignment a;
    for (const auto& [topic, parts] : *r.assignment) {
      m::ConsumerGroupHeartbeatResponse::TopicPartitions tp;
      tp.topic_id = topic;
      tp.partitions.assign(parts.begin(), parts.end());
      a.topic_partitions.push_back(std::move(tp));
    }
    resp.assignment = std::move(a);
  }
  return resp;
}

}  // namespace chronik::broker::handlers
