// LeaveGroup: one member (v0-2) or a batch identified by member or instance id (v3+).
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::LeaveGroupResponse handle(Broker& broker, const Ctx& ctx, m::LeaveGroupRequest& req) {
  if (!authorized_group(broker, ctx, AclOperation::kRead, req.group_id)) {
    m::LeaveGroupResponse denied;
    denied.error_code = err(ErrorCode::GROUP_AUTHORIZATION_FAILED);
    return denied;
  }
  std::vector<group::GroupCoordinator::Leaving> leaving;
  if (ctx.api_version < 3) {
    leaving.push_back({req.member_id, std::nullopt});
  } else {
    for (const auto& mi : req.members) leaving.push_back({mi.member_id, mi.group_instance_id});
  }
  auto r = broker.groups->leave(req.group_id, leaving, now_ms());
  m::LeaveGroupResponse resp;
  resp.error_code = r.error;
  if (ctx.api_version < 3) {
    if (!r.member_errors.empty() && resp.error_code == 0) resp.error_code = r.member_errors.front();
    return resp;
  }
  for (size_t i = 0; i < leaving.size(); ++i) {
    m::LeaveGroupResponse::MemberResponse mr;
    mr.member_id = leaving[i].member_id;
    mr.group_instance_id = leaving[i].instance_id;
    mr.error_code = r.member_errors[i];
    resp.members.push_back(std::move(mr));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
