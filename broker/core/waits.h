// Waiting and waking: requests that wait for something to happen (a long-poll Fetch for
// appends, a JoinGroup or SyncGroup for the rest of its group) subscribe to typed keys; the
// services say what happened (Broker::notify_append after an append, the group
// coordinator's change callback) and every waiter subscribed to that key learns it.
//
// No threads, timers or I/O here: a waiter gives a callback that the notifier calls, and the
// network layer turns it into a wake-up on the waiting connection's own thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

namespace chronik::broker {

// Records were appended to a partition (its log end, and on a single node its high
// watermark, moved).
struct PartitionAppended {
  std::string topic;
  int32_t partition = 0;
  bool operator==(const PartitionAppended&) const = default;
};

// A group's state changed: a join or sync phase may have ended.
struct GroupChanged {
  std::string group_id;
  bool operator==(const GroupChanged&) const = default;
};

// A transaction ended (committed or aborted), for requests that wait on one (a later
// transactional producer); nothing notifies it yet.
struct TransactionCompleted {
  std::string transactional_id;
  bool operator==(const TransactionCompleted&) const = default;
};

// A new key (HighWatermarkAdvanced, once followers make it differ from the log end) is one
// more alternative here and one more case in WaitKeyHash.
using WaitKey = std::variant<PartitionAppended, GroupChanged, TransactionCompleted>;

struct WaitKeyHash {
  size_t operator()(const WaitKey& key) const;
};

class WaitRegistry;

// One waiting request's subscription, from WaitRegistry::subscribe. Unsubscribes when
// destroyed. Thread-safe.
class Waiter {
 public:
  ~Waiter();
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;

  const std::vector<WaitKey>& keys() const { return keys_; }
  // The keys notified since the last call (each once, in the order they first fired),
  // forgetting them.
  std::vector<WaitKey> take_fired();
  // Whether a key was notified, or the registry woke everyone, since the last take_fired().
  bool fired() const;

 private:
  friend class WaitRegistry;
  Waiter(WaitRegistry& registry, std::vector<WaitKey> keys, std::function<void()> on_fire)
      : registry_(registry), keys_(std::move(keys)), on_fire_(std::move(on_fire)) {}
  void fire(const WaitKey* key);

  WaitRegistry& registry_;
  const std::vector<WaitKey> keys_;
  const std::function<void()> on_fire_;
  mutable std::mutex mu_;
  std::vector<WaitKey> fired_;
  bool woken_ = false;
};

class WaitRegistry {
 public:
  WaitRegistry() = default;
  // REQUIRES: every Waiter it handed out is gone.
  ~WaitRegistry() = default;
  WaitRegistry(const WaitRegistry&) = delete;
  WaitRegistry& operator=(const WaitRegistry&) = delete;

  // Subscribes to `keys`. From the moment this returns, every notify() of one of them is
  // recorded in the waiter (take_fired) and then calls `on_fire`; so a request that
  // subscribes, then checks its condition, then sleeps until on_fire cannot miss what
  // happens between its check and its sleep.
  // `on_fire` runs on the notifier's thread while the registry is locked: it must be cheap,
  // thread-safe and must not call the registry (a post to the waiter's own thread is
  // what it is for). Once the waiter is destroyed, on_fire is neither running nor called
  // again.
  std::shared_ptr<Waiter> subscribe(std::vector<WaitKey> keys, std::function<void()> on_fire);

  // Tells every waiter subscribed to `key`. Cheap when nobody waits: a waiter that
  // subscribed before the change it waits for counted itself before it, and the lock that
  // orders the change and the waiter's check of it makes that count visible here.
  void notify(const WaitKey& key);
  // Fires every waiter with no key (shutdown: waiting requests answer now).
  void wake_all();

  // Waiters subscribed now.
  size_t waiters() const;
  // Whether any waiter is subscribed, without locking: a notifier may skip building its key
  // when none is (see notify()).
  bool anyone_waiting() const { return count_.load() > 0; }

 private:
  friend class Waiter;
  void unsubscribe(Waiter* waiter);

  mutable std::mutex mu_;
  std::atomic<size_t> count_{0};  // lets notify() skip the lock when nobody waits
  std::unordered_map<WaitKey, std::vector<Waiter*>, WaitKeyHash> by_key_;
  std::unordered_set<Waiter*> all_;
};

}  // namespace chronik::broker
