// Committed offsets of every group, in memory and as records in the store's metadata
// keyspace ("group-offset/<len><group id><topic>\0<partition>", value
// chronik::state::OffsetCommitValue).
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chronik::broker::group {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  friend auto operator<=>(const TopicPartition&, const TopicPartition&) = default;
};

struct CommittedOffset {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::optional<std::string> metadata;
  int64_t commit_timestamp_ms = -1;
  int64_t expire_timestamp_ms = -1;  // -1: the broker's offsets.retention.minutes applies
};

class CommittedOffsets {
 public:
  using Partitions = std::map<TopicPartition, CommittedOffset>;

  static constexpr std::string_view kKeyPrefix = "group-offset/";
  static std::string key(const std::string& group_id, const TopicPartition& tp);
  // The prefix of every key of `group_id`.
  static std::string group_prefix(const std::string& group_id);
  static std::string encode(const CommittedOffset& offset);
  // Restores one stored record; false when it does not decode.
  bool restore(std::string_view key, std::string_view value);

  const Partitions* of(const std::string& group_id) const;
  void put(const std::string& group_id, const TopicPartition& tp, CommittedOffset offset);
  // Removes and returns whether it was there.
  bool erase(const std::string& group_id, const TopicPartition& tp);
  void erase_group(const std::string& group_id) { groups_.erase(group_id); }
  bool has_group(const std::string& group_id) const { return groups_.count(group_id) > 0; }
  std::vector<std::string> group_ids() const;
  // Forgets every offset of `topic` in every group (deleted topic); returns the keys to erase.
  std::vector<std::string> erase_topic(const std::string& topic);

 private:
  std::map<std::string, Partitions> groups_;
};

}  // namespace chronik::broker::group
