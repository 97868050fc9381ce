#include "broker/net/request_wait.h"

#include <chrono>
#include <optional>
#include <stdexcept>

#include <boost/asio/redirect_error.hpp>

namespace chronik::broker::net {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

asio::awaitable<std::shared_ptr<wire::Writer>> wait_for(WaitRegistry& waits, WorkerPool& workers,
                                                        std::shared_ptr<PendingRequest> pending,
                                                        std::function<bool()> answer_now) {
  auto executor = co_await asio::this_coro::executor;
  auto timer = std::make_shared<asio::steady_timer>(executor);
  // Subscribed before the first try, so that what happens after it is not missed: the
  // waiter keeps what fired, the cancel only wakes the coroutine (and is harmless when it
  // is not sleeping: the loop looks at the waiter before it sleeps).
  auto waiter = waits.subscribe(pending->wait_keys(), [timer]() {
    asio::post(timer->get_executor(), [timer]() { timer->cancel(); });
  });
  const auto deadline = Clock::now() + std::chrono::milliseconds(pending->max_wait_ms());
  std::vector<WaitKey> fired;
  for (;;) {
    const bool final = Clock::now() >= deadline || answer_now();
    auto work = [pending, fired, final]() -> std::optional<std::shared_ptr<wire::Writer>> {
      try {
        return pending->retry(fired, final);
      } catch (...) {
        return std::nullopt;
      }
    };
    std::optional<std::shared_ptr<wire::Writer>> frame;
    if (pending->run_on() == RunOn::kWorkers) frame = co_await workers.run(std::move(work));
    else frame = work();
    if (!frame || (final && !*frame))
      throw std::runtime_error("a waiting request could not answer");
    if (*frame) co_return std::move(*frame);
    if (!waiter->fired()) {
      timer->expires_at(deadline);
      boost::system::error_code ec;
      co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    fired = waiter->take_fired();
  }
}

}  // namespace chronik::broker::net
