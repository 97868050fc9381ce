#include "broker/group/group_coordinator.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include <spdlog/spdlog.h>

#include "broker/group/group_records.h"
#include "runtime/wire/uuid.h"

namespace chronik::broker::group {
namespace {

constexpr int16_t kNone = 0;
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

}  // namespace

struct GroupCoordinator::Settings {
  int32_t min_session_timeout_ms;
  int32_t max_session_timeout_ms;
  int32_t max_size;
  int32_t initial_rebalance_delay_ms;
  int64_t offsets_retention_ms;
  int64_t offsets_retention_check_ms;
};

GroupCoordinator::GroupCoordinator(std::shared_ptr<LogStore> store, ConfigSource config)
    : store_(std::move(store)), config_(std::move(config)) {}

GroupCoordinator::Settings GroupCoordinator::settings() const {
  auto c = config_();
  return Settings{c->get_int("group.min.session.timeout.ms"),
                  c->get_int("group.max.session.timeout.ms"),
                  c->get_int("group.max.size"),
                  c->get_int("group.initial.rebalance.delay.ms"),
                  c->get_long("offsets.retention.minutes") * 60'000,
                  c->get_long("offsets.retention.check.interval.ms")};
}

void GroupCoordinator::notify() {
  std::vector<std::string> groups;
  {
    std::lock_guard lock(mu_);
    groups.swap(changed_);
  }
  std::sort(groups.begin(), groups.end());
  groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
  if (on_change_)
    for (const auto& g : groups) on_change_(g);
}

ClassicGroup* GroupCoordinator::find(const std::string& group_id) {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : &it->second;
}

ClassicGroup& GroupCoordinator::get_or_create(const std::string& group_id, int64_t now_ms) {
  auto [it, created] = groups_.try_emplace(group_id);
  if (created) {
    it->second.id = group_id;
    it->second.state_timestamp_ms = now_ms;
  }
  return it->second;
}

void GroupCoordinator::set_state(ClassicGroup& g, GroupState s, int64_t now_ms) {
  g.state = s;
  g.state_timestamp_ms = now_ms;
}

int16_t GroupCoordinator::check_static(ClassicGroup& g, const std::string& member_id,
                                       const std::optional<std::string>& instance_id) const {
  if (!instance_id) return kNone;
  auto it = g.static_members.find(*instance_id);
  if (it == g.static_members.end()) return E(ErrorCode::UNKNOWN_MEMBER_ID);
  if (it->second != member_id) return E(ErrorCode::FENCED_INSTANCE_ID);
  return kNone;
}

JoinResult GroupCoordinator::join_result_for(const ClassicGroup& g, const Member& m,
                                             bool leader_members, bool skip_assignment) const {
  JoinResult r;
  r.generation = g.generation;
  r.protocol_type = g.protocol_type;
  r.protocol_name = g.protocol_name;
  r.leader = g.leader.value_or("");
  r.member_id = m.id;
  r.skip_assignment = skip_assignment;
  if (leader_members && g.protocol_name)
    for (const auto& [id, member] : g.members) {
      const Bytes* metadata = member.metadata_for(*g.protocol_name);
      r.members.push_back({id, member.instance_id, metadata ? *metadata : Bytes{}});
    }
  return r;
}

// --- JoinGroup ------------------------------------------------------------------------

GroupCoordinator::Ticket<JoinResult> GroupCoordinator::join(const JoinRequest& req,
                                                            int64_t now_ms) {
  Ticket<JoinResult> t;
  std::shared_ptr<Slot<JoinResult>> slot;
  {
    std::lock_guard lock(mu_);
    auto fail = [&](ErrorCode code, std::string member_id) {
      JoinResult r;
      r.error = E(code);
      r.member_id = std::move(member_id);
      t.now = std::move(r);
    };
    const Settings s = settings();
    ClassicGroup* existing = find(req.group_id);
    if (req.group_id.empty()) {
      fail(ErrorCode::INVALID_GROUP_ID, req.member_id);
    } else if (req.session_timeout_ms < s.min_session_timeout_ms ||
               req.session_timeout_ms > s.max_session_timeout_ms) {
      fail(ErrorCode::INVALID_SESSION_TIMEOUT, req.member_id);
    } else if (auto cg = consumer_groups_.find(req.group_id);
               cg != consumer_groups_.end() && !cg->second.members().empty()) {
      fail(ErrorCode::INCONSISTENT_GROUP_PROTOCOL, req.member_id);
    } else if (!existing && !req.member_id.empty()) {
      fail(ErrorCode::UNKNOWN_MEMBER_ID, req.member_id);
    } else if (existing ? !existing->supports(req.protocol_type, req.protocols)
                        : (req.protocol_type.empty() || req.protocols.empty())) {
      fail(ErrorCode::INCONSISTENT_GROUP_PROTOCOL, req.member_id);
    } else {
      consumer_groups_.erase(req.group_id);  // an empty consumer group becomes classic
      ClassicGroup& g = get_or_create(req.group_id, now_ms);
      if (req.member_id.empty()) {
        // A member without an id: new, or a static member coming back.
        Member* old = req.instance_id ? g.static_member(*req.instance_id) : nullptr;
        if (!old && g.members.size() + g.pending_members.size() >= static_cast<size_t>(s.max_size)) {
          fail(ErrorCode::GROUP_MAX_SIZE_REACHED, "");
        } else if (old) {
          // A restarted static member takes over its old member id's place (fencing the
          // old id); a stable group keeps its assignment when nothing changed.
          const std::string new_id = new_member_id(*req.instance_id);
          Member m = std::move(*old);
          g.members.erase(m.id);
          if (m.awaiting_join) m.awaiting_join->fill(JoinResult{E(ErrorCode::FENCED_INSTANCE_ID)});
          if (m.awaiting_sync) m.awaiting_sync->fill(SyncResult{E(ErrorCode::FENCED_INSTANCE_ID)});
          m.awaiting_join.reset();
          m.awaiting_sync.reset();
          const bool was_leader = g.leader == m.id;
          const auto old_protocols = m.protocols;
          m.id = new_id;
          m.protocols = req.protocols;
          m.session_timeout_ms = req.session_timeout_ms;
          m.rebalance_timeout_ms = req.rebalance_timeout_ms;
          m.client_id = req.client_id;
          m.client_host = req.client_host;
          m.heartbeat_deadline_ms = now_ms + req.session_timeout_ms;
          g.static_members[*req.instance_id] = new_id;
          if (was_leader) g.leader = new_id;
          Member& placed = g.members.emplace(new_id, std::move(m)).first->second;
          if (g.state == GroupState::kStable && g.protocol_name &&
              g.select_protocol() == *g.protocol_name) {
            persist_group(g);
            const bool leader = g.leader == new_id;
            t.now = join_result_for(g, placed, leader, leader && req.version >= 9);
            spdlog::info("group {}: static member {} rejoined as {}", g.id, *req.instance_id, new_id);
          } else if (g.state == GroupState::kPreparingRebalance) {
            slot = std::make_shared<Slot<JoinResult>>();
            placed.awaiting_join = slot;
            maybe_complete_join(g, now_ms);
          } else {
            slot = std::make_shared<Slot<JoinResult>>();
            placed.awaiting_join = slot;
            prepare_rebalance(g, now_ms, "static member " + *req.instance_id + " rejoined");
          }
          (void)old_protocols;
        } else if (!req.instance_id && req.version >= 4) {
          // KIP-394: the member gets its id first and joins with it, so that a client that
          // times out does not leave members behind.
          const std::string id = new_member_id(req.client_id);
          g.pending_members[id] = now_ms + req.session_timeout_ms;
          fail(ErrorCode::MEMBER_ID_REQUIRED, id);
        } else {
          Member m;
          m.id = new_member_id(req.instance_id.value_or(req.client_id));
          slot = std::make_shared<Slot<JoinResult>>();
          add_member(g, std::move(m), req, slot, now_ms);
        }
      } else if (g.pending_members.count(req.member_id)) {
        g.pending_members.erase(req.member_id);
        Member m;
        m.id = req.member_id;
        slot = std::make_shared<Slot<JoinResult>>();
        add_member(g, std::move(m), req, slot, now_ms);
      } else if (int16_t e = check_static(g, req.member_id, req.instance_id);
                 e == E(ErrorCode::FENCED_INSTANCE_ID)) {
        fail(ErrorCode::FENCED_INSTANCE_ID, req.member_id);
      } else if (!g.has_member(req.member_id)) {
        fail(ErrorCode::UNKNOWN_MEMBER_ID, req.member_id);
      } else {
        Member& m = g.members.at(req.member_id);
        switch (g.state) {
          case GroupState::kPreparingRebalance:
            slot = m.awaiting_join ? m.awaiting_join : std::make_shared<Slot<JoinResult>>();
            update_member(g, m, req, slot, now_ms);
            maybe_complete_join(g, now_ms);
            break;
          case GroupState::kCompletingRebalance:
            if (m.same_protocols(req.protocols)) {
              // It missed the JoinGroup answer: the current generation again.
              t.now = join_result_for(g, m, g.leader == m.id, false);
            } else {
              slot = std::make_shared<Slot<JoinResult>>();
              update_member(g, m, req, slot, now_ms);
              prepare_rebalance(g, now_ms, "member " + m.id + " rejoined with new protocols");
            }
            break;
          case GroupState::kStable:
            if (g.leader == m.id || !m.same_protocols(req.protocols)) {
              slot = std::make_shared<Slot<JoinResult>>();
              update_member(g, m, req, slot, now_ms);
              prepare_rebalance(g, now_ms,
                                g.leader == m.id ? "the leader rejoined" : "member " + m.id + " changed protocols");
            } else {
              m.heartbeat_deadline_ms = now_ms + m.session_timeout_ms;
              t.now = join_result_for(g, m, false, false);
            }
            break;
          case GroupState::kEmpty:
          case GroupState::kDead:
            fail(ErrorCode::UNKNOWN_MEMBER_ID, req.member_id);
            break;
        }
      }
      if (slot) {
        if (auto ready = slot->get()) {
          t.now = std::move(ready);
        } else {
          t.later = slot;
          t.max_wait_ms = static_cast<int32_t>(
              std::max<int64_t>(0, std::max(g.rebalance_deadline_ms, g.join_not_before_ms) - now_ms) +
              kWaitMarginMs);
        }
      }
    }
  }
  notify();
  return t;
}

void GroupCoordinator::add_member(ClassicGroup& g, Member m, const JoinRequest& req,
                                  std::shared_ptr<Slot<JoinResult>> slot, int64_t now_ms) {
  if (g.members.empty()) g.protocol_type = req.protocol_type;
  m.instance_id = req.instance_id;
  const std::string id = m.id;
  if (req.instance_id) g.static_members[*req.instance_id] = id;
  Member& placed = g.members.emplace(id, std::move(m)).first->second;
  update_member(g, placed, req, std::move(slot), now_ms);
  if (g.state == GroupState::kPreparingRebalance) {
    if (g.initial_delay_active) {
      const Settings s = settings();
      g.join_not_before_ms = std::min(now_ms + s.initial_rebalance_delay_ms, g.initial_delay_limit_ms);
    }
    g.rebalance_deadline_ms = std::max(g.rebalance_deadline_ms, now_ms + req.rebalance_timeout_ms);
    maybe_complete_join(g, now_ms);
  } else {
    prepare_rebalance(g, now_ms, "member " + id + " joined");
  }
}

void GroupCoordinator::update_member(ClassicGroup& g, Member& m, const JoinRequest& req,
                                     std::shared_ptr<Slot<JoinResult>> slot, int64_t now_ms) {
  (void)g;
  m.protocols = req.protocols;
  m.session_timeout_ms = req.session_timeout_ms;
  m.rebalance_timeout_ms = req.rebalance_timeout_ms;
  m.client_id = req.client_id;
  m.client_host = req.client_host;
  m.awaiting_join = std::move(slot);
  m.heartbeat_deadline_ms = now_ms + m.session_timeout_ms;
}

void GroupCoordinator::prepare_rebalance(ClassicGroup& g, int64_t now_ms, const std::string& why) {
  if (g.state == GroupState::kCompletingRebalance) fail_waiters(g, E(ErrorCode::REBALANCE_IN_PROGRESS));
  const int32_t rebalance_timeout = g.max_rebalance_timeout_ms();
  if (g.state == GroupState::kEmpty) {
    // A new group waits a little for more members before its first assignment.
    const Settings s = settings();
    const int32_t delay = std::min(s.initial_rebalance_delay_ms, rebalance_timeout);
    g.initial_delay_active = delay > 0;
    g.join_not_before_ms = now_ms + delay;
    g.initial_delay_limit_ms = now_ms + rebalance_timeout;
  } else {
    g.initial_delay_active = false;
    g.join_not_before_ms = now_ms;
  }
  g.rebalance_deadline_ms = now_ms + rebalance_timeout;
  set_state(g, GroupState::kPreparingRebalance, now_ms);
  spdlog::info("group {}: rebalancing after generation {}: {}", g.id, g.generation, why);
  maybe_complete_join(g, now_ms);
}

void GroupCoordinator::maybe_complete_join(ClassicGroup& g, int64_t now_ms) {
  if (g.state != GroupState::kPreparingRebalance) return;
  if (g.all_members_joined() && now_ms >= g.join_not_before_ms) complete_join(g, now_ms);
}

void GroupCoordinator::complete_join(ClassicGroup& g, int64_t now_ms) {
  // Members that did not rejoin in time are out.
  std::vector<std::string> gone;
  for (const auto& [id, m] : g.members)
    if (!m.awaiting_join) gone.push_back(id);
  for (const auto& id : gone) {
    auto& m = g.members.at(id);
    if (m.instance_id && g.static_members[*m.instance_id] == id) g.static_members.erase(*m.instance_id);
    if (g.leader == id) g.leader.reset();
    spdlog::info("group {}: member {} removed: did not rejoin within the rebalance timeout", g.id, id);
    g.members.erase(id);
  }
  g.initial_delay_active = false;
  ++g.generation;
  if (g.members.empty()) {
    g.protocol_name.reset();
    g.leader.reset();
    set_state(g, GroupState::kEmpty, now_ms);
    persist_group(g);
    changed(g.id);
    return;
  }
  g.protocol_name = g.select_protocol();
  if (!g.leader || !g.has_member(*g.leader)) g.leader = g.members.begin()->first;
  set_state(g, GroupState::kCompletingRebalance, now_ms);
  g.sync_deadline_ms = now_ms + g.max_rebalance_timeout_ms();
  for (auto& [id, m] : g.members) {
    m.assignment.clear();
    m.heartbeat_deadline_ms = now_ms + m.session_timeout_ms;
    if (m.awaiting_join) m.awaiting_join->fill(join_result_for(g, m, id == *g.leader, false));
    m.awaiting_join.reset();
  }
  spdlog::info("group {}: generation {} with {} members, protocol {}", g.id, g.generation,
               g.members.size(), *g.protocol_name);
  changed(g.id);
}

void GroupCoordinator::fail_waiters(ClassicGroup& g, int16_t error) {
  for (auto& [id, m] : g.members) {
    if (m.awaiting_sync) m.awaiting_sync->fill(SyncResult{error});
    m.awaiting_sync.reset();
    m.assignment.clear();
  }
  changed(g.id);
}

void GroupCoordinator::remove_member(ClassicGroup& g, const std::string& member_id, int64_t now_ms,
                                     const std::string& why) {
  auto it = g.members.find(member_id);
  if (it == g.members.end()) return;
  Member& m = it->second;
  if (m.awaiting_join) m.awaiting_join->fill(JoinResult{E(ErrorCode::UNKNOWN_MEMBER_ID), -1, {}, {}, {}, member_id});
  if (m.awaiting_sync) m.awaiting_sync->fill(SyncResult{E(ErrorCode::UNKNOWN_MEMBER_ID)});
  if (m.instance_id) {
    auto s = g.static_members.find(*m.instance_id);
    if (s != g.static_members.end() && s->second == member_id) g.static_members.erase(s);
  }
  if (g.leader == member_id) g.leader.reset();
  g.members.erase(it);
  changed(g.id);
  const std::string reason = "member " + member_id + " " + why;
  switch (g.state) {
    case GroupState::kStable:
    case GroupState::kCompletingRebalance:
      prepare_rebalance(g, now_ms, reason);
      break;
    case GroupState::kPreparingRebalance:
      spdlog::info("group {}: {}", g.id, reason);
      maybe_complete_join(g, now_ms);
      break;
    default:
      break;
  }
}

// --- SyncGroup, Heartbeat, LeaveGroup --------------------------------------------------

GroupCoordinator::Ticket<SyncResult> GroupCoordinator::sync(const SyncRequest& req, int64_t now_ms) {
  Ticket<SyncResult> t;
  {
    std::lock_guard lock(mu_);
    auto fail = [&](ErrorCode code) { t.now = SyncResult{E(code)}; };
    ClassicGroup* g = find(req.group_id);
    if (!g || g->state == GroupState::kEmpty || g->state == GroupState::kDead) {
      fail(ErrorCode::UNKNOWN_MEMBER_ID);
    } else if (int16_t e = check_static(*g, req.member_id, req.instance_id);
               e == E(ErrorCode::FENCED_INSTANCE_ID)) {
      fail(ErrorCode::FENCED_INSTANCE_ID);
    } else if (!g->has_member(req.member_id)) {
      fail(ErrorCode::UNKNOWN_MEMBER_ID);
    } else if (req.generation != g->generation) {
      fail(ErrorCode::ILLEGAL_GENERATION);
    } else if ((req.protocol_type && *req.protocol_type != g->protocol_type) ||
               (req.protocol_name && g->protocol_name && *req.protocol_name != *g->protocol_name)) {
      fail(ErrorCode::INCONSISTENT_GROUP_PROTOCOL);
    } else if (g->state == GroupState::kPreparingRebalance) {
      fail(ErrorCode::REBALANCE_IN_PROGRESS);
    } else {
      Member& m = g->members.at(req.member_id);
      m.heartbeat_deadline_ms = now_ms + m.session_timeout_ms;
      if (g->state == GroupState::kStable) {
        t.now = SyncResult{kNone, g->protocol_type, g->protocol_name, m.assignment};
      } else {  // CompletingRebalance: wait for the leader's assignment
        auto slot = m.awaiting_sync ? m.awaiting_sync : std::make_shared<Slot<SyncResult>>();
        m.awaiting_sync = slot;
        if (g->leader == m.id) {
          for (auto& [id, member] : g->members) member.assignment.clear();
          for (const auto& [id, assignment] : req.assignments) {
            auto it = g->members.find(id);
            if (it != g->members.end()) it->second.assignment = assignment;
          }
          set_state(*g, GroupState::kStable, now_ms);
          persist_group(*g);
          for (auto& [id, member] : g->members) {
            if (member.awaiting_sync)
              member.awaiting_sync->fill(
                  SyncResult{kNone, g->protocol_type, g->protocol_name, member.assignment});
            member.awaiting_sync.reset();
          }
          changed(g->id);
        }
        if (auto ready = slot->get()) {
          t.now = std::move(ready);
        } else {
          t.later = slot;
          t.max_wait_ms = static_cast<int32_t>(std::max<int64_t>(0, g->sync_deadline_ms - now_ms)) +
                          kWaitMarginMs;
        }
      }
    }
  }
  notify();
  return t;
}

int16_t GroupCoordinator::heartbeat(const std::string& group_id, int32_t generation,
                                    const std::string& member_id,
                                    const std::optional<std::string>& instance_id, int64_t now_ms) {
  std::lock_guard lock(mu_);
  ClassicGroup* g = find(group_id);
  if (!g) return E(ErrorCode::UNKNOWN_MEMBER_ID);
  if (g->state == GroupState::kDead) return E(ErrorCode::COORDINATOR_NOT_AVAILABLE);
  if (check_static(*g, member_id, instance_id) == E(ErrorCode::FENCED_INSTANCE_ID))
    return E(ErrorCode::FENCED_INSTANCE_ID);
  if (g->state == GroupState::kEmpty || !g->has_member(member_id)) return E(ErrorCode::UNKNOWN_MEMBER_ID);
  if (generation != g->generation) return E(ErrorCode::ILLEGAL_GENERATION);
  Member& m = g->members.at(member_id);
  m.heartbeat_deadline_ms = now_ms + m.session_timeout_ms;
  return g->state == GroupState::kPreparingRebalance ? E(ErrorCode::REBALANCE_IN_PROGRESS) : kNone;
}

GroupCoordinator::LeaveResult GroupCoordinator::leave(const std::string& group_id,
                                                      const std::vector<Leaving>& leaving,
                                                      int64_t now_ms) {
  LeaveResult r;
  {
    std::lock_guard lock(mu_);
    ClassicGroup* g = find(group_id);
    for (const auto& l : leaving) {
      int16_t e = kNone;
      if (!g) {
        e = E(ErrorCode::UNKNOWN_MEMBER_ID);
      } else if (l.instance_id) {
        auto it = g->static_members.find(*l.instance_id);
        if (it == g->static_members.end()) e = E(ErrorCode::UNKNOWN_MEMBER_ID);
        else if (!l.member_id.empty() && l.member_id != it->second) e = E(ErrorCode::FENCED_INSTANCE_ID);
        else remove_member(*g, std::string(it->second), now_ms, "left the group");
      } else if (g->pending_members.erase(l.member_id)) {
        maybe_complete_join(*g, now_ms);
      } else if (!g->has_member(l.member_id)) {
        e = E(ErrorCode::UNKNOWN_MEMBER_ID);
      } else {
        remove_member(*g, l.member_id, now_ms, "left the group");
      }
      r.member_errors.push_back(e);
    }
  }
  notify();
  return r;
}

// --- Offsets ----------------------------------------------------------------------------

int16_t GroupCoordinator::commit(const CommitRequest& req, int64_t now_ms) {
  std::lock_guard lock(mu_);
  ClassicGroup* g = find(req.group_id);
  auto cg = consumer_groups_.find(req.group_id);
  if (cg != consumer_groups_.end()) {
    // Members commit with their member epoch; tools only while nobody consumes.
    if (req.generation < 0 && req.member_id.empty()) {
      if (!cg->second.members().empty()) return E(ErrorCode::UNKNOWN_MEMBER_ID);
    } else if (int16_t e = cg->second.validate_member(req.member_id, req.generation)) {
      return e;
    }
  } else if (!g) {
    // Only a consumer that manages its partitions itself commits to a group that does not
    // exist; anything claiming a generation is from a group that is gone.
    if (req.generation >= 0) return E(ErrorCode::ILLEGAL_GENERATION);
    g = &get_or_create(req.group_id, now_ms);
  } else if (g->state == GroupState::kDead) {
    return E(ErrorCode::COORDINATOR_NOT_AVAILABLE);
  } else if (req.generation < 0 && g->state == GroupState::kEmpty) {
    // simple commit
  } else if (g->state == GroupState::kCompletingRebalance) {
    return E(ErrorCode::REBALANCE_IN_PROGRESS);
  } else if (check_static(*g, req.member_id, req.instance_id) == E(ErrorCode::FENCED_INSTANCE_ID)) {
    return E(ErrorCode::FENCED_INSTANCE_ID);
  } else if (!g->has_member(req.member_id)) {
    return E(ErrorCode::UNKNOWN_MEMBER_ID);
  } else if (req.generation != g->generation) {
    return E(ErrorCode::ILLEGAL_GENERATION);
  } else {
    Member& m = g->members.at(req.member_id);
    m.heartbeat_deadline_ms = now_ms + m.session_timeout_ms;
  }
  LogStore::MetaRecords puts;
  std::vector<std::pair<TopicPartition, CommittedOffset>> committed;
  for (const auto& [tp, offset] : req.offsets) {
    CommittedOffset o = offset;
    if (o.commit_timestamp_ms < 0) o.commit_timestamp_ms = now_ms;
    puts.emplace_back(CommittedOffsets::key(req.group_id, tp), CommittedOffsets::encode(o));
    committed.emplace_back(tp, std::move(o));
  }
  // Stored first: an offset that could not be written is not served either. Kafka answers a
  // commit whose append failed with KAFKA_STORAGE_ERROR with NOT_COORDINATOR (the client
  // looks the coordinator up again and retries).
  if (store_->write_meta(puts, {}, false)) return E(ErrorCode::NOT_COORDINATOR);
  for (auto& [tp, o] : committed) offsets_.put(req.group_id, tp, std::move(o));
  return kNone;
}

std::vector<std::pair<TopicPartition, CommittedOffset>> GroupCoordinator::fetch(
    const std::string& group_id, const std::optional<std::vector<TopicPartition>>& partitions) {
  std::lock_guard lock(mu_);
  std::vector<std::pair<TopicPartition, CommittedOffset>> out;
  const auto* committed = offsets_.of(group_id);
  if (!partitions) {
    if (committed) out.assign(committed->begin(), committed->end());
    return out;
  }
  for (const auto& tp : *partitions) {
    CommittedOffset o;  // offset -1: nothing committed
    o.metadata = "";
    if (committed) {
      auto it = committed->find(tp);
      if (it != committed->end()) o = it->second;
    }
    out.emplace_back(tp, std::move(o));
  }
  return out;
}

// --- Describe, list, delete -------------------------------------------------------------

GroupCoordinator::GroupSummary GroupCoordinator::describe(const std::string& group_id) {
  std::lock_guard lock(mu_);
  GroupSummary s;
  s.group_id = group_id;
  const ClassicGroup* g = find(group_id);
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

std::vector<GroupCoordinator::Listed> GroupCoordinator::list() {
  std::lock_guard lock(mu_);
  std::vector<Listed> out;
  for (const auto& [id, g] : groups_) out.push_back({id, g.protocol_type, state_name(g.state), "classic"});
  for (const auto& [id, g] : consumer_groups_) out.push_back({id, "consumer", g.state(), "consumer"});
  std::sort(out.begin(), out.end(), [](const Listed& a, const Listed& b) { return a.group_id < b.group_id; });
  return out;
}

int16_t GroupCoordinator::delete_group(const std::string& group_id) {
  std::vector<std::string> erases;
  {
    std::lock_guard lock(mu_);
    ClassicGroup* g = find(group_id);
    auto cg = consumer_groups_.find(group_id);
    if (cg != consumer_groups_.end()) {
      if (!cg->second.members().empty()) return E(ErrorCode::NON_EMPTY_GROUP);
    } else if (!g || g->state == GroupState::kDead) {
      return E(ErrorCode::GROUP_ID_NOT_FOUND);
    } else if (g->state != GroupState::kEmpty) {
      return E(ErrorCode::NON_EMPTY_GROUP);
    }
    if (const auto* committed = offsets_.of(group_id))
      for (const auto& [tp, _] : *committed) erases.push_back(CommittedOffsets::key(group_id, tp));
    erases.push_back(group_record_key(group_id));
    if (store_->write_meta({}, erases, false)) return E(ErrorCode::NOT_COORDINATOR);
    offsets_.erase_group(group_id);
    groups_.erase(group_id);
    consumer_groups_.erase(group_id);
  }
  spdlog::info("group {} deleted with its committed offsets", group_id);
  return kNone;
}

GroupCoordinator::OffsetDeleteResult GroupCoordinator::delete_offsets(
    const std::string& group_id, const std::vector<TopicPartition>& partitions) {
  std::lock_guard lock(mu_);
  OffsetDeleteResult r;
  ClassicGroup* g = find(group_id);
  auto cg = consumer_groups_.find(group_id);
  std::set<std::string> subscribed;
  if (cg != consumer_groups_.end()) {
    for (auto& t : cg->second.subscribed_topics()) subscribed.insert(std::move(t));
  } else if (!g || g->state == GroupState::kDead) {
    r.error = E(ErrorCode::GROUP_ID_NOT_FOUND);
    return r;
  } else if (g->state != GroupState::kEmpty) {
    if (g->protocol_type != "consumer") {
      r.error = E(ErrorCode::NON_EMPTY_GROUP);
      return r;
    }
    for (const auto& [id, m] : g->members) {
      const Bytes* metadata = g->protocol_name ? m.metadata_for(*g->protocol_name) : nullptr;
      if (!metadata && !m.protocols.empty()) metadata = &m.protocols.front().second;
      if (metadata)
        for (auto& topic : subscribed_topics(*metadata)) subscribed.insert(std::move(topic));
    }
  }
  std::vector<std::string> erases;
  std::vector<TopicPartition> erased;
  const auto* committed = offsets_.of(group_id);
  for (const auto& tp : partitions) {
    if (subscribed.count(tp.topic)) {
      r.partition_errors.push_back(E(ErrorCode::GROUP_SUBSCRIBED_TO_TOPIC));
      continue;
    }
    if (committed && committed->count(tp)) {
      erases.push_back(CommittedOffsets::key(group_id, tp));
      erased.push_back(tp);
    }
    r.partition_errors.push_back(kNone);
  }
  // As on Kafka, an empty group whose last offsets are deleted is gone at once, not at the
  // next expiry sweep.
  const bool empty = cg != consumer_groups_.end() ? cg->second.members().empty()
                                                  : g->state == GroupState::kEmpty;
  const bool gone = empty && committed && !erased.empty() && committed->size() == erased.size();
  if (gone) erases.push_back(group_record_key(group_id));
  if (!erases.empty() && store_->write_meta({}, erases, false)) {
    r.error = E(ErrorCode::NOT_COORDINATOR);
    r.partition_errors.clear();
    return r;
  }
  for (const auto& tp : erased) offsets_.erase(group_id, tp);
  if (gone) {
    if (cg != consumer_groups_.end()) consumer_groups_.erase(cg);
    else groups_.erase(group_id);
    spdlog::info("group {} removed: empty and without committed offsets", group_id);
  }
  return r;
}

void GroupCoordinator::on_topic_deleted(const std::string& topic) {
  std::lock_guard lock(mu_);
  auto erases = offsets_.erase_topic(topic);
  if (!erases.empty()) store_->write_meta({}, erases, false);
}

// --- Deadlines ---------------------------------------------------------------------------

void GroupCoordinator::tick(int64_t now_ms) {
  {
    std::lock_guard lock(mu_);
    for (auto& [gid, g] : groups_) {
      for (auto it = g.pending_members.begin(); it != g.pending_members.end();)
        it = now_ms >= it->second ? g.pending_members.erase(it) : std::next(it);
      std::vector<std::string> expired;
      for (const auto& [id, m] : g.members)
        if (!m.awaiting_join && now_ms >= m.heartbeat_deadline_ms) expired.push_back(id);
      for (const auto& id : expired) remove_member(g, id, now_ms, "timed out (no heartbeat within its session timeout)");
      if (g.state == GroupState::kPreparingRebalance) {
        if (now_ms >= g.rebalance_deadline_ms) complete_join(g, now_ms);
        else maybe_complete_join(g, now_ms);
      } else if (g.state == GroupState::kCompletingRebalance && now_ms >= g.sync_deadline_ms) {
        prepare_rebalance(g, now_ms, "the leader's assignment did not arrive within the rebalance timeout");
      }
    }
    if (!consumer_groups_.empty()) {
      const auto env = consumer_env(now_ms);
      for (auto& [gid, g] : consumer_groups_) {
        const int32_t epoch = g.epoch();
        for (const auto& line : g.expire(env)) spdlog::info("group {}: {}", gid, line);
        if (g.epoch() != epoch) persist_consumer_group(g);
      }
    }
    if (now_ms >= next_offset_expiry_ms_) {
      const Settings s = settings();
      next_offset_expiry_ms_ = now_ms + s.offsets_retention_check_ms;
      expire_offsets(now_ms, s.offsets_retention_ms);
    }
  }
  notify();
}

// Offsets of a group without members expire offsets.retention.minutes after the group
// became empty (or after their commit, for groups that never had members); an empty
// group without offsets is then gone.
void GroupCoordinator::expire_offsets(int64_t now_ms, int64_t retention_ms) {
  std::vector<std::string> erases;
  for (auto it = groups_.begin(); it != groups_.end();) {
    ClassicGroup& g = it->second;
    if (g.state != GroupState::kEmpty) {
      ++it;
      continue;
    }
    if (const auto* committed = offsets_.of(g.id)) {
      std::vector<TopicPartition> expired;
      for (const auto& [tp, o] : *committed) {
        const bool explicit_expiry = o.expire_timestamp_ms >= 0;
        const int64_t base = g.protocol_type.empty() ? o.commit_timestamp_ms
                                                     : std::max(o.commit_timestamp_ms, g.state_timestamp_ms);
        if (explicit_expiry ? now_ms >= o.expire_timestamp_ms : now_ms - base >= retention_ms)
          expired.push_back(tp);
      }
      for (const auto& tp : expired) {
        offsets_.erase(g.id, tp);
        erases.push_back(CommittedOffsets::key(g.id, tp));
      }
      if (!expired.empty())
        spdlog::info("group {}: {} committed offsets expired", g.id, expired.size());
    }
    if (!offsets_.has_group(g.id)) {
      erases.push_back(group_record_key(g.id));
      spdlog::info("group {} removed: empty and without committed offsets", g.id);
      it = groups_.erase(it);
    } else {
      ++it;
    }
  }
  // Consumer groups: the same, from when their last member left.
  for (auto it = consumer_groups_.begin(); it != consumer_groups_.end();) {
    const ConsumerGroup& g = it->second;
    if (!g.members().empty()) {
      ++it;
      continue;
    }
    if (const auto* committed = offsets_.of(g.id())) {
      std::vector<TopicPartition> expired;
      for (const auto& [tp, o] : *committed) {
        const int64_t base = std::max(o.commit_timestamp_ms, g.empty_since_ms());
        if (o.expire_timestamp_ms >= 0 ? now_ms >= o.expire_timestamp_ms : now_ms - base >= retention_ms)
          expired.push_back(tp);
      }
      for (const auto& tp : expired) {
        offsets_.erase(g.id(), tp);
        erases.push_back(CommittedOffsets::key(g.id(), tp));
      }
      if (!expired.empty()) spdlog::info("group {}: {} committed offsets expired", g.id(), expired.size());
    }
    if (!offsets_.has_group(g.id())) {
      erases.push_back(group_record_key(g.id()));
      spdlog::info("group {} removed: empty and without committed offsets", g.id());
      it = consumer_groups_.erase(it);
    } else {
      ++it;
    }
  }
  if (!erases.empty()) store_->write_meta({}, erases, false);
}

// --- KIP-848 consumer groups ----------------------------------------------------------

ConsumerGroup::Env GroupCoordinator::consumer_env(int64_t now_ms) const {
  auto c = config_();
  ConsumerGroup::Env env;
  env.topic = [store = store_](const std::string& name) -> std::optional<SubscribedTopic> {
    auto t = store->find_topic(name);
    if (!t) return std::nullopt;
    return SubscribedTopic{t->id, t->partitions};
  };
  env.session_timeout_ms = c->get_int("group.consumer.session.timeout.ms");
  env.assignors = c->get_list("group.consumer.assignors");
  env.max_size = c->get_int("group.consumer.max.size");
  env.now_ms = now_ms;
  return env;
}

int32_t GroupCoordinator::consumer_heartbeat_interval_ms() const {
  return config_()->get_int("group.consumer.heartbeat.interval.ms");
}

ConsumerHeartbeatResult GroupCoordinator::consumer_heartbeat(const std::string& group_id,
                                                            const ConsumerHeartbeat& req,
                                                            int64_t now_ms) {
  ConsumerHeartbeatResult r;
  {
    std::lock_guard lock(mu_);
    auto protocols = config_()->get_list("group.coordinator.rebalance.protocols");
    if (std::find(protocols.begin(), protocols.end(), "consumer") == protocols.end()) {
      r.error = E(ErrorCode::UNSUPPORTED_VERSION);
      r.message = "the consumer group protocol is disabled (group.coordinator.rebalance.protocols)";
      return r;
    }
    if (group_id.empty()) {
      r.error = E(ErrorCode::INVALID_REQUEST);
      r.message = "the group id is empty";
      return r;
    }
    if (ClassicGroup* classic = find(group_id)) {
      if (!classic->members.empty() || classic->state != GroupState::kEmpty) {
        r.error = E(ErrorCode::GROUP_ID_NOT_FOUND);
        r.message = "group " + group_id + " is not a consumer group";
        return r;
      }
      groups_.erase(group_id);  // an empty classic group (or committed offsets) becomes one
    }
    auto [it, created] = consumer_groups_.try_emplace(group_id, group_id, 0);
    ConsumerGroup& g = it->second;
    const int32_t epoch = g.epoch();
    r = g.heartbeat(req, consumer_env(now_ms));
    if (g.epoch() != epoch) {
      persist_consumer_group(g);
      spdlog::info("group {}: epoch {} with {} members, assignor {}", group_id, g.epoch(),
                   g.members().size(), g.assignor());
    }
    if (created && r.error != 0 && g.members().empty()) consumer_groups_.erase(it);
  }
  return r;
}

std::optional<ConsumerGroup> GroupCoordinator::describe_consumer_group(const std::string& group_id) {
  std::lock_guard lock(mu_);
  auto it = consumer_groups_.find(group_id);
  if (it == consumer_groups_.end()) return std::nullopt;
  return it->second;
}

int16_t GroupCoordinator::validate_offset_fetch(const std::string& group_id,
                                                const std::optional<std::string>& member_id,
                                                int32_t member_epoch) {
  if (!member_id) return kNone;
  std::lock_guard lock(mu_);
  auto it = consumer_groups_.find(group_id);
  if (it == consumer_groups_.end()) return kNone;
  return it->second.validate_member(*member_id, member_epoch);
}

// A group record that cannot be written (the log dir failed; the store says so once) is
// only needed after a restart: the group goes on in memory, as it does between writes.
void GroupCoordinator::persist_consumer_group(const ConsumerGroup& g) {
  (void)store_->write_meta({{group_record_key(g.id()), encode_consumer_group_record(g)}}, {}, false);
}

// --- Persistence -------------------------------------------------------------------------

void GroupCoordinator::persist_group(const ClassicGroup& g) {
  (void)store_->write_meta({{group_record_key(g.id), encode_group_record(g)}}, {}, false);
}

void GroupCoordinator::load(int64_t now_ms) {
  std::lock_guard lock(mu_);
  size_t offsets = 0, bad = 0;
  for (const auto& [key, value] : store_->scan_meta(std::string(CommittedOffsets::kKeyPrefix))) {
    if (offsets_.restore(key, value)) ++offsets;
    else ++bad;
  }
  for (const auto& id : offsets_.group_ids()) get_or_create(id, now_ms);
  for (const auto& [key, value] : store_->scan_meta(std::string(kGroupRecordPrefix))) {
    if (auto cg = decode_consumer_group_record(key, value)) {
      groups_.erase(cg->id());
      std::string id = cg->id();
      consumer_groups_[id] = std::move(*cg);
      continue;
    }
    auto g = decode_group_record(key, value, now_ms);
    if (!g) {
      ++bad;
      continue;
    }
    std::string id = g->id;
    groups_[id] = std::move(*g);
  }
  if (bad) spdlog::warn("{} stored group records do not decode and were ignored", bad);
  for (const auto& [id, _] : consumer_groups_) groups_.erase(id);  // offsets-only placeholders
  if (!groups_.empty() || !consumer_groups_.empty())
    spdlog::info("loaded {} consumer groups and {} committed offsets",
                 groups_.size() + consumer_groups_.size(), offsets);
}

}  // namespace chronik::broker::group
