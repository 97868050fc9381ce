// DescribeTopicPartitions (KIP-966): topics in name order with their partitions, which this
// node leads at epoch 0, paged by response_partition_limit and a cursor.
#include <algorithm>

#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::DescribeTopicPartitionsResponse handle(Broker& broker, const Ctx&,
                                          m::DescribeTopicPartitionsRequest& req) {
  using Resp = m::DescribeTopicPartitionsResponse;
  Resp resp;
  // READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS.
  constexpr int32_t kTopicOperations = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) |
                                       (1 << 8) | (1 << 10) | (1 << 11);
  std::vector<std::string> names;
  if (req.topics.empty()) {
    for (const auto& t : broker.store->list_topics()) names.push_back(t.name);
  } else {
    for (const auto& t : req.topics) names.push_back(t.name);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  int32_t budget = std::max(1, req.response_partition_limit);
  for (const auto& name : names) {
    int32_t first = 0;
    if (req.cursor) {
      if (name < req.cursor->topic_name) continue;
      if (name == req.cursor->topic_name) first = std::max(0, req.cursor->partition_index);
    }
    Resp::DescribeTopicPartitionsResponseTopic out;
    out.name = name;
    auto t = broker.store->find_topic(name);
    if (!t) {
      out.error_code = err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
      resp.topics.push_back(std::move(out));
      continue;
    }
    if (budget <= 0) {
      resp.next_cursor = Resp::Cursor{name, first, {}};
      break;
    }
    out.topic_id = t->id;
    out.is_internal = is_internal_topic(t->name);
    out.topic_authorized_operations = kTopicOperations;
    for (int32_t i = first; i < t->partitions; ++i) {
      if (budget <= 0) {
        resp.next_cursor = Resp::Cursor{name, i, {}};
        break;
      }
      Resp::DescribeTopicPartitionsResponsePartition p;
      p.partition_index = i;
      p.leader_id = broker.node_id;
      p.leader_epoch = 0;
      p.replica_nodes = {broker.node_id};
      p.isr_nodes = {broker.node_id};
      p.eligible_leader_replicas = std::vector<int32_t>{};
      p.last_known_elr = std::vector<int32_t>{};
      out.partitions.push_back(std::move(p));
      --budget;
    }
    resp.topics.push_back(std::move(out));
    if (resp.next_cursor) break;
  }
  return resp;
}

}  // namespace chronik::broker::handlers
