// Finalized feature levels: Kafka 3.9.1's checks of UpdateFeatures, and the levels kept in
// the store. (The same answers are checked against Kafka itself in
// tests/integration/hardening/features_test.cc.)
#include <catch2/catch.hpp>

#include "broker/core/features.h"
#include "tests/support/temp_log_store.h"

using namespace chronik::broker;

namespace {

FeatureUpdateResult one(FinalizedFeatures& f, LogStore& store, const std::string& name, int16_t level,
                        UpgradeType type, bool validate_only = false) {
  auto r = f.update(store, {{name, level, static_cast<int8_t>(type)}}, validate_only, 1);
  REQUIRE(r.size() == 1);
  return r[0];
}

}  // namespace

TEST_CASE("a new broker finalizes metadata.version 3.9-IV0 and kraft.version 0, as Kafka 3.9.1") {
  auto store = testing::temp_log_store();
  FinalizedFeatures f;
  f.load(*store);
  auto l = f.levels();
  CHECK(l.levels.at("metadata.version") == 21);
  CHECK(l.levels.at("kraft.version") == 0);
  CHECK(l.epoch == 0);
  REQUIRE(supported_features().size() == 2);
  CHECK(supported_features()[0].name == "kraft.version");
  CHECK(supported_features()[1].max_version == 21);
}

TEST_CASE("UpdateFeatures refuses as Kafka 3.9.1's controller does") {
  auto store = testing::temp_log_store();
  FinalizedFeatures f;
  f.load(*store);
  using U = UpgradeType;
  auto why = [&](const std::string& name, int16_t level, U type) {
    return one(f, *store, name, level, type, /*validate_only=*/true).error_message.value_or("ok");
  };
  CHECK(why("metadata.version", 22, U::kUpgrade) ==
        "Invalid update version 22 for feature metadata.version. Local controller 1 only supports versions 1-21");
  CHECK(why("metadata.version", 0, U::kSafeDowngrade) ==
        "Invalid update version 0 for feature metadata.version. Local controller 1 only supports versions 1-21");
  CHECK(why("metadata.version", -1, U::kSafeDowngrade) ==
        "Invalid update version -1 for feature metadata.version. A feature version cannot be less than 0.");
  CHECK(why("metadata.version", 20, U::kUpgrade) ==
        "Invalid update version 20 for feature metadata.version. Can't downgrade the version of this feature "
        "without setting the upgrade type to either safe or unsafe downgrade.");
  CHECK(why("metadata.version", 3, U::kSafeDowngrade) ==
        "Invalid metadata.version 3. Unable to set a metadata.version less than 3.3-IV0");
  CHECK(why("metadata.version", 16, U::kSafeDowngrade) ==
        "Invalid metadata.version 16. Refusing to perform the requested downgrade because it might delete "
        "metadata information.");
  CHECK(why("metadata.version", 7, U::kUnsafeDowngrade) ==
        "Invalid metadata.version 7. Unsafe metadata downgrade is not supported in this version.");
  for (int16_t level = 17; level <= 21; ++level) CHECK(why("metadata.version", level, U::kSafeDowngrade) == "ok");
  CHECK(why("group.version", 1, U::kUpgrade) ==
        "Invalid update version 1 for feature group.version. Local controller 1 does not support this feature.");
  CHECK(why("foo.bar", 0, U::kUpgrade) == "ok");
  CHECK(why("kraft.version", 2, U::kUpgrade) ==
        "Invalid update version 2 for feature kraft.version. Local controller 1 only supports versions 0-1");
  CHECK(why("kraft.version", 1, U::kUpgrade) == "ok");
  // Validation changed nothing.
  CHECK(f.levels().levels.at("kraft.version") == 0);
  CHECK(f.levels().epoch == 0);
}

TEST_CASE("finalized levels are applied per feature, stored, and read back by a fresh load of the store") {
  auto store = testing::temp_log_store();
  {
    FinalizedFeatures f;
    f.load(*store);
    auto r = f.update(*store,
                      {{"metadata.version", 19, static_cast<int8_t>(UpgradeType::kSafeDowngrade)},
                       {"group.version", 1, static_cast<int8_t>(UpgradeType::kUpgrade)},
                       {"kraft.version", 1, static_cast<int8_t>(UpgradeType::kUpgrade)}},
                      false, 1);
    REQUIRE(r.size() == 3);  // in name order
    CHECK(r[0].feature == "group.version");
    CHECK(r[0].error_code == 95);  // INVALID_UPDATE_VERSION
    CHECK(r[1].feature == "kraft.version");
    CHECK(r[1].error_code == 0);
    CHECK_FALSE(r[1].error_message);
    CHECK(r[2].error_code == 0);
    CHECK(f.levels().levels.at("metadata.version") == 19);
    CHECK(f.levels().epoch == 1);
    // Setting what is already set stores nothing and keeps the epoch.
    CHECK(one(f, *store, "metadata.version", 19, UpgradeType::kUpgrade).error_code == 0);
    CHECK(f.levels().epoch == 1);
  }
  FinalizedFeatures reloaded;
  reloaded.load(*store);
  CHECK(reloaded.levels().levels.at("metadata.version") == 19);
  CHECK(reloaded.levels().levels.at("kraft.version") == 1);
  CHECK(reloaded.levels().epoch == 1);
}
