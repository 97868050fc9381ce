// Which versions of each API Chronik serves. The generated table is the union of Kafka 3.9's
// and 4.4's specs; a version only 4.x defines is served once its handler does what Kafka 4.4
// does with that version's new fields, and is listed below from then on. Until then an API is
// served up to the versions Kafka 3.9 serves, so that 4.x clients pick a version whose
// meaning Chronik implements.
#include <algorithm>
#include <map>

#include "broker/handlers/handlers.h"
#include "generated/kafka/api_table.h"

namespace chronik::broker::handlers {
namespace {

// API key -> the highest version its handler implements, where that is past Kafka 3.9's.
const std::map<int16_t, int16_t>& newer_versions_handled() {
  static const std::map<int16_t, int16_t> handled = {
      {0, 13},   // Produce: v12 adds a transaction's partitions itself (KIP-890); v13 names topics by id
      {1, 18},   // Fetch: v18's ReplicaState.HighWatermark is a follower's; consumers ignore it
      {2, 11},   // ListOffsets: v10's TimeoutMs is for remote reads; v11 adds -6
      {3, 13},   // Metadata: v13's top-level ErrorCode, NONE
      {8, 10},   // OffsetCommit: topics by id
      {9, 10},   // OffsetFetch: topics by id
      {15, 6},   // DescribeGroups: GROUP_ID_NOT_FOUND with a message for absent and consumer groups
      {18, 5},   // ApiVersions: v5's ClusterId and NodeId, when given and not ours, REBOOTSTRAP_REQUIRED
      {26, 5},   // EndTxn: transactions v2 bump the epoch at every end and answer it (KIP-890)
      {27, 2},   // WriteTxnMarkers: TransactionVersion, taken (the markers are the same at either version)
      {28, 6},   // TxnOffsetCommit: v5 adds the group to the transaction itself (KIP-890); v6 topics by id
      {35, 5},   // DescribeLogDirs: v5's IsCordoned, false (log dirs cannot be cordoned here)
      {42, 3},   // DeleteGroups: ErrorMessage, which Kafka 4.4 leaves null
      {45, 1},   // AlterPartitionReassignments: AllowReplicationFactorChange, repeated (one broker: never reached)
      {57, 2},   // UpdateFeatures: v2 answers one top-level error for the request, no per-feature results
      {60, 2},   // DescribeCluster: IncludeFencedBrokers; the one broker is never fenced (IsFenced false)
      {66, 2},   // ListTransactions: TransactionalIdPattern (KIP-1152)
      {68, 1},   // ConsumerGroupHeartbeat: SubscribedTopicRegex, member ids from the consumer
      {69, 1},   // ConsumerGroupDescribe: MemberType
      {74, 1},   // ListConfigResources: ResourceTypes selects groups, client metrics, brokers and topics
  };
  return handled;
}

// API key -> the highest version served where that is below Kafka 3.9's: versions Kafka
// defines for traffic between brokers, which the handler does not implement.
const std::map<int16_t, int16_t>& older_versions_only() {
  static const std::map<int16_t, int16_t> capped = {};
  return capped;
}

// The index of Kafka 3.9 in the generated table's releases.
size_t release_3_9() {
  const auto it = std::find(m::kReleases.begin(), m::kReleases.end(), "3.9.0");
  return static_cast<size_t>(it - m::kReleases.begin());
}

}  // namespace

m::VersionRange served_versions(const m::ApiInfo& api) {
  static const size_t base = release_3_9();
  m::VersionRange served{api.lowest_version, -1};
  if (base < m::kReleaseCount) served.highest = api.releases[base].highest;
  const auto& handled = newer_versions_handled();
  if (const auto it = handled.find(api.key); it != handled.end())
    served.highest = std::max(served.highest, std::min(it->second, api.highest_stable_version));
  if (const auto it = older_versions_only().find(api.key); it != older_versions_only().end())
    served.highest = std::min(served.highest, it->second);
  return served;
}

}  // namespace chronik::broker::handlers
