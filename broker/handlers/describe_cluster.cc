// DescribeCluster: this node, the cluster id; it is also the controller. v2's
// IncludeFencedBrokers asks for fenced brokers too: this broker is the only one and is never
// fenced, so the list is the same either way and IsFenced is false.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::DescribeClusterResponse handle(Broker& broker, const Ctx& ctx, m::DescribeClusterRequest& req) {
  m::DescribeClusterResponse resp;
  if (req.endpoint_type != 1) {  // only brokers (1) here; controllers (2) are not exposed
    resp.error_code = err(ErrorCode::UNSUPPORTED_ENDPOINT_TYPE);
    resp.error_message = "The node does not expose controller endpoints";
    resp.endpoint_type = req.endpoint_type;
    return resp;
  }
  resp.cluster_id = broker.cluster_id;
  resp.controller_id = broker.node_id;
  const Endpoint advertised = broker.advertised_for(ctx.listener);
  resp.brokers.push_back({broker.node_id, advertised.host, advertised.port, std::nullopt, {}});
  if (req.include_cluster_authorized_operations)
    resp.cluster_authorized_operations = authorized_operations(broker, ctx, ResourceType::kCluster, security::kClusterName);
  return resp;
}

}  // namespace chronik::broker::handlers
