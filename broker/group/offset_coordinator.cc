#include "broker/group/offset_coordinator.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "broker/group/group_records.h"
#include "broker/log/log_store.h"
#include "broker/config/loggers.h"

namespace chronik::broker::group {
namespace {

int16_t E(ErrorCode c) { return err(c); }

// The group record goes with the group; its offsets are already staged for erasure.
void drop_group(GroupTable::Update& u) {
  u.writes().erase(group_record_key(u->id));
  u->drop_group();
  ::chronik::config::named_logger("chronik.group").info("group {} removed: empty and without committed offsets", u->id);
}

}  // namespace

int16_t OffsetCoordinator::commit(GroupTable::Update& u, const Offsets& offsets, int64_t now_ms) {
  Offsets stamped;
  for (const auto& [tp, offset] : offsets) {
    CommittedOffset o = offset;
    if (o.commit_timestamp_ms < 0) o.commit_timestamp_ms = now_ms;
    u.writes().put(CommittedOffsets::key(u->id, tp), CommittedOffsets::encode(o));
    stamped.emplace_back(tp, std::move(o));
  }
  if (u.flush()) return E(ErrorCode::NOT_COORDINATOR);
  for (auto& [tp, o] : stamped) u->offsets.put(tp, std::move(o));
  return 0;
}

OffsetCoordinator::Offsets OffsetCoordinator::fetch(const std::string& group_id,
                                                    const std::optional<std::vector<TopicPartition>>& partitions) {
  Offsets out;
  auto a = table_.access(group_id);
  if (!partitions) {
    if (a) out.assign(a->offsets.all().begin(), a->offsets.all().end());
    return out;
  }
  for (const auto& tp : *partitions) {
    CommittedOffset o;  // offset -1: nothing committed
    o.metadata = "";
    if (const CommittedOffset* committed = a ? a->offsets.find(tp) : nullptr) o = *committed;
    out.emplace_back(tp, std::move(o));
  }
  return out;
}

OffsetDeleteResult OffsetCoordinator::erase(GroupTable::Update& u, const std::vector<TopicPartition>& partitions,
                                            const std::set<std::string>& subscribed) {
  OffsetDeleteResult r;
  std::vector<TopicPartition> erased;
  for (const auto& tp : partitions) {
    if (subscribed.count(tp.topic)) {
      r.partition_errors.push_back(E(ErrorCode::GROUP_SUBSCRIBED_TO_TOPIC));
      continue;
    }
    if (u->offsets.find(tp)) {
      u.writes().erase(CommittedOffsets::key(u->id, tp));
      erased.push_back(tp);
    }
    r.partition_errors.push_back(0);
  }
  const bool gone = u->empty_since_ms() && !erased.empty() && u->offsets.size() == erased.size();
  if (gone) u.writes().erase(group_record_key(u->id));
  // Stored first: on failure nothing was deleted.
  if (u.flush()) {
    r.error = E(ErrorCode::NOT_COORDINATOR);
    r.partition_errors.clear();
    return r;
  }
  for (const auto& tp : erased) u->offsets.erase(tp);
  if (gone) drop_group(u);
  return r;
}

void OffsetCoordinator::expire(GroupTable::Update& u, int64_t now_ms, int64_t retention_ms) {
  const std::optional<int64_t> empty_since = u->empty_since_ms();
  if (!empty_since) return;
  std::vector<TopicPartition> expired;
  for (const auto& [tp, o] : u->offsets.all()) {
    const int64_t base = std::max(o.commit_timestamp_ms, *empty_since);
    if (o.expire_timestamp_ms >= 0 ? now_ms >= o.expire_timestamp_ms : now_ms - base >= retention_ms)
      expired.push_back(tp);
  }
  for (const auto& tp : expired) {
    u->offsets.erase(tp);
    u.writes().erase(CommittedOffsets::key(u->id, tp));
  }
  if (!expired.empty()) ::chronik::config::named_logger("chronik.group").info("group {}: {} committed offsets expired", u->id, expired.size());
  if (u->offsets.empty() && !u->offsets.has_pending()) drop_group(u);
}

int16_t OffsetCoordinator::commit_pending(GroupTable::Update& u, int64_t producer_id, const Offsets& offsets,
                                          int64_t now_ms) {
  Offsets stamped;
  for (const auto& [tp, offset] : offsets) {
    CommittedOffset o = offset;
    if (o.commit_timestamp_ms < 0) o.commit_timestamp_ms = now_ms;
    u.writes().put(CommittedOffsets::pending_key(u->id, producer_id, tp), CommittedOffsets::encode(o));
    stamped.emplace_back(tp, std::move(o));
  }
  if (u.flush()) return E(ErrorCode::NOT_COORDINATOR);
  for (auto& [tp, o] : stamped) u->offsets.put_pending(producer_id, tp, std::move(o));
  return 0;
}

int16_t OffsetCoordinator::complete_pending(GroupTable::Update& u, int64_t producer_id, bool commit) {
  auto it = u->offsets.pending().find(producer_id);
  if (it == u->offsets.pending().end()) return 0;
  for (const auto& [tp, o] : it->second) {
    u.writes().erase(CommittedOffsets::pending_key(u->id, producer_id, tp));
    if (commit) u.writes().put(CommittedOffsets::key(u->id, tp), CommittedOffsets::encode(o));
  }
  if (u.flush()) return E(ErrorCode::NOT_COORDINATOR);
  for (auto& [tp, o] : u->offsets.take_pending(producer_id))
    if (commit) u->offsets.put(tp, std::move(o));
  return 0;
}

void OffsetCoordinator::forget_topic(const std::string& topic) {
  for (const auto& entry : table_.entries()) {
    auto u = table_.update(entry);
    if (!u) continue;
    for (const auto& tp : u->offsets.erase_topic(topic)) u.writes().erase(CommittedOffsets::key(u->id, tp));
  }
}

}  // namespace chronik::broker::group
