// Feature flags: ApiVersions v3/v4 report the supported and finalized features of a new
// one-node Kafka 4.4.0 in KRaft, at the levels Chronik implements, and UpdateFeatures checks
// updates with Kafka 4.4.0's errors. Tagged [kafka4]: the expected answers are Kafka 4.4.0's
// (against-kafka with KAFKA_VERSION=4.4.0); against Kafka 3.9.1, whose features are older,
// each passes with a note. Where Chronik deliberately differs (share and streams groups are
// not implemented, so not offered), each side's answer is checked.
#include <map>
#include <string>
#include <tuple>
#include <utility>

#include "generated/kafka/api_versions_request.h"
#include "generated/kafka/api_versions_response.h"
#include "generated/kafka/update_features_request.h"
#include "generated/kafka/update_features_response.h"
#include "tests/integration/hardening/served.h"
#include "tests/integration/hardening/target_broker.h"

using namespace chronik::testing;
namespace m = chronik::message;

namespace {

using Levels = std::map<std::string, std::pair<int16_t, int16_t>>;

m::ApiVersionsResponse api_versions(int16_t version) {
  m::ApiVersionsRequest req;
  req.client_software_name = "hardening";
  req.client_software_version = "1.0";
  return call<m::ApiVersionsResponse>(target_port(), req, version);
}

Levels supported(const m::ApiVersionsResponse& r) {
  Levels out;
  for (const auto& f : r.supported_features) out[f.name] = {f.min_version, f.max_version};
  return out;
}

Levels finalized(const m::ApiVersionsResponse& r) {
  Levels out;
  for (const auto& f : r.finalized_features) out[f.name] = {f.min_version_level, f.max_version_level};
  return out;
}

m::UpdateFeaturesResponse update(std::vector<std::tuple<std::string, int16_t, int8_t>> updates, bool validate_only,
                                 int16_t version = 1) {
  m::UpdateFeaturesRequest req;
  req.timeout_ms = 10000;
  req.validate_only = validate_only;
  for (const auto& [name, level, type] : updates) {
    m::UpdateFeaturesRequest::FeatureUpdateKey k;
    k.feature = name;
    k.max_version_level = level;
    k.upgrade_type = type;
    req.feature_updates.push_back(k);
  }
  return call<m::UpdateFeaturesResponse>(target_port(), req, version);
}

constexpr int8_t kUpgrade = 1, kSafeDowngrade = 2, kUnsafeDowngrade = 3;
constexpr int16_t kInvalidUpdateVersion = 95;
const std::string kFailed = "The update failed for all features since the following feature had an error: ";

}  // namespace

TEST_CASE("ApiVersions v3 and v4 list the features of a new one-node Kafka 4.4.0, as far as Chronik implements them",
          "[kafka][kafka4][features]") {
  REQUIRE_SERVED_OR_SKIP(m::ApiVersionsRequest::kApiKey, 5);
  auto v3 = api_versions(3);
  CHECK(v3.error_code == 0);
  // v3 leaves out features whose lowest version is 0.
  CHECK(supported(v3) == Levels{{"metadata.version", {7, 33}}});
  auto v4 = api_versions(4);
  // Transactions v2 (KIP-890) are offered and finalized by both.
  Levels want_supported{{"eligible.leader.replicas.version", {0, 1}},
                        {"group.version", {0, 1}},
                        {"kraft.version", {0, 1}},
                        {"metadata.version", {7, 33}},
                        {"transaction.version", {0, 2}}};
  Levels want_finalized{{"eligible.leader.replicas.version", {1, 1}},
                        {"group.version", {1, 1}},
                        {"metadata.version", {33, 33}},
                        {"transaction.version", {2, 2}}};
  if (against_kafka()) {
    // Kafka 4.4.0 offers share groups (KIP-932) and streams groups (KIP-1071), and
    // finalizes them; Chronik implements neither and does not list them.
    want_supported["share.version"] = {0, 2};
    want_supported["streams.version"] = {0, 1};
    want_finalized["share.version"] = {2, 2};
    want_finalized["streams.version"] = {1, 1};
  }
  CHECK(supported(v4) == want_supported);
  CHECK(v4.finalized_features_epoch >= 0);
  CHECK(finalized(v4) == want_finalized);
  // v3 lists the same finalized levels.
  CHECK(finalized(v3) == want_finalized);
  // v0-v2 have no features.
  auto v2 = api_versions(2);
  CHECK(v2.supported_features.empty());
  CHECK(v2.finalized_features.empty());
}

TEST_CASE("UpdateFeatures validates as Kafka 4.4.0's controller", "[kafka][kafka4][features]") {
  REQUIRE_SERVED_OR_SKIP(m::UpdateFeaturesRequest::kApiKey, 2);
  struct Case {
    const char* feature;
    int16_t level;
    int8_t type;
    const char* refusal;  // nullptr: valid
  };
  const Case cases[] = {
      {"metadata.version", 33, kUpgrade, nullptr},
      {"metadata.version", 34, kUpgrade,
       "Invalid update version 34 for feature metadata.version. Local controller 1 only supports versions 7-33"},
      {"metadata.version", 6, kSafeDowngrade,
       "Invalid update version 6 for feature metadata.version. Local controller 1 only supports versions 7-33"},
      {"metadata.version", -1, kSafeDowngrade,
       "Invalid update version -1 for feature metadata.version. A feature version cannot be less than 0."},
      {"metadata.version", 33, 4,
       "Invalid update version 33 for feature metadata.version. The controller does not support the given upgrade "
       "type."},
      {"metadata.version", 32, kUpgrade,
       "Invalid update version 32 for feature metadata.version. Can't downgrade the version of this feature without "
       "setting the upgrade type to either safe or unsafe downgrade."},
      {"metadata.version", 21, kSafeDowngrade,
       "Unsupported metadata.version downgrade from 33 to 21. Refusing to perform the requested downgrade because it "
       "might delete metadata information."},
      {"metadata.version", 32, kSafeDowngrade,
       "Unsupported metadata.version downgrade from 33 to 32. Refusing to perform the requested downgrade because it "
       "might delete metadata information."},
      {"metadata.version", 32, kUnsafeDowngrade,
       "Unsupported metadata.version downgrade from 33 to 32. Unsafe metadata downgrade is not supported in this "
       "version."},
      {"group.version", 0, kSafeDowngrade, nullptr},
      {"group.version", 0, kUpgrade,
       "Invalid update version 0 for feature group.version. Can't downgrade the version of this feature without "
       "setting the upgrade type to either safe or unsafe downgrade."},
      {"group.version", 2, kUpgrade,
       "Invalid update version 2 for feature group.version. Local controller 1 only supports versions 0-1"},
      {"eligible.leader.replicas.version", 0, kSafeDowngrade, nullptr},
      {"foo.bar", 0, kSafeDowngrade, "Invalid update version 0 for feature foo.bar. Feature foo.bar not found."},
      {"foo.bar", 1, kUpgrade,
       "Invalid update version 1 for feature foo.bar. Local controller 1 does not support this feature."},
      {"kraft.version", 2, kUpgrade,
       "Invalid update version 2 for feature kraft.version. Local controller 1 only supports versions 0-1"},
      {"kraft.version", 1, kUpgrade, nullptr},
  };
  for (const auto& c : cases) {
    INFO(c.feature << " -> " << c.level << " (type " << int(c.type) << ")");
    auto r = update({{c.feature, c.level, c.type}}, /*validate_only=*/true);
    if (c.refusal == nullptr) {
      CHECK(r.error_code == 0);
      CHECK_FALSE(r.error_message);
      REQUIRE(r.results.size() == 1);
      CHECK(r.results[0].feature == c.feature);
      CHECK(r.results[0].error_code == 0);
      CHECK(r.results[0].error_message == std::optional<std::string>("NONE"));
    } else {
      // One error for the request; no per-feature results.
      CHECK(r.error_code == kInvalidUpdateVersion);
      CHECK(r.error_message == std::optional<std::string>(kFailed + c.refusal));
      CHECK(r.results.empty());
    }
  }
  // transaction.version: a safe downgrade to 1 is taken (it is at 2), 3 is beyond both.
  auto tv = update({{"transaction.version", 1, kSafeDowngrade}}, true);
  CHECK(tv.error_code == 0);
  auto tv3 = update({{"transaction.version", 3, kUpgrade}}, true);
  CHECK(tv3.error_code == kInvalidUpdateVersion);
  CHECK(tv3.error_message ==
        std::optional<std::string>(kFailed +
                                   "Invalid update version 3 for feature transaction.version. Local controller 1 "
                                   "only supports versions 0-2"));
  // Validation finalizes nothing.
  CHECK(finalized(api_versions(4)).at("group.version") == std::pair<int16_t, int16_t>{1, 1});
}

TEST_CASE("UpdateFeatures: one refused update fails the request, v2 without per-feature results",
          "[kafka][kafka4][features]") {
  REQUIRE_SERVED_OR_SKIP(m::UpdateFeaturesRequest::kApiKey, 2);
  for (int16_t version : {int16_t{1}, int16_t{2}}) {
    INFO("UpdateFeatures v" << version);
    // A valid update beside a refused one: neither is applied (not validate-only).
    auto r = update({{"group.version", 0, kSafeDowngrade}, {"kraft.version", 9, kUpgrade}}, false, version);
    CHECK(r.error_code == kInvalidUpdateVersion);
    CHECK(r.error_message ==
          std::optional<std::string>(kFailed +
                                     "Invalid update version 9 for feature kraft.version. Local controller 1 only "
                                     "supports versions 0-1"));
    CHECK(r.results.empty());
    CHECK(finalized(api_versions(4)).at("group.version") == std::pair<int16_t, int16_t>{1, 1});
  }
  auto ok = update({{"metadata.version", 33, kUpgrade}}, true, 2);
  CHECK(ok.error_code == 0);
  CHECK_FALSE(ok.error_message);
  CHECK(ok.results.empty());
}

TEST_CASE("UpdateFeatures changes a level and the epoch, and back", "[kafka][kafka4][features]") {
  REQUIRE_SERVED_OR_SKIP(m::UpdateFeaturesRequest::kApiKey, 2);
  const auto before = api_versions(4).finalized_features_epoch;
  auto down = update({{"group.version", 0, kSafeDowngrade}}, false);
  REQUIRE(down.error_code == 0);
  auto after = api_versions(4);
  CHECK(finalized(after).count("group.version") == 0);  // level 0 is not listed
  CHECK(after.finalized_features_epoch > before);
  // And back, so that the other checks see group.version 1 again.
  auto up = update({{"group.version", 1, kUpgrade}}, false);
  REQUIRE(up.error_code == 0);
  CHECK(finalized(api_versions(4)).at("group.version") == std::pair<int16_t, int16_t>{1, 1});
}
