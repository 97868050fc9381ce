#include "broker/txn/txn_table.h"

namespace chronik::broker::txn {

int16_t TxnTable::Update::persist(const TransactionMetadata& next) {
  const std::string value = encode_txn_record(next);
  state_lock_.unlock();
  // write_mu stays held: the next Update of this id reads the metadata only once this
  // write returned, so the store ends with the latest state.
  const int16_t error = table_->store_->write_meta({{txn_record_key(entry_->id), value}}, {}, /*sync=*/true);
  state_lock_.lock();
  if (error) return error;
  entry_->meta = next;
  entry_->stored = true;
  return 0;
}

int16_t TxnTable::Update::remove() {
  state_lock_.unlock();
  const int16_t error = table_->store_->write_meta({}, {txn_record_key(entry_->id)}, /*sync=*/true);
  state_lock_.lock();
  if (error) return error;
  entry_->stored = false;
  return 0;
}

TxnTable::Update::~Update() {
  if (!entry_) return;
  if (!entry_->dropped_ && !entry_->stored) table_->drop(*entry_);
  state_lock_.unlock();
  write_lock_.unlock();
}

std::shared_ptr<TxnEntry> TxnTable::find(const std::string& transactional_id, bool create) {
  std::lock_guard lock(map_mu_);
  auto it = entries_.find(transactional_id);
  if (it != entries_.end()) return it->second;
  if (!create) return nullptr;
  return entries_.emplace(transactional_id, std::make_shared<TxnEntry>(transactional_id)).first->second;
}

void TxnTable::drop(TxnEntry& entry) {
  entry.dropped_ = true;
  std::lock_guard lock(map_mu_);
  auto it = entries_.find(entry.id);
  if (it != entries_.end() && it->second.get() == &entry) entries_.erase(it);
}

TxnTable::Update TxnTable::update(const std::string& transactional_id, bool create) {
  for (;;) {  // an entry dropped between finding and locking it is out of the map: again
    auto entry = find(transactional_id, create);
    if (!entry) return {};
    if (auto u = update(entry)) return u;
  }
}

TxnTable::Update TxnTable::update(const std::shared_ptr<TxnEntry>& entry) {
  std::unique_lock write_lock(entry->write_mu_);
  std::unique_lock state_lock(entry->state_mu_);
  if (entry->dropped_) return {};
  Update u;
  u.table_ = this;
  u.entry_ = entry;
  u.write_lock_ = std::move(write_lock);
  u.state_lock_ = std::move(state_lock);
  return u;
}

TxnTable::Update TxnTable::try_update(const std::shared_ptr<TxnEntry>& entry) {
  std::unique_lock write_lock(entry->write_mu_, std::try_to_lock);
  if (!write_lock.owns_lock()) return {};
  std::unique_lock state_lock(entry->state_mu_);
  if (entry->dropped_) return {};
  Update u;
  u.table_ = this;
  u.entry_ = entry;
  u.write_lock_ = std::move(write_lock);
  u.state_lock_ = std::move(state_lock);
  return u;
}

TxnTable::Access TxnTable::access(const std::string& transactional_id) {
  for (;;) {
    auto entry = find(transactional_id, false);
    if (!entry) return {};
    if (auto a = access(entry)) return a;
  }
}

TxnTable::Access TxnTable::access(const std::shared_ptr<TxnEntry>& entry) {
  Access a;
  a.lock_ = std::unique_lock(entry->state_mu_);
  if (entry->dropped_ || !entry->stored) return {};
  a.entry_ = entry;
  return a;
}

std::vector<std::shared_ptr<TxnEntry>> TxnTable::entries() const {
  std::lock_guard lock(map_mu_);
  std::vector<std::shared_ptr<TxnEntry>> out;
  out.reserve(entries_.size());
  for (const auto& [_, entry] : entries_) out.push_back(entry);
  return out;
}

void TxnTable::restore(TransactionMetadata meta) {
  auto entry = find(meta.transactional_id, true);
  std::lock_guard lock(entry->state_mu_);
  entry->meta = std::move(meta);
  entry->stored = true;
}

}  // namespace chronik::broker::txn
