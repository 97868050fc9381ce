// Server-side partition assignors of KIP-848 consumer groups: "uniform" (balanced and
// sticky) and "range" (contiguous ranges per topic, as the client-side range assignor).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "runtime/wire/uuid.h"

namespace chronik::broker::group {

// Partitions per topic id.
using Assignment = std::map<wire::Uuid, std::set<int32_t>>;

struct SubscribedTopic {
  wire::Uuid id;
  int32_t partitions = 0;
};

struct AssignorInput {
  // member id -> the topic names it subscribes to
  std::map<std::string, std::vector<std::string>> subscriptions;
  // topic name -> id and partition count, for every subscribed topic that exists
  std::map<std::string, SubscribedTopic> topics;
  // the previous target assignment, so that partitions stay where they are when they can
  std::map<std::string, Assignment> current;
};

// The target assignment: every partition of every subscribed topic to exactly one member
// subscribed to it. `name` is "uniform" or "range" (anything else is uniform).
std::map<std::string, Assignment> assign(const std::string& name, const AssignorInput& input);

size_t partition_count(const Assignment& a);

}  // namespace chronik::broker::group
