#include "broker/group/consumer_coordinator.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "broker/group/group_records.h"
#include "broker/log/log_store.h"
#include "broker/log/topic_names.h"
#include "broker/config/loggers.h"

namespace chronik::broker::group {
namespace {

int16_t E(ErrorCode c) { return err(c); }

ConsumerHeartbeatResult failure(ErrorCode code, std::string message) {
  ConsumerHeartbeatResult r;
  r.error = E(code);
  r.message = std::move(message);
  return r;
}

}  // namespace

ConsumerGroup::Env ConsumerCoordinator::env(int64_t now_ms) const {
  auto c = config_();
  ConsumerGroup::Env env;
  env.topic = [&store = table_.store()](const std::string& name) -> std::optional<SubscribedTopic> {
    auto t = store.find_topic(name);
    if (!t) return std::nullopt;
    return SubscribedTopic{t->id, t->partitions};
  };
  env.topic_names = [&store = table_.store()] {
    std::vector<std::string> names;
    for (auto& t : store.list_topics())
      if (!log::is_internal_topic(t.name)) names.push_back(std::move(t.name));
    return names;
  };
  env.session_timeout_ms = c->get_int("group.consumer.session.timeout.ms");
  env.assignors = c->get_list("group.consumer.assignors");
  env.max_size = c->get_int("group.consumer.max.size");
  env.now_ms = now_ms;
  return env;
}

int32_t ConsumerCoordinator::heartbeat_interval_ms() const {
  return config_()->get_int("group.consumer.heartbeat.interval.ms");
}

// The group keeps only its epoch in the store (its members rejoin after a restart).
void ConsumerCoordinator::persist(GroupTable::Update& u, const ConsumerGroup& g) {
  u.writes().put(group_record_key(g.id()), encode_consumer_group_record(g));
}

ConsumerHeartbeatResult ConsumerCoordinator::heartbeat(const std::string& group_id, const ConsumerHeartbeat& req,
                                                       int64_t now_ms) {
  auto protocols = config_()->get_list("group.coordinator.rebalance.protocols");
  if (std::find(protocols.begin(), protocols.end(), "consumer") == protocols.end())
    return failure(ErrorCode::UNSUPPORTED_VERSION,
                   "the consumer group protocol is disabled (group.coordinator.rebalance.protocols)");
  if (group_id.empty()) return failure(ErrorCode::INVALID_REQUEST, "the group id is empty");

  auto u = table_.update(group_id, /*create=*/true);
  std::optional<ClassicGroup> classic;  // an empty classic group (or committed offsets) becomes one
  if (u->classic) {
    if (!u->classic->members.empty() || u->classic->state != GroupState::kEmpty)
      return failure(ErrorCode::GROUP_ID_NOT_FOUND, "group " + group_id + " is not a consumer group");
    classic = std::move(u->classic);
    u->classic.reset();
  }
  const bool created = !u->consumer;
  if (created) u->consumer.emplace(group_id, 0);
  ConsumerGroup& g = *u->consumer;
  const int32_t epoch = g.epoch();
  ConsumerHeartbeatResult r = g.heartbeat(req, env(now_ms));
  if (g.epoch() != epoch) {
    persist(u, g);
    ::chronik::config::named_logger("chronik.group").info("group {}: epoch {} with {} members, assignor {}", group_id, g.epoch(), g.members().size(),
                 g.assignor());
  }
  if (created && r.error != 0 && g.members().empty()) {
    // Nothing came of it: the group stays what it was.
    u->consumer.reset();
    u->classic = std::move(classic);
  }
  return r;
}

std::optional<ConsumerGroup> ConsumerCoordinator::describe(const std::string& group_id) {
  auto a = table_.access(group_id);
  if (!a || !a->consumer) return std::nullopt;
  return *a->consumer;
}

int16_t ConsumerCoordinator::validate_offset_fetch(const std::string& group_id,
                                                   const std::optional<std::string>& member_id,
                                                   int32_t member_epoch) {
  if (!member_id) return 0;
  auto a = table_.access(group_id);
  if (!a || !a->consumer) return 0;
  return a->consumer->validate_member(*member_id, member_epoch);
}

int16_t ConsumerCoordinator::check_commit(const ConsumerGroup& g, const std::string& member_id, int32_t generation) {
  if (generation < 0 && member_id.empty()) return g.members().empty() ? 0 : E(ErrorCode::UNKNOWN_MEMBER_ID);
  return g.validate_member(member_id, generation);
}

void ConsumerCoordinator::tick(GroupTable::Update& u, int64_t now_ms) {
  ConsumerGroup& g = *u->consumer;
  const int32_t epoch = g.epoch();
  for (const auto& line : g.expire(env(now_ms))) ::chronik::config::named_logger("chronik.group").info("group {}: {}", g.id(), line);
  if (g.epoch() != epoch) persist(u, g);
}

}  // namespace chronik::broker::group
