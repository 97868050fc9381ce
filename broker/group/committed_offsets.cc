#include "broker/group/committed_offsets.h"

#include "generated/state/offset_commit_value.h"
#include "runtime/wire/reader.h"
#include "runtime/wire/writer.h"

namespace chronik::broker::group {
namespace {

void put_be32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

void put_be64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

uint64_t get_be64(std::string_view s) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(s[static_cast<size_t>(i)]);
  return v;
}

uint32_t get_be32(std::string_view s) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(s[static_cast<size_t>(i)]);
  return v;
}

}  // namespace

// The group id is length-prefixed (it may contain any character); topic names cannot
// contain '\0', so it ends the topic.
std::string CommittedOffsets::group_prefix(const std::string& group_id) {
  std::string k(kKeyPrefix);
  put_be32(k, static_cast<uint32_t>(group_id.size()));
  k += group_id;
  return k;
}

std::string CommittedOffsets::key(const std::string& group_id, const TopicPartition& tp) {
  std::string k = group_prefix(group_id);
  k += tp.topic;
  k.push_back('\0');
  put_be32(k, static_cast<uint32_t>(tp.partition));
  return k;
}

std::string CommittedOffsets::encode(const CommittedOffset& o) {
  state::OffsetCommitValue v;
  v.offset = o.offset;
  v.leader_epoch = o.leader_epoch;
  v.metadata = o.metadata;
  v.commit_timestamp_ms = o.commit_timestamp_ms;
  v.expire_timestamp_ms = o.expire_timestamp_ms;
  wire::Writer w;
  v.encode(w, 0);
  auto bytes = std::move(w).take_bytes();
  return std::string(bytes.begin(), bytes.end());
}

namespace {

// "<len><group id>" then, for pending records, the producer id; then "<topic>\0<partition>".
bool split_key(std::string_view rest, bool with_producer, std::string* group_id, int64_t* producer_id,
               TopicPartition* tp) {
  if (rest.size() < 4) return false;
  const uint32_t glen = get_be32(rest);
  rest.remove_prefix(4);
  if (rest.size() < glen) return false;
  *group_id = std::string(rest.substr(0, glen));
  rest.remove_prefix(glen);
  if (with_producer) {
    if (rest.size() < 8) return false;
    *producer_id = static_cast<int64_t>(get_be64(rest));
    rest.remove_prefix(8);
  }
  const size_t nul = rest.find('\0');
  if (nul == std::string_view::npos || rest.size() != nul + 5) return false;
  *tp = TopicPartition{std::string(rest.substr(0, nul)), static_cast<int32_t>(get_be32(rest.substr(nul + 1)))};
  return true;
}

bool decode_value(std::string_view value, CommittedOffset* out) {
  try {
    wire::Reader r(reinterpret_cast<const uint8_t*>(value.data()), value.size());
    state::OffsetCommitValue v;
    v.decode(r, 0);
    out->offset = v.offset;
    out->leader_epoch = v.leader_epoch;
    out->metadata = v.metadata;
    out->commit_timestamp_ms = v.commit_timestamp_ms;
    out->expire_timestamp_ms = v.expire_timestamp_ms;
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

std::optional<CommittedOffsets::Record> CommittedOffsets::decode(std::string_view key,
                                                                std::string_view value) {
  if (key.substr(0, kKeyPrefix.size()) != kKeyPrefix) return std::nullopt;
  Record out;
  int64_t unused = 0;
  if (!split_key(key.substr(kKeyPrefix.size()), false, &out.group_id, &unused, &out.partition)) return std::nullopt;
  if (!decode_value(value, &out.offset)) return std::nullopt;
  return out;
}

std::string CommittedOffsets::pending_key(const std::string& group_id, int64_t producer_id, const TopicPartition& tp) {
  std::string k(kPendingKeyPrefix);
  put_be32(k, static_cast<uint32_t>(group_id.size()));
  k += group_id;
  put_be64(k, static_cast<uint64_t>(producer_id));
  k += tp.topic;
  k.push_back('\0');
  put_be32(k, static_cast<uint32_t>(tp.partition));
  return k;
}

std::optional<CommittedOffsets::PendingRecord> CommittedOffsets::decode_pending(std::string_view key,
                                                                              std::string_view value) {
  if (key.substr(0, kPendingKeyPrefix.size()) != kPendingKeyPrefix) return std::nullopt;
  PendingRecord out;
  if (!split_key(key.substr(kPendingKeyPrefix.size()), true, &out.group_id, &out.producer_id, &out.partition))
    return std::nullopt;
  if (!decode_value(value, &out.offset)) return std::nullopt;
  return out;
}

bool CommittedOffsets::is_pending(const TopicPartition& tp) const {
  for (const auto& [_, partitions] : pending_)
    if (partitions.count(tp)) return true;
  return false;
}

CommittedOffsets::Partitions CommittedOffsets::take_pending(int64_t producer_id) {
  auto it = pending_.find(producer_id);
  if (it == pending_.end()) return {};
  Partitions out = std::move(it->second);
  pending_.erase(it);
  return out;
}

const CommittedOffset* CommittedOffsets::find(const TopicPartition& tp) const {
  auto it = partitions_.find(tp);
  return it == partitions_.end() ? nullptr : &it->second;
}

std::vector<TopicPartition> CommittedOffsets::erase_topic(const std::string& topic) {
  std::vector<TopicPartition> erased;
  for (auto it = partitions_.lower_bound(TopicPartition{topic, INT32_MIN});
       it != partitions_.end() && it->first.topic == topic;) {
    erased.push_back(it->first);
    it = partitions_.erase(it);
  }
  return erased;
}

}  // namespace chronik::broker::group
