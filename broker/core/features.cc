#include "broker/core/features.h"

#include <algorithm>
#include <charconv>

#include <spdlog/spdlog.h>

#include "runtime/protocol/error_codes.h"
#include "broker/config/loggers.h"

namespace chronik::broker {
namespace {

constexpr std::string_view kMetadataVersion = "metadata.version";
// 3.3-IV3: the lowest metadata.version Kafka 4.x supports (4.0 removed the older ones).
constexpr int16_t kMinimumMetadataVersion = 7;
// 4.4-IV2: Kafka 4.4.0's latest production metadata.version, which a new Kafka 4.4.0
// cluster finalizes and whose API versions Chronik serves (issue 21).
constexpr int16_t kLatestMetadataVersion = 33;
// The lowest level Kafka 4.4.0 downgrades 4.4-IV2 to without losing metadata: none, it
// refuses every safe downgrade from 33 (unsafe ones are not supported at all).
constexpr int16_t kLastMetadataChange = 33;

// Kafka 4.4.0's features, at the levels Chronik implements, so that 4.x clients choose the
// paths it supports:
// - group.version 1: KIP-848 consumer groups (ConsumerGroupHeartbeat) are served;
// - transaction.version 0-2, finalized at 2: KIP-890 transactions v2, which the Java 4.x
//   producer uses only when the finalized level is 2 (below it, v1; either way producers on
//   v1 keep working); the coordinator's own aborts follow the finalized level;
// - eligible.leader.replicas.version: with one replica, the eligible leader replicas (KIP-966)
//   are always empty, as DescribeTopicPartitions reports them, at either level;
// - share.version and streams.version are not listed: share groups (KIP-932) and streams
//   groups (KIP-1071) are not served.
constexpr SupportedFeature kSupported[] = {
    {"eligible.leader.replicas.version", 0, 1},
    {"group.version", 0, 1},
    {"kraft.version", 0, 1},
    {kMetadataVersion, kMinimumMetadataVersion, kLatestMetadataVersion},
    {"transaction.version", 0, 2},
};

// What a new Kafka 4.4.0 cluster finalizes, for the features above.
constexpr std::pair<std::string_view, int16_t> kInitialLevels[] = {
    {"eligible.leader.replicas.version", 1},
    {"group.version", 1},
    {kMetadataVersion, kLatestMetadataVersion},
    {"transaction.version", 2},
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
  for (const auto& [name, level] : kInitialLevels) l.levels[std::string(name)] = level;
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
    if (u.max_version_level == 0) return invalid + "Feature " + u.feature + " not found.";
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
  if (f->name == kMetadataVersion && u.max_version_level < now) {
    const std::string bad = "Unsupported metadata.version downgrade from " + std::to_string(now) + " to " +
                            std::to_string(u.max_version_level) + ". ";
    if (u.upgrade_type == static_cast<int8_t>(UpgradeType::kUnsafeDowngrade))
      return bad + "Unsafe metadata downgrade is not supported in this version.";
    if (u.max_version_level < kLastMetadataChange)
      return bad + "Refusing to perform the requested downgrade because it might delete metadata information.";
  }
  return std::nullopt;
}

FeatureUpdateOutcome FinalizedFeatures::update(LogStore& store, const std::vector<FeatureUpdate>& updates,
                                               bool validate_only, int32_t node_id) {
  std::map<std::string, FeatureUpdate> by_name;
  for (const auto& u : updates) by_name[u.feature] = u;
  FeatureUpdateOutcome out;
  std::lock_guard lock(mu_);
  // As Kafka 4.4's controller: the first refusal fails the whole request.
  for (const auto& [name, u] : by_name)
    if (auto why = refusal(levels_.levels, u, node_id)) {
      out.error_code = protocol::to_int16(protocol::ErrorCode::INVALID_UPDATE_VERSION);
      out.error_message = "The update failed for all features since the following feature had an error: " + *why;
      return out;
    }
  Levels next = levels_;
  LogStore::MetaRecords puts;
  for (const auto& [name, u] : by_name) {
    out.features.push_back(name);
    if (next.levels[name] != u.max_version_level) {
      next.levels[name] = u.max_version_level;
      puts.emplace_back(std::string(kLevelPrefix) + name, std::to_string(u.max_version_level));
    }
  }
  if (validate_only || puts.empty()) return out;
  next.epoch = levels_.epoch + 1;
  puts.emplace_back(std::string(kEpochKey), std::to_string(next.epoch));
  if (int16_t e = store.write_meta(puts, {}, /*sync=*/true)) {
    out.error_code = e;
    out.error_message = "the finalized feature levels cannot be stored: the log dir cannot be written";
    out.features.clear();
    return out;
  }
  for (const auto& [name, level] : next.levels)
    if (levels_.levels[name] != level)
      ::chronik::config::named_logger("chronik.core").info("feature {} finalized at level {} (was {})", name, level, levels_.levels[name]);
  levels_ = std::move(next);
  return out;
}

}  // namespace chronik::broker
