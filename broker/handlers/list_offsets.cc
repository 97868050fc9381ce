// ListOffsets: earliest (-2), latest (-1), max timestamp (-3), earliest local (-4),
// latest tiered (-5, KIP-1005), earliest pending upload (-6, v11, KIP-1023) and by
// timestamp; a special timestamp before the version that brought it is UNSUPPORTED_VERSION
// for its partition, as Kafka 4.4 answers. v10's TimeoutMs bounds reads from remote storage (KIP-1075), which Chronik
// does not have, so every answer is immediate and the timeout is not needed.
//
// isolation_level 1 (read_committed, v2+) bounds every answer by the last stable offset, as
// Kafka's lastFetchableOffset: latest is the LSO, and a lookup by timestamp (or -3) that
// lands at or past it answers offset -1 and timestamp -1.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {
namespace {
constexpr int64_t kLatest = -1, kEarliest = -2, kMaxTimestamp = -3, kEarliestLocal = -4,
                  kLatestTiered = -5, kEarliestPendingUpload = -6;

// Whether `timestamp` means something at ListOffsets `version`: each special timestamp from
// the version that brought it, no other negative one ever. Kafka 4.4 answers the others
// UNSUPPORTED_VERSION for the partition.
bool known_at(int64_t timestamp, int16_t version) {
  switch (timestamp) {
    case kMaxTimestamp: return version >= 7;
    case kEarliestLocal: return version >= 8;
    case kLatestTiered: return version >= 9;
    case kEarliestPendingUpload: return version >= 11;
    default: return timestamp >= kEarliest;
  }
}
}  // namespace

m::ListOffsetsResponse handle(Broker& broker, const Ctx& ctx, m::ListOffsetsRequest& req) {
  const int16_t v = ctx.api_version;
  m::ListOffsetsResponse resp;
  const bool read_committed = v >= 2 && req.isolation_level == 1;
  for (const auto& t : req.topics) {
    m::ListOffsetsResponse::ListOffsetsTopicResponse tout;
    tout.name = t.name;
    const auto topic = broker.store->find_topic(t.name);
    const bool may_describe = authorized_topic(broker, ctx, AclOperation::kDescribe, t.name);
    for (const auto& p : t.partitions) {
      m::ListOffsetsResponse::ListOffsetsPartitionResponse pout;
      pout.partition_index = p.partition_index;
      if (!may_describe) {
        pout.error_code = err(ErrorCode::TOPIC_AUTHORIZATION_FAILED);
        tout.partitions.push_back(std::move(pout));
        continue;
      }
      std::optional<PartitionOffsets> offsets;
      const bool exists = topic && p.partition_index >= 0 && p.partition_index < topic->partitions;
      if (exists) offsets = broker.store->offsets(t.name, p.partition_index);
      if (!offsets) {
        pout.error_code = exists ? offsets_unavailable(broker) : err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
      } else if (p.current_leader_epoch > 0) {
        pout.error_code = err(ErrorCode::UNKNOWN_LEADER_EPOCH);
      } else if (!known_at(p.timestamp, v)) {
        pout.error_code = err(ErrorCode::UNSUPPORTED_VERSION);  // offset, timestamp, epoch -1
      } else {
        int64_t offset = -1, timestamp = -1;
        int16_t error = 0;  // of a lookup by timestamp, which reads the log
        int32_t leader_epoch = 0;
        if (p.timestamp == kEarliestPendingUpload || p.timestamp == kLatestTiered) {
          // The first offset not yet copied to remote storage, and the last one copied there.
          // Without tiered storage nothing is pending upload and nothing is tiered: Kafka
          // (3.9 and 4.4) answers offset -1 and leader epoch -1 to both.
          leader_epoch = -1;
        } else if (p.timestamp == kLatest) {
          offset = read_committed ? offsets->lso() : offsets->high_watermark;
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
        const bool by_timestamp = p.timestamp >= 0 || p.timestamp == kMaxTimestamp;
        if (!error && read_committed && by_timestamp && offset >= offsets->lso()) offset = timestamp = -1;
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
