// ApiVersions: the APIs and versions this broker serves, straight from the API table.
#include "broker/handlers/handlers.h"
#include "generated/kafka/api_dispatch.h"
#include "generated/kafka/api_table.h"

namespace chronik::broker::handlers {

bool has_handler(int16_t api_key) {
  bool handled = false;
  m::with_api(api_key, [&]<class Req, class Resp>() { handled = kHasHandler<Req>; });
  const m::ApiInfo* api = m::find_api(api_key);
  return handled && api && (api->listeners & m::kBroker);
}

std::vector<m::ApiVersionsResponse::ApiVersion> advertised_api_versions() {
  std::vector<m::ApiVersionsResponse::ApiVersion> out;
  for (const auto& api : m::kApis) {
    if (!(api.listeners & m::kBroker) || !has_handler(api.key)) continue;
    m::ApiVersionsResponse::ApiVersion v;
    v.api_key = api.key;
    v.min_version = api.lowest_version;
    v.max_version = api.highest_stable_version;
    out.push_back(v);
  }
  return out;
}

m::ApiVersionsResponse handle(Broker&, const Ctx&, m::ApiVersionsRequest&) {
  m::ApiVersionsResponse resp;
  resp.api_keys = advertised_api_versions();
  return resp;
}

}  // namespace chronik::broker::handlers
