#include "broker/core/features.h"

#include <algorithm>
#include <charconv>

#include <spdlog/spdlog.h>

#include "runtime/protocol/error_codes.h"
#include "broker/config/loggers.h"

namespace chronik::broker {
namespace {

constexpr std::string_view kMetadataVersion = "metadata.version";
// 3.3-IV0: the lowest metadata.version a KRaft cluster may be set to.
constexpr int16_t kMinimumKraftMetadataVersion = 4;
// The metadata.version levels whose records older levels cannot read: a downgrade across one
// would drop metadata. From 3.9-IV0 (21), Kafka 3.9.1 downgrades safely down to 3.7-IV2 (17)
// and refuses below it.
constexpr int16_t kLastMetadataChange = 17;

constexpr SupportedFeature kSupported[] = {
    {"kraft.version", 0, 1},
    {"metadata.version", 1, 21},
};

// Metadata keys: "feature/<name>" -> level, "feature-epoch" -> epoch (decimal).
constexpr std::string_view kLevelPrefix = "feature/";
constexpr std::string_view kEpochKey = "feature-epoch";

std::optional<int64_t> parse(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

const SupportedFeature* find_supported(std::string_view name) {
  for (const auto& f : kSupported)
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace

std::span<const SupportedFeature> supported_features() { return kSupported; }

FinalizedFeatures::Levels FinalizedFeatures::initial() {
  Levels l;
  for (const auto& f : kSupported) l.levels[std::string(f.name)] = 0;
  l.levels[std::string(kMetadataVersion)] = 21;
  return l;
}

void FinalizedFeatures::load(LogStore& store) {
  Levels l = initial();
  for (const auto& [key, value] : store.scan_meta(std::string(kLevelPrefix))) {
    const std::string name = key.substr(kLevelPrefix.size());
    auto level = parse(value);
    const SupportedFeature* f = find_supported(name);
    if (!f || !level || *level < f->min_version || *level > f->max_version) {
      ::chronik::config::named_logger("chronik.core").warn("ignoring stored feature level {}={}", name, value);
      continue;
    }
    l.levels[name] = static_cast<int16_t>(*level);
  }
  for (const auto& [key, value] : store.scan_meta(std::string(kEpochKey)))
    if (key == kEpochKey)
      if (auto e = parse(value)) l.epoch = *e;
  std::lock_guard lock(mu_);
  levels_ = std::move(l);
}

FinalizedFeatures::Levels FinalizedFeatures::levels() const {
  std::lock_guard lock(mu_);
  return levels_;
}

std::optional<std::string> FinalizedFeatures::refusal(const std::map<std::string, int16_t>& current,
                                                      const FeatureUpdate& u, int32_t node_id) {
  const std::string invalid =
      "Invalid update version " + std::to_string(u.max_version_level) + " for feature " + u.feature + ". ";
  if (u.max_version_level < 0) return invalid + "A feature version cannot be less than 0.";
  if (u.upgrade_type < 1 || u.upgrade_type > 3)
    return invalid + "The controller does not support the given upgrade type.";
  const SupportedFeature* f = find_supported(u.feature);
  if (f == nullptr) {
    if (u.max_version_level == 0) return std::nullopt;  // disabling what is not there
    return invalid + "Local controller " + std::to_string(node_id) + " does not support this feature.";
  }
  if (u.max_version_level < f->min_version || u.max_version_level > f->max_version)
    return invalid + "Local controller " + std::to_string(node_id) + " only supports versions " +
           std::to_string(f->min_version) + "-" + std::to_string(f->max_version);
  const auto it = current.find(u.feature);
  const int16_t now = it == current.end() ? 0 : it->second;
  if (u.max_version_level < now && u.upgrade_type == static_cast<int8_t>(UpgradeType::kUpgrade))
    return invalid +
           "Can't downgrade the version of this feature without setting the upgrade type to either safe or "
           "unsafe downgrade.";
  if (f->name == kMetadataVersion) {
    const std::string bad = "Invalid metadata.version " + std::to_string(u.max_version_level) + ". ";
    if (u.max_version_level < kMinimumKraftMetadataVersion)
      return bad + "Unable to set a metadata.version less than 3.3-IV0";
    if (u.max_version_level < now && u.max_version_level < kLastMetadataChange) {
      if (u.upgrade_type == static_cast<int8_t>(UpgradeType::kSafeDowngrade))
        return bad + "Refusing to perform the requested downgrade because it might delete metadata information.";
      return bad + "Unsafe metadata downgrade is not supported in this version.";
    }
  }
  return std::nullopt;
}

std::vector<FeatureUpdateResult> FinalizedFeatures::update(LogStore& store, const std::vector<FeatureUpdate>& updates,
                                                           bool validate_only, int32_t node_id) {
  std::map<std::string, FeatureUpdate> by_name;
  for (const auto& u : updates) by_name[u.feature] = u;
  std::lock_guard lock(mu_);
  Levels next = levels_;
  std::vector<FeatureUpdateResult> results;
  LogStore::MetaRecords puts;
  for (const auto& [name, u] : by_name) {
    FeatureUpdateResult r;
    r.feature = name;
    if (auto why = refusal(levels_.levels, u, node_id)) {
      r.error_code = protocol::to_int16(protocol::ErrorCode::INVALID_UPDATE_VERSION);
      r.error_message = *why;
    } else if (find_supported(name) && next.levels[name] != u.max_version_level) {
      next.levels[name] = u.max_version_level;
      puts.emplace_back(std::string(kLevelPrefix) + name, std::to_string(u.max_version_level));
    }
    results.push_back(std::move(r));
  }
  if (validate_only || puts.empty()) return results;
  next.epoch = levels_.epoch + 1;
  puts.emplace_back(std::string(kEpochKey), std::to_string(next.epoch));
  if (int16_t e = store.write_meta(puts, {}, /*sync=*/true)) {
    for (auto& r : results)
      if (r.error_code == 0) {
        r.error_code = e;
        r.error_message = "the finalized feature levels cannot be stored: the log dir cannot be written";
      }
    return results;
  }
  for (const auto& [name, level] : next.levels)
    if (levels_.levels[name] != level)
      ::chronik::config::named_logger("chronik.core").info("feature {} finalized at level {} (was {})", name, level, levels_.levels[name]);
  levels_ = std::move(next);
  return results;
}

}  // namespace chronik::broker
