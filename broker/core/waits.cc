#include "broker/core/waits.h"

#include <algorithm>
#include <type_traits>
#include <utility>

namespace chronik::broker {
namespace {

size_t mix(size_t seed, size_t h) { return seed ^ (h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2)); }

}  // namespace

size_t WaitKeyHash::operator()(const WaitKey& key) const {
  const size_t kind = key.index();
  return std::visit(
      [kind](const auto& k) -> size_t {
        using K = std::decay_t<decltype(k)>;
        if constexpr (std::is_same_v<K, PartitionAppended>)
          return mix(mix(kind, std::hash<std::string>{}(k.topic)), std::hash<int32_t>{}(k.partition));
        else if constexpr (std::is_same_v<K, GroupChanged>)
          return mix(kind, std::hash<std::string>{}(k.group_id));
        else
          return mix(kind, std::hash<std::string>{}(k.transactional_id));
      },
      key);
}

Waiter::~Waiter() { registry_.unsubscribe(this); }

std::vector<WaitKey> Waiter::take_fired() {
  std::lock_guard lock(mu_);
  woken_ = false;
  return std::exchange(fired_, {});
}

bool Waiter::fired() const {
  std::lock_guard lock(mu_);
  return woken_ || !fired_.empty();
}

void Waiter::fire(const WaitKey* key) {
  {
    std::lock_guard lock(mu_);
    if (!key) woken_ = true;
    else if (std::find(fired_.begin(), fired_.end(), *key) == fired_.end()) fired_.push_back(*key);
  }
  if (on_fire_) on_fire_();
}

std::shared_ptr<Waiter> WaitRegistry::subscribe(std::vector<WaitKey> keys, std::function<void()> on_fire) {
  std::shared_ptr<Waiter> w(new Waiter(*this, std::move(keys), std::move(on_fire)));
  std::lock_guard lock(mu_);
  for (const auto& k : w->keys()) by_key_[k].push_back(w.get());
  all_.insert(w.get());
  count_.fetch_add(1);
  return w;
}

void WaitRegistry::unsubscribe(Waiter* w) {
  std::lock_guard lock(mu_);
  for (const auto& k : w->keys()) {
    auto it = by_key_.find(k);
    if (it == by_key_.end()) continue;
    std::erase(it->second, w);
    if (it->second.empty()) by_key_.erase(it);
  }
  all_.erase(w);
  count_.fetch_sub(1);
}

void WaitRegistry::notify(const WaitKey& key) {
  if (!anyone_waiting()) return;
  std::lock_guard lock(mu_);
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return;
  for (Waiter* w : it->second) w->fire(&key);
}

void WaitRegistry::wake_all() {
  std::lock_guard lock(mu_);
  for (Waiter* w : all_) w->fire(nullptr);
}

size_t WaitRegistry::waiters() const {
  std::lock_guard lock(mu_);
  return all_.size();
}

}  // namespace chronik::broker
