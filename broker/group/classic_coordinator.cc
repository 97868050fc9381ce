// SyncGroup, Heartbeat, LeaveGroup, DescribeGroups and the classic side of commits and
// deadlines (JoinGroup is in classic_join.cc).
#include "broker/group/classic_coordinator.h"

#include <algorithm>

#include "broker/group/group_records.h"
#include "broker/log/log_store.h"

namespace chronik::broker::group {
namespace {

constexpr int16_t kNone = 0;
// As for JoinGroup: how long after the sync deadline a waiting SyncGroup is still kept.
constexpr int32_t kWaitMarginMs = 5000;

int16_t E(ErrorCode c) { return err(c); }

// FENCED_INSTANCE_ID when `instance_id` belongs to another member id.
bool fenced(const ClassicGroup& g, const std::string& member_id, const std::optional<std::string>& instance_id) {
  if (!instance_id) return false;
  auto it = g.static_members.find(*instance_id);
  return it != g.static_members.end() && it->second != member_id;
}

int16_t check_sync(const ClassicGroup* g, const SyncRequest& req) {
  if (!g || g->state == GroupState::kEmpty || g->state == GroupState::kDead) return E(ErrorCode::UNKNOWN_MEMBER_ID);
  if (fenced(*g, req.member_id, req.instance_id)) return E(ErrorCode::FENCED_INSTANCE_ID);
  if (!g->has_member(req.member_id)) return E(ErrorCode::UNKNOWN_MEMBER_ID);
  if (req.generation != g->generation) return E(ErrorCode::ILLEGAL_GENERATION);
  if ((req.protocol_type && *req.protocol_type != g->protocol_type) ||
      (req.protocol_name && g->protocol_name && *req.protocol_name != *g->protocol_name))
    return E(ErrorCode::INCONSISTENT_GROUP_PROTOCOL);
  if (g->state == GroupState::kPreparingRebalance) return E(ErrorCode::REBALANCE_IN_PROGRESS);
  return kNone;
}

}  // namespace

// --- SyncGroup ---------------------------------------------------------------------------

Ticket<SyncResult> ClassicCoordinator::sync(const SyncRequest& req, int64_t now_ms) {
  Ticket<SyncResult> t;
  auto u = table_.update(req.group_id, /*create=*/false);
  ClassicGroup* g = u && u->classic ? &*u->classic : nullptr;
  if (int16_t e = check_sync(g, req)) {
    t.now = SyncResult{e};
    return t;
  }
  Member& m = g->members.at(req.member_id);
  m.heartbeat_deadline_ms = now_ms + m.session_timeout_ms;
  if (g->state == GroupState::kStable) {
    t.now = SyncResult{kNone, g->protocol_type, g->protocol_name, m.assignment};
    return t;
  }
  // CompletingRebalance: every member waits for the leader's assignment.
  auto slot = m.awaiting_sync ? m.awaiting_sync : std::make_shared<Slot<SyncResult>>();
  m.awaiting_sync = slot;
  if (g->leader == m.id) {
    ClassicRebalance rb(*g, settings(), now_ms, u.writes());
    rb.complete_sync(req.assignments);
    if (rb.woke()) u.wake();
  }
  if (auto ready = slot->get()) {
    t.now = std::move(ready);
  } else {
    t.later = std::move(slot);
    t.max_wait_ms = static_cast<int32_t>(std::max<int64_t>(0, g->sync_deadline_ms - now_ms)) + kWaitMarginMs;
  }
  return t;
}

// --- Heartbeat, LeaveGroup ---------------------------------------------------------------

// Stores nothing (a heartbeat only moves the member's deadline): it never waits for a write.
int16_t ClassicCoordinator::heartbeat(const std::string& group_id, int32_t generation, const std::string& member_id,
                                      const std::optional<std::string>& instance_id, int64_t now_ms) {
  auto a = table_.access(group_id);
  ClassicGroup* g = a && a->classic ? &*a->classic : nullptr;
  if (!g) return E(ErrorCode::UNKNOWN_MEMBER_ID);
  if (g->state == GroupState::kDead) return E(ErrorCode::COORDINATOR_NOT_AVAILABLE);
  if (fenced(*g, member_id, instance_id)) return E(ErrorCode::FENCED_INSTANCE_ID);
  if (g->state == GroupState::kEmpty || !g->has_member(member_id)) return E(ErrorCode::UNKNOWN_MEMBER_ID);
  if (generation != g->generation) return E(ErrorCode::ILLEGAL_GENERATION);
  Member& m = g->members.at(member_id);
  m.heartbeat_deadline_ms = now_ms + m.session_timeout_ms;
  return g->state == GroupState::kPreparingRebalance ? E(ErrorCode::REBALANCE_IN_PROGRESS) : kNone;
}

LeaveResult ClassicCoordinator::leave(const std::string& group_id, const std::vector<Leaving>& leaving,
                                      int64_t now_ms) {
  LeaveResult r;
  auto u = table_.update(group_id, /*create=*/false);
  if (!u || !u->classic) {
    r.member_errors.assign(leaving.size(), E(ErrorCode::UNKNOWN_MEMBER_ID));
    return r;
  }
  ClassicGroup& g = *u->classic;
  ClassicRebalance rb(g, settings(), now_ms, u.writes());
  for (const auto& l : leaving) {
    int16_t e = kNone;
    if (l.instance_id) {
      auto it = g.static_members.find(*l.instance_id);
      if (it == g.static_members.end()) e = E(ErrorCode::UNKNOWN_MEMBER_ID);
      else if (!l.member_id.empty() && l.member_id != it->second) e = E(ErrorCode::FENCED_INSTANCE_ID);
      else rb.remove_member(std::string(it->second), "left the group");
    } else if (g.pending_members.erase(l.member_id)) {
      rb.maybe_complete_join();
    } else if (!g.has_member(l.member_id)) {
      e = E(ErrorCode::UNKNOWN_MEMBER_ID);
    } else {
      rb.remove_member(l.member_id, "left the group");
    }
    r.member_errors.push_back(e);
  }
  if (rb.woke()) u.wake();
  return r;
}

// --- DescribeGroups ----------------------------------------------------------------------

GroupSummary ClassicCoordinator::describe(const std::string& group_id) {
  GroupSummary s;
  s.group_id = group_id;
  auto a = table_.access(group_id);
  const ClassicGroup* g = a && a->classic ? &*a->classic : nullptr;
  if (!g) {
    s.state = state_name(GroupState::kDead);
    return s;
  }
  s.exists = true;
  s.state = state_name(g->state);
  s.protocol_type = g->protocol_type;
  s.generation = g->generation;
  const bool stable = g->state == GroupState::kStable && g->protocol_name;
  if (stable) s.protocol_name = *g->protocol_name;
  for (const auto& [id, m] : g->members) {
    MemberSummary ms{id, m.instance_id, m.client_id, m.client_host, {}, {}};
    if (stable) {
      if (const Bytes* metadata = m.metadata_for(*g->protocol_name)) ms.metadata = *metadata;
      ms.assignment = m.assignment;
    }
    s.members.push_back(std::move(ms));
  }
  return s;
}

// --- Commits, offset deletion, deadlines -------------------------------------------------

int16_t ClassicCoordinator::check_commit(GroupTable::Update& u, const std::string& member_id, int32_t generation,
                                         const std::optional<std::string>& instance_id, int64_t now_ms) {
  if (!u->classic) {
    // Only a consumer that manages its partitions itself commits to a group that does not
    // exist; anything claiming a generation is from a group that is gone.
    if (generation >= 0) return E(ErrorCode::ILLEGAL_GENERATION);
    u->become_classic(now_ms);
    return kNone;
  }
  ClassicGroup& g = *u->classic;
  if (g.state == GroupState::kDead) return E(ErrorCode::COORDINATOR_NOT_AVAILABLE);
  if (generation < 0 && g.state == GroupState::kEmpty) return kNone;  // a simple consumer
  if (g.state == GroupState::kCompletingRebalance) return E(ErrorCode::REBALANCE_IN_PROGRESS);
  if (fenced(g, member_id, instance_id)) return E(ErrorCode::FENCED_INSTANCE_ID);
  if (!g.has_member(member_id)) return E(ErrorCode::UNKNOWN_MEMBER_ID);
  if (generation != g.generation) return E(ErrorCode::ILLEGAL_GENERATION);
  Member& m = g.members.at(member_id);
  m.heartbeat_deadline_ms = now_ms + m.session_timeout_ms;
  return kNone;
}

int16_t ClassicCoordinator::check_txn_commit(GroupTable::Update& u, const std::string& member_id, int32_t generation,
                                             const std::optional<std::string>& instance_id, int64_t now_ms) {
  (void)now_ms;
  ClassicGroup& g = u->become_classic(now_ms);
  if (g.state == GroupState::kDead) return E(ErrorCode::COORDINATOR_NOT_AVAILABLE);
  if (generation < 0 && g.state == GroupState::kEmpty) return kNone;  // a producer without a group
  // Anything naming a member or generation must be the current member (Kafka's
  // validateCurrentMember); a request naming neither (TxnOffsetCommit before v3) may commit.
  if (generation < 0 && member_id.empty() && !instance_id) return kNone;
  if (instance_id) {
    auto it = g.static_members.find(*instance_id);
    if (it == g.static_members.end()) return E(ErrorCode::UNKNOWN_MEMBER_ID);
    if (it->second != member_id) return E(ErrorCode::FENCED_INSTANCE_ID);
  }
  if (!g.has_member(member_id)) return E(ErrorCode::UNKNOWN_MEMBER_ID);
  if (generation != g.generation) return E(ErrorCode::ILLEGAL_GENERATION);
  return kNone;
}

int16_t ClassicCoordinator::check_offset_delete(const ClassicGroup& g, std::set<std::string>& subscribed) {
  if (g.state == GroupState::kDead) return E(ErrorCode::GROUP_ID_NOT_FOUND);
  if (g.state == GroupState::kEmpty) return kNone;
  if (g.protocol_type != "consumer") return E(ErrorCode::NON_EMPTY_GROUP);
  for (const auto& [id, m] : g.members) {
    const Bytes* metadata = g.protocol_name ? m.metadata_for(*g.protocol_name) : nullptr;
    if (!metadata && !m.protocols.empty()) metadata = &m.protocols.front().second;
    if (metadata)
      for (auto& topic : subscribed_topics(*metadata)) subscribed.insert(std::move(topic));
  }
  return kNone;
}

void ClassicCoordinator::tick(GroupTable::Update& u, int64_t now_ms) {
  ClassicRebalance rb(*u->classic, settings(), now_ms, u.writes());
  rb.run_deadlines();
  if (rb.woke()) u.wake();
}

}  // namespace chronik::broker::group
