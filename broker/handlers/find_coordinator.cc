// FindCoordinator: this node coordinates every group and transactional id (the group and
// transaction coordinators are their own issues).
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::FindCoordinatorResponse handle(Broker& broker, const Ctx& ctx, m::FindCoordinatorRequest& req) {
  m::FindCoordinatorResponse resp;
  const Broker& self = broker;
  if (ctx.api_version < 4) {
    resp.node_id = self.node_id;
    resp.host = self.advertised.host;
    resp.port = self.advertised.port;
    if (ctx.api_version >= 1) resp.error_message = std::nullopt;
    return resp;
  }
  for (const auto& key : req.coordinator_keys) {
    m::FindCoordinatorResponse::Coordinator c;
    c.key = key;
    c.node_id = self.node_id;
    c.host = self.advertised.host;
    c.port = self.advertised.port;
    c.error_message = std::nullopt;
    resp.coordinators.push_back(std::move(c));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
