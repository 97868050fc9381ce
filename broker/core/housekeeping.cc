#include "broker/core/housekeeping.h"

#include <algorithm>

#include "broker/core/broker.h"

namespace chronik::broker {

std::vector<PeriodicTask> housekeeping_tasks(Broker& broker) {
  std::vector<PeriodicTask> tasks;
  // The store keeps its own schedule for flushes and retention; this only gives it a chance
  // to run, as often as the shorter of the two intervals asks (both are dynamic configs).
  tasks.push_back({"log housekeeping",
                   [&broker]() {
                     const auto cfg = broker.config();
                     return std::chrono::milliseconds(std::clamp<int64_t>(
                         std::min(cfg->log_flush_interval_ms(),
                                  cfg->get_long("log.retention.check.interval.ms")),
                         10, 1000));
                   },
                   [&broker](int64_t now) { broker.store->tick(now); }});
  // Session timeouts and join/sync deadlines are checked at this resolution.
  tasks.push_back({"group coordinator", []() { return std::chrono::milliseconds(100); },
                   [&broker](int64_t now) {
                     if (broker.groups) broker.groups->tick(now);
                   }});
  // Transactions past their timeout are aborted, and idle transactional ids expire, at the
  // coordinator's own interval (transaction.abort.timed.out.transaction.cleanup.interval.ms).
  tasks.push_back({"transaction coordinator", []() { return std::chrono::milliseconds(100); },
                   [&broker](int64_t now) {
                     if (broker.transactions) broker.transactions->tick(now);
                   }});
  return tasks;
}

}  // namespace chronik::broker
