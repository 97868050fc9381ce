// Kafka's feature flags (KIP-584, KIP-778), as a one-node Kafka 3.9.1 in KRaft mode has them:
// metadata.version (levels 1-21, 3.0-IV1 to 3.9-IV0) finalized at 21, kraft.version (0-1)
// at 0. ApiVersions v3+ reports them; UpdateFeatures changes the finalized levels, checked
// as Kafka's controller checks them, and the store keeps them across restarts.
//
// Chronik's behaviour does not depend on these levels: they are kept so that tools that read
// or set them (kafka-features, the Admin client's describeFeatures/updateFeatures) work.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/log/log_store.h"

namespace chronik::broker {

struct SupportedFeature {
  std::string_view name;
  int16_t min_version;
  int16_t max_version;
};
// The features this broker supports, in name order.
std::span<const SupportedFeature> supported_features();

// UpdateFeatures' upgrade types (v1+; v0's allow_downgrade maps to 1 or 2).
enum class UpgradeType : int8_t { kUpgrade = 1, kSafeDowngrade = 2, kUnsafeDowngrade = 3 };

struct FeatureUpdate {
  std::string feature;
  int16_t max_version_level = 0;
  int8_t upgrade_type = 1;
};

struct FeatureUpdateResult {
  std::string feature;
  int16_t error_code = 0;
  std::optional<std::string> error_message;  // nullopt on success
};

class FinalizedFeatures {
 public:
  struct Levels {
    int64_t epoch = 0;
    std::map<std::string, int16_t> levels;  // every supported feature, 0 when not finalized
  };

  // Reads the levels kept in `store`; a new data dir starts at Kafka 3.9.1's levels.
  // Throws (LogStore::scan_meta) when the store cannot be read.
  void load(LogStore& store);
  Levels levels() const;

  // Checks `updates` (the last update of a feature counts) against the current levels, as
  // Kafka's controller does, and, unless `validate_only`, stores and applies the valid ones.
  // One result per feature, in name order; a storage failure is KAFKA_STORAGE_ERROR.
  std::vector<FeatureUpdateResult> update(LogStore& store, const std::vector<FeatureUpdate>& updates,
                                          bool validate_only, int32_t node_id);

  // The reason Kafka gives for refusing `update` at `current` levels, or nullopt.
  static std::optional<std::string> refusal(const std::map<std::string, int16_t>& current,
                                            const FeatureUpdate& update, int32_t node_id);

 private:
  mutable std::mutex mu_;
  Levels levels_ = initial();
  static Levels initial();
};

}  // namespace chronik::broker
