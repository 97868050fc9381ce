// OffsetDelete: removes a group's committed offsets of partitions it no longer consumes; needs
// DELETE on the group and READ on each topic.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::OffsetDeleteResponse handle(Broker& broker, const Ctx& ctx, m::OffsetDeleteRequest& req) {
  m::OffsetDeleteResponse resp;
  if (!authorized_group(broker, ctx, AclOperation::kDelete, req.group_id)) {
    resp.error_code = err(ErrorCode::GROUP_AUTHORIZATION_FAILED);
    return resp;
  }
  // Partitions of topics the requester may not READ are left alone, and say so.
  std::vector<bool> readable;
  std::vector<group::TopicPartition> partitions;
  for (const auto& t : req.topics) {
    readable.push_back(authorized_topic(broker, ctx, AclOperation::kRead, t.name));
    if (readable.back())
      for (const auto& p : t.partitions) partitions.push_back({t.name, p.partition_index});
  }
  const auto r = broker.groups->delete_offsets(req.group_id, partitions);

  resp.error_code = r.error;
  if (r.error != 0) return resp;
  size_t i = 0, t_index = 0;
  for (const auto& t : req.topics) {
    m::OffsetDeleteResponse::OffsetDeleteResponseTopic rt;
    rt.name = t.name;
    const bool may_read = readable[t_index++];
    const bool exists = broker.store->find_topic(t.name).has_value();
    for (const auto& p : t.partitions) {
      m::OffsetDeleteResponse::OffsetDeleteResponsePartition rp;
      rp.partition_index = p.partition_index;
      if (!may_read) {
        rp.error_code = err(ErrorCode::TOPIC_AUTHORIZATION_FAILED);
      } else {
        rp.error_code = exists ? r.partition_errors[i] : err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
        ++i;
      }
      rt.partitions.push_back(rp);
    }
    resp.topics.push_back(std::move(rt));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
