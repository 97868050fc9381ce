#include "broker/group/classic_rebalance.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "broker/group/group_records.h"
#include "broker/log/log_store.h"
#include "broker/config/loggers.h"

namespace chronik::broker::group {
namespace {

int16_t E(ErrorCode c) { return err(c); }

}  // namespace

ClassicSettings ClassicSettings::from(const config::BrokerConfig& c) {
  return ClassicSettings{c.get_int("group.min.session.timeout.ms"), c.get_int("group.max.session.timeout.ms"),
                         c.get_int("group.max.size"), c.get_int("group.initial.rebalance.delay.ms")};
}

void ClassicRebalance::set_state(GroupState s) {
  g_.state = s;
  g_.state_timestamp_ms = now_ms_;
}

void ClassicRebalance::persist() { writes_.put(group_record_key(g_.id), encode_group_record(g_)); }

JoinResult ClassicRebalance::result_for(const Member& m, bool leader_members, bool skip_assignment) const {
  JoinResult r;
  r.generation = g_.generation;
  r.protocol_type = g_.protocol_type;
  r.protocol_name = g_.protocol_name;
  r.leader = g_.leader.value_or("");
  r.member_id = m.id;
  r.skip_assignment = skip_assignment;
  if (leader_members && g_.protocol_name)
    for (const auto& [id, member] : g_.members) {
      const Bytes* metadata = member.metadata_for(*g_.protocol_name);
      r.members.push_back({id, member.instance_id, metadata ? *metadata : Bytes{}});
    }
  return r;
}

// --- Membership --------------------------------------------------------------------------

void ClassicRebalance::add_member(Member m, const JoinRequest& req, std::shared_ptr<Slot<JoinResult>> slot) {
  if (g_.members.empty()) g_.protocol_type = req.protocol_type;
  m.instance_id = req.instance_id;
  const std::string id = m.id;
  if (req.instance_id) g_.static_members[*req.instance_id] = id;
  Member& placed = g_.members.emplace(id, std::move(m)).first->second;
  update_member(placed, req, std::move(slot));
  if (g_.state != GroupState::kPreparingRebalance) {
    prepare("member " + id + " joined");
    return;
  }
  // Each member joining during the initial delay extends it (up to its limit).
  if (g_.initial_delay_active)
    g_.join_not_before_ms = std::min(now_ms_ + settings_.initial_rebalance_delay_ms, g_.initial_delay_limit_ms);
  g_.rebalance_deadline_ms = std::max(g_.rebalance_deadline_ms, now_ms_ + req.rebalance_timeout_ms);
  maybe_complete_join();
}

void ClassicRebalance::update_member(Member& m, const JoinRequest& req, std::shared_ptr<Slot<JoinResult>> slot) {
  m.protocols = req.protocols;
  m.session_timeout_ms = req.session_timeout_ms;
  m.rebalance_timeout_ms = req.rebalance_timeout_ms;
  m.client_id = req.client_id;
  m.client_host = req.client_host;
  m.awaiting_join = std::move(slot);
  m.heartbeat_deadline_ms = now_ms_ + m.session_timeout_ms;
}

Member& ClassicRebalance::replace_static_member(Member& old, const std::string& new_id, const JoinRequest& req) {
  Member m = std::move(old);
  g_.members.erase(m.id);
  if (m.awaiting_join || m.awaiting_sync) woke_ = true;  // the old incarnation's requests
  if (m.awaiting_join) m.awaiting_join->fill(JoinResult{E(ErrorCode::FENCED_INSTANCE_ID)});
  if (m.awaiting_sync) m.awaiting_sync->fill(SyncResult{E(ErrorCode::FENCED_INSTANCE_ID)});
  m.awaiting_join.reset();
  m.awaiting_sync.reset();
  if (g_.leader == m.id) g_.leader = new_id;
  m.id = new_id;
  m.protocols = req.protocols;
  m.session_timeout_ms = req.session_timeout_ms;
  m.rebalance_timeout_ms = req.rebalance_timeout_ms;
  m.client_id = req.client_id;
  m.client_host = req.client_host;
  m.heartbeat_deadline_ms = now_ms_ + req.session_timeout_ms;
  g_.static_members[*req.instance_id] = new_id;
  return g_.members.emplace(new_id, std::move(m)).first->second;
}

void ClassicRebalance::remove_member(const std::string& member_id, const std::string& why) {
  auto it = g_.members.find(member_id);
  if (it == g_.members.end()) return;
  Member& m = it->second;
  if (m.awaiting_join) m.awaiting_join->fill(JoinResult{E(ErrorCode::UNKNOWN_MEMBER_ID), -1, {}, {}, {}, member_id});
  if (m.awaiting_sync) m.awaiting_sync->fill(SyncResult{E(ErrorCode::UNKNOWN_MEMBER_ID)});
  if (m.instance_id) {
    auto s = g_.static_members.find(*m.instance_id);
    if (s != g_.static_members.end() && s->second == member_id) g_.static_members.erase(s);
  }
  if (g_.leader == member_id) g_.leader.reset();
  g_.members.erase(it);
  woke_ = true;
  const std::string reason = "member " + member_id + " " + why;
  switch (g_.state) {
    case GroupState::kStable:
    case GroupState::kCompletingRebalance:
      prepare(reason);
      break;
    case GroupState::kPreparingRebalance:
      ::chronik::config::named_logger("chronik.group").info("group {}: {}", g_.id, reason);
      maybe_complete_join();
      break;
    default:
      break;
  }
}

// --- Transitions -------------------------------------------------------------------------

void ClassicRebalance::prepare(const std::string& why) {
  if (g_.state == GroupState::kCompletingRebalance) fail_waiters(E(ErrorCode::REBALANCE_IN_PROGRESS));
  const int32_t rebalance_timeout = g_.max_rebalance_timeout_ms();
  if (g_.state == GroupState::kEmpty) {
    // A new group waits a little for more members before its first assignment.
    const int32_t delay = std::min(settings_.initial_rebalance_delay_ms, rebalance_timeout);
    g_.initial_delay_active = delay > 0;
    g_.join_not_before_ms = now_ms_ + delay;
    g_.initial_delay_limit_ms = now_ms_ + rebalance_timeout;
  } else {
    g_.initial_delay_active = false;
    g_.join_not_before_ms = now_ms_;
  }
  g_.rebalance_deadline_ms = now_ms_ + rebalance_timeout;
  set_state(GroupState::kPreparingRebalance);
  ::chronik::config::named_logger("chronik.group").info("group {}: rebalancing after generation {}: {}", g_.id, g_.generation, why);
  maybe_complete_join();
}

void ClassicRebalance::maybe_complete_join() {
  if (g_.state != GroupState::kPreparingRebalance) return;
  if (g_.all_members_joined() && now_ms_ >= g_.join_not_before_ms) complete_join();
}

void ClassicRebalance::complete_join() {
  // Members that did not rejoin in time are out.
  std::vector<std::string> gone;
  for (const auto& [id, m] : g_.members)
    if (!m.awaiting_join) gone.push_back(id);
  for (const auto& id : gone) {
    auto& m = g_.members.at(id);
    if (m.instance_id && g_.static_members[*m.instance_id] == id) g_.static_members.erase(*m.instance_id);
    if (g_.leader == id) g_.leader.reset();
    ::chronik::config::named_logger("chronik.group").info("group {}: member {} removed: did not rejoin within the rebalance timeout", g_.id, id);
    g_.members.erase(id);
  }
  g_.initial_delay_active = false;
  ++g_.generation;
  woke_ = true;
  if (g_.members.empty()) {
    g_.protocol_name.reset();
    g_.leader.reset();
    set_state(GroupState::kEmpty);
    persist();
    return;
  }
  g_.protocol_name = g_.select_protocol();
  if (!g_.leader || !g_.has_member(*g_.leader)) g_.leader = g_.members.begin()->first;
  set_state(GroupState::kCompletingRebalance);
  g_.sync_deadline_ms = now_ms_ + g_.max_rebalance_timeout_ms();
  for (auto& [id, m] : g_.members) {
    m.assignment.clear();
    m.heartbeat_deadline_ms = now_ms_ + m.session_timeout_ms;
    if (m.awaiting_join) m.awaiting_join->fill(result_for(m, id == *g_.leader, false));
    m.awaiting_join.reset();
  }
  ::chronik::config::named_logger("chronik.group").info("group {}: generation {} with {} members, protocol {}", g_.id, g_.generation, g_.members.size(),
               *g_.protocol_name);
}

void ClassicRebalance::complete_sync(const std::vector<std::pair<std::string, Bytes>>& assignments) {
  for (auto& [id, member] : g_.members) member.assignment.clear();
  for (const auto& [id, assignment] : assignments) {
    auto it = g_.members.find(id);
    if (it != g_.members.end()) it->second.assignment = assignment;
  }
  set_state(GroupState::kStable);
  persist();
  for (auto& [id, member] : g_.members) {
    if (member.awaiting_sync)
      member.awaiting_sync->fill(SyncResult{0, g_.protocol_type, g_.protocol_name, member.assignment});
    member.awaiting_sync.reset();
  }
  woke_ = true;
}

void ClassicRebalance::fail_waiters(int16_t error) {
  for (auto& [id, m] : g_.members) {
    if (m.awaiting_sync) m.awaiting_sync->fill(SyncResult{error});
    m.awaiting_sync.reset();
    m.assignment.clear();
  }
  woke_ = true;
}

void ClassicRebalance::run_deadlines() {
  for (auto it = g_.pending_members.begin(); it != g_.pending_members.end();)
    it = now_ms_ >= it->second ? g_.pending_members.erase(it) : std::next(it);
  std::vector<std::string> expired;
  for (const auto& [id, m] : g_.members)
    if (!m.awaiting_join && now_ms_ >= m.heartbeat_deadline_ms) expired.push_back(id);
  for (const auto& id : expired) remove_member(id, "timed out (no heartbeat within its session timeout)");
  if (g_.state == GroupState::kPreparingRebalance) {
    if (now_ms_ >= g_.rebalance_deadline_ms) complete_join();
    else maybe_complete_join();
  } else if (g_.state == GroupState::kCompletingRebalance && now_ms_ >= g_.sync_deadline_ms) {
    prepare("the leader's assignment did not arrive within the rebalance timeout");
  }
}

}  // namespace chronik::broker::group
