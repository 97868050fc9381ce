// The timers that run the broker's periodic tasks (core/housekeeping.h) on the workers.
#pragma once

#include <atomic>
#include <memory>
#include <utility>  // before Asio 1.74's awaitable.hpp, which forgets it
#include <vector>

#include <boost/asio.hpp>

#include "broker/core/housekeeping.h"
#include "broker/net/worker_pool.h"

namespace chronik::broker::net {

class Housekeeping {
 public:
  // Timers on `ioc`; the tasks run on `workers`.
  Housekeeping(boost::asio::io_context& ioc, WorkerPool& workers, std::vector<PeriodicTask> tasks);
  ~Housekeeping();
  // Starts every task's timer. Each task runs once per interval, never two runs at once.
  void start();
  // On the io_context's thread: no run starts after this.
  void stop();

 private:
  struct Timer;
  boost::asio::awaitable<void> loop(Timer& timer);

  boost::asio::io_context& ioc_;
  WorkerPool& workers_;
  std::vector<std::unique_ptr<Timer>> timers_;
  bool stopped_ = false;
};

}  // namespace chronik::broker::net
