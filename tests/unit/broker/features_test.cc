// Finalized feature levels: Kafka 4.4.0's levels at what Chronik implements, its controller's
// checks of UpdateFeatures, and the levels kept in the store. (The same answers are checked
// against Kafka itself in tests/integration/hardening/features_test.cc.)
#include <catch2/catch.hpp>

#include <map>

#include "broker/core/features.h"
#include "tests/support/temp_log_store.h"

using namespace chronik::broker;

namespace {

FeatureUpdateOutcome one(FinalizedFeatures& f, LogStore& store, const std::string& name, int16_t level,
                         UpgradeType type, bool validate_only = false) {
  return f.update(store, {{name, level, static_cast<int8_t>(type)}}, validate_only, 1);
}

const std::string kFailed = "The update failed for all features since the following feature had an error: ";

}  // namespace

TEST_CASE("a new broker finalizes Kafka 4.4.0's levels, with transactions v2, without share or streams groups") {
  auto store = testing::temp_log_store();
  FinalizedFeatures f;
  f.load(*store);
  auto l = f.levels();
  CHECK(l.levels == std::map<std::string, int16_t>{{"eligible.leader.replicas.version", 1},
                                                   {"group.version", 1},
                                                   {"kraft.version", 0},
                                                   {"metadata.version", 33},
                                                   {"transaction.version", 2}});
  CHECK(l.epoch == 0);
  std::map<std::string, std::pair<int16_t, int16_t>> supported;
  for (const auto& s : supported_features()) supported[std::string(s.name)] = {s.min_version, s.max_version};
  CHECK(supported == std::map<std::string, std::pair<int16_t, int16_t>>{{"eligible.leader.replicas.version", {0, 1}},
                                                                        {"group.version", {0, 1}},
                                                                        {"kraft.version", {0, 1}},
                                                                        {"metadata.version", {7, 33}},
                                                                        {"transaction.version", {0, 2}}});
}

TEST_CASE("UpdateFeatures refuses as Kafka 4.4.0's controller does") {
  auto store = testing::temp_log_store();
  FinalizedFeatures f;
  f.load(*store);
  using U = UpgradeType;
  auto why = [&](const std::string& name, int16_t level, U type) {
    auto o = one(f, *store, name, level, type, /*validate_only=*/true);
    if (o.error_code == 0) return std::string("ok");
    CHECK(o.error_code == 95);
    CHECK(o.features.empty());
    const std::string m = o.error_message.value_or("");
    REQUIRE(m.rfind(kFailed, 0) == 0);
    return m.substr(kFailed.size());
  };
  CHECK(why("metadata.version", 34, U::kUpgrade) ==
        "Invalid update version 34 for feature metadata.version. Local controller 1 only supports versions 7-33");
  CHECK(why("metadata.version", 6, U::kSafeDowngrade) ==
        "Invalid update version 6 for feature metadata.version. Local controller 1 only supports versions 7-33");
  CHECK(why("metadata.version", -1, U::kSafeDowngrade) ==
        "Invalid update version -1 for feature metadata.version. A feature version cannot be less than 0.");
  CHECK(why("metadata.version", 33, static_cast<U>(4)) ==
        "Invalid update version 33 for feature metadata.version. The controller does not support the given upgrade "
        "type.");
  CHECK(why("metadata.version", 32, U::kUpgrade) ==
        "Invalid update version 32 for feature metadata.version. Can't downgrade the version of this feature "
        "without setting the upgrade type to either safe or unsafe downgrade.");
  CHECK(why("metadata.version", 21, U::kSafeDowngrade) ==
        "Unsupported metadata.version downgrade from 33 to 21. Refusing to perform the requested downgrade because "
        "it might delete metadata information.");
  CHECK(why("metadata.version", 32, U::kUnsafeDowngrade) ==
        "Unsupported metadata.version downgrade from 33 to 32. Unsafe metadata downgrade is not supported in this "
        "version.");
  CHECK(why("metadata.version", 33, U::kUpgrade) == "ok");
  CHECK(why("group.version", 0, U::kSafeDowngrade) == "ok");
  CHECK(why("group.version", 0, U::kUpgrade) ==
        "Invalid update version 0 for feature group.version. Can't downgrade the version of this feature without "
        "setting the upgrade type to either safe or unsafe downgrade.");
  CHECK(why("group.version", 2, U::kUpgrade) ==
        "Invalid update version 2 for feature group.version. Local controller 1 only supports versions 0-1");
  // Transactions v2 (KIP-890): 0-2, as Kafka 4.4.
  CHECK(why("transaction.version", 0, U::kSafeDowngrade) == "ok");
  CHECK(why("transaction.version", 3, U::kUpgrade) ==
        "Invalid update version 3 for feature transaction.version. Local controller 1 only supports versions 0-2");
  CHECK(why("share.version", 1, U::kUpgrade) ==
        "Invalid update version 1 for feature share.version. Local controller 1 does not support this feature.");
  CHECK(why("foo.bar", 0, U::kSafeDowngrade) == "Invalid update version 0 for feature foo.bar. Feature foo.bar not found.");
  CHECK(why("kraft.version", 2, U::kUpgrade) ==
        "Invalid update version 2 for feature kraft.version. Local controller 1 only supports versions 0-1");
  CHECK(why("kraft.version", 1, U::kUpgrade) == "ok");
  // Validation changed nothing.
  CHECK(f.levels().levels.at("kraft.version") == 0);
  CHECK(f.levels().epoch == 0);
}

TEST_CASE("one refused update fails the request; levels are stored and read back by a fresh load of the store") {
  auto store = testing::temp_log_store();
  {
    FinalizedFeatures f;
    f.load(*store);
    auto refused = f.update(*store,
                            {{"group.version", 0, static_cast<int8_t>(UpgradeType::kSafeDowngrade)},
                             {"kraft.version", 9, static_cast<int8_t>(UpgradeType::kUpgrade)}},
                            false, 1);
    CHECK(refused.error_code == 95);
    CHECK(refused.features.empty());
    CHECK(f.levels().levels.at("group.version") == 1);  // the valid update was not applied
    CHECK(f.levels().epoch == 0);

    auto done = f.update(*store,
                         {{"kraft.version", 1, static_cast<int8_t>(UpgradeType::kUpgrade)},
                          {"group.version", 0, static_cast<int8_t>(UpgradeType::kSafeDowngrade)}},
                         false, 1);
    CHECK(done.error_code == 0);
    CHECK_FALSE(done.error_message);
    CHECK(done.features == std::vector<std::string>{"group.version", "kraft.version"});  // in name order
    CHECK(f.levels().levels.at("group.version") == 0);
    CHECK(f.levels().epoch == 1);
    // Setting what is already set stores nothing and keeps the epoch.
    CHECK(one(f, *store, "kraft.version", 1, UpgradeType::kUpgrade).error_code == 0);
    CHECK(f.levels().epoch == 1);
  }
  FinalizedFeatures reloaded;
  reloaded.load(*store);
  CHECK(reloaded.levels().levels.at("group.version") == 0);
  CHECK(reloaded.levels().levels.at("kraft.version") == 1);
  CHECK(reloaded.levels().levels.at("metadata.version") == 33);
  CHECK(reloaded.levels().epoch == 1);
}
