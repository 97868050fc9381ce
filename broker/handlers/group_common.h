// What the group handlers share: the client's host as Kafka reports it, and answers
// that wait for the rest of the group.
#pragma once

#include <string>

#include "broker/handlers/handlers.h"
#include "broker/core/broker.h"

namespace chronik::broker::handlers {

// "/127.0.0.1", the form Kafka shows in DescribeGroups, from the peer "127.0.0.1:port".
inline std::string client_host(const RequestContext& ctx) {
  const auto colon = ctx.peer.rfind(':');
  return "/" + (colon == std::string::npos ? ctx.peer : ctx.peer.substr(0, colon));
}

// The response for a coordinator ticket: now, or once the group fills its slot (woken
// when the group changes); `late` answers a request still waiting at its deadline.
template <class Resp, class Result, class Convert>
Deferred<Resp> deferred_response(Broker& broker, const group::GroupCoordinator::Ticket<Result>& ticket,
                                 const std::string& group_id, Convert convert, Result late) {
  Deferred<Resp> d;
  if (ticket.now) {
    d.ready = convert(*ticket.now);
    return d;
  }
  d.wait_keys = {GroupChanged{group_id}};
  d.max_wait_ms = ticket.max_wait_ms;
  d.waiting = &broker.metrics.waiting_group_requests;
  d.retry = [slot = ticket.later, convert, late = std::move(late)](
                const std::vector<WaitKey>&, bool final) -> std::optional<Resp> {
    if (auto r = slot->get()) return convert(*r);
    if (!final) return std::nullopt;
    return convert(late);
  };
  return d;
}

}  // namespace chronik::broker::handlers
