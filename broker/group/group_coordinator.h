// The group coordinator: on a single node this broker coordinates every group. What the
// handlers and the admin API call; it hands each request to the part that manages it:
//
//   classic_coordinator.h   classic groups: JoinGroup, SyncGroup, Heartbeat, LeaveGroup
//   consumer_coordinator.h  KIP-848 consumer groups: ConsumerGroupHeartbeat/Describe
//   offset_coordinator.h    committed offsets: commit, fetch, delete, expiry
//   group_table.h           the groups by id, each with its own locks
//
// and does itself only what spans them: listing, deleting a group of either kind, asking
// the right kind whether a commit or an offset deletion is allowed, restoring everything
// from the store at start-up (a restart looks to clients like a coordinator failover), and
// the periodic sweep. Time is passed in by the caller (tests drive it); tick() runs the
// deadlines. Every method is thread-safe; operations on different groups never wait for
// each other, and none waits for a store write but operations of the same group that
// change what is stored.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "broker/group/classic_coordinator.h"
#include "broker/group/consumer_coordinator.h"
#include "broker/group/group_table.h"
#include "broker/group/offset_coordinator.h"
#include "broker/log/log_store.h"

namespace chronik::broker::group {

class GroupCoordinator {
 public:
  using ConfigSource = group::ConfigSource;
  using ChangeCallback = GroupTable::ChangeCallback;
  // The parts' request and answer types, by the names the handlers use.
  using JoinRequest = group::JoinRequest;
  using SyncRequest = group::SyncRequest;
  template <class T>
  using Ticket = group::Ticket<T>;
  using Leaving = group::Leaving;
  using LeaveResult = group::LeaveResult;
  using CommitRequest = group::CommitRequest;
  using MemberSummary = group::MemberSummary;
  using GroupSummary = group::GroupSummary;
  using OffsetDeleteResult = group::OffsetDeleteResult;

  GroupCoordinator(std::shared_ptr<LogStore> store, ConfigSource config);

  // Called (with no coordinator lock held) when a group's waiting requests may be answered.
  void set_on_change(ChangeCallback callback) { table_.set_on_change(std::move(callback)); }
  // Restores groups and committed offsets from the store (start-up). Members of groups
  // that were stable come back as members, to rejoin or time out as after a failover.
  void load(int64_t now_ms);

  // --- Classic groups
  Ticket<JoinResult> join(const JoinRequest& req, int64_t now_ms) { return classic_.join(req, now_ms); }
  Ticket<SyncResult> sync(const SyncRequest& req, int64_t now_ms) { return classic_.sync(req, now_ms); }
  int16_t heartbeat(const std::string& group_id, int32_t generation, const std::string& member_id,
                    const std::optional<std::string>& instance_id, int64_t now_ms) {
    return classic_.heartbeat(group_id, generation, member_id, instance_id, now_ms);
  }
  LeaveResult leave(const std::string& group_id, const std::vector<Leaving>& members, int64_t now_ms) {
    return classic_.leave(group_id, members, now_ms);
  }
  GroupSummary describe(const std::string& group_id) { return classic_.describe(group_id); }

  // --- KIP-848 consumer groups
  ConsumerHeartbeatResult consumer_heartbeat(const std::string& group_id, const ConsumerHeartbeat& req,
                                             int64_t now_ms) {
    return consumer_.heartbeat(group_id, req, now_ms);
  }
  int32_t consumer_heartbeat_interval_ms() const { return consumer_.heartbeat_interval_ms(); }
  // A copy of the consumer group, nullopt when `group_id` is not one.
  std::optional<ConsumerGroup> describe_consumer_group(const std::string& group_id) {
    return consumer_.describe(group_id);
  }
  // OffsetFetch v9 from a member of a consumer group: NONE, UNKNOWN_MEMBER_ID or
  // STALE_MEMBER_EPOCH (NONE for other groups).
  int16_t validate_offset_fetch(const std::string& group_id, const std::optional<std::string>& member_id,
                                int32_t member_epoch) {
    return consumer_.validate_offset_fetch(group_id, member_id, member_epoch);
  }

  // --- Committed offsets
  // OffsetCommit: NONE, or the group error that applies to every partition.
  int16_t commit(const CommitRequest& req, int64_t now_ms);
  // Committed offsets of `group_id` (all of them when `partitions` is nullopt).
  std::vector<std::pair<TopicPartition, CommittedOffset>> fetch(
      const std::string& group_id, const std::optional<std::vector<TopicPartition>>& partitions) {
    return offsets_.fetch(group_id, partitions);
  }
  OffsetDeleteResult delete_offsets(const std::string& group_id, const std::vector<TopicPartition>& partitions);
  // Forgets the committed offsets of a deleted topic in every group.
  void on_topic_deleted(const std::string& topic) { offsets_.forget_topic(topic); }

  // --- Offsets committed in transactions (KIP-98, KIP-447)
  struct TxnCommitRequest {
    std::string group_id;
    int64_t producer_id = -1;
    int32_t generation = -1;  // or a consumer group's member epoch
    std::string member_id;
    std::optional<std::string> instance_id;
    std::vector<std::pair<TopicPartition, CommittedOffset>> offsets;
  };
  // TxnOffsetCommit: checks the member and generation as Kafka does for a transactional
  // commit, then stores the offsets as pending for the producer. NONE, or the error of
  // every partition.
  int16_t txn_commit(const TxnCommitRequest& req, int64_t now_ms);
  // The transaction of `producer_id` ended: its offsets are committed or dropped in every
  // group (as Kafka's marker on a __consumer_offsets partition ends them in all the groups
  // of that partition). NONE, or NOT_COORDINATOR when some group's write failed (those
  // groups keep them; the caller tries again, groups already done have nothing left).
  int16_t complete_txn(int64_t producer_id, bool commit);
  // The partitions of `group_id` with offsets still pending in a transaction (OffsetFetch
  // with require_stable answers UNSTABLE_OFFSET_COMMIT for them).
  std::set<TopicPartition> pending_txn_partitions(const std::string& group_id);

  // --- Every kind
  struct Listed {
    std::string group_id;
    std::string protocol_type;
    std::string state;
    std::string type;  // "classic" or "consumer"
  };
  // Never waits for a store write.
  std::vector<Listed> list();
  // DeleteGroups: GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, NOT_COORDINATOR (not stored) or NONE.
  int16_t delete_group(const std::string& group_id);
  // Session timeouts, join and sync deadlines, offset retention.
  void tick(int64_t now_ms);

 private:
  GroupTable table_;
  ConfigSource config_;
  ClassicCoordinator classic_;
  ConsumerCoordinator consumer_;
  OffsetCoordinator offsets_;

  std::mutex tick_mu_;               // one sweep at a time
  int64_t next_offset_expiry_ms_ = 0;  // guarded by tick_mu_
};

}  // namespace chronik::broker::group
