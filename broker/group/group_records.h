// How a classic group's membership is kept in the store's metadata keyspace
// ("group/<group id>", value chronik::state::GroupMetadataValue), and the consumer
// protocol's subscription read from a member's metadata.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/group/classic_group.h"
#include "broker/group/consumer_group.h"

namespace chronik::broker::group {

constexpr std::string_view kGroupRecordPrefix = "group/";

inline std::string group_record_key(const std::string& group_id) {
  return std::string(kGroupRecordPrefix) + group_id;
}

// The group as of its last completed rebalance (members, their chosen protocol's metadata
// and their assignments).
std::string encode_group_record(const ClassicGroup& g);
// The group back from a record; members get a full session timeout from `now_ms` to show
// up, as after a coordinator failover. nullopt when the record does not decode or is a
// consumer group's.
std::optional<ClassicGroup> decode_group_record(std::string_view key, std::string_view value,
                                                int64_t now_ms);

// A KIP-848 consumer group keeps only its epoch: its members rejoin after a restart.
std::string encode_consumer_group_record(const ConsumerGroup& g);
// nullopt when the record is not a consumer group's (or does not decode).
std::optional<ConsumerGroup> decode_consumer_group_record(std::string_view key, std::string_view value);

// The topics in a "consumer" protocol subscription (ConsumerProtocolSubscription, any
// version); empty when the bytes are not one.
std::vector<std::string> subscribed_topics(const Bytes& metadata);

}  // namespace chronik::broker::group
