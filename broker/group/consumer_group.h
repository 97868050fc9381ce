// A KIP-848 consumer group: the coordinator assigns partitions itself (assignor.h) and
// each member converges on its target assignment through its heartbeats. A member gives
// up partitions first (staying at its epoch), then moves to the group's epoch; a partition
// goes to its new owner only once its previous owner has released it, so that no
// partition is ever owned twice.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "broker/group/assignor.h"

namespace chronik::broker::group {

struct ConsumerMember {
  std::string id;
  std::optional<std::string> instance_id;
  std::optional<std::string> rack_id;
  std::string client_id;
  std::string client_host;
  int32_t rebalance_timeout_ms = 0;
  std::vector<std::string> subscribed_topics;
  // A regular expression (RE2 syntax, as Kafka's RE2/J) over topic names; empty for none.
  std::string subscribed_regex;
  std::vector<std::string> regex_topics;  // what it matched when the group last looked
  std::optional<std::string> server_assignor;

  int32_t epoch = 0;  // -2: a static member that left for a while and will come back
  int32_t previous_epoch = -1;
  Assignment assigned;            // owned, as far as the coordinator knows
  Assignment pending_revocation;  // part of `assigned` it has been told to give up
  Assignment last_sent;           // the assignment the member was last told
  int64_t session_deadline_ms = 0;
  int64_t revocation_deadline_ms = 0;  // 0: nothing to revoke
};

struct ConsumerHeartbeat {
  std::string member_id;
  int32_t member_epoch = 0;
  std::optional<std::string> instance_id;
  std::optional<std::string> rack_id;
  int32_t rebalance_timeout_ms = -1;
  std::optional<std::vector<std::string>> subscribed_topics;
  std::optional<std::string> subscribed_regex;  // v1+; null: unchanged, empty: none
  std::optional<std::string> server_assignor;
  std::optional<Assignment> owned;
  int16_t version = 0;  // from v1 the member id is the consumer's own
  std::string client_id;
  std::string client_host;
};

struct ConsumerHeartbeatResult {
  int16_t error = 0;
  std::optional<std::string> message;
  std::string member_id;
  int32_t member_epoch = 0;
  std::optional<Assignment> assignment;  // only when it changed
};

class ConsumerGroup {
 public:
  // What the group needs from the broker for one call.
  struct Env {
    std::function<std::optional<SubscribedTopic>(const std::string& topic)> topic;
    // The topics a regular expression may match (internal ones left out, as Kafka does).
    std::function<std::vector<std::string>()> topic_names;
    int32_t session_timeout_ms = 45'000;
    std::vector<std::string> assignors;  // allowed; the first is the default
    int32_t max_size = INT32_MAX;
    int64_t now_ms = 0;
  };

  ConsumerGroup() = default;
  ConsumerGroup(std::string id, int32_t epoch) : id_(std::move(id)), epoch_(epoch) {}

  ConsumerHeartbeatResult heartbeat(const ConsumerHeartbeat& req, const Env& env);
  // Removes members whose session expired or that did not revoke in time. Returns
  // a line per removal (for the log).
  std::vector<std::string> expire(const Env& env);

  const std::string& id() const { return id_; }
  int32_t epoch() const { return epoch_; }
  int32_t assignment_epoch() const { return assignment_epoch_; }
  const std::string& assignor() const { return assignor_; }
  // When the last member left (-1 while it has members or never had any).
  int64_t empty_since_ms() const { return empty_since_ms_; }
  // Kafka's names: Empty, Assigning, Reconciling, Stable.
  std::string state() const;
  const std::map<std::string, ConsumerMember>& members() const { return members_; }
  const Assignment& target(const std::string& member_id) const;
  // OffsetCommit/OffsetFetch from a member at its current or previous epoch: NONE, else
  // UNKNOWN_MEMBER_ID or STALE_MEMBER_EPOCH.
  int16_t validate_member(const std::string& member_id, int32_t member_epoch) const;
  // The topics any member subscribes to, by name or by its regular expression.
  std::vector<std::string> subscribed_topics() const;
  // The topics of one member, by name or by its regular expression.
  static std::vector<std::string> member_topics(const ConsumerMember& m);
  // Whether RE2 accepts `regex`; the reason when it does not.
  static std::optional<std::string> regex_error(const std::string& regex);

 private:
  void remove_member(const std::string& member_id, const Env& env);
  // A new group epoch: refreshes the topic metadata and computes the target assignment.
  void rebalance(const Env& env);
  bool metadata_changed(const Env& env) const;
  // Matches every member's regular expression against the topics now; true when a
  // member's matches changed (topics created or deleted).
  bool refresh_regex_topics(const Env& env);
  void reconcile(ConsumerMember& m, const Env& env);
  std::string choose_assignor(const Env& env) const;
  bool owned_by_other(const std::string& member_id, const wire::Uuid& topic, int32_t p) const;

  std::string id_;
  int32_t epoch_ = 0;
  int32_t assignment_epoch_ = 0;
  std::string assignor_;
  std::map<std::string, ConsumerMember> members_;
  std::map<std::string, Assignment> target_;
  std::map<std::string, SubscribedTopic> metadata_;
  std::map<std::string, std::string> static_members_;
  int64_t empty_since_ms_ = -1;
};

}  // namespace chronik::broker::group
