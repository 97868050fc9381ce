// The broker's periodic work: the store's (interval flushes, retention, reopening a failed
// log dir), the group coordinator's (session timeouts, join and sync deadlines) and the
// transaction coordinator's (transaction timeouts, expired transactional ids).
//
// The network layer runs each task on its own timer, on a worker thread (a task may block
// on disk), one run at a time; tasks are independent so that a slow flush does not hold up
// the groups' deadlines.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace chronik::broker {

struct Broker;

struct PeriodicTask {
  std::string name;  // for the error log
  // The wait before the next run; asked before each, as it may follow dynamic configs.
  std::function<std::chrono::milliseconds()> interval;
  // May throw; the caller logs the failure and runs it again at the next interval.
  std::function<void(int64_t now_ms)> run;
};

// REQUIRES: broker.store is open; the tasks use the broker, which must outlive them.
std::vector<PeriodicTask> housekeeping_tasks(Broker& broker);

}  // namespace chronik::broker
