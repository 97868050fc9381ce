// ListConfigResources: the config resources that exist, by type. v0 (ListClientMetricsResources
// before Kafka 4.0, KIP-714) lists only the client-metrics subscriptions; v1 (KIP-1142) takes
// a list of types (empty: every type Kafka 4.4 lists) and answers each resource with its type,
// as Kafka 4.4 does: groups with configs, client-metrics subscriptions, the broker as a logger
// and as a broker, then the topics. A type outside those makes the whole answer
// UNSUPPORTED_VERSION, with no resources.
#include <algorithm>

#include "broker/handlers/config_resources.h"
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {
namespace {

constexpr int8_t kTopic = 2, kBroker = 4, kGroup = 32;

std::vector<int8_t> supported_types(int16_t version) {
  if (version < 1) return {kClientMetricsResource};
  return {kTopic, kBroker, kBrokerLoggerResource, kClientMetricsResource, kGroup};
}

}  // namespace

m::ListConfigResourcesResponse handle(Broker& broker, const Ctx& ctx, m::ListConfigResourcesRequest& req) {
  m::ListConfigResourcesResponse resp;
  const std::vector<int8_t> supported = supported_types(ctx.api_version);
  const std::vector<int8_t>& types = req.resource_types.empty() ? supported : req.resource_types;
  const auto wanted = [&](int8_t type) { return std::find(types.begin(), types.end(), type) != types.end(); };
  for (int8_t type : types)
    if (std::find(supported.begin(), supported.end(), type) == supported.end()) {
      resp.error_code = err(ErrorCode::UNSUPPORTED_VERSION);
      return resp;
    }
  auto add = [&](std::string name, int8_t type) {
    m::ListConfigResourcesResponse::ConfigResource r;
    r.resource_name = std::move(name);
    r.resource_type = type;
    resp.config_resources.push_back(std::move(r));
  };
  // GROUP: Chronik has no group configs (KIP-848's group.* overrides), so no group has any.
  if (wanted(kClientMetricsResource))
    for (auto& name : broker.telemetry.subscription_names()) add(std::move(name), kClientMetricsResource);
  if (wanted(kBrokerLoggerResource)) add(std::to_string(broker.node_id), kBrokerLoggerResource);
  if (wanted(kBroker)) add(std::to_string(broker.node_id), kBroker);
  if (wanted(kTopic))
    for (auto& t : broker.store->list_topics()) add(std::move(t.name), kTopic);
  return resp;
}

}  // namespace chronik::broker::handlers
