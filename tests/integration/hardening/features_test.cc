// Feature flags: ApiVersions v3/v4 report the supported and finalized features a one-node
// Kafka 3.9.1 in KRaft reports, and UpdateFeatures checks updates with Kafka's errors.
// Tagged [kafka]: the expected answers are Kafka 3.9.1's (against-kafka).
#include <map>
#include <string>
#include <utility>

#include "generated/kafka/api_versions_request.h"
#include "generated/kafka/api_versions_response.h"
#include "generated/kafka/update_features_request.h"
#include "generated/kafka/update_features_response.h"
#include "tests/integration/hardening/target_broker.h"

using namespace chronik::testing;
namespace m = chronik::message;

namespace {

m::ApiVersionsResponse api_versions(int16_t version) {
  m::ApiVersionsRequest req;
  req.client_software_name = "hardening";
  req.client_software_version = "1.0";
  return call<m::ApiVersionsResponse>(target_port(), req, version);
}

std::map<std::string, std::pair<int16_t, int16_t>> supported(const m::ApiVersionsResponse& r) {
  std::map<std::string, std::pair<int16_t, int16_t>> out;
  for (const auto& f : r.supported_features) out[f.name] = {f.min_version, f.max_version};
  return out;
}

std::map<std::string, std::pair<int16_t, int16_t>> finalized(const m::ApiVersionsResponse& r) {
  std::map<std::string, std::pair<int16_t, int16_t>> out;
  for (const auto& f : r.finalized_features) out[f.name] = {f.min_version_level, f.max_version_level};
  return out;
}

m::UpdateFeaturesResponse update(std::vector<std::tuple<std::string, int16_t, int8_t>> updates, bool validate_only) {
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
  return call<m::UpdateFeaturesResponse>(target_port(), req, 1);
}

constexpr int8_t kUpgrade = 1, kSafeDowngrade = 2, kUnsafeDowngrade = 3;

}  // namespace

TEST_CASE("ApiVersions v3 and v4 list the features of a one-node Kafka 3.9.1", "[kafka][features]") {
  auto v3 = api_versions(3);
  CHECK(v3.error_code == 0);
  // v3 leaves out features whose lowest version is 0 (kraft.version).
  CHECK(supported(v3) == std::map<std::string, std::pair<int16_t, int16_t>>{{"metadata.version", {1, 21}}});
  auto v4 = api_versions(4);
  CHECK(supported(v4) == std::map<std::string, std::pair<int16_t, int16_t>>{{"kraft.version", {0, 1}},
                                                                            {"metadata.version", {1, 21}}});
  CHECK(v4.finalized_features_epoch >= 0);
  auto fin = finalized(v4);
  CHECK(fin.at("metadata.version") == std::pair<int16_t, int16_t>{21, 21});
  // kraft.version is listed only once finalized above 0.
  if (fin.count("kraft.version")) CHECK(fin.at("kraft.version") == std::pair<int16_t, int16_t>{1, 1});
  // v0-v2 have no features.
  auto v2 = api_versions(2);
  CHECK(v2.supported_features.empty());
  CHECK(v2.finalized_features.empty());
}

TEST_CASE("UpdateFeatures validates as Kafka 3.9.1's controller", "[kafka][features]") {
  struct Case {
    const char* feature;
    int16_t level;
    int8_t type;
    int16_t error;
    const char* message;  // nullptr: none
  };
  const Case cases[] = {
      {"metadata.version", 21, kUpgrade, 0, nullptr},
      {"metadata.version", 17, kSafeDowngrade, 0, nullptr},
      {"metadata.version", 20, kUnsafeDowngrade, 0, nullptr},
      {"metadata.version", 22, kUpgrade, 95,
       "Invalid update version 22 for feature metadata.version. Local controller 1 only supports versions 1-21"},
      {"metadata.version", 0, kSafeDowngrade, 95,
       "Invalid update version 0 for feature metadata.version. Local controller 1 only supports versions 1-21"},
      {"metadata.version", -1, kSafeDowngrade, 95,
       "Invalid update version -1 for feature metadata.version. A feature version cannot be less than 0."},
      {"metadata.version", 20, kUpgrade, 95,
       "Invalid update version 20 for feature metadata.version. Can't downgrade the version of this feature "
       "without setting the upgrade type to either safe or unsafe downgrade."},
      {"metadata.version", 2, kSafeDowngrade, 95,
       "Invalid metadata.version 2. Unable to set a metadata.version less than 3.3-IV0"},
      {"metadata.version", 16, kSafeDowngrade, 95,
       "Invalid metadata.version 16. Refusing to perform the requested downgrade because it might delete metadata "
       "information."},
      {"metadata.version", 10, kUnsafeDowngrade, 95,
       "Invalid metadata.version 10. Unsafe metadata downgrade is not supported in this version."},
      {"group.version", 1, kUpgrade, 95,
       "Invalid update version 1 for feature group.version. Local controller 1 does not support this feature."},
      {"transaction.version", 1, kUpgrade, 95,
       "Invalid update version 1 for feature transaction.version. Local controller 1 does not support this "
       "feature."},
      {"foo.bar", 0, kSafeDowngrade, 0, nullptr},
      {"kraft.version", 2, kUpgrade, 95,
       "Invalid update version 2 for feature kraft.version. Local controller 1 only supports versions 0-1"},
      {"kraft.version", 1, kUpgrade, 0, nullptr},
  };
  for (const auto& c : cases) {
    INFO(c.feature << " -> " << c.level << " (type " << int(c.type) << ")");
    auto r = update({{c.feature, c.level, c.type}}, /*validate_only=*/true);
    CHECK(r.error_code == 0);
    REQUIRE(r.results.size() == 1);
    CHECK(r.results[0].feature == c.feature);
    CHECK(r.results[0].error_code == c.error);
    CHECK(r.results[0].error_message == (c.message ? std::optional<std::string>(c.message) : std::nullopt));
  }
  // Validation finalizes nothing.
  CHECK(finalized(api_versions(4)).at("metadata.version") == std::pair<int16_t, int16_t>{21, 21});
}

TEST_CASE("UpdateFeatures applies the valid updates of a request and refuses the others", "[kafka][features]") {
  auto r = update({{"metadata.version", 20, kSafeDowngrade}, {"group.version", 1, kUpgrade}}, false);
  REQUIRE(r.results.size() == 2);
  std::map<std::string, int16_t> errors;
  for (const auto& x : r.results) errors[x.feature] = x.error_code;
  CHECK(errors == std::map<std::string, int16_t>{{"group.version", 95}, {"metadata.version", 0}});
  const auto before = api_versions(4).finalized_features_epoch;
  CHECK(finalized(api_versions(4)).at("metadata.version") == std::pair<int16_t, int16_t>{20, 20});
  // And back, so that the other checks see 3.9-IV0 again.
  auto back = update({{"metadata.version", 21, kUpgrade}}, false);
  REQUIRE(back.results.size() == 1);
  CHECK(back.results[0].error_code == 0);
  auto after = api_versions(4);
  CHECK(finalized(after).at("metadata.version") == std::pair<int16_t, int16_t>{21, 21});
  CHECK(after.finalized_features_epoch > before);
}
