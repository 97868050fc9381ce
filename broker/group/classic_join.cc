// JoinGroup, step by step: the request's own checks, the group's, then one of
//   a member without an id: new (KIP-394: told its id first), or a static member back;
//   a member with the id it was given (pending), or a known member rejoining.
#include <algorithm>
#include <cstdio>

#include <spdlog/spdlog.h>

#include "broker/group/classic_coordinator.h"
#include "broker/log/log_store.h"
#include "runtime/wire/uuid.h"
#include "broker/config/loggers.h"

namespace chronik::broker::group {
namespace {

// How much longer than the join phase a waiting JoinGroup is kept before it is answered
// with REBALANCE_IN_PROGRESS (clients time their request out at rebalance timeout + 5 s).
constexpr int32_t kWaitMarginMs = 5000;

int16_t E(ErrorCode c) { return err(c); }

// Kafka's member ids: the client id (or group.instance.id) and a random UUID.
std::string new_member_id(const std::string& prefix) {
  const auto b = wire::Uuid::random().bytes;
  char uuid[37];
  std::snprintf(uuid, sizeof uuid,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return prefix + "-" + uuid;
}

Member member_with_id(std::string id) {
  Member m;
  m.id = std::move(id);
  return m;
}

Ticket<JoinResult> failed(int16_t error, std::string member_id) {
  JoinResult r;
  r.error = error;
  r.member_id = std::move(member_id);
  return Ticket<JoinResult>{std::move(r), nullptr, 0};
}

}  // namespace

// Where a join step left the member: answered now, or waiting on a slot.
struct ClassicCoordinator::JoinStep {
  std::optional<JoinResult> now;
  std::shared_ptr<Slot<JoinResult>> slot;

  static JoinStep answer(JoinResult r) { return JoinStep{std::move(r), nullptr}; }
  static JoinStep fail(ErrorCode code, std::string member_id) {
    JoinResult r;
    r.error = E(code);
    r.member_id = std::move(member_id);
    return answer(std::move(r));
  }
  static JoinStep wait(std::shared_ptr<Slot<JoinResult>> slot) { return JoinStep{std::nullopt, std::move(slot)}; }
};

Ticket<JoinResult> ClassicCoordinator::join(const JoinRequest& req, int64_t now_ms) {
  const ClassicSettings s = settings();
  if (req.group_id.empty()) return failed(E(ErrorCode::INVALID_GROUP_ID), req.member_id);
  if (req.session_timeout_ms < s.min_session_timeout_ms || req.session_timeout_ms > s.max_session_timeout_ms)
    return failed(E(ErrorCode::INVALID_SESSION_TIMEOUT), req.member_id);
  // Only a member without an id may make a group; an id names a member of an existing one.
  auto u = table_.update(req.group_id, /*create=*/req.member_id.empty());
  if (!u) return failed(E(ErrorCode::UNKNOWN_MEMBER_ID), req.member_id);
  if (int16_t e = check_join(*u, req)) return failed(e, req.member_id);

  ClassicRebalance rb(u->become_classic(now_ms), s, now_ms, u.writes());
  JoinStep step;
  if (req.member_id.empty()) step = join_without_id(rb, req, s);
  else if (rb.group().pending_members.erase(req.member_id)) step = join_as_new(rb, member_with_id(req.member_id), req);
  else step = rejoin(rb, req);
  if (rb.woke()) u.wake();
  return ticket(rb, std::move(step));
}

int16_t ClassicCoordinator::check_join(const GroupEntry& e, const JoinRequest& req) {
  if (e.consumer && !e.consumer->members().empty()) return E(ErrorCode::INCONSISTENT_GROUP_PROTOCOL);
  // An empty consumer group, or none, becomes a classic group only for a new member.
  const ClassicGroup* g = e.classic ? &*e.classic : nullptr;
  if (!g && !req.member_id.empty()) return E(ErrorCode::UNKNOWN_MEMBER_ID);
  const bool supported = g ? g->supports(req.protocol_type, req.protocols)
                           : !req.protocol_type.empty() && !req.protocols.empty();
  return supported ? 0 : E(ErrorCode::INCONSISTENT_GROUP_PROTOCOL);
}

ClassicCoordinator::JoinStep ClassicCoordinator::join_without_id(ClassicRebalance& rb, const JoinRequest& req,
                                                                 const ClassicSettings& s) {
  ClassicGroup& g = rb.group();
  if (Member* old = req.instance_id ? g.static_member(*req.instance_id) : nullptr) return rejoin_static(rb, *old, req);
  if (g.members.size() + g.pending_members.size() >= static_cast<size_t>(s.max_size))
    return JoinStep::fail(ErrorCode::GROUP_MAX_SIZE_REACHED, "");
  if (!req.instance_id && req.version >= 4) {
    // KIP-394: the member gets its id first and joins with it, so that a client that
    // times out does not leave members behind.
    const std::string id = new_member_id(req.client_id);
    g.pending_members[id] = rb.now_ms() + req.session_timeout_ms;
    return JoinStep::fail(ErrorCode::MEMBER_ID_REQUIRED, id);
  }
  return join_as_new(rb, member_with_id(new_member_id(req.instance_id.value_or(req.client_id))), req);
}

// A restarted static member takes over its old member id's place (fencing the old id); a
// stable group keeps its assignment when nothing changed.
ClassicCoordinator::JoinStep ClassicCoordinator::rejoin_static(ClassicRebalance& rb, Member& old,
                                                               const JoinRequest& req) {
  ClassicGroup& g = rb.group();
  Member& m = rb.replace_static_member(old, new_member_id(*req.instance_id), req);
  if (g.state == GroupState::kStable && g.protocol_name && g.select_protocol() == *g.protocol_name) {
    rb.persist();
    const bool leader = g.leader == m.id;
    ::chronik::config::named_logger("chronik.group").info("group {}: static member {} rejoined as {}", g.id, *req.instance_id, m.id);
    return JoinStep::answer(rb.result_for(m, leader, leader && req.version >= 9));
  }
  auto slot = std::make_shared<Slot<JoinResult>>();
  m.awaiting_join = slot;
  if (g.state == GroupState::kPreparingRebalance) rb.maybe_complete_join();
  else rb.prepare("static member " + *req.instance_id + " rejoined");
  return JoinStep::wait(std::move(slot));
}

ClassicCoordinator::JoinStep ClassicCoordinator::join_as_new(ClassicRebalance& rb, Member m, const JoinRequest& req) {
  auto slot = std::make_shared<Slot<JoinResult>>();
  rb.add_member(std::move(m), req, slot);
  return JoinStep::wait(std::move(slot));
}

// A member with the id the group knows it by.
ClassicCoordinator::JoinStep ClassicCoordinator::rejoin(ClassicRebalance& rb, const JoinRequest& req) {
  ClassicGroup& g = rb.group();
  if (req.instance_id) {
    auto it = g.static_members.find(*req.instance_id);
    if (it != g.static_members.end() && it->second != req.member_id)
      return JoinStep::fail(ErrorCode::FENCED_INSTANCE_ID, req.member_id);
  }
  auto it = g.members.find(req.member_id);
  if (it == g.members.end()) return JoinStep::fail(ErrorCode::UNKNOWN_MEMBER_ID, req.member_id);
  Member& m = it->second;
  switch (g.state) {
    case GroupState::kPreparingRebalance: {
      auto slot = m.awaiting_join ? m.awaiting_join : std::make_shared<Slot<JoinResult>>();
      rb.update_member(m, req, slot);
      rb.maybe_complete_join();
      return JoinStep::wait(std::move(slot));
    }
    case GroupState::kCompletingRebalance:
      // It missed the JoinGroup answer: the current generation again.
      if (m.same_protocols(req.protocols)) return JoinStep::answer(rb.result_for(m, g.leader == m.id, false));
      return rejoin_and_rebalance(rb, m, req, "member " + m.id + " rejoined with new protocols");
    case GroupState::kStable:
      if (g.leader == m.id) return rejoin_and_rebalance(rb, m, req, "the leader rejoined");
      if (!m.same_protocols(req.protocols))
        return rejoin_and_rebalance(rb, m, req, "member " + m.id + " changed protocols");
      m.heartbeat_deadline_ms = rb.now_ms() + m.session_timeout_ms;
      return JoinStep::answer(rb.result_for(m, false, false));
    case GroupState::kEmpty:
    case GroupState::kDead:
      break;
  }
  return JoinStep::fail(ErrorCode::UNKNOWN_MEMBER_ID, req.member_id);
}

ClassicCoordinator::JoinStep ClassicCoordinator::rejoin_and_rebalance(ClassicRebalance& rb, Member& m,
                                                                      const JoinRequest& req, const std::string& why) {
  auto slot = std::make_shared<Slot<JoinResult>>();
  rb.update_member(m, req, slot);
  rb.prepare(why);
  return JoinStep::wait(std::move(slot));
}

Ticket<JoinResult> ClassicCoordinator::ticket(ClassicRebalance& rb, JoinStep step) {
  Ticket<JoinResult> t;
  if (step.now) t.now = std::move(step.now);
  else if (auto ready = step.slot->get()) t.now = std::move(ready);
  if (t.now) return t;
  const ClassicGroup& g = rb.group();
  t.later = std::move(step.slot);
  t.max_wait_ms = static_cast<int32_t>(
      std::max<int64_t>(0, std::max(g.rebalance_deadline_ms, g.join_not_before_ms) - rb.now_ms()) + kWaitMarginMs);
  return t;
}

}  // namespace chronik::broker::group
