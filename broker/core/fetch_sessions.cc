#include "broker/core/fetch_sessions.h"

#include <random>

namespace chronik::broker {

std::shared_ptr<FetchSession> FetchSessionCache::create() {
  std::lock_guard lock(mu_);
  if (next_id_ == 1) next_id_ = static_cast<int32_t>(std::random_device{}() & 0x3fffffff) + 1;
  while (sessions_.size() >= capacity_ && !lru_.empty()) {
    sessions_.erase(lru_.back());
    lru_.pop_back();
  }
  auto s = std::make_shared<FetchSession>();
  s->id = next_id_++;
  if (next_id_ <= 0) next_id_ = 1;
  lru_.push_front(s->id);
  sessions_[s->id] = {s, lru_.begin()};
  return s;
}

std::shared_ptr<FetchSession> FetchSessionCache::find(int32_t id) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second.second);
  return it->second.first;
}

void FetchSessionCache::remove(int32_t id) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  lru_.erase(it->second.second);
  sessions_.erase(it);
}

}  // namespace chronik::broker
