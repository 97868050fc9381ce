#include "broker/group/assignor.h"

#include <algorithm>

namespace chronik::broker::group {
namespace {

bool subscribes(const std::vector<std::string>& topics, const std::string& topic) {
  return std::find(topics.begin(), topics.end(), topic) != topics.end();
}

std::map<std::string, Assignment> range(const AssignorInput& in) {
  std::map<std::string, Assignment> out;
  for (const auto& [id, _] : in.subscriptions) out[id];
  for (const auto& [name, topic] : in.topics) {
    std::vector<std::string> members;  // sorted: subscriptions is a map
    for (const auto& [id, topics] : in.subscriptions)
      if (subscribes(topics, name)) members.push_back(id);
    if (members.empty()) continue;
    const int32_t n = static_cast<int32_t>(members.size());
    const int32_t each = topic.partitions / n, extra = topic.partitions % n;
    int32_t next = 0;
    for (int32_t i = 0; i < n; ++i) {
      const int32_t count = each + (i < extra ? 1 : 0);
      for (int32_t k = 0; k < count; ++k) out[members[static_cast<size_t>(i)]][topic.id].insert(next++);
    }
  }
  return out;
}

// Balanced and sticky: a partition stays with its current member while that member is
// subscribed and under its share; the rest go to the least loaded subscribed member.
std::map<std::string, Assignment> uniform(const AssignorInput& in) {
  std::map<std::string, Assignment> out;
  std::map<std::string, size_t> load;
  for (const auto& [id, _] : in.subscriptions) {
    out[id];
    load[id] = 0;
  }
  if (in.subscriptions.empty()) return out;
  size_t total = 0;
  for (const auto& [_, t] : in.topics) total += static_cast<size_t>(t.partitions);
  const size_t share = (total + in.subscriptions.size() - 1) / in.subscriptions.size();

  std::vector<std::pair<std::string, int32_t>> unassigned;  // (topic name, partition)
  for (const auto& [name, topic] : in.topics)
    for (int32_t p = 0; p < topic.partitions; ++p) {
      std::string owner;
      for (const auto& [id, a] : in.current) {
        auto it = a.find(topic.id);
        if (it != a.end() && it->second.count(p)) owner = id;
      }
      auto sub = in.subscriptions.find(owner);
      if (!owner.empty() && sub != in.subscriptions.end() && subscribes(sub->second, name) &&
          load[owner] < share) {
        out[owner][topic.id].insert(p);
        ++load[owner];
      } else {
        unassigned.emplace_back(name, p);
      }
    }
  for (const auto& [name, p] : unassigned) {
    std::string best;
    for (const auto& [id, topics] : in.subscriptions)
      if (subscribes(topics, name) && (best.empty() || load[id] < load[best])) best = id;
    if (best.empty()) continue;
    out[best][in.topics.at(name).id].insert(p);
    ++load[best];
  }
  for (auto& [_, a] : out) std::erase_if(a, [](const auto& kv) { return kv.second.empty(); });
  return out;
}

}  // namespace

std::map<std::string, Assignment> assign(const std::string& name, const AssignorInput& input) {
  auto out = name == "range" ? range(input) : uniform(input);
  for (auto& [_, a] : out) std::erase_if(a, [](const auto& kv) { return kv.second.empty(); });
  return out;
}

size_t partition_count(const Assignment& a) {
  size_t n = 0;
  for (const auto& [_, parts] : a) n += parts.size();
  return n;
}

}  // namespace chronik::broker::group
