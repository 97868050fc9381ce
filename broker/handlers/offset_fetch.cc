// OffsetFetch: committed offsets of one group (v0-7) or several (v8+), all of a group's
// when the topics are null.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {
namespace {

struct Fetched {
  std::string topic;
  std::vector<std::pair<int32_t, group::CommittedOffset>> partitions;
};

template <class TopicRequest>
std::vector<Fetched> fetch_group(Broker& broker, const std::string& group_id,
                                 const std::optional<std::vector<TopicRequest>>& topics) {
  std::optional<std::vector<group::TopicPartition>> wanted;
  if (topics) {
    wanted.emplace();
    for (const auto& t : *topics)
      for (int32_t p : t.partition_indexes) wanted->push_back({t.name, p});
  }
  std::vector<Fetched> out;
  for (auto& [tp, o] : broker.groups->fetch(group_id, wanted)) {
    if (out.empty() || out.back().topic != tp.topic) out.push_back({tp.topic, {}});
    out.back().partitions.emplace_back(tp.partition, std::move(o));
  }
  return out;
}

template <class Partition>
Partition to_partition(int32_t index, const group::CommittedOffset& o) {
  Partition p;
  p.partition_index = index;
  p.committed_offset = o.offset;
  p.committed_leader_epoch = o.leader_epoch;
  p.metadata = o.metadata.value_or("");
  return p;
}

}  // namespace

m::OffsetFetchResponse handle(Broker& broker, const Ctx& ctx, m::OffsetFetchRequest& req) {
  m::OffsetFetchResponse resp;
  if (ctx.api_version < 8) {
    for (auto& f : fetch_group(broker, req.group_id, req.topics)) {
      m::OffsetFetchResponse::OffsetFetchResponseTopic t;
      t.name = f.topic;
      for (const auto& [index, o] : f.partitions)
        t.partitions.push_back(to_partition<m::OffsetFetchResponse::OffsetFetchResponsePartition>(index, o));
      resp.topics.push_back(std::move(t));
    }
    return resp;
  }
  const bool by_id = ctx.api_version >= 10;
  for (auto& g : req.groups) {
    m::OffsetFetchResponse::OffsetFetchResponseGroup rg;
    rg.group_id = g.group_id;
    rg.error_code = broker.groups->validate_offset_fetch(g.group_id, g.member_id, g.member_epoch);
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
    for (auto& f : fetch_group(broker, g.group_id, g.topics)) {
      m::OffsetFetchResponse::OffsetFetchResponseTopics t;
      t.name = f.topic;
      if (by_id) {
        // Offsets of a topic deleted since have no id to answer with.
        auto topic = broker.store->find_topic(f.topic);
        if (!topic) continue;
        t.topic_id = topic->id;
      }
      for (const auto& [index, o] : f.partitions)
        t.partitions.push_back(to_partition<m::OffsetFetchResponse::OffsetFetchResponsePartitions>(index, o));
      rg.topics.push_back(std::move(t));
    }
    resp.groups.push_back(std::move(rg));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
