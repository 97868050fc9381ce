// SyncGroup: the leader hands in the assignment; every member gets its own share once the
// leader's has arrived.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {
namespace {

m::SyncGroupResponse to_response(const group::SyncResult& r, int16_t version) {
  m::SyncGroupResponse resp;
  resp.error_code = r.error;
  if (version >= 5) {
    resp.protocol_type = r.protocol_type;
    resp.protocol_name = r.protocol_name;
  }
  resp.assignment = r.assignment;
  return resp;
}

}  // namespace

Deferred<m::SyncGroupResponse> handle(Broker& broker, const Ctx& ctx, m::SyncGroupRequest& req) {
  group::GroupCoordinator::SyncRequest s;
  s.group_id = req.group_id;
  s.generation = req.generation_id;
  s.member_id = req.member_id;
  s.instance_id = req.group_instance_id;
  s.protocol_type = req.protocol_type;
  s.protocol_name = req.protocol_name;
  for (auto& a : req.assignments) s.assignments.emplace_back(a.member_id, std::move(a.assignment));

  auto ticket = broker.groups->sync(s, now_ms());
  Deferred<m::SyncGroupResponse> d;
  const int16_t version = ctx.api_version;
  if (ticket.now) {
    d.ready = to_response(*ticket.now, version);
    return d;
  }
  d.wake_key = Broker::group_wait_key(req.group_id);
  d.max_wait_ms = ticket.max_wait_ms;
  d.poll = [slot = ticket.later, version](bool final) -> std::optional<m::SyncGroupResponse> {
    if (auto r = slot->get()) return to_response(*r, version);
    if (!final) return std::nullopt;
    return to_response(group::SyncResult{err(ErrorCode::REBALANCE_IN_PROGRESS)}, version);
  };
  return d;
}

}  // namespace chronik::broker::handlers
