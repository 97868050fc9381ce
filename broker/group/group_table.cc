#include "broker/group/group_table.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace chronik::broker::group {

int16_t GroupWrites::write_to(LogStore& store) {
  if (records_.empty()) return 0;
  LogStore::MetaRecords puts;
  std::vector<std::string> erases;
  for (auto& [key, value] : records_) {
    if (value) puts.emplace_back(key, std::move(*value));
    else erases.push_back(key);
  }
  records_.clear();
  return store.write_meta(puts, erases, false);
}

// --- GroupEntry --------------------------------------------------------------------------

ClassicGroup& GroupEntry::become_classic(int64_t now_ms) {
  consumer.reset();
  if (!classic) {
    classic.emplace();
    classic->id = id;
    classic->state_timestamp_ms = now_ms;
  }
  return *classic;
}

std::optional<int64_t> GroupEntry::empty_since_ms() const {
  if (consumer) {
    if (!consumer->members().empty()) return std::nullopt;
    return consumer->empty_since_ms();
  }
  if (classic) {
    if (classic->state != GroupState::kEmpty) return std::nullopt;
    // A group that never had members (only simple consumers' commits) has no such time.
    return classic->protocol_type.empty() ? -1 : classic->state_timestamp_ms;
  }
  return std::nullopt;  // not a group (yet)
}

void GroupEntry::drop_group() {
  classic.reset();
  consumer.reset();
  // Offsets a transaction still holds stay until it ends (they were not erased from the store).
  CommittedOffsets kept;
  for (const auto& [producer_id, partitions] : offsets.pending())
    for (const auto& [tp, o] : partitions) kept.put_pending(producer_id, tp, o);
  offsets = std::move(kept);
}

// --- Update ------------------------------------------------------------------------------

GroupTable::Update::Update(GroupTable* table, std::shared_ptr<GroupEntry> entry,
                           std::unique_lock<std::mutex> write_lock, std::unique_lock<std::mutex> state_lock)
    : table_(table),
      entry_(std::move(entry)),
      write_lock_(std::move(write_lock)),
      state_lock_(std::move(state_lock)) {}

int16_t GroupTable::Update::flush() {
  if (writes_.empty()) return 0;
  state_lock_.unlock();
  // write_mu stays held: the next Update of this group reads the state only once this
  // write has returned, so its own write lands after this one.
  const int16_t error = writes_.write_to(*table_->store_);
  state_lock_.lock();
  return error;
}

GroupTable::Update::~Update() {
  if (!entry_) return;
  // A record that cannot be written (the log dir failed; the store says so once) is only
  // needed after a restart: the group goes on in memory, as it does between writes.
  // Operations that must not go on without their write (commits, deletions) flush()
  // themselves and answer the error.
  (void)flush();
  // Dropped only now, after its last write: an Update of a new entry for the same id
  // (created once this one is out of the map) writes after it.
  if (!entry_->dropped_ && entry_->vacant()) table_->drop(*entry_);
  state_lock_.unlock();
  write_lock_.unlock();
  if (wake_ && table_->on_change_) table_->on_change_(entry_->id);
}

// --- GroupTable --------------------------------------------------------------------------

std::shared_ptr<GroupEntry> GroupTable::find(const std::string& group_id, bool create) {
  std::lock_guard lock(map_mu_);
  auto it = entries_.find(group_id);
  if (it != entries_.end()) return it->second;
  if (!create) return nullptr;
  return entries_.emplace(group_id, std::make_shared<GroupEntry>(group_id)).first->second;
}

void GroupTable::drop(GroupEntry& entry) {
  entry.dropped_ = true;
  std::lock_guard lock(map_mu_);
  auto it = entries_.find(entry.id);
  if (it != entries_.end() && it->second.get() == &entry) entries_.erase(it);
}

GroupTable::Update GroupTable::update(const std::string& group_id, bool create) {
  // An entry dropped between finding and locking it is out of the map: find again.
  for (;;) {
    auto entry = find(group_id, create);
    if (!entry) return {};
    if (auto u = update(entry)) return u;
  }
}

GroupTable::Update GroupTable::update(const std::shared_ptr<GroupEntry>& entry) {
  std::unique_lock write_lock(entry->write_mu_);
  std::unique_lock state_lock(entry->state_mu_);
  if (entry->dropped_) return {};
  return Update(this, entry, std::move(write_lock), std::move(state_lock));
}

GroupTable::Update GroupTable::try_update(const std::shared_ptr<GroupEntry>& entry) {
  std::unique_lock write_lock(entry->write_mu_, std::try_to_lock);
  if (!write_lock.owns_lock()) return {};
  std::unique_lock state_lock(entry->state_mu_);
  if (entry->dropped_) return {};
  return Update(this, entry, std::move(write_lock), std::move(state_lock));
}

GroupTable::Access GroupTable::access(const std::string& group_id) {
  for (;;) {
    auto entry = find(group_id, false);
    if (!entry) return {};
    if (auto a = access(entry)) return a;
  }
}

GroupTable::Access GroupTable::access(const std::shared_ptr<GroupEntry>& entry) {
  Access a;
  a.lock_ = std::unique_lock(entry->state_mu_);
  if (entry->dropped_) return {};
  a.entry_ = entry;
  return a;
}

std::vector<std::shared_ptr<GroupEntry>> GroupTable::entries() const {
  std::lock_guard lock(map_mu_);
  std::vector<std::shared_ptr<GroupEntry>> out;
  out.reserve(entries_.size());
  for (const auto& [_, entry] : entries_) out.push_back(entry);
  return out;
}

}  // namespace chronik::broker::group
