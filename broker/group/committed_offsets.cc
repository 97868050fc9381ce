#include "broker/group/committed_offsets.h"

#include "generated/state/offset_commit_value.h"
#include "runtime/wire/reader.h"
#include "runtime/wire/writer.h"

namespace chronik::broker::group {
namespace {

void put_be32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
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

std::optional<CommittedOffsets::Record> CommittedOffsets::decode(std::string_view key,
                                                                std::string_view value) {
  if (key.substr(0, kKeyPrefix.size()) != kKeyPrefix) return std::nullopt;
  std::string_view rest = key.substr(kKeyPrefix.size());
  if (rest.size() < 4) return std::nullopt;
  const uint32_t glen = get_be32(rest);
  rest.remove_prefix(4);
  if (rest.size() < glen) return std::nullopt;
  Record out;
  out.group_id = std::string(rest.substr(0, glen));
  rest.remove_prefix(glen);
  const size_t nul = rest.find('\0');
  if (nul == std::string_view::npos || rest.size() != nul + 5) return std::nullopt;
  out.partition = TopicPartition{std::string(rest.substr(0, nul)),
                                 static_cast<int32_t>(get_be32(rest.substr(nul + 1)))};
  try {
    wire::Reader r(reinterpret_cast<const uint8_t*>(value.data()), value.size());
    state::OffsetCommitValue v;
    v.decode(r, 0);
    out.offset.offset = v.offset;
    out.offset.leader_epoch = v.leader_epoch;
    out.offset.metadata = v.metadata;
    out.offset.commit_timestamp_ms = v.commit_timestamp_ms;
    out.offset.expire_timestamp_ms = v.expire_timestamp_ms;
    return out;
  } catch (const std::exception&) {
    return std::nullopt;
  }
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
