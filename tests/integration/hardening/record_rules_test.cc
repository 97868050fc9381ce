// The topic's rules for each produced record (Kafka's LogValidator): CreateTime timestamps
// within message.timestamp.before/after.max.ms (or the deprecated difference.max.ms), and
// keys on compacted topics. A refused batch appends nothing, names its records in the
// response (v8+) and leaves the partition as it was. Tagged [kafka]: the answers are Kafka
// 3.9.1's.
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "runtime/record/batch.h"
#include "tests/integration/hardening/requests.h"

using namespace chronik::testing;
namespace m = chronik::message;
namespace record = chronik::record;

namespace {

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

record::Record keyed(int64_t timestamp_delta, bool with_key = true) {
  record::Record r;
  if (with_key) r.key = record::Bytes{'k'};
  r.value = record::Bytes{'v'};
  r.timestamp_delta = timestamp_delta;
  return r;
}

// One batch whose records have the given timestamps (the first is the base timestamp).
std::vector<uint8_t> batch_at(const std::vector<int64_t>& timestamps, bool with_keys = true) {
  record::BatchOptions o;
  o.base_timestamp = timestamps.front();
  std::vector<record::Record> records;
  for (size_t i = 0; i < timestamps.size(); ++i) {
    records.push_back(keyed(timestamps[i] - timestamps.front(), with_keys));
    records.back().offset_delta = static_cast<int32_t>(i);
  }
  return record::build_batch(o, records);
}

std::string topic_with(const std::string& base, const std::map<std::string, std::string>& configs) {
  const std::string topic = unique_name(base);
  create_topic(topic, 1, configs);
  // Kafka's new partition has its leader a moment after CreateTopics answers; until then a
  // produce gets NOT_LEADER_OR_FOLLOWER instead of the answer a check expects.
  REQUIRE(until_settled([&] { return list_offset(topic, -1).error_code; }, {3, 6}) == 0);
  return topic;
}

void check_nothing_appended(const std::string& topic) {
  const auto latest = list_offset(topic, -1);
  REQUIRE(latest.error_code == 0);
  CHECK(latest.offset == 0);
}

}  // namespace

TEST_CASE("a record older than message.timestamp.before.max.ms is INVALID_TIMESTAMP and nothing is appended",
          "[kafka][record-rules]") {
  const auto topic = topic_with("ts-before", {{"message.timestamp.before.max.ms", "3600000"}});
  const int64_t now = wall_ms();
  // The second of three records is two hours old: the whole batch is refused.
  const auto r = produce(topic, batch_at({now, now - 7'200'000, now}));
  CHECK(r.error_code == 32);  // INVALID_TIMESTAMP
  CHECK(r.base_offset == -1);
  CHECK(r.error_message == "One or more records have been rejected due to invalid timestamp");
  REQUIRE(r.record_errors.size() == 1);
  CHECK(r.record_errors[0].batch_index == 1);
  const std::string& why = r.record_errors[0].batch_index_error_message.value_or("");
  CHECK(why.rfind("Timestamp " + std::to_string(now - 7'200'000) + " of message with offset 1 is out of range. "
                  "The timestamp should be within [", 0) == 0);
  check_nothing_appended(topic);
  // Within the bound the same partition takes it.
  CHECK(produce(topic, batch_at({now, now - 60'000})).error_code == 0);
}

TEST_CASE("a record further ahead than message.timestamp.after.max.ms is INVALID_TIMESTAMP",
          "[kafka][record-rules]") {
  const auto topic = topic_with("ts-after", {{"message.timestamp.after.max.ms", "60000"}});
  const int64_t now = wall_ms();
  const auto r = produce(topic, batch_at({now + 3'600'000, now + 3'600'001}));
  CHECK(r.error_code == 32);
  REQUIRE(r.record_errors.size() == 2);
  CHECK(r.record_errors[0].batch_index == 0);
  CHECK(r.record_errors[1].batch_index == 1);
  check_nothing_appended(topic);
  // Produce v7 has no record errors: the code alone.
  const auto v7 = produce(topic, batch_at({now + 3'600'000}), 7);
  CHECK(v7.error_code == 32);
  CHECK(v7.record_errors.empty());
}

TEST_CASE("the deprecated message.timestamp.difference.max.ms bounds both sides while before/after are unset",
          "[kafka][record-rules]") {
  const auto topic = topic_with("ts-difference", {{"message.timestamp.difference.max.ms", "600000"}});
  const int64_t now = wall_ms();
  CHECK(produce(topic, batch_at({now - 3'600'000})).error_code == 32);
  CHECK(produce(topic, batch_at({now + 3'600'000})).error_code == 32);
  CHECK(produce(topic, batch_at({now - 60'000})).error_code == 0);
  // An explicit before.max.ms takes over from it on its side.
  const auto wide = topic_with("ts-difference-before",
                               {{"message.timestamp.difference.max.ms", "600000"},
                                {"message.timestamp.before.max.ms", "86400000"}});
  CHECK(produce(wide, batch_at({now - 3'600'000})).error_code == 0);
  CHECK(produce(wide, batch_at({now + 3'600'000})).error_code == 32);
}

TEST_CASE("LogAppendTime topics take any client timestamp", "[kafka][record-rules]") {
  const auto topic = topic_with("ts-append-time", {{"message.timestamp.type", "LogAppendTime"},
                                                  {"message.timestamp.before.max.ms", "1000"}});
  CHECK(produce(topic, batch_at({wall_ms() - 86'400'000})).error_code == 0);
}

TEST_CASE("a record without a key on a compacted topic is INVALID_RECORD with Kafka's messages",
          "[kafka][record-rules]") {
  const auto topic = topic_with("compact-keys", {{"cleanup.policy", "compact"}});
  const int64_t now = wall_ms();
  const auto r = produce(topic, batch_at({now, now}, /*with_keys=*/false));
  CHECK(r.error_code == 87);  // INVALID_RECORD
  const std::string record_message = "Compacted topic cannot accept message without key in topic partition " + topic + "-0";
  REQUIRE(r.record_errors.size() == 2);
  INFO("error message: " << r.error_message.value_or("(null)"));
  INFO("record message: " << r.record_errors[1].batch_index_error_message.value_or("(null)"));
  CHECK(r.record_errors[1].batch_index == 1);
  CHECK(r.record_errors[1].batch_index_error_message == record_message);
  CHECK(r.error_message ==
        "One or more records have been rejected due to 2 record errors in total, and only showing the first three "
        "errors at most: [RecordError(batchIndex=0, message='" + record_message + "'), RecordError(batchIndex=1, message='" +
            record_message + "')]");
  check_nothing_appended(topic);
  CHECK(produce(topic, batch_at({now})).error_code == 0);
  // compact,delete needs keys too; delete alone does not.
  const auto both = topic_with("compact-delete-keys", {{"cleanup.policy", "compact,delete"}});
  CHECK(produce(both, batch_at({now}, false)).error_code == 87);
  const auto plain = topic_with("delete-no-keys", {{"cleanup.policy", "delete"}});
  CHECK(produce(plain, batch_at({now}, false)).error_code == 0);
}
