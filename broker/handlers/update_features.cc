// UpdateFeatures: changes the finalized feature levels (core/features.h), checked as Kafka's
// controller checks them; valid updates are applied even when others in the request fail.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::UpdateFeaturesResponse handle(Broker& broker, const Ctx& ctx, m::UpdateFeaturesRequest& req) {
  std::vector<FeatureUpdate> updates;
  for (const auto& u : req.feature_updates) {
    FeatureUpdate f;
    f.feature = u.feature;
    f.max_version_level = u.max_version_level;
    // v0 says only whether a downgrade is allowed.
    f.upgrade_type = ctx.api_version == 0
                         ? static_cast<int8_t>(u.allow_downgrade ? UpgradeType::kSafeDowngrade : UpgradeType::kUpgrade)
                         : u.upgrade_type;
    updates.push_back(std::move(f));
  }
  m::UpdateFeaturesResponse resp;
  resp.error_code = 0;
  resp.error_message = "";  // as Kafka 3.9.1 answers a request without a top-level error
  for (auto& r : broker.features.update(*broker.store, updates, req.validate_only, broker.node_id)) {
    m::UpdateFeaturesResponse::UpdatableFeatureResult out;
    out.feature = std::move(r.feature);
    out.error_code = r.error_code;
    out.error_message = std::move(r.error_message);
    resp.results.push_back(std::move(out));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
