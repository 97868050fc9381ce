#include "broker/group/consumer_group.h"

#include <algorithm>
#include <set>

#include <re2/re2.h>

#include "broker/log/log_store.h"
#include "runtime/wire/uuid.h"

namespace chronik::broker::group {
namespace {

constexpr int32_t kLeaveEpoch = -1;
constexpr int32_t kStaticLeaveEpoch = -2;

int16_t E(ErrorCode c) { return err(c); }

Assignment minus(const Assignment& a, const Assignment& b) {
  Assignment out;
  for (const auto& [topic, parts] : a) {
    auto it = b.find(topic);
    for (int32_t p : parts)
      if (it == b.end() || !it->second.count(p)) out[topic].insert(p);
  }
  return out;
}

ConsumerHeartbeatResult failure(ErrorCode code, std::string message, const std::string& member_id) {
  ConsumerHeartbeatResult r;
  r.error = E(code);
  r.message = std::move(message);
  r.member_id = member_id;
  return r;
}

}  // namespace

std::string ConsumerGroup::state() const {
  if (members_.empty()) return "Empty";
  if (epoch_ > assignment_epoch_) return "Assigning";
  for (const auto& [id, m] : members_)
    if (m.epoch != assignment_epoch_ || !m.pending_revocation.empty() ||
        m.assigned != target(id))
      return "Reconciling";
  return "Stable";
}

const Assignment& ConsumerGroup::target(const std::string& member_id) const {
  static const Assignment kNothing;
  auto it = target_.find(member_id);
  return it == target_.end() ? kNothing : it->second;
}

std::vector<std::string> ConsumerGroup::subscribed_topics() const {
  std::set<std::string> topics;
  for (const auto& [_, m] : members_)
    for (auto& t : member_topics(m)) topics.insert(std::move(t));
  return {topics.begin(), topics.end()};
}

std::vector<std::string> ConsumerGroup::member_topics(const ConsumerMember& m) {
  if (m.regex_topics.empty()) return m.subscribed_topics;
  std::set<std::string> topics(m.subscribed_topics.begin(), m.subscribed_topics.end());
  topics.insert(m.regex_topics.begin(), m.regex_topics.end());
  return {topics.begin(), topics.end()};
}

std::optional<std::string> ConsumerGroup::regex_error(const std::string& regex) {
  RE2::Options options;
  options.set_log_errors(false);
  RE2 re(regex, options);
  if (re.ok()) return std::nullopt;
  return re.error();
}

bool ConsumerGroup::refresh_regex_topics(const Env& env) {
  bool changed = false;
  std::optional<std::vector<std::string>> names;  // listed once, only if some member needs them
  for (auto& [_, m] : members_) {
    std::vector<std::string> matched;
    if (!m.subscribed_regex.empty()) {
      if (!names) names = env.topic_names ? env.topic_names() : std::vector<std::string>{};
      RE2::Options options;
      options.set_log_errors(false);
      RE2 re(m.subscribed_regex, options);
      // Kafka matches the whole name (Pattern.matches), not a part of it.
      if (re.ok())
        for (const auto& name : *names)
          if (RE2::FullMatch(name, re)) matched.push_back(name);
      std::sort(matched.begin(), matched.end());
    }
    if (matched != m.regex_topics) {
      m.regex_topics = std::move(matched);
      changed = true;
    }
  }
  return changed;
}

int16_t ConsumerGroup::validate_member(const std::string& member_id, int32_t member_epoch) const {
  auto it = members_.find(member_id);
  if (it == members_.end()) return E(ErrorCode::UNKNOWN_MEMBER_ID);
  // The previous epoch too: a member commits what it consumed while the heartbeat that
  // moved it to a new epoch may still be on its way back.
  if (member_epoch != it->second.epoch && member_epoch != it->second.previous_epoch)
    return E(ErrorCode::STALE_MEMBER_EPOCH);
  return 0;
}

std::string ConsumerGroup::choose_assignor(const Env& env) const {
  std::map<std::string, int> votes;
  for (const auto& [_, m] : members_)
    if (m.server_assignor) ++votes[*m.server_assignor];
  std::string best = env.assignors.empty() ? "uniform" : env.assignors.front();
  int most = 0;
  for (const auto& [name, n] : votes)
    if (n > most) best = name, most = n;
  return best;
}

bool ConsumerGroup::metadata_changed(const Env& env) const {
  std::map<std::string, SubscribedTopic> now;
  for (const auto& name : subscribed_topics())
    if (auto t = env.topic(name)) now[name] = *t;
  if (now.size() != metadata_.size()) return true;
  for (const auto& [name, t] : now) {
    auto it = metadata_.find(name);
    if (it == metadata_.end() || it->second.id != t.id || it->second.partitions != t.partitions) return true;
  }
  return false;
}

void ConsumerGroup::rebalance(const Env& env) {
  ++epoch_;
  metadata_.clear();
  for (const auto& name : subscribed_topics())
    if (auto t = env.topic(name)) metadata_[name] = *t;
  AssignorInput in;
  for (const auto& [id, m] : members_) in.subscriptions[id] = member_topics(m);
  in.topics = metadata_;
  in.current = target_;
  assignor_ = choose_assignor(env);
  target_ = assign(assignor_, in);
  assignment_epoch_ = epoch_;
}

bool ConsumerGroup::owned_by_other(const std::string& member_id, const wire::Uuid& topic,
                                   int32_t p) const {
  for (const auto& [id, m] : members_) {
    if (id == member_id) continue;
    auto it = m.assigned.find(topic);
    if (it != m.assigned.end() && it->second.count(p)) return true;
  }
  return false;
}

void ConsumerGroup::reconcile(ConsumerMember& m, const Env& env) {
  const Assignment& t = target(m.id);
  if (m.epoch != assignment_epoch_) {
    const Assignment revoke = minus(m.assigned, t);
    if (!revoke.empty()) {
      // Give up first; the new epoch comes once the member has let go.
      if (m.pending_revocation != revoke) m.revocation_deadline_ms = env.now_ms + m.rebalance_timeout_ms;
      m.pending_revocation = revoke;
      return;
    }
    m.previous_epoch = m.epoch;
    m.epoch = assignment_epoch_;
  }
  m.pending_revocation.clear();
  m.revocation_deadline_ms = 0;
  // Partitions of the target that their previous owner has released.
  for (const auto& [topic, parts] : minus(t, m.assigned))
    for (int32_t p : parts)
      if (!owned_by_other(m.id, topic, p)) m.assigned[topic].insert(p);
}

void ConsumerGroup::remove_member(const std::string& member_id, const Env& env) {
  auto it = members_.find(member_id);
  if (it == members_.end()) return;
  if (it->second.instance_id) {
    auto s = static_members_.find(*it->second.instance_id);
    if (s != static_members_.end() && s->second == member_id) static_members_.erase(s);
  }
  members_.erase(it);
  target_.erase(member_id);
  if (members_.empty()) empty_since_ms_ = env.now_ms;
  rebalance(env);
}

ConsumerHeartbeatResult ConsumerGroup::heartbeat(const ConsumerHeartbeat& req, const Env& env) {
  // Leaving: for good (-1) or, for a static member, until it comes back (-2).
  if (req.member_epoch == kLeaveEpoch || req.member_epoch == kStaticLeaveEpoch) {
    auto it = members_.find(req.member_id);
    if (it == members_.end())
      return failure(ErrorCode::UNKNOWN_MEMBER_ID, "member " + req.member_id + " is not in the group", req.member_id);
    ConsumerHeartbeatResult r;
    r.member_id = req.member_id;
    r.member_epoch = req.member_epoch;
    if (req.member_epoch == kStaticLeaveEpoch && it->second.instance_id) {
      it->second.epoch = kStaticLeaveEpoch;  // keeps its partitions until its session ends
    } else {
      remove_member(req.member_id, env);
    }
    return r;
  }

  ConsumerMember* member = nullptr;
  bool changed = false;
  if (req.version >= 1 && req.member_id.empty())
    return failure(ErrorCode::INVALID_REQUEST, "MemberId can't be empty.", req.member_id);
  if (req.subscribed_regex && !req.subscribed_regex->empty()) {
    if (auto why = regex_error(*req.subscribed_regex))
      return failure(ErrorCode::INVALID_REGULAR_EXPRESSION,
                     "SubscribedTopicRegex " + *req.subscribed_regex + " is not a valid regular expression: " + *why,
                     req.member_id);
  }
  if (req.member_epoch == 0) {
    if (!req.subscribed_topics && !req.subscribed_regex)
      return failure(ErrorCode::INVALID_REQUEST,
                     "SubscribedTopicNames or SubscribedTopicRegex must be set when joining", req.member_id);
    if (req.rebalance_timeout_ms < 0)
      return failure(ErrorCode::INVALID_REQUEST, "RebalanceTimeoutMs must be set when joining", req.member_id);
    if (req.server_assignor &&
        std::find(env.assignors.begin(), env.assignors.end(), *req.server_assignor) == env.assignors.end())
      return failure(ErrorCode::UNSUPPORTED_ASSIGNOR, "assignor " + *req.server_assignor + " is not supported",
                     req.member_id);
    std::string id = req.member_id.empty() ? wire::Uuid::random().to_base64() : req.member_id;
    ConsumerMember* previous = nullptr;
    if (req.instance_id) {
      auto s = static_members_.find(*req.instance_id);
      if (s != static_members_.end() && s->second != id) {
        previous = &members_.at(s->second);
        if (previous->epoch != kStaticLeaveEpoch)
          return failure(ErrorCode::UNRELEASED_INSTANCE_ID,
                         "instance id " + *req.instance_id + " is used by another member", req.member_id);
      }
    }
    if (previous) {
      // A static member back: the new incarnation takes over the old one's partitions.
      ConsumerMember m = std::move(*previous);
      members_.erase(m.id);
      auto t = target_.extract(m.id);
      m.id = id;
      m.epoch = std::max(0, m.previous_epoch);
      m.last_sent.clear();
      if (!t.empty()) {
        t.key() = id;
        target_.insert(std::move(t));
      }
      static_members_[*req.instance_id] = id;
      member = &members_.emplace(id, std::move(m)).first->second;
    } else {
      auto it = members_.find(id);
      if (it == members_.end()) {
        if (members_.size() >= static_cast<size_t>(env.max_size))
          return failure(ErrorCode::GROUP_MAX_SIZE_REACHED, "the group is full", req.member_id);
        ConsumerMember m;
        m.id = id;
        it = members_.emplace(id, std::move(m)).first;
        empty_since_ms_ = -1;
        changed = true;
      } else {
        // Rejoining (after being fenced): it owns nothing now.
        it->second.assigned.clear();
        it->second.pending_revocation.clear();
        it->second.epoch = 0;
        it->second.last_sent.clear();
      }
      member = &it->second;
      if (req.instance_id) static_members_[*req.instance_id] = id;
    }
    member->instance_id = req.instance_id;
  } else {
    auto it = members_.find(req.member_id);
    if (it == members_.end())
      return failure(ErrorCode::UNKNOWN_MEMBER_ID, "member " + req.member_id + " is not in the group", req.member_id);
    member = &it->second;
    if (req.member_epoch != member->epoch && req.member_epoch != member->previous_epoch)
      return failure(ErrorCode::FENCED_MEMBER_EPOCH,
                     "member epoch " + std::to_string(req.member_epoch) + " is not the member's " +
                         std::to_string(member->epoch),
                     req.member_id);
  }

  ConsumerMember& m = *member;
  m.client_id = req.client_id;
  m.client_host = req.client_host;
  m.session_deadline_ms = env.now_ms + env.session_timeout_ms;
  if (req.rack_id) m.rack_id = req.rack_id;
  if (req.rebalance_timeout_ms >= 0) m.rebalance_timeout_ms = req.rebalance_timeout_ms;
  if (req.server_assignor && m.server_assignor != req.server_assignor) {
    m.server_assignor = req.server_assignor;
    changed = true;
  }
  if (req.subscribed_topics && m.subscribed_topics != *req.subscribed_topics) {
    m.subscribed_topics = *req.subscribed_topics;
    std::sort(m.subscribed_topics.begin(), m.subscribed_topics.end());
    changed = true;
  }
  if (req.subscribed_regex && m.subscribed_regex != *req.subscribed_regex) {
    m.subscribed_regex = *req.subscribed_regex;
    changed = true;
  }
  // A regular expression is matched anew on every heartbeat, so that topics created or
  // deleted since reach the assignor.
  if (refresh_regex_topics(env)) changed = true;
  if (req.owned && !m.pending_revocation.empty()) {
    // The revoked partitions are free once the member reports owning exactly what it was
    // told to keep. Owning less is not enough: a client still applying an older, larger
    // assignment reports fewer partitions than it is about to fetch from.
    const Assignment keep = minus(m.assigned, m.pending_revocation);
    if (*req.owned == keep) {
      m.assigned = keep;
      m.pending_revocation.clear();
    }
  }
  if (changed || metadata_changed(env)) rebalance(env);
  reconcile(m, env);

  ConsumerHeartbeatResult r;
  r.member_id = m.id;
  r.member_epoch = m.epoch;
  const Assignment usable = minus(m.assigned, m.pending_revocation);
  if (req.member_epoch == 0 || usable != m.last_sent || (req.owned && *req.owned != usable)) {
    r.assignment = usable;
    m.last_sent = usable;
  }
  return r;
}

std::vector<std::string> ConsumerGroup::expire(const Env& env) {
  std::vector<std::string> removed;
  std::vector<std::pair<std::string, std::string>> gone;
  for (const auto& [id, m] : members_) {
    if (env.now_ms >= m.session_deadline_ms)
      gone.emplace_back(id, "timed out (no heartbeat within its session timeout)");
    else if (m.revocation_deadline_ms && env.now_ms >= m.revocation_deadline_ms)
      gone.emplace_back(id, "did not revoke its partitions within the rebalance timeout");
  }
  for (const auto& [id, why] : gone) {
    remove_member(id, env);
    removed.push_back("member " + id + " " + why);
  }
  return removed;
}

}  // namespace chronik::broker::group
