// The worker threads (num.io.threads): requests that dispatch does not run on the network
// threads, retries of waiting group requests, and the broker's housekeeping.
#pragma once

#include <type_traits>
#include <utility>  // before Asio 1.74's awaitable.hpp, which forgets it

#include <boost/asio.hpp>

namespace chronik::broker::net {

class WorkerPool {
 public:
  explicit WorkerPool(size_t threads) : pool_(threads) {}

  // Runs `f` on a worker and resumes the awaiting coroutine on its own executor with the
  // result. (Not co_spawn of a capturing lambda: GCC 12 destroys such captures twice.)
  // REQUIRES: f() does not throw and returns a default-constructible, movable value.
  template <class F>
  auto run(F f) {
    using R = std::invoke_result_t<F>;
    auto initiation = [this](auto handler, F fn) {
      auto work = boost::asio::make_work_guard(boost::asio::get_associated_executor(handler));
      boost::asio::post(pool_, [handler = std::move(handler), fn = std::move(fn),
                                work = std::move(work)]() mutable {
        R result = fn();
        auto ex = work.get_executor();
        boost::asio::dispatch(ex, [handler = std::move(handler), result = std::move(result)]() mutable {
          handler(std::move(result));
        });
      });
    };
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(R)>(
        initiation, boost::asio::use_awaitable, std::move(f));
  }

  // Waits for the work already posted to finish.
  void join() { pool_.join(); }

 private:
  boost::asio::thread_pool pool_;
};

}  // namespace chronik::broker::net
