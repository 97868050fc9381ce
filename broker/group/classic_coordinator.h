// Classic groups: JoinGroup, SyncGroup, Heartbeat and LeaveGroup, with Kafka's errors and
// static membership, and DescribeGroups. The state machine itself is ClassicRebalance; this
// takes each request to it under the group's lock (group_table.h).
//
// Requests that must wait (a JoinGroup until the join phase ends, a SyncGroup until the
// leader's assignment) get a Slot, which the rebalance fills; the table's change callback
// then names the group so that the waiting request is polled again.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "broker/group/classic_group.h"
#include "broker/group/classic_rebalance.h"
#include "broker/group/group_table.h"

namespace chronik::broker::group {

// An answer now, or a slot that the rebalance fills.
template <class T>
struct Ticket {
  std::optional<T> now;
  std::shared_ptr<Slot<T>> later;
  int32_t max_wait_ms = 0;  // how long the request may wait for `later`
};

struct Leaving {
  std::string member_id;  // may be empty when instance_id names the member
  std::optional<std::string> instance_id;
};
struct LeaveResult {
  int16_t error = 0;                   // group-level
  std::vector<int16_t> member_errors;  // one per Leaving
};

struct MemberSummary {
  std::string member_id;
  std::optional<std::string> instance_id;
  std::string client_id;
  std::string client_host;
  Bytes metadata;    // Stable groups only
  Bytes assignment;  // Stable groups only
};
struct GroupSummary {
  bool exists = false;
  std::string group_id;
  std::string state;  // "Dead" for a group that does not exist
  std::string protocol_type;
  std::string protocol_name;  // Stable groups only
  int32_t generation = 0;
  std::vector<MemberSummary> members;
};

class ClassicCoordinator {
 public:
  ClassicCoordinator(GroupTable& table, ConfigSource config) : table_(table), config_(std::move(config)) {}

  Ticket<JoinResult> join(const JoinRequest& req, int64_t now_ms);
  Ticket<SyncResult> sync(const SyncRequest& req, int64_t now_ms);
  int16_t heartbeat(const std::string& group_id, int32_t generation, const std::string& member_id,
                    const std::optional<std::string>& instance_id, int64_t now_ms);
  LeaveResult leave(const std::string& group_id, const std::vector<Leaving>& members, int64_t now_ms);
  GroupSummary describe(const std::string& group_id);

  // --- For the coordinator, with the group held
  // Whether a member (or, with generation -1 and no member id, a simple consumer) may
  // commit offsets to the group: NONE, or the error to answer. A simple consumer's commit
  // to a group that does not exist makes an empty classic group.
  int16_t check_commit(GroupTable::Update& u, const std::string& member_id, int32_t generation,
                       const std::optional<std::string>& instance_id, int64_t now_ms);
  // The same for TxnOffsetCommit (KIP-447), as Kafka checks it: a group that does not exist
  // is made (empty); generation -1 commits to an empty group; a member id, instance id or
  // generation must be the current member's; naming none of them (versions before KIP-447)
  // commits whatever the group's state.
  int16_t check_txn_commit(GroupTable::Update& u, const std::string& member_id, int32_t generation,
                           const std::optional<std::string>& instance_id, int64_t now_ms);
  // OffsetDelete: NONE and the topics the members consume (into `subscribed`), or the error.
  static int16_t check_offset_delete(const ClassicGroup& g, std::set<std::string>& subscribed);
  // Session timeouts and the rebalance's deadlines of the classic group `u` holds.
  void tick(GroupTable::Update& u, int64_t now_ms);

 private:
  struct JoinStep;  // classic_join.cc
  ClassicSettings settings() const { return ClassicSettings::from(*config_()); }
  static int16_t check_join(const GroupEntry& e, const JoinRequest& req);
  static JoinStep join_without_id(ClassicRebalance& rb, const JoinRequest& req, const ClassicSettings& s);
  static JoinStep rejoin_static(ClassicRebalance& rb, Member& old, const JoinRequest& req);
  static JoinStep join_as_new(ClassicRebalance& rb, Member m, const JoinRequest& req);
  static JoinStep rejoin(ClassicRebalance& rb, const JoinRequest& req);
  static JoinStep rejoin_and_rebalance(ClassicRebalance& rb, Member& m, const JoinRequest& req,
                                       const std::string& why);
  static Ticket<JoinResult> ticket(ClassicRebalance& rb, JoinStep step);

  GroupTable& table_;
  ConfigSource config_;
};

}  // namespace chronik::broker::group
