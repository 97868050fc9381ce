// What the admin endpoint needs from consumer groups, kept small so that the REST API, the
// dashboard and /metrics do not depend on the coordinator's internals
// (coordinator_group_view.cc adapts broker/group/'s GroupCoordinator). Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace chronik::broker {
struct Broker;
}

namespace chronik::broker::admin {

struct GroupPartition {
  std::string topic;
  int32_t partition = 0;
  int64_t committed_offset = -1;
  int64_t log_end_offset = -1;  // -1: the partition no longer exists
  int64_t lag = -1;             // log end - committed, -1 when unknown
  std::optional<std::string> metadata;
};

struct GroupMember {
  std::string member_id;
  std::optional<std::string> instance_id;
  std::string client_id;
  std::string client_host;
  // Decoded from the consumer protocol's assignment ("consumer" groups only).
  std::vector<std::pair<std::string, int32_t>> assignment;
};

struct GroupListing {
  std::string group_id;
  std::string state;  // Kafka's names: Empty, Stable, PreparingRebalance, ...
  std::string protocol_type;
  std::string type;  // "classic" (JoinGroup & co.) or "consumer" (KIP-848)
};

struct GroupDescription {
  GroupListing listing;
  std::string protocol;    // classic: the chosen protocol; consumer: the server assignor
  int32_t generation = 0;  // classic: generation; consumer: group epoch
  std::vector<GroupMember> members;
  std::vector<GroupPartition> offsets;  // committed offsets with lag, by topic and partition
  int64_t total_lag = 0;
};

class GroupView {
 public:
  virtual ~GroupView() = default;

  virtual std::vector<GroupListing> list() = 0;
  // nullopt when the group does not exist.
  virtual std::optional<GroupDescription> describe(const std::string& group_id) = 0;

  enum class Result { kOk, kNotFound, kNotEmpty, kInvalid };
  // Deletes an empty group and its committed offsets.
  virtual Result delete_group(const std::string& group_id) = 0;
  // Commits `offsets` (topic, partition, offset) for a group without members.
  virtual Result reset_offsets(const std::string& group_id,
                               const std::vector<GroupPartition>& offsets) = 0;
};

// The view over broker.groups; nullptr when the broker runs no coordinator.
std::unique_ptr<GroupView> make_coordinator_group_view(Broker& broker);

}  // namespace chronik::broker::admin
