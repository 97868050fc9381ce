#include "broker/group/classic_group.h"

#include <algorithm>
#include <cctype>

namespace chronik::broker::group {

const char* state_name(GroupState state) {
  switch (state) {
    case GroupState::kEmpty: return "Empty";
    case GroupState::kPreparingRebalance: return "PreparingRebalance";
    case GroupState::kCompletingRebalance: return "CompletingRebalance";
    case GroupState::kStable: return "Stable";
    case GroupState::kDead: return "Dead";
  }
  return "Unknown";
}

std::optional<GroupState> parse_state(std::string_view name) {
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  const std::string wanted = lower(name);
  for (auto s : {GroupState::kEmpty, GroupState::kPreparingRebalance,
                 GroupState::kCompletingRebalance, GroupState::kStable, GroupState::kDead})
    if (lower(state_name(s)) == wanted) return s;
  return std::nullopt;
}

const Bytes* Member::metadata_for(const std::string& protocol) const {
  for (const auto& [name, metadata] : protocols)
    if (name == protocol) return &metadata;
  return nullptr;
}

bool ClassicGroup::all_members_joined() const {
  if (!pending_members.empty()) return false;
  return std::all_of(members.begin(), members.end(),
                     [](const auto& kv) { return kv.second.awaiting_join != nullptr; });
}

std::vector<std::string> ClassicGroup::candidate_protocols() const {
  std::vector<std::string> out;
  if (members.empty()) return out;
  for (const auto& [name, _] : members.begin()->second.protocols) {
    const bool everyone = std::all_of(members.begin(), members.end(), [&](const auto& kv) {
      return kv.second.metadata_for(name) != nullptr;
    });
    if (everyone) out.push_back(name);
  }
  return out;
}

bool ClassicGroup::supports(const std::string& type,
                            const std::vector<std::pair<std::string, Bytes>>& protocols) const {
  if (type.empty() || protocols.empty()) return false;
  if (members.empty()) return true;
  if (type != protocol_type) return false;
  for (const auto& candidate : candidate_protocols())
    for (const auto& [name, _] : protocols)
      if (name == candidate) return true;
  return false;
}

std::string ClassicGroup::select_protocol() const {
  const auto candidates = candidate_protocols();
  if (candidates.empty()) return {};
  std::map<std::string, int> votes;
  for (const auto& [_, member] : members)
    for (const auto& [name, metadata] : member.protocols)
      if (std::find(candidates.begin(), candidates.end(), name) != candidates.end()) {
        ++votes[name];
        break;
      }
  // Ties go to the protocol listed first by the candidates (the first member's preference).
  std::string best = candidates.front();
  for (const auto& name : candidates)
    if (votes[name] > votes[best]) best = name;
  return best;
}

int32_t ClassicGroup::max_rebalance_timeout_ms() const {
  int32_t out = 0;
  for (const auto& [_, m] : members) out = std::max(out, m.rebalance_timeout_ms);
  return out;
}

Member* ClassicGroup::static_member(const std::string& instance_id) {
  auto it = static_members.find(instance_id);
  if (it == static_members.end()) return nullptr;
  auto m = members.find(it->second);
  return m == members.end() ? nullptr : &m->second;
}

}  // namespace chronik::broker::group
