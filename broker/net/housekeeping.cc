#include "broker/net/housekeeping.h"

#include <boost/asio/redirect_error.hpp>
#include <spdlog/spdlog.h>

#include "broker/core/broker.h"
#include "broker/config/loggers.h"

namespace chronik::broker::net {

namespace asio = boost::asio;

struct Housekeeping::Timer {
  Timer(asio::io_context& ioc, PeriodicTask t) : timer(ioc), task(std::move(t)) {}
  asio::steady_timer timer;
  PeriodicTask task;
};

Housekeeping::Housekeeping(asio::io_context& ioc, WorkerPool& workers, std::vector<PeriodicTask> tasks)
    : ioc_(ioc), workers_(workers) {
  for (auto& t : tasks) timers_.push_back(std::make_unique<Timer>(ioc, std::move(t)));
}

Housekeeping::~Housekeeping() = default;

void Housekeeping::start() {
  for (auto& t : timers_) asio::co_spawn(ioc_, loop(*t), asio::detached);
}

void Housekeeping::stop() {
  stopped_ = true;
  for (auto& t : timers_) t->timer.cancel();
}

asio::awaitable<void> Housekeeping::loop(Timer& t) {
  while (!stopped_) {
    t.timer.expires_after(t.task.interval());
    boost::system::error_code ec;
    co_await t.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopped_) break;
    auto* task = &t.task;
    auto work = [task]() {
      try {
        task->run(now_ms());
      } catch (const std::exception& e) {
        ::chronik::config::named_logger("chronik.net").error("{} failed: {}", task->name, e.what());
      }
      return 0;
    };
    co_await workers_.run(std::move(work));
  }
}

}  // namespace chronik::broker::net
