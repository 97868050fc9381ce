// Waiting requests (a long-poll Fetch, a JoinGroup or SyncGroup waiting for its group) on
// the connection's network thread: the core's wait registry says what happened, a timer
// cancelled on the connection's executor wakes the coroutine, and dispatch's retry decides.
#pragma once

#include <functional>
#include <memory>

#include <utility>  // before Asio 1.74's awaitable.hpp, which forgets it

#include <boost/asio/awaitable.hpp>

#include "broker/kafka/dispatch.h"
#include "broker/net/worker_pool.h"

namespace chronik::broker::net {

// Subscribes to the request's keys, retries it (where dispatch says) first at once, then
// each time some of them fired, and a last time at its max wait or as soon as `answer_now`
// (the server stops, the connection closed) holds. Returns its response frame. Throws when
// the request cannot answer, so that the connection closes rather than leave it unanswered.
boost::asio::awaitable<std::shared_ptr<wire::Writer>> wait_for(WaitRegistry& waits, WorkerPool& workers,
                                                               std::shared_ptr<PendingRequest> pending,
                                                               std::function<bool()> answer_now);

}  // namespace chronik::broker::net
