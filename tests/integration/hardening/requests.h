// The requests most hardening checks start from, each on a fresh connection to the broker
// under test (target_broker.h). REQUIRE fails the check when the broker answers an error.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "generated/kafka/create_topics_request.h"
#include "generated/kafka/create_topics_response.h"
#include "generated/kafka/fetch_request.h"
#include "generated/kafka/fetch_response.h"
#include "generated/kafka/list_offsets_request.h"
#include "generated/kafka/list_offsets_response.h"
#include "generated/kafka/produce_request.h"
#include "generated/kafka/produce_response.h"
#include "tests/integration/hardening/target_broker.h"

namespace chronik::testing {

// Now in milliseconds since the epoch: the timestamp of batches that must outlive Kafka's
// retention checks (its default retention.ms deletes batches older than a week, from 30 s
// after start-up).
int64_t wall_clock_ms();

// Creates `name` with `partitions` partitions and the given topic configs, on the broker
// at `port` (by default the broker under test).
void create_topic(uint16_t port, const std::string& name, int32_t partitions = 1,
                  const std::map<std::string, std::string>& configs = {});
inline void create_topic(const std::string& name, int32_t partitions = 1,
                         const std::map<std::string, std::string>& configs = {}) {
  create_topic(target_port(), name, partitions, configs);
}

// A Produce (acks=all, 10 s timeout) of `records` to partition 0 of `topic`.
message::ProduceRequest produce_request(const std::string& topic, std::vector<uint8_t> records);

// Produce v`version` of `records` to partition 0: the partition's answer.
message::ProduceResponse::PartitionProduceResponse produce(const std::string& topic, std::vector<uint8_t> records,
                                                           int16_t version = 9, int16_t acks = -1);

// ListOffsets v`version` of partition 0 at `timestamp` (-1 latest, -2 earliest, or a time):
// the partition's answer, with its error code checked by the caller.
message::ListOffsetsResponse::ListOffsetsPartitionResponse list_offset(const std::string& topic, int64_t timestamp,
                                                                       int16_t version = 7);

// Fetch v`version` of partition 0 from `offset`: the partition's answer.
message::FetchResponse::PartitionData fetch(const std::string& topic, int64_t offset, int32_t max_bytes = 1 << 20,
                                            int16_t version = 12);

// Calls `attempt` while it answers one of the retriable `retry_on` errors, for up to 30 s
// (Kafka makes __transaction_state on the first lookup and loads it; a fenced transaction
// aborts before its id takes a new producer): the last answer.
int16_t until_settled(const std::function<int16_t()>& attempt, std::initializer_list<int16_t> retry_on);

}  // namespace chronik::testing
