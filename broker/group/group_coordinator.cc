#include "broker/group/group_coordinator.h"

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "broker/group/group_records.h"
#include "broker/config/loggers.h"

namespace chronik::broker::group {
namespace {

int16_t E(ErrorCode c) { return err(c); }

}  // namespace

GroupCoordinator::GroupCoordinator(std::shared_ptr<LogStore> store, ConfigSource config)
    : table_(std::move(store)),
      config_(std::move(config)),
      classic_(table_, config_),
      consumer_(table_, config_),
      offsets_(table_) {}

// --- Commits and offset deletion: the group's kind says whether -------------------------

int16_t GroupCoordinator::commit(const CommitRequest& req, int64_t now_ms) {
  auto u = table_.update(req.group_id, /*create=*/true);
  const int16_t e = u->consumer
                        ? ConsumerCoordinator::check_commit(*u->consumer, req.member_id, req.generation)
                        : classic_.check_commit(u, req.member_id, req.generation, req.instance_id, now_ms);
  return e ? e : offsets_.commit(u, req.offsets, now_ms);
}

GroupCoordinator::OffsetDeleteResult GroupCoordinator::delete_offsets(const std::string& group_id,
                                                                      const std::vector<TopicPartition>& partitions) {
  auto u = table_.update(group_id, /*create=*/false);
  std::set<std::string> subscribed;
  int16_t e = 0;
  if (u && u->consumer) {
    for (auto& topic : u->consumer->subscribed_topics()) subscribed.insert(std::move(topic));
  } else {
    e = u && u->classic ? ClassicCoordinator::check_offset_delete(*u->classic, subscribed)
                        : E(ErrorCode::GROUP_ID_NOT_FOUND);
  }
  if (e) return OffsetDeleteResult{e, {}};
  return offsets_.erase(u, partitions, subscribed);
}

// --- Transactional commits ------------------------------------------------------------

int16_t GroupCoordinator::txn_commit(const TxnCommitRequest& req, int64_t now_ms) {
  auto u = table_.update(req.group_id, /*create=*/true);
  int16_t e = 0;
  if (u->consumer) {
    if (!(req.generation < 0 && req.member_id.empty())) e = u->consumer->validate_member(req.member_id, req.generation);
  } else {
    e = classic_.check_txn_commit(u, req.member_id, req.generation, req.instance_id, now_ms);
  }
  return e ? e : offsets_.commit_pending(u, req.producer_id, req.offsets, now_ms);
}

int16_t GroupCoordinator::complete_txn(int64_t producer_id, bool commit) {
  int16_t result = 0;
  for (const auto& entry : table_.entries()) {
    {
      auto a = table_.access(entry);
      if (!a || !a->offsets.pending().count(producer_id)) continue;
    }
    auto u = table_.update(entry);
    if (!u) continue;
    if (int16_t e = offsets_.complete_pending(u, producer_id, commit)) result = e;
  }
  return result;
}

std::set<TopicPartition> GroupCoordinator::pending_txn_partitions(const std::string& group_id) {
  std::set<TopicPartition> out;
  auto a = table_.access(group_id);
  if (!a) return out;
  for (const auto& [_, partitions] : a->offsets.pending())
    for (const auto& [tp, o] : partitions) out.insert(tp);
  return out;
}

// --- Every kind --------------------------------------------------------------------------

std::vector<GroupCoordinator::Listed> GroupCoordinator::list() {
  std::vector<Listed> out;
  for (const auto& entry : table_.entries()) {
    auto a = table_.access(entry);
    if (a && a->classic) out.push_back({a->id, a->classic->protocol_type, state_name(a->classic->state), "classic"});
    else if (a && a->consumer) out.push_back({a->id, "consumer", a->consumer->state(), "consumer"});
  }
  std::sort(out.begin(), out.end(), [](const Listed& a, const Listed& b) { return a.group_id < b.group_id; });
  return out;
}

int16_t GroupCoordinator::delete_group(const std::string& group_id) {
  auto u = table_.update(group_id, /*create=*/false);
  if (u && u->consumer) {
    if (!u->consumer->members().empty()) return E(ErrorCode::NON_EMPTY_GROUP);
  } else if (!u || !u->classic || u->classic->state == GroupState::kDead) {
    return E(ErrorCode::GROUP_ID_NOT_FOUND);
  } else if (u->classic->state != GroupState::kEmpty) {
    return E(ErrorCode::NON_EMPTY_GROUP);
  }
  for (const auto& [tp, _] : u->offsets.all()) u.writes().erase(CommittedOffsets::key(group_id, tp));
  u.writes().erase(group_record_key(group_id));
  // Stored first: a group whose deletion could not be written is still there.
  if (u.flush()) return E(ErrorCode::NOT_COORDINATOR);
  u->drop_group();
  ::chronik::config::named_logger("chronik.group").info("group {} deleted with its committed offsets", group_id);
  return 0;
}

// One group at a time, each as its own Update: a sweep holds no lock across groups. A group
// whose Update is in progress (writing, say) is skipped: its deadlines are checked again at
// the next tick (every 100 ms in the broker), so that one slow group never holds up the
// others. A slow write of the sweep's own (an expired member's group record, expired
// offsets) delays only the groups after it in this round, never a request.
void GroupCoordinator::tick(int64_t now_ms) {
  std::lock_guard lock(tick_mu_);
  const auto config = config_();
  const bool expire_offsets = now_ms >= next_offset_expiry_ms_;
  const int64_t retention_ms = config->get_long("offsets.retention.minutes") * 60'000;
  if (expire_offsets) next_offset_expiry_ms_ = now_ms + config->get_long("offsets.retention.check.interval.ms");
  for (const auto& entry : table_.entries()) {
    auto u = table_.try_update(entry);
    if (!u) continue;
    if (u->classic) classic_.tick(u, now_ms);
    if (u->consumer) consumer_.tick(u, now_ms);
    if (expire_offsets) offsets_.expire(u, now_ms, retention_ms);
  }
}

// --- Start-up ----------------------------------------------------------------------------

void GroupCoordinator::load(int64_t now_ms) {
  size_t offsets = 0, bad = 0, groups = 0;
  for (const auto& [key, value] : table_.store().scan_meta(std::string(CommittedOffsets::kKeyPrefix))) {
    auto record = CommittedOffsets::decode(key, value);
    if (!record) {
      ++bad;
      continue;
    }
    auto u = table_.update(record->group_id, /*create=*/true);
    u->become_classic(now_ms);  // an Empty classic group, until a group record says more
    u->offsets.put(record->partition, std::move(record->offset));
    ++offsets;
  }
  size_t pending = 0;
  for (const auto& [key, value] : table_.store().scan_meta(std::string(CommittedOffsets::kPendingKeyPrefix))) {
    auto record = CommittedOffsets::decode_pending(key, value);
    if (!record) {
      ++bad;
      continue;
    }
    auto u = table_.update(record->group_id, /*create=*/true);
    u->offsets.put_pending(record->producer_id, record->partition, std::move(record->offset));
    ++pending;
  }
  for (const auto& [key, value] : table_.store().scan_meta(std::string(kGroupRecordPrefix))) {
    std::optional<ClassicGroup> classic;
    std::optional<ConsumerGroup> consumer = decode_consumer_group_record(key, value);
    if (!consumer) classic = decode_group_record(key, value, now_ms);
    if (!consumer && !classic) {
      ++bad;
      continue;
    }
    auto u = table_.update(consumer ? consumer->id() : classic->id, /*create=*/true);
    u->classic = std::move(classic);
    u->consumer = std::move(consumer);
  }
  if (bad) ::chronik::config::named_logger("chronik.group").warn("{} stored group records do not decode and were ignored", bad);
  for (const auto& entry : table_.entries()) {
    auto a = table_.access(entry);
    if (a && (a->classic || a->consumer)) ++groups;
  }
  if (groups) ::chronik::config::named_logger("chronik.group").info("loaded {} consumer groups and {} committed offsets", groups, offsets);
  if (pending)
    ::chronik::config::named_logger("chronik.group").info("{} offsets pending in transactions wait for them to end", pending);
}

}  // namespace chronik::broker::group
