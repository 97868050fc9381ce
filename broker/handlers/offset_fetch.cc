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
  for (const auto& g : req.groups) {
    m::OffsetFetchResponse::OffsetFetchResponseGroup rg;
    rg.group_id = g.group_id;
    rg.error_code = broker.groups->validate_offset_fetch(g.group_id, g.member_id, g.member_epoch);
    if (rg.error_code != 0) {
      resp.groups.push_back(std::move(rg));
      continue;
    }
    for (auto& f : fetch_group(broker, g.group_id, g.topics)) {
      m::OffsetFetchResponse::OffsetFetchResponseTopics t;
      t.name = f.topic;
      for (const auto& [index, o] : f.partitions)
        t.partitions.push_back(to_partition<m::OffsetFetchResponse::OffsetFetchResponsePartitions>(index, o));
      rg.topics.push_back(std::move(t));
    }
    resp.groups.push_back(std::move(rg));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
