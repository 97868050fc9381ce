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
      {0, 13},   // Produce: v12 as v11 (no transactions); v13 names topics by id
      {1, 18},   // Fetch: v18's ReplicaState.HighWatermark is a follower's; consumers ignore it
      {2, 11},   // ListOffsets: v10's TimeoutMs is for remote reads; v11 adds -6
      {3, 13},   // Metadata: v13's top-level ErrorCode, NONE
      {8, 10},   // OffsetCommit: topics by id
      {9, 10},   // OffsetFetch: topics by id
      {15, 6},   // DescribeGroups: GROUP_ID_NOT_FOUND with a message for absent and consumer groups
      {42, 3},   // DeleteGroups: ErrorMessage, which Kafka 4.4 leaves null
      {68, 1},   // ConsumerGroupHeartbeat: SubscribedTopicRegex, member ids from the consumer
      {69, 1},   // ConsumerGroupDescribe: MemberType
  };
  return handled;
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
  return served;
}

}  // namespace chronik::broker::handlers
