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

bool CommittedOffsets::restore(std::string_view key, std::string_view value) {
  if (key.substr(0, kKeyPrefix.size()) != kKeyPrefix) return false;
  std::string_view rest = key.substr(kKeyPrefix.size());
  if (rest.size() < 4) return false;
  const uint32_t glen = get_be32(rest);
  rest.remove_prefix(4);
  if (rest.size() < glen) return false;
  std::string group_id(rest.substr(0, glen));
  rest.remove_prefix(glen);
  const size_t nul = rest.find('\0');
  if (nul == std::string_view::npos || rest.size() != nul + 5) return false;
  TopicPartition tp{std::string(rest.substr(0, nul)),
                    static_cast<int32_t>(get_be32(rest.substr(nul + 1)))};
  try {
    wire::Reader r(reinterpret_cast<const uint8_t*>(value.data()), value.size());
    state::OffsetCommitValue v;
    v.decode(r, 0);
    CommittedOffset o;
    o.offset = v.offset;
    o.leader_epoch = v.leader_epoch;
    o.metadata = v.metadata;
    o.commit_timestamp_ms = v.commit_timestamp_ms;
    o.expire_timestamp_ms = v.expire_timestamp_ms;
    groups_[group_id][tp] = std::move(o);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

const CommittedOffsets::Partitions* CommittedOffsets::of(const std::string& group_id) const {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : &it->second;
}

void CommittedOffsets::put(const std::string& group_id, const TopicPartition& tp,
                           CommittedOffset offset) {
  groups_[group_id][tp] = std::move(offset);
}

bool CommittedOffsets::erase(const std::string& group_id, const TopicPartition& tp) {
  auto it = groups_.find(group_id);
  if (it == groups_.end()) return false;
  const bool erased = it->second.erase(tp) > 0;
  if (it->second.empty()) groups_.erase(it);
  return erased;
}

std::vector<std::string> CommittedOffsets::group_ids() const {
  std::vector<std::string> out;
  for (const auto& [id, _] : groups_) out.push_back(id);
  return out;
}

std::vector<std::string> CommittedOffsets::erase_topic(const std::string& topic) {
  std::vector<std::string> keys;
  for (auto g = groups_.begin(); g != groups_.end();) {
    auto& parts = g->second;
    for (auto it = parts.lower_bound(TopicPartition{topic, INT32_MIN});
         it != parts.end() && it->first.topic == topic;) {
      keys.push_back(key(g->first, it->first));
      it = parts.erase(it);
    }
    g = parts.empty() ? groups_.erase(g) : std::next(g);
  }
  return keys;
}

}  // namespace chronik::broker::group
