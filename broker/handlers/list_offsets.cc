// ListOffsets: earliest (-2), latest (-1), max timestamp (-3), earliest local (-4),
// latest tiered (-5, = latest here), earliest pending upload (-6, v11, KIP-1023) and by
// timestamp. v10's TimeoutMs bounds reads from remote storage (KIP-1075), which Chronik
// does not have, so every answer is immediate and the timeout is not needed.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {
namespace {
constexpr int64_t kLatest = -1, kEarliest = -2, kMaxTimestamp = -3, kEarliestLocal = -4,
                  kLatestTiered = -5, kEarliestPendingUpload = -6;
}

m::ListOffsetsResponse handle(Broker& broker, const Ctx& ctx, m::ListOffsetsRequest& req) {
  const int16_t v = ctx.api_version;
  m::ListOffsetsResponse resp;
  for (const auto& t : req.topics) {
    m::ListOffsetsResponse::ListOffsetsTopicResponse tout;
    tout.name = t.name;
    const auto topic = broker.store->find_topic(t.name);
    for (const auto& p : t.partitions) {
      m::ListOffsetsResponse::ListOffsetsPartitionResponse pout;
      pout.partition_index = p.partition_index;
      std::optional<PartitionOffsets> offsets;
      const bool exists = topic && p.partition_index >= 0 && p.partition_index < topic->partitions;
      if (exists) offsets = broker.store->offsets(t.name, p.partition_index);
      if (!offsets) {
        pout.error_code = exists ? offsets_unavailable(broker) : err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
      } else if (p.current_leader_epoch > 0) {
        pout.error_code = err(ErrorCode::UNKNOWN_LEADER_EPOCH);
      } else {
        int64_t offset = -1, timestamp = -1;
        int16_t error = 0;  // of a lookup by timestamp, which reads the log
        int32_t leader_epoch = 0;
        if (p.timestamp == kEarliestPendingUpload && v >= 11) {
          // The first offset not yet copied to remote storage. Without tiered storage
          // nothing is ever pending upload: Kafka 4.4 answers offset -1 and leader epoch -1.
          leader_epoch = -1;
        } else if (p.timestamp == kLatest || p.timestamp == kLatestTiered) {
          offset = offsets->high_watermark;
        } else if (p.timestamp == kEarliest || p.timestamp == kEarliestLocal) {
          offset = offsets->log_start_offset;
        } else if (p.timestamp == kMaxTimestamp) {
          if (auto m = broker.store->max_timestamp(t.name, p.partition_index)) {
            offset = m->offset;
            timestamp = m->timestamp;
            error = m->error;
          }
        } else if (auto r = broker.store->offset_for_timestamp(t.name, p.partition_index,
                                                               p.timestamp)) {
          offset = r->offset;
          timestamp = r->timestamp;
          error = r->error;
        }
        if (error) {
          pout.error_code = error;  // offset and timestamp stay -1
        } else if (v == 0) {
          if (offset >= 0) pout.old_style_offsets.push_back(offset);
        } else {
          pout.offset = offset;
          pout.timestamp = timestamp;
          if (v >= 4) pout.leader_epoch = leader_epoch;
        }
      }
      tout.partitions.push_back(std::move(pout));
    }
    resp.topics.push_back(std::move(tout));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
