// What the group handlers share: the client's host as Kafka reports it, the checks of a
// committed offset, and answers that wait for the rest of the group.
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

// Why one partition's offset cannot be committed (OffsetCommit, TxnOffsetCommit), 0 when it
// can: Kafka's order after the group's checks. `topic` is what the request named, found by id
// (`by_id`) or by `name`.
inline int16_t commit_refusal(const Broker& broker, const RequestContext& ctx, const std::optional<TopicInfo>& topic,
                              bool by_id, const std::string& name, int32_t partition, size_t metadata_bytes,
                              size_t max_metadata_bytes) {
  using protocol::ErrorCode;
  if (!topic && by_id) return protocol::to_int16(ErrorCode::UNKNOWN_TOPIC_ID);
  if (!authorized_topic(broker, ctx, AclOperation::kRead, topic ? topic->name : name))
    return protocol::to_int16(ErrorCode::TOPIC_AUTHORIZATION_FAILED);  // before existence, as Kafka
  if (!topic || partition < 0 || partition >= topic->partitions)
    return protocol::to_int16(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
  if (metadata_bytes > max_metadata_bytes) return protocol::to_int16(ErrorCode::OFFSET_METADATA_TOO_LARGE);
  return 0;
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
