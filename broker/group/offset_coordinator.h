// Committed offsets: OffsetCommit, OffsetFetch, OffsetDelete, their expiry, and forgetting
// a deleted topic. Offsets are kept per group in the group's entry (group_table.h), as
// records in the store (committed_offsets.h). Whether a request may commit or delete is the
// group's business: the coordinator asks the classic or consumer side first, then calls
// these with the group held.
//
// A commit is stored first, then served: an offset whose write failed is never answered
// by OffsetFetch. Kafka answers a commit whose append failed with NOT_COORDINATOR (the
// client looks the coordinator up again and retries).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "broker/group/committed_offsets.h"
#include "broker/group/group_table.h"

namespace chronik::broker::group {

// OffsetCommit. generation -1 with an empty member id commits as a simple consumer (only
// while the group has no members).
struct CommitRequest {
  std::string group_id;
  int32_t generation = -1;
  std::string member_id;
  std::optional<std::string> instance_id;
  std::vector<std::pair<TopicPartition, CommittedOffset>> offsets;
};

// OffsetDelete: the group error (GROUP_ID_NOT_FOUND...), else one error per partition
// (GROUP_SUBSCRIBED_TO_TOPIC for topics the group's members consume).
struct OffsetDeleteResult {
  int16_t error = 0;
  std::vector<int16_t> partition_errors;
};

class OffsetCoordinator {
 public:
  using Offsets = std::vector<std::pair<TopicPartition, CommittedOffset>>;

  explicit OffsetCoordinator(GroupTable& table) : table_(table) {}

  // Stores `offsets` for the group `u` holds, then serves them; NONE or NOT_COORDINATOR.
  int16_t commit(GroupTable::Update& u, const Offsets& offsets, int64_t now_ms);
  // The committed offsets of `group_id` (all of them when `partitions` is nullopt; offset
  // -1 for a partition without one). Never waits for a write.
  Offsets fetch(const std::string& group_id, const std::optional<std::vector<TopicPartition>>& partitions);
  // Deletes the offsets of `partitions` but those of `subscribed` topics. As on Kafka, an
  // empty group whose last offsets go is gone at once, not at the next expiry sweep.
  OffsetDeleteResult erase(GroupTable::Update& u, const std::vector<TopicPartition>& partitions,
                           const std::set<std::string>& subscribed);
  // Offsets of a group without members expire `retention_ms` after the group became empty
  // (or after their commit, if later); an empty group without offsets is then gone.
  void expire(GroupTable::Update& u, int64_t now_ms, int64_t retention_ms);
  // Forgets the offsets of a deleted topic in every group.
  void forget_topic(const std::string& topic);

  // --- Offsets committed in a transaction (TxnOffsetCommit, KIP-98): stored apart, per
  // producer id, and served only once the transaction commits.
  // Stores `offsets` as pending for `producer_id`; NONE or NOT_COORDINATOR.
  int16_t commit_pending(GroupTable::Update& u, int64_t producer_id, const Offsets& offsets, int64_t now_ms);
  // The transaction of `producer_id` ended: its pending offsets become committed offsets
  // (`commit`) or are dropped, in one store write. NONE or NOT_COORDINATOR (nothing changed:
  // the caller retries).
  int16_t complete_pending(GroupTable::Update& u, int64_t producer_id, bool commit);

 private:
  GroupTable& table_;
};

}  // namespace chronik::broker::group
