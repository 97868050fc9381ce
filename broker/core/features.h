// Kafka's feature flags (KIP-584, KIP-778), as a new one-node Kafka 4.4.0 in KRaft mode has
// them, at the levels Chronik implements: metadata.version 7-33 (3.3-IV3 to 4.4-IV2)
// finalized at 33, group.version 1 (KIP-848), eligible.leader.replicas.version 1,
// kraft.version 0, transaction.version 0-2 finalized at 2 (KIP-890 transactions v2), no
// share.version or streams.version (not served). ApiVersions v3+ reports them, and clients
// choose their paths by them (the Java 4.x producer uses transactions v2 only at
// transaction.version 2); UpdateFeatures changes the finalized levels, checked as Kafka
// 4.4's controller checks them (one refusal fails the request), and the store keeps them
// across restarts.
//
// Chronik's behaviour depends on one of these levels only: transaction.version, the version of
// the aborts the transaction coordinator starts itself (what producers use is up to them,
// as in Kafka). The others are kept so that tools that read or set them (kafka-features, the
// Admin client's describeFeatures/updateFeatures) work.
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

// The answer to UpdateFeatures: one error for the whole request, or none and the features
// updated (in name order).
struct FeatureUpdateOutcome {
  int16_t error_code = 0;
  std::optional<std::string> error_message;  // nullopt on success
  std::vector<std::string> features;
};

class FinalizedFeatures {
 public:
  struct Levels {
    int64_t epoch = 0;
    std::map<std::string, int16_t> levels;  // every supported feature, 0 when not finalized
  };

  // Reads the levels kept in `store`; a new data dir starts at Kafka 4.4.0's levels (above).
  // Throws (LogStore::scan_meta) when the store cannot be read.
  void load(LogStore& store);
  Levels levels() const;

  // Checks `updates` (the last update of a feature counts) against the current levels, as
  // Kafka 4.4's controller does: any refusal fails them all with INVALID_UPDATE_VERSION;
  // else, unless `validate_only`, stores and applies them. A storage failure is
  // KAFKA_STORAGE_ERROR.
  FeatureUpdateOutcome update(LogStore& store, const std::vector<FeatureUpdate>& updates, bool validate_only,
                              int32_t node_id);

  // The reason Kafka gives for refusing `update` at `current` levels, or nullopt.
  static std::optional<std::string> refusal(const std::map<std::string, int16_t>& current,
                                            const FeatureUpdate& update, int32_t node_id);

 private:
  mutable std::mutex mu_;
  Levels levels_ = initial();
  static Levels initial();
};

}  // namespace chronik::broker
