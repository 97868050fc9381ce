// How much one request may make the broker create, so that no request can make it build (and
// persist) an unbounded number of partitions.
//
// Kafka's controller writes the changes of one request as one batch of at most 10,000
// metadata records (QuorumController.MAX_RECORDS_PER_USER_OP: a record per topic, per
// partition and per config override), and refuses a CreateTopics asking for more than 10,000
// partitions in all before it looks at anything else. Chronik keeps both bounds and Kafka's
// messages (error POLICY_VIOLATION). Kafka 3.9.1 answers a CreatePartitions over the bound
// with UNKNOWN_SERVER_ERROR (its controller runs out of heap or into the bounded list);
// Chronik answers that one with POLICY_VIOLATION too.
#pragma once

#include <cstdint>

namespace chronik::broker::limits {

inline constexpr int64_t kMaxRecordsPerRequest = 10000;
inline constexpr int64_t kMaxPartitionsPerRequest = 10000;

inline constexpr const char* kTooManyPartitionsMessage =
    "Excessively large number of partitions per request.";
inline constexpr const char* kTooManyRecordsMessage =
    "Unable to perform excessively large batch operation.";

// The records creating one topic takes in Kafka's controller.
constexpr int64_t topic_records(int64_t partitions, int64_t configs) {
  return 1 + partitions + configs;
}

}  // namespace chronik::broker::limits
