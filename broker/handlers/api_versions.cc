// ApiVersions: the APIs and versions this broker serves, straight from the API table, and
// (v3+) its supported and finalized features (core/features.h). v5 (KIP-1242): a client that
// names the cluster and node it means to reach and finds another gets REBOOTSTRAP_REQUIRED,
// so that it looks up its brokers again instead of talking to a stranger at an old address.
#include <algorithm>
#include <cctype>
#include <string_view>

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

namespace {

// KIP-511's rule for a client's software name and version: letters, digits, '-' and '.',
// beginning and ending with a letter or digit. Kafka refuses the request otherwise, so that
// the names client-metrics subscriptions and connection metrics select on stay well formed.
bool valid_software_label(std::string_view s) {
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (s.empty() || !alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || c == '-' || c == '.'; });
}

}  // namespace

m::ApiVersionsResponse handle(Broker& broker, const Ctx& ctx, m::ApiVersionsRequest& req) {
  m::ApiVersionsResponse resp;
  if (ctx.api_version >= 3 &&
      !(valid_software_label(req.client_software_name) && valid_software_label(req.client_software_version))) {
    resp.error_code = err(ErrorCode::INVALID_REQUEST);
    return resp;
  }
  // As Kafka 4.4: ClusterId and NodeId come together or not at all (INVALID_REQUEST), and
  // when given must be ours. Either error answers alone, without the APIs.
  if (ctx.api_version >= 5 && req.cluster_id.has_value() != (req.node_id != -1)) {
    resp.error_code = err(ErrorCode::INVALID_REQUEST);
    return resp;
  }
  if (ctx.api_version >= 5 && req.cluster_id && (*req.cluster_id != broker.cluster_id || req.node_id != broker.node_id)) {
    resp.error_code = err(ErrorCode::REBOOTSTRAP_REQUIRED);
    return resp;
  }
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
