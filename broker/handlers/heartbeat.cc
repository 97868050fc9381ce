// Heartbeat: keeps a classic group member alive and tells it when to rejoin.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::HeartbeatResponse handle(Broker& broker, const Ctx& ctx, m::HeartbeatRequest& req) {
  m::HeartbeatResponse resp;
  if (!authorized_group(broker, ctx, AclOperation::kRead, req.group_id)) {
    resp.error_code = err(ErrorCode::GROUP_AUTHORIZATION_FAILED);
    return resp;
  }
  resp.error_code = broker.groups->heartbeat(req.group_id, req.generation_id, req.member_id,
                                             req.group_instance_id, now_ms());
  return resp;
}

}  // namespace chronik::broker::handlers
