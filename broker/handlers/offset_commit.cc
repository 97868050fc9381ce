// OffsetCommit: a group member's (or a simple consumer's) consumed positions.
#include "broker/handlers/group_common.h"
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::OffsetCommitResponse handle(Broker& broker, const Ctx& ctx, m::OffsetCommitRequest& req) {
  const auto cfg = broker.config();
  const size_t max_metadata = static_cast<size_t>(std::max(0, cfg->get_int("offset.metadata.max.bytes")));
  const int64_t retention_ms = cfg->get_long("offsets.retention.minutes") * 60'000;
  const int64_t now = now_ms();

  group::GroupCoordinator::CommitRequest c;
  c.group_id = req.group_id;
  c.generation = req.generation_id_or_member_epoch;
  c.member_id = req.member_id;
  c.instance_id = req.group_instance_id;

  // Per-partition errors first (unknown partitions, metadata too large); the rest is
  // committed together and shares the group's verdict.
  m::OffsetCommitResponse resp;
  // READ on the group, else every partition is GROUP_AUTHORIZATION_FAILED.
  const bool group_allowed = authorized_group(broker, ctx, AclOperation::kRead, req.group_id);
  std::vector<std::pair<size_t, size_t>> committed;  // (topic, partition) indexes into resp
  for (const auto& t : req.topics) {
    m::OffsetCommitResponse::OffsetCommitResponseTopic rt;
    rt.name = t.name;
    rt.topic_id = t.topic_id;
    // v10 names topics by id only (Kafka 4.x); an id no topic has is UNKNOWN_TOPIC_ID.
    const bool by_id = ctx.api_version >= 10;
    const auto topic = by_id ? broker.store->find_topic(t.topic_id) : broker.store->find_topic(t.name);
    for (const auto& p : t.partitions) {
      m::OffsetCommitResponse::OffsetCommitResponsePartition rp;
      rp.partition_index = p.partition_index;
      const std::string metadata = p.committed_metadata.value_or("");
      if (!group_allowed) {
        rp.error_code = err(ErrorCode::GROUP_AUTHORIZATION_FAILED);
      } else if (const int16_t refused = commit_refusal(broker, ctx, topic, by_id, t.name, p.partition_index,
                                                         metadata.size(), max_metadata)) {
        rp.error_code = refused;
      } else {
        group::CommittedOffset o;
        o.offset = p.committed_offset;
        o.leader_epoch = p.committed_leader_epoch;
        o.metadata = metadata;
        // v1 names a commit time (expiring a retention period after it); v2-4 a retention
        // time from now. Later versions leave it to offsets.retention.minutes.
        if (ctx.api_version == 1 && p.commit_timestamp >= 0) {
          o.commit_timestamp_ms = p.commit_timestamp;
          o.expire_timestamp_ms = p.commit_timestamp + retention_ms;
        } else if (ctx.api_version >= 2 && ctx.api_version <= 4 && req.retention_time_ms >= 0) {
          o.expire_timestamp_ms = now + req.retention_time_ms;
        }
        c.offsets.emplace_back(group::TopicPartition{topic->name, p.partition_index}, std::move(o));
        committed.emplace_back(resp.topics.size(), rt.partitions.size());
      }
      rt.partitions.push_back(rp);
    }
    resp.topics.push_back(std::move(rt));
  }
  if (!group_allowed) return resp;
  const int16_t group_error = broker.groups->commit(c, now);
  for (const auto& [ti, pi] : committed) resp.topics[ti].partitions[pi].error_code = group_error;
  return resp;
}

}  // namespace chronik::broker::handlers
