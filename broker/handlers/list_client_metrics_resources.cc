// ListClientMetricsResources (KIP-714): the names of the client-metrics subscriptions.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::ListClientMetricsResourcesResponse handle(Broker& broker, const Ctx&, m::ListClientMetricsResourcesRequest&) {
  m::ListClientMetricsResourcesResponse resp;
  for (const auto& name : broker.telemetry.subscription_names()) {
    m::ListClientMetricsResourcesResponse::ClientMetricsResource r;
    r.name = name;
    resp.client_metrics_resources.push_back(std::move(r));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
