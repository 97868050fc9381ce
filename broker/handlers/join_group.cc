// JoinGroup: becomes a member of a classic group; answered when the join phase of the
// rebalance ends (possibly much later, once every other member has rejoined).
#include "broker/handlers/group_common.h"
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {
namespace {

m::JoinGroupResponse to_response(const group::JoinResult& r, int16_t version) {
  m::JoinGroupResponse resp;
  resp.error_code = r.error;
  resp.generation_id = r.generation;
  if (version >= 7) {
    resp.protocol_type = r.protocol_type;
    resp.protocol_name = r.protocol_name;
  } else {
    resp.protocol_name = r.protocol_name.value_or("");
  }
  resp.leader = r.leader;
  resp.skip_assignment = version >= 9 && r.skip_assignment;
  resp.member_id = r.member_id;
  for (const auto& mem : r.members) {
    m::JoinGroupResponse::JoinGroupResponseMember out;
    out.member_id = mem.member_id;
    if (version >= 5) out.group_instance_id = mem.instance_id;
    out.metadata = mem.metadata;
    resp.members.push_back(std::move(out));
  }
  return resp;
}

}  // namespace

Deferred<m::JoinGroupResponse> handle(Broker& broker, const Ctx& ctx, m::JoinGroupRequest& req) {
  if (!authorized_group(broker, ctx, AclOperation::kRead, req.group_id)) {
    Deferred<m::JoinGroupResponse> denied;
    denied.ready.emplace().error_code = err(ErrorCode::GROUP_AUTHORIZATION_FAILED);
    return denied;
  }
  group::GroupCoordinator::JoinRequest j;
  j.group_id = req.group_id;
  j.member_id = req.member_id;
  j.instance_id = req.group_instance_id;
  j.protocol_type = req.protocol_type;
  for (auto& p : req.protocols) j.protocols.emplace_back(p.name, std::move(p.metadata));
  j.session_timeout_ms = req.session_timeout_ms;
  // v0 has no rebalance timeout: it is the session timeout.
  j.rebalance_timeout_ms = ctx.api_version >= 1 ? req.rebalance_timeout_ms : req.session_timeout_ms;
  j.client_id = ctx.client_id.value_or("");
  j.client_host = client_host(ctx);
  j.version = ctx.api_version;

  const int16_t version = ctx.api_version;
  group::JoinResult late;  // still waiting at the deadline: the client rejoins
  late.error = err(ErrorCode::REBALANCE_IN_PROGRESS);
  late.member_id = req.member_id;
  return deferred_response<m::JoinGroupResponse>(
      broker, broker.groups->join(j, now_ms()), req.group_id,
      [version](const group::JoinResult& r) { return to_response(r, version); }, std::move(late));
}

}  // namespace chronik::broker::handlers
