// DeleteRecords: moves each partition's log start offset (-1: to the high watermark); needs
// DELETE on the topic, checked before its existence.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::DeleteRecordsResponse handle(Broker& broker, const Ctx& ctx, m::DeleteRecordsRequest& req) {
  m::DeleteRecordsResponse resp;
  for (const auto& t : req.topics) {
    m::DeleteRecordsResponse::DeleteRecordsTopicResult tout;
    tout.name = t.name;
    auto topic = broker.store->find_topic(t.name);
    const bool may_delete = authorized_topic(broker, ctx, AclOperation::kDelete, t.name);
    for (const auto& p : t.partitions) {
      m::DeleteRecordsResponse::DeleteRecordsPartitionResult pout;
      pout.partition_index = p.partition_index;
      pout.low_watermark = -1;
      if (!may_delete) {
        pout.error_code = err(ErrorCode::TOPIC_AUTHORIZATION_FAILED);
      } else if (!topic || p.partition_index < 0 || p.partition_index >= topic->partitions) {
        pout.error_code = err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
      } else {
        auto [e, low] = broker.store->delete_records(t.name, p.partition_index, p.offset);
        pout.error_code = e;
        pout.low_watermark = low;
      }
      tout.partitions.push_back(std::move(pout));
    }
    resp.topics.push_back(std::move(tout));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
