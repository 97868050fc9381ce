// UnregisterBroker: a broker that is alive registers again at once, so unregistering this
// one changes nothing, as on a one-node Kafka; any other id was never registered.
#include "broker/config/loggers.h"

#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::UnregisterBrokerResponse handle(Broker& broker, const Ctx& ctx, m::UnregisterBrokerRequest& req) {
  require_cluster(broker, ctx, AclOperation::kAlter);
  m::UnregisterBrokerResponse resp;
  resp.error_message = std::nullopt;
  if (req.broker_id != broker.node_id) {
    resp.error_code = err(ErrorCode::BROKER_ID_NOT_REGISTERED);
    return resp;
  }
  ::chronik::config::named_logger("chronik.handlers").info("UnregisterBroker for this broker ({}) from {}: it stays registered, being alive",
               broker.node_id, ctx.peer);
  return resp;
}

}  // namespace chronik::broker::handlers
