// SyncGroup: the leader hands in the assignment; every member gets its own share once the
// leader's has arrived.
#include "broker/handlers/group_common.h"
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
  if (!authorized_group(broker, ctx, AclOperation::kRead, req.group_id)) {
    Deferred<m::SyncGroupResponse> denied;
    denied.ready.emplace().error_code = err(ErrorCode::GROUP_AUTHORIZATION_FAILED);
    return denied;
  }
  group::GroupCoordinator::SyncRequest s;
  s.group_id = req.group_id;
  s.generation = req.generation_id;
  s.member_id = req.member_id;
  s.instance_id = req.group_instance_id;
  s.protocol_type = req.protocol_type;
  s.protocol_name = req.protocol_name;
  for (auto& a : req.assignments) s.assignments.emplace_back(a.member_id, std::move(a.assignment));

  const int16_t version = ctx.api_version;
  return deferred_response<m::SyncGroupResponse>(
      broker, broker.groups->sync(s, now_ms()), req.group_id,
      [version](const group::SyncResult& r) { return to_response(r, version); },
      group::SyncResult{err(ErrorCode::REBALANCE_IN_PROGRESS)});
}

}  // namespace chronik::broker::handlers
