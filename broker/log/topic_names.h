// What a topic's name alone says about it, by Kafka's rules.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

namespace chronik::broker {
class LogStore;
}

namespace chronik::log {

// Kafka's internal topics. Chronik keeps committed offsets and group metadata in records of
// its own, not in __consumer_offsets; the topic exists all the same, empty and read-only, so
// that clients and tools that look for it find it as on Kafka. __transaction_state never
// exists: the transaction coordinator (broker/txn/) keeps its state in records of its own.
inline constexpr std::string_view kConsumerOffsetsTopic = "__consumer_offsets";
inline constexpr std::string_view kTransactionStateTopic = "__transaction_state";

inline bool is_internal_topic(std::string_view name) {
  return name == kConsumerOffsetsTopic || name == kTransactionStateTopic;
}

// '.' and '_' collide in metric names, so Kafka refuses a topic whose name equals an existing
// one's once every '.' is read as '_'. Two names collide when their collision names are equal.
inline std::string collision_name(std::string_view name) {
  std::string out(name);
  std::replace(out.begin(), out.end(), '.', '_');
  return out;
}

// Whether `name` is a legal topic name (Kafka's rules); when not, `why` says why as Kafka does.
bool valid_topic_name(const std::string& name, std::string* why);

// The existing topic whose name collides with `name` (see collision_name), other than `name`
// itself; nullopt when none does.
std::optional<std::string> colliding_topic(broker::LogStore& store, const std::string& name);

}  // namespace chronik::log
