// UpdateFeatures: changes the finalized feature levels (core/features.h), checked as Kafka
// 4.4's controller checks them: one refusal fails the whole request, with a top-level error
// (at every version; v0-v1 then list no feature). v2 has no per-feature results at all.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::UpdateFeaturesResponse handle(Broker& broker, const Ctx& ctx, m::UpdateFeaturesRequest& req) {
  require_cluster(broker, ctx, AclOperation::kAlter);
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
  auto outcome = broker.features.update(*broker.store, updates, req.validate_only, broker.node_id);
  resp.error_code = outcome.error_code;
  resp.error_message = std::move(outcome.error_message);
  // v0-v1 list each feature of a request that succeeded, with Kafka 4.4's message "NONE";
  // v2 has no per-feature results.
  if (ctx.api_version < 2)
    for (auto& name : outcome.features) {
      m::UpdateFeaturesResponse::UpdatableFeatureResult out;
      out.feature = std::move(name);
      out.error_code = 0;
      out.error_message = "NONE";
      resp.results.push_back(std::move(out));
    }
  return resp;
}

}  // namespace chronik::broker::handlers
