// OffsetFetch: committed offsets of one group (v0-7) or several (v8+), all of a group's
// when the topics are null. With require_stable (v7+, KIP-447), a partition whose offset a
// transaction still holds answers UNSTABLE_OFFSET_COMMIT (the consumer waits and asks again)
// instead of the offset committed before it.
#include <set>

#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {
namespace {

struct Fetched {
  std::string topic;
  std::vector<std::pair<int32_t, group::CommittedOffset>> partitions;
  std::vector<bool> unstable;  // per partition: a transaction holds its offset
};

template <class TopicRequest>
std::vector<Fetched> fetch_group(Broker& broker, const std::string& group_id,
                                 const std::optional<std::vector<TopicRequest>>& topics, bool require_stable) {
  std::optional<std::vector<group::TopicPartition>> wanted;
  if (topics) {
    wanted.emplace();
    for (const auto& t : *topics)
      for (int32_t p : t.partition_indexes) wanted->push_back({t.name, p});
  }
  std::set<group::TopicPartition> unstable;
  if (require_stable) unstable = broker.groups->pending_txn_partitions(group_id);
  std::vector<Fetched> out;
  for (auto& [tp, o] : broker.groups->fetch(group_id, wanted)) {
    if (out.empty() || out.back().topic != tp.topic) out.push_back({tp.topic, {}});
    out.back().partitions.emplace_back(tp.partition, std::move(o));
    out.back().unstable.push_back(unstable.count(tp) > 0);
  }
  return out;
}

template <class Partition>
Partition to_partition(int32_t index, const group::CommittedOffset& o, bool unstable) {
  Partition p;
  p.partition_index = index;
  if (unstable) {  // Kafka's answer: no offset, no epoch, empty metadata
    p.committed_offset = -1;
    p.committed_leader_epoch = -1;
    p.metadata = "";
    p.error_code = err(ErrorCode::UNSTABLE_OFFSET_COMMIT);
    return p;
  }
  p.committed_offset = o.offset;
  p.committed_leader_epoch = o.leader_epoch;
  p.metadata = o.metadata.value_or("");
  return p;
}

}  // namespace

m::OffsetFetchResponse handle(Broker& broker, const Ctx& ctx, m::OffsetFetchRequest& req) {
  m::OffsetFetchResponse resp;
  // DESCRIBE on the group (per group from v8). Topics the requester may not describe are
  // not yet filtered out of the answer.
  if (ctx.api_version < 8 && !authorized_group(broker, ctx, AclOperation::kDescribe, req.group_id)) {
    resp.error_code = err(ErrorCode::GROUP_AUTHORIZATION_FAILED);
    return resp;
  }
  if (ctx.api_version < 8) {
    for (auto& f : fetch_group(broker, req.group_id, req.topics, ctx.api_version >= 7 && req.require_stable)) {
      m::OffsetFetchResponse::OffsetFetchResponseTopic t;
      t.name = f.topic;
      for (size_t i = 0; i < f.partitions.size(); ++i)
        t.partitions.push_back(to_partition<m::OffsetFetchResponse::OffsetFetchResponsePartition>(
            f.partitions[i].first, f.partitions[i].second, f.unstable[i]));
      resp.topics.push_back(std::move(t));
    }
    return resp;
  }
  const bool by_id = ctx.api_version >= 10;
  for (auto& g : req.groups) {
    m::OffsetFetchResponse::OffsetFetchResponseGroup rg;
    rg.group_id = g.group_id;
    rg.error_code = authorized_group(broker, ctx, AclOperation::kDescribe, g.group_id)
                        ? broker.groups->validate_offset_fetch(g.group_id, g.member_id, g.member_epoch)
                        : err(ErrorCode::GROUP_AUTHORIZATION_FAILED);
    if (rg.error_code != 0) {
      resp.groups.push_back(std::move(rg));
      continue;
    }
    // v10 names topics by id (Kafka 4.x): ids no topic has are UNKNOWN_TOPIC_ID, the
    // others are fetched by name and answered by id.
    if (by_id && g.topics) {
      std::vector<m::OffsetFetchRequest::OffsetFetchRequestTopics> known;
      for (auto& t : *g.topics) {
        if (auto topic = broker.store->find_topic(t.topic_id)) {
          t.name = topic->name;
          known.push_back(t);
          continue;
        }
        m::OffsetFetchResponse::OffsetFetchResponseTopics unknown;
        unknown.topic_id = t.topic_id;
        for (int32_t index : t.partition_indexes) {
          auto& p = unknown.partitions.emplace_back();
          p.partition_index = index;
          p.committed_offset = -1;
          p.error_code = err(ErrorCode::UNKNOWN_TOPIC_ID);
        }
        rg.topics.push_back(std::move(unknown));
      }
      g.topics = std::move(known);
    }
    for (auto& f : fetch_group(broker, g.group_id, g.topics, req.require_stable)) {
      m::OffsetFetchResponse::OffsetFetchResponseTopics t;
      t.name = f.topic;
      if (by_id) {
        // Offsets of a topic deleted since have no id to answer with.
        auto topic = broker.store->find_topic(f.topic);
        if (!topic) continue;
        t.topic_id = topic->id;
      }
      for (size_t i = 0; i < f.partitions.size(); ++i)
        t.partitions.push_back(to_partition<m::OffsetFetchResponse::OffsetFetchResponsePartitions>(
            f.partitions[i].first, f.partitions[i].second, f.unstable[i]));
      rg.topics.push_back(std::move(t));
    }
    resp.groups.push_back(std::move(rg));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
