// KIP-848 consumer groups: ConsumerGroupHeartbeat and ConsumerGroupDescribe, the member
// checks of OffsetCommit/OffsetFetch, and session expiry. The group's own logic
// (reconciliation, assignors) is ConsumerGroup; this takes each request to it under the
// group's lock (group_table.h) and stores the group record when its epoch moves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "broker/group/consumer_group.h"
#include "broker/group/group_table.h"

namespace chronik::broker::group {

class ConsumerCoordinator {
 public:
  ConsumerCoordinator(GroupTable& table, ConfigSource config) : table_(table), config_(std::move(config)) {}

  ConsumerHeartbeatResult heartbeat(const std::string& group_id, const ConsumerHeartbeat& req, int64_t now_ms);
  int32_t heartbeat_interval_ms() const;
  // A copy of the consumer group, nullopt when `group_id` is not one.
  std::optional<ConsumerGroup> describe(const std::string& group_id);
  // OffsetFetch v9 from a member: NONE, UNKNOWN_MEMBER_ID or STALE_MEMBER_EPOCH (NONE for
  // groups that are not consumer groups).
  int16_t validate_offset_fetch(const std::string& group_id, const std::optional<std::string>& member_id,
                                int32_t member_epoch);

  // --- For the coordinator, with the group held
  // OffsetCommit: members commit at their member epoch; tools (no member id, generation
  // -1) only while nobody consumes.
  static int16_t check_commit(const ConsumerGroup& g, const std::string& member_id, int32_t generation);
  // Members whose session ended or that did not revoke in time leave the group `u` holds.
  void tick(GroupTable::Update& u, int64_t now_ms);

 private:
  ConsumerGroup::Env env(int64_t now_ms) const;
  static void persist(GroupTable::Update& u, const ConsumerGroup& g);

  GroupTable& table_;
  ConfigSource config_;
};

}  // namespace chronik::broker::group
