// The group coordinator: on a single node this broker coordinates every group.
//
// Classic groups (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) with Kafka's state machine,
// static membership and its errors; committed offsets for any group id (including simple
// consumers that never join); and the persistence of both in the store's metadata
// keyspace, so that a restart looks to clients like a coordinator failover.
//
// Requests that must wait (a JoinGroup until the rebalance ends, a SyncGroup until the
// leader's assignment) get a Slot; the coordinator fills it and calls the change callback
// with the group id so that the waiting request is polled again. Time is passed in by the
// caller (tests drive it); tick() runs the deadlines. Every method is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "broker/config/broker_config.h"
#include "broker/group/classic_group.h"
#include "broker/group/committed_offsets.h"
#include "broker/group/consumer_group.h"
#include "broker/log/log_store.h"

namespace chronik::broker::group {

class GroupCoordinator {
 public:
  using ConfigSource = std::function<std::shared_ptr<const config::BrokerConfig>()>;
  using ChangeCallback = std::function<void(const std::string& group_id)>;

  GroupCoordinator(std::shared_ptr<LogStore> store, ConfigSource config);

  // Called (outside the coordinator's lock) when a group's waiting requests may be answered.
  void set_on_change(ChangeCallback callback) { on_change_ = std::move(callback); }
  // Restores groups and committed offsets from the store (start-up). Members of groups
  // that were stable come back as members, to rejoin or time out as after a failover.
  void load(int64_t now_ms);

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
  // An answer now, or a slot that the end of the rebalance fills.
  template <class T>
  struct Ticket {
    std::optional<T> now;
    std::shared_ptr<Slot<T>> later;
    int32_t max_wait_ms = 0;  // how long the request may wait for `later`
  };
  Ticket<JoinResult> join(const JoinRequest& req, int64_t now_ms);

  struct SyncRequest {
    std::string group_id;
    int32_t generation = 0;
    std::string member_id;
    std::optional<std::string> instance_id;
    std::optional<std::string> protocol_type;
    std::optional<std::string> protocol_name;
    std::vector<std::pair<std::string, Bytes>> assignments;  // from the leader
  };
  Ticket<SyncResult> sync(const SyncRequest& req, int64_t now_ms);

  int16_t heartbeat(const std::string& group_id, int32_t generation, const std::string& member_id,
                    const std::optional<std::string>& instance_id, int64_t now_ms);

  struct Leaving {
    std::string member_id;  // may be empty when instance_id names the member
    std::optional<std::string> instance_id;
  };
  struct LeaveResult {
    int16_t error = 0;                  // group-level
    std::vector<int16_t> member_errors;  // one per Leaving
  };
  LeaveResult leave(const std::string& group_id, const std::vector<Leaving>& members,
                    int64_t now_ms);

  // OffsetCommit. generation -1 with an empty member id commits as a simple consumer (only
  // while the group has no members). Returns the error for every partition, or a group
  // error that applies to all.
  struct CommitRequest {
    std::string group_id;
    int32_t generation = -1;
    std::string member_id;
    std::optional<std::string> instance_id;
    std::vector<std::pair<TopicPartition, CommittedOffset>> offsets;
  };
  int16_t commit(const CommitRequest& req, int64_t now_ms);

  // Committed offsets of `group_id` (all of them when `partitions` is nullopt).
  std::vector<std::pair<TopicPartition, CommittedOffset>> fetch(
      const std::string& group_id, const std::optional<std::vector<TopicPartition>>& partitions);

  struct MemberSummary {
    std::string member_id;
    std::optional<std::string> instance_id;
    std::string client_id;
    std::string client_host;
    Bytes metadata;    // Stable groups only
    Bytes assignment;  // Stable groups only
  };
  struct GroupSummary {
    bool exists = false;
    std::string group_id;
    std::string state;  // "Dead" for a group that does not exist
    std::string protocol_type;
    std::string protocol_name;  // Stable groups only
    int32_t generation = 0;
    std::vector<MemberSummary> members;
  };
  GroupSummary describe(const std::string& group_id);

  struct Listed {
    std::string group_id;
    std::string protocol_type;
    std::string state;
    std::string type;  // "classic" or "consumer"
  };
  std::vector<Listed> list();

  // DeleteGroups: GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP or NONE.
  int16_t delete_group(const std::string& group_id);
  // OffsetDelete: group error (GROUP_ID_NOT_FOUND...) and per-partition errors
  // (GROUP_SUBSCRIBED_TO_TOPIC for topics the group's members consume).
  struct OffsetDeleteResult {
    int16_t error = 0;
    std::vector<int16_t> partition_errors;
  };
  OffsetDeleteResult delete_offsets(const std::string& group_id,
                                    const std::vector<TopicPartition>& partitions);

  // KIP-848: ConsumerGroupHeartbeat of `group_id`.
  ConsumerHeartbeatResult consumer_heartbeat(const std::string& group_id,
                                             const ConsumerHeartbeat& req, int64_t now_ms);
  int32_t consumer_heartbeat_interval_ms() const;
  // A copy of the consumer group, nullopt when `group_id` is not one.
  std::optional<ConsumerGroup> describe_consumer_group(const std::string& group_id);
  // OffsetFetch v9 from a member of a consumer group: NONE, UNKNOWN_MEMBER_ID or
  // STALE_MEMBER_EPOCH (NONE for other groups).
  int16_t validate_offset_fetch(const std::string& group_id, const std::optional<std::string>& member_id,
                                int32_t member_epoch);

  // Forgets the committed offsets of a deleted topic in every group.
  void on_topic_deleted(const std::string& topic);

  // Session timeouts, join and sync deadlines, offset retention.
  void tick(int64_t now_ms);

 private:
  struct Settings;
  Settings settings() const;
  ClassicGroup& get_or_create(const std::string& group_id, int64_t now_ms);
  ClassicGroup* find(const std::string& group_id);

  void add_member(ClassicGroup& g, Member m, const JoinRequest& req,
                  std::shared_ptr<Slot<JoinResult>> slot, int64_t now_ms);
  void update_member(ClassicGroup& g, Member& m, const JoinRequest& req,
                     std::shared_ptr<Slot<JoinResult>> slot, int64_t now_ms);
  void prepare_rebalance(ClassicGroup& g, int64_t now_ms, const std::string& why);
  void maybe_complete_join(ClassicGroup& g, int64_t now_ms);
  void complete_join(ClassicGroup& g, int64_t now_ms);
  void remove_member(ClassicGroup& g, const std::string& member_id, int64_t now_ms,
                     const std::string& why);
  void fail_waiters(ClassicGroup& g, int16_t error);
  JoinResult join_result_for(const ClassicGroup& g, const Member& m, bool leader_members,
                             bool skip_assignment) const;
  int16_t check_static(ClassicGroup& g, const std::string& member_id,
                       const std::optional<std::string>& instance_id) const;
  void set_state(ClassicGroup& g, GroupState s, int64_t now_ms);

  void expire_offsets(int64_t now_ms, int64_t retention_ms);
  void persist_group(const ClassicGroup& g);
  void changed(const std::string& group_id) { changed_.push_back(group_id); }
  void notify();  // REQUIRES: mu_ not held

  std::shared_ptr<LogStore> store_;
  ConfigSource config_;
  ChangeCallback on_change_;

  std::mutex mu_;
  ConsumerGroup::Env consumer_env(int64_t now_ms) const;
  void persist_consumer_group(const ConsumerGroup& g);

  std::map<std::string, ClassicGroup> groups_;
  std::map<std::string, ConsumerGroup> consumer_groups_;
  CommittedOffsets offsets_;
  std::vector<std::string> changed_;  // groups to notify once mu_ is released
  int64_t next_offset_expiry_ms_ = 0;
};

}  // namespace chronik::broker::group
