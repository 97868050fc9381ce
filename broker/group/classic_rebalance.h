// Kafka's classic rebalance state machine for one group, for the length of one operation
// while the caller holds the group (a GroupTable::Update):
//
//   Empty -> PreparingRebalance -> CompletingRebalance -> Stable
//
// PreparingRebalance waits for every member to rejoin (JoinGroup); CompletingRebalance
// waits for the leader's assignment (SyncGroup). It answers waiting requests by filling
// their slots and tells the caller what else to do once the operation ends: wake the
// group's waiting requests (woke()) and store the group record (staged in `writes`).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "broker/config/broker_config.h"
#include "broker/group/classic_group.h"
#include "broker/group/group_table.h"

namespace chronik::broker::group {

struct ClassicSettings {
  int32_t min_session_timeout_ms = 0;
  int32_t max_session_timeout_ms = 0;
  int32_t max_size = 0;
  int32_t initial_rebalance_delay_ms = 0;
  static ClassicSettings from(const config::BrokerConfig& config);
};

class ClassicRebalance {
 public:
  ClassicRebalance(ClassicGroup& g, const ClassicSettings& settings, int64_t now_ms, GroupWrites& writes)
      : g_(g), settings_(settings), now_ms_(now_ms), writes_(writes) {}

  ClassicGroup& group() { return g_; }
  int64_t now_ms() const { return now_ms_; }
  bool woke() const { return woke_; }

  // --- Membership
  // A new member (its id set) joins and waits on `slot` for the end of the join phase.
  void add_member(Member m, const JoinRequest& req, std::shared_ptr<Slot<JoinResult>> slot);
  // A known member rejoins with what `req` says and waits on `slot`.
  void update_member(Member& m, const JoinRequest& req, std::shared_ptr<Slot<JoinResult>> slot);
  // A restarted static member takes over `old`'s place under `new_id`, fencing the old id.
  Member& replace_static_member(Member& old, const std::string& new_id, const JoinRequest& req);
  void remove_member(const std::string& member_id, const std::string& why);

  // --- Transitions
  // To PreparingRebalance (from any state): every member must rejoin.
  void prepare(const std::string& why);
  // Ends the join phase when every member has rejoined (and the initial delay is over).
  void maybe_complete_join();
  // The leader's assignment: the group is Stable and every waiting SyncGroup is answered.
  void complete_sync(const std::vector<std::pair<std::string, Bytes>>& assignments);
  // Session timeouts, the join phase's and the sync's deadlines.
  void run_deadlines();

  // Stages the group record as it is now.
  void persist();
  // What JoinGroup answers `m` (the leader also gets every member's metadata).
  JoinResult result_for(const Member& m, bool leader_members, bool skip_assignment) const;

 private:
  void complete_join();
  void fail_waiters(int16_t error);
  void set_state(GroupState s);

  ClassicGroup& g_;
  const ClassicSettings settings_;
  const int64_t now_ms_;
  GroupWrites& writes_;
  bool woke_ = false;
};

}  // namespace chronik::broker::group
