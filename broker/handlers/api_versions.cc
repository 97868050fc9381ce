// ApiVersions: the APIs and versions this broker serves, straight from the API table, and
// (v3+) its supported and finalized features (core/features.h).
#include "broker/handlers/handlers.h"
#include "generated/kafka/api_dispatch.h"
#include "generated/kafka/api_table.h"
#include "generated/kafka/get_telemetry_subscriptions_request.h"
#include "generated/kafka/push_telemetry_request.h"

namespace chronik::broker::handlers {

bool has_handler(int16_t api_key) {
  bool handled = false;
  m::with_api(api_key, [&]<class Req, class Resp>() { handled = kHasHandler<Req>; });
  const m::ApiInfo* api = m::find_api(api_key);
  return handled && api && (api->listeners & m::kBroker);
}

std::vector<m::ApiVersionsResponse::ApiVersion> advertised_api_versions(bool client_telemetry) {
  std::vector<m::ApiVersionsResponse::ApiVersion> out;
  for (const auto& api : m::kApis) {
    if (!(api.listeners & m::kBroker) || !has_handler(api.key)) continue;
    if (!client_telemetry && (api.key == m::GetTelemetrySubscriptionsRequest::kApiKey ||
                              api.key == m::PushTelemetryRequest::kApiKey))
      continue;
    const m::VersionRange served = served_versions(api);
    if (served.empty()) continue;
    m::ApiVersionsResponse::ApiVersion v;
    v.api_key = api.key;
    v.min_version = served.lowest;
    v.max_version = served.highest;
    out.push_back(v);
  }
  return out;
}

m::ApiVersionsResponse handle(Broker& broker, const Ctx& ctx, m::ApiVersionsRequest& req) {
  m::ApiVersionsResponse resp;
  resp.api_keys = advertised_api_versions(broker.config()->get_bool("client.telemetry.enable"));
  if (ctx.api_version < 3) return resp;
  // The client's software, which client-metrics subscriptions may select on.
  broker.telemetry.note_client_software(ctx.connection_id, req.client_software_name, req.client_software_version);
  // As Kafka: v3 omits the features whose lowest version is 0 (clients before KIP-1022
  // took 0 as "not supported"); finalized features at level 0 are not listed.
  for (const auto& f : supported_features()) {
    if (ctx.api_version < 4 && f.min_version == 0) continue;
    m::ApiVersionsResponse::SupportedFeatureKey k;
    k.name = std::string(f.name);
    k.min_version = f.min_version;
    k.max_version = f.max_version;
    resp.supported_features.push_back(std::move(k));
  }
  const auto finalized = broker.features.levels();
  resp.finalized_features_epoch = finalized.epoch;
  for (const auto& [name, level] : finalized.levels) {
    if (level == 0) continue;
    m::ApiVersionsResponse::FinalizedFeatureKey k;
    k.name = name;
    k.max_version_level = level;
    k.min_version_level = level;
    resp.finalized_features.push_back(std::move(k));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
