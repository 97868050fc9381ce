// A classic consumer group (JoinGroup/SyncGroup protocol): its members and where it stands
// in the rebalance state machine Empty -> PreparingRebalance -> CompletingRebalance ->
// Stable (-> Dead once deleted).
//
// Plain data plus the rules that only look at one group (protocol choice, who has
// rejoined). classic_rebalance.h drives the transitions; classic_coordinator.h answers the
// requests; group_table.h owns the locking.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chronik::broker::group {

enum class GroupState { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable, kDead };

// Kafka's names, as DescribeGroups and ListGroups report them.
const char* state_name(GroupState state);
std::optional<GroupState> parse_state(std::string_view name);  // case-insensitive

using Bytes = std::vector<uint8_t>;

// What a JoinGroup asks.
struct JoinRequest {
  std::string group_id;
  std::string member_id;
  std::optional<std::string> instance_id;
  std::string protocol_type;
  std::vector<std::pair<std::string, Bytes>> protocols;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::string client_id;
  std::string client_host;
  int16_t version = 0;  // v4+: unknown members must rejoin with the id given; v9+: skip_assignment
};

// What a JoinGroup answers.
struct JoinResult {
  int16_t error = 0;
  int32_t generation = -1;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::string leader;
  std::string member_id;
  bool skip_assignment = false;
  struct Member {
    std::string member_id;
    std::optional<std::string> instance_id;
    Bytes metadata;
  };
  std::vector<Member> members;  // for the leader only
};

// What a SyncGroup asks.
struct SyncRequest {
  std::string group_id;
  int32_t generation = 0;
  std::string member_id;
  std::optional<std::string> instance_id;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::vector<std::pair<std::string, Bytes>> assignments;  // from the leader
};

// What a SyncGroup answers.
struct SyncResult {
  int16_t error = 0;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  Bytes assignment;
};

// An answer that a later event (end of the rebalance, the leader's assignment) provides.
// Filled at most once; the request that waits for it polls it.
template <class T>
class Slot {
 public:
  void fill(T value) {
    std::lock_guard lock(mu_);
    if (!value_) value_ = std::move(value);
  }
  std::optional<T> get() const {
    std::lock_guard lock(mu_);
    return value_;
  }

 private:
  mutable std::mutex mu_;
  std::optional<T> value_;
};

struct Member {
  std::string id;
  std::optional<std::string> instance_id;  // static membership
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::vector<std::pair<std::string, Bytes>> protocols;  // in the member's preference order
  Bytes assignment;
  int64_t heartbeat_deadline_ms = 0;
  // Set while the member waits in JoinGroup / SyncGroup.
  std::shared_ptr<Slot<JoinResult>> awaiting_join;
  std::shared_ptr<Slot<SyncResult>> awaiting_sync;

  const Bytes* metadata_for(const std::string& protocol) const;
  bool same_protocols(const std::vector<std::pair<std::string, Bytes>>& other) const {
    return protocols == other;
  }
};

struct ClassicGroup {
  std::string id;
  GroupState state = GroupState::kEmpty;
  std::string protocol_type;                // empty until the first member joins
  std::optional<std::string> protocol_name;  // chosen at the end of each join phase
  std::optional<std::string> leader;
  int32_t generation = 0;
  int64_t state_timestamp_ms = -1;

  std::map<std::string, Member> members;
  // Members told MEMBER_ID_REQUIRED that have not joined with it yet: id -> expiry time.
  std::map<std::string, int64_t> pending_members;
  // Static members: group.instance.id -> member id.
  std::map<std::string, std::string> static_members;

  // PreparingRebalance: the join phase ends when every member has rejoined (and not
  // before join_not_before_ms, the initial rebalance delay of a new group), or at
  // rebalance_deadline_ms, dropping the members that did not rejoin.
  int64_t rebalance_deadline_ms = 0;
  int64_t join_not_before_ms = 0;
  // group.initial.rebalance.delay.ms of a group leaving Empty: each member joining during
  // the delay extends it, up to initial_delay_limit_ms.
  bool initial_delay_active = false;
  int64_t initial_delay_limit_ms = 0;
  // CompletingRebalance: members that have not sent SyncGroup by then are dropped.
  int64_t sync_deadline_ms = 0;

  bool has_member(const std::string& member_id) const { return members.count(member_id) > 0; }
  bool all_members_joined() const;
  // Protocols every member supports.
  std::vector<std::string> candidate_protocols() const;
  // Whether a member with these protocols may join (Kafka's supportsProtocols).
  bool supports(const std::string& type,
                const std::vector<std::pair<std::string, Bytes>>& protocols) const;
  // The protocol most members prefer among the candidates (each member votes for its first
  // candidate).
  std::string select_protocol() const;
  int32_t max_rebalance_timeout_ms() const;
  // The member that joined under `instance_id`, if any.
  Member* static_member(const std::string& instance_id);
};

}  // namespace chronik::broker::group
