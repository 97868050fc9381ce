// The wait registry: typed keys, who is woken, and no wake-up lost or delivered late under
// concurrent notify, subscribe and unsubscribe.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_set>
#include <vector>

#include "broker/core/waits.h"

using namespace chronik::broker;

TEST_CASE("wait keys are typed: same fields, different kinds are different keys") {
  std::unordered_set<WaitKey, WaitKeyHash> keys;
  keys.insert(PartitionAppended{"t", 0});
  keys.insert(PartitionAppended{"t", 0});
  keys.insert(PartitionAppended{"t", 1});
  keys.insert(PartitionAppended{"u", 0});
  keys.insert(GroupChanged{"t"});
  keys.insert(GroupChanged{"g"});
  keys.insert(TransactionCompleted{"g"});
  CHECK(keys.size() == 6);
  CHECK(keys.count(PartitionAppended{"t", 1}) == 1);
  CHECK(keys.count(GroupChanged{"u"}) == 0);
  CHECK(WaitKey(GroupChanged{"g"}) != WaitKey(TransactionCompleted{"g"}));
  CHECK(WaitKeyHash{}(PartitionAppended{"t", 3}) == WaitKeyHash{}(PartitionAppended{"t", 3}));
}

TEST_CASE("a notify reaches exactly the waiters of its key, with the keys that fired") {
  WaitRegistry waits;
  std::atomic<int> a_calls{0}, b_calls{0};
  auto a = waits.subscribe({PartitionAppended{"t", 0}, PartitionAppended{"t", 1}}, [&] { ++a_calls; });
  auto b = waits.subscribe({GroupChanged{"g"}}, [&] { ++b_calls; });
  CHECK(waits.waiters() == 2);
  CHECK_FALSE(a->fired());

  waits.notify(PartitionAppended{"t", 1});
  waits.notify(PartitionAppended{"t", 2});  // nobody waits for it
  waits.notify(GroupChanged{"t"});          // a group named like the topic: another key
  waits.notify(PartitionAppended{"t", 0});
  waits.notify(PartitionAppended{"t", 1});  // again: reported once
  CHECK(a_calls == 3);
  CHECK(b_calls == 0);
  REQUIRE(a->fired());
  CHECK(a->take_fired() == std::vector<WaitKey>{PartitionAppended{"t", 1}, PartitionAppended{"t", 0}});
  CHECK_FALSE(a->fired());
  CHECK(a->take_fired().empty());

  waits.notify(GroupChanged{"g"});
  CHECK(b_calls == 1);
  CHECK(b->take_fired() == std::vector<WaitKey>{GroupChanged{"g"}});
}

TEST_CASE("a destroyed waiter is never called again; wake_all fires everyone without a key") {
  WaitRegistry waits;
  std::atomic<int> calls{0};
  auto a = waits.subscribe({PartitionAppended{"t", 0}}, [&] { ++calls; });
  auto b = waits.subscribe({PartitionAppended{"t", 0}}, [&] { ++calls; });
  a.reset();
  CHECK(waits.waiters() == 1);
  waits.notify(PartitionAppended{"t", 0});
  CHECK(calls == 1);
  b->take_fired();
  waits.wake_all();
  CHECK(calls == 2);
  CHECK(b->fired());
  CHECK(b->take_fired().empty());
  CHECK_FALSE(b->fired());
  b.reset();
  CHECK(waits.waiters() == 0);
  waits.notify(PartitionAppended{"t", 0});
  waits.wake_all();
  CHECK(calls == 2);
}

TEST_CASE("concurrent notify, subscribe and unsubscribe: callbacks only while subscribed") {
  WaitRegistry waits;
  constexpr int kKeys = 4;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> late_calls{0}, calls{0};
  std::vector<std::thread> threads;
  for (int n = 0; n < 2; ++n) {
    threads.emplace_back([&, n] {
      std::mt19937 rng(n);
      while (!stop) {
        waits.notify(PartitionAppended{"t", static_cast<int32_t>(rng() % kKeys)});
        if (rng() % 64 == 0) waits.wake_all();
      }
    });
  }
  for (int s = 0; s < 3; ++s) {
    threads.emplace_back([&, s] {
      std::mt19937 rng(100 + s);
      for (int i = 0; i < 20000; ++i) {
        auto alive = std::make_shared<std::atomic<bool>>(true);
        auto w = waits.subscribe({PartitionAppended{"t", static_cast<int32_t>(rng() % kKeys)},
                                  PartitionAppended{"t", static_cast<int32_t>(rng() % kKeys)}},
                                 [alive, &late_calls, &calls] {
                                   ++calls;
                                   if (!*alive) ++late_calls;
                                 });
        if (rng() % 2) std::this_thread::yield();
        w->take_fired();
        w.reset();
        *alive = false;  // after this, a call would be one after unsubscribing
      }
    });
  }
  for (size_t i = 2; i < threads.size(); ++i) threads[i].join();
  stop = true;
  threads[0].join();
  threads[1].join();
  CHECK(late_calls == 0);
  CHECK(calls > 0);
  CHECK(waits.waiters() == 0);
}

// The pattern every waiting request follows: subscribe, check the condition, sleep until a
// callback. The appender appends once, then waits until the waiter has seen it, so that a
// wake-up lost between the check and the sleep is not covered by a later append: it shows as
// a sleep running into its (long) timeout.
TEST_CASE("no wake-up is lost between a waiter's check and its sleep") {
  WaitRegistry waits;
  const WaitKey key = PartitionAppended{"t", 0};
  std::mutex log_mu;  // stands for the partition's lock: appends and reads are ordered by it
  int64_t log_end = 0;
  std::atomic<int64_t> seen{0};
  std::atomic<bool> gave_up{false};
  constexpr int64_t kAppends = 2000;
  auto spin = [](std::mt19937& rng) {
    for (unsigned i = rng() % 2000; i > 0; --i) std::atomic_signal_fence(std::memory_order_seq_cst);
  };

  std::thread appender([&] {
    std::mt19937 rng(7);
    for (int64_t i = 1; i <= kAppends && !gave_up; ++i) {
      while (seen.load() < i - 1 && !gave_up) std::this_thread::yield();
      spin(rng);
      {
        std::lock_guard lock(log_mu);
        ++log_end;
      }
      waits.notify(key);
    }
  });

  std::mt19937 rng(11);
  int64_t timeouts = 0, sleeps = 0;
  for (int64_t want = 1; want <= kAppends; ++want) {
    std::mutex mu;
    std::condition_variable cv;
    bool woken = false;
    auto w = waits.subscribe({key}, [&] {
      std::lock_guard lock(mu);
      woken = true;
      cv.notify_one();
    });
    spin(rng);
    for (;;) {
      {
        std::lock_guard lock(log_mu);
        if (log_end >= want) break;
      }
      std::unique_lock lock(mu);
      ++sleeps;
      if (!cv.wait_for(lock, std::chrono::seconds(2), [&] { return woken; })) {
        ++timeouts;  // the append came, its wake-up did not
        break;
      }
      woken = false;
    }
    if (timeouts) {
      gave_up = true;
      break;
    }
    seen = want;
  }
  appender.join();
  CHECK(timeouts == 0);
  CHECK(sleeps > 0);  // some checks did come before their append
  CHECK(waits.waiters() == 0);
}
