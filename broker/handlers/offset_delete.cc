// OffsetDelete: removes a group's committed offsets of partitions it no longer consumes.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::OffsetDeleteResponse handle(Broker& broker, const Ctx&, m::OffsetDeleteRequest& req) {
  std::vector<group::TopicPartition> partitions;
  for (const auto& t : req.topics)
    for (const auto& p : t.partitions) partitions.push_back({t.name, p.partition_index});
  const auto r = broker.groups->delete_offsets(req.group_id, partitions);

  m::OffsetDeleteResponse resp;
  resp.error_code = r.error;
  if (r.error != 0) return resp;
  size_t i = 0;
  for (const auto& t : req.topics) {
    m::OffsetDeleteResponse::OffsetDeleteResponseTopic rt;
    rt.name = t.name;
    const bool exists = broker.store->find_topic(t.name).has_value();
    for (const auto& p : t.partitions) {
      m::OffsetDeleteResponse::OffsetDeleteResponsePartition rp;
      rp.partition_index = p.partition_index;
      rp.error_code = exists ? r.partition_errors[i] : err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
      ++i;
      rt.partitions.push_back(rp);
    }
    resp.topics.push_back(std::move(rt));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
