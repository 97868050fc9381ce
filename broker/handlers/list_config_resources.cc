// ListConfigResources v0 (ListClientMetricsResources before Kafka 4.0, KIP-714): the names of
// the client-metrics subscriptions.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::ListConfigResourcesResponse handle(Broker& broker, const Ctx&, m::ListConfigResourcesRequest&) {
  m::ListConfigResourcesResponse resp;
  for (const auto& name : broker.telemetry.subscription_names()) {
    m::ListConfigResourcesResponse::ConfigResource r;
    r.resource_name = name;
    resp.config_resources.push_back(std::move(r));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
