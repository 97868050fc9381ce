// The committed offsets of one group, and how each is kept as a record in the store's
// metadata keyspace ("group-offset/<len><group id><topic>\0<partition>", value
// chronik::state::OffsetCommitValue). Offsets a transaction committed (TxnOffsetCommit) wait
// apart, per producer id, until the transaction ends: they are kept as records of the same
// value under "group-txn-offset/<len><group id><producer id><topic>\0<partition>", and only
// a commit moves them among the committed offsets that OffsetFetch answers (KIP-98).
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

  // --- Records
  static constexpr std::string_view kKeyPrefix = "group-offset/";
  static std::string key(const std::string& group_id, const TopicPartition& tp);
  // The prefix of every key of `group_id`.
  static std::string group_prefix(const std::string& group_id);
  static std::string encode(const CommittedOffset& offset);
  struct Record {
    std::string group_id;
    TopicPartition partition;
    CommittedOffset offset;
  };
  // nullopt when the record does not decode.
  static std::optional<Record> decode(std::string_view key, std::string_view value);

  // --- Records of offsets pending in a transaction
  static constexpr std::string_view kPendingKeyPrefix = "group-txn-offset/";
  static std::string pending_key(const std::string& group_id, int64_t producer_id, const TopicPartition& tp);
  struct PendingRecord {
    std::string group_id;
    int64_t producer_id = -1;
    TopicPartition partition;
    CommittedOffset offset;
  };
  static std::optional<PendingRecord> decode_pending(std::string_view key, std::string_view value);

  // --- One group's offsets
  const Partitions& all() const { return partitions_; }
  bool empty() const { return partitions_.empty(); }
  size_t size() const { return partitions_.size(); }
  const CommittedOffset* find(const TopicPartition& tp) const;
  void put(const TopicPartition& tp, CommittedOffset offset) { partitions_[tp] = std::move(offset); }
  // Removes and returns whether it was there.
  bool erase(const TopicPartition& tp) { return partitions_.erase(tp) > 0; }
  // Forgets every offset of `topic` (a deleted topic); returns the partitions it had.
  std::vector<TopicPartition> erase_topic(const std::string& topic);

  // --- Offsets pending in transactions, per producer id
  using Pending = std::map<int64_t, Partitions>;
  const Pending& pending() const { return pending_; }
  bool has_pending() const { return !pending_.empty(); }
  // Whether some transaction holds an offset of `tp` not yet committed or aborted.
  bool is_pending(const TopicPartition& tp) const;
  void put_pending(int64_t producer_id, const TopicPartition& tp, CommittedOffset offset) {
    pending_[producer_id][tp] = std::move(offset);
  }
  // Removes and returns what `producer_id`'s transaction holds.
  Partitions take_pending(int64_t producer_id);

 private:
  Partitions partitions_;
  Pending pending_;
};

}  // namespace chronik::broker::group
