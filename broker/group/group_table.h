// Every group by id, each with its own locks: the unit of locking is one group id,
// whatever it holds (a classic group, a KIP-848 consumer group, committed offsets).
//
// Locking. An entry has two mutexes:
//   write_mu  held by every operation that may change what is stored for the group (an
//             Update), from before it reads the group until its records are written;
//   state_mu  guards the entry's fields. An Update holds it while it looks and changes,
//             and releases it while it writes to the store (flush()). An Access holds only
//             state_mu: describe, list, fetch, and heartbeats, which change nothing that is
//             stored (a member's heartbeat deadline).
// Why the store ends with the latest state: the Updates of one group run one at a time
// (write_mu), each writes the records of the state it left, encoded under state_mu, and the
// next one cannot read that state before the write returned. Two changes to one group thus
// reach the store in the order they were made; an Access in between changes nothing that
// is stored. No store write happens under state_mu, so an Access never waits for a write,
// and groups share only the table's map mutex, held just to find, add or drop an entry:
// an operation never waits for another group's write.
// Lock order: write_mu, then state_mu, then the map mutex.
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

using ConfigSource = std::function<std::shared_ptr<const config::BrokerConfig>()>;

// The records one operation stores: puts and erases, the last one per key winning.
class GroupWrites {
 public:
  void put(std::string key, std::string value) { records_[std::move(key)] = std::move(value); }
  void erase(std::string key) { records_[std::move(key)] = std::nullopt; }
  bool empty() const { return records_.empty(); }
  // Writes them atomically and forgets them; a Kafka error code (nothing written then).
  int16_t write_to(LogStore& store);

 private:
  std::map<std::string, std::optional<std::string>> records_;
};

// What one group id holds. A group id is of one kind at a time: `classic` or `consumer`
// (or neither while an operation creates it); committed offsets always belong to one of
// them (a simple consumer's commits make an empty classic group).
class GroupEntry {
 public:
  explicit GroupEntry(std::string group_id) : id(std::move(group_id)) {}

  const std::string id;
  std::optional<ClassicGroup> classic;
  std::optional<ConsumerGroup> consumer;
  CommittedOffsets offsets;

  // Nothing left: the table forgets the id.
  bool vacant() const { return !classic && !consumer && offsets.empty() && !offsets.has_pending(); }
  // The classic group (created Empty; an empty consumer group becomes classic).
  ClassicGroup& become_classic(int64_t now_ms);
  // Without members (classic groups: Empty), and since when (-1: never had any, or not
  // known); nullopt while it has members, or is no group. Offsets expire counting from then.
  std::optional<int64_t> empty_since_ms() const;
  // The group is gone (deleted, or its last offset expired); its offsets must be gone too.
  void drop_group();

 private:
  friend class GroupTable;
  std::mutex write_mu_;
  std::mutex state_mu_;
  bool dropped_ = false;  // no longer in the table (guarded by state_mu_)
};

class GroupTable {
 public:
  using ChangeCallback = std::function<void(const std::string& group_id)>;

  explicit GroupTable(std::shared_ptr<LogStore> store) : store_(std::move(store)) {}
  // Called, with no lock held, after an Update that may have answered waiting requests.
  void set_on_change(ChangeCallback callback) { on_change_ = std::move(callback); }
  LogStore& store() { return *store_; }

  // An operation that may change what is stored for one group (see the top of the file).
  class Update {
   public:
    Update() = default;
    Update(Update&&) = default;
    Update& operator=(Update&&) = delete;
    // Writes what is still staged, forgets the id when nothing is left of it, releases the
    // locks and only then calls the change callback.
    ~Update();

    explicit operator bool() const { return entry_ != nullptr; }
    GroupEntry& operator*() const { return *entry_; }
    GroupEntry* operator->() const { return entry_.get(); }

    // Records to store once the operation ends (or at flush()).
    GroupWrites& writes() { return writes_; }
    // Waiting JoinGroup/SyncGroup requests of the group may have an answer.
    void wake() { wake_ = true; }
    // Writes the staged records now, with state_mu released meanwhile; a Kafka error code.
    // References into the entry stay valid: only Access holders run in between, and they
    // neither add nor remove anything.
    int16_t flush();

   private:
    friend class GroupTable;
    Update(GroupTable* table, std::shared_ptr<GroupEntry> entry, std::unique_lock<std::mutex> write_lock,
           std::unique_lock<std::mutex> state_lock);

    GroupTable* table_ = nullptr;
    std::shared_ptr<GroupEntry> entry_;
    std::unique_lock<std::mutex> write_lock_;
    std::unique_lock<std::mutex> state_lock_;
    GroupWrites writes_;
    bool wake_ = false;
  };

  // An operation that stores nothing: holds state_mu only.
  class Access {
   public:
    Access() = default;
    explicit operator bool() const { return entry_ != nullptr; }
    GroupEntry& operator*() const { return *entry_; }
    GroupEntry* operator->() const { return entry_.get(); }

   private:
    friend class GroupTable;
    std::shared_ptr<GroupEntry> entry_;
    std::unique_lock<std::mutex> lock_;
  };

  // The group `group_id`, created (vacant) when `create`; empty when it does not exist.
  // Waits for an Update of the same group in progress, never for other groups.
  Update update(const std::string& group_id, bool create);
  // `entry` (from entries()), waiting for an Update of it in progress; empty once dropped.
  Update update(const std::shared_ptr<GroupEntry>& entry);
  // The same without waiting: empty while another Update of the group runs (sweeps skip it).
  Update try_update(const std::shared_ptr<GroupEntry>& entry);
  Access access(const std::string& group_id);
  Access access(const std::shared_ptr<GroupEntry>& entry);
  // Every entry now (some may be vacant or dropped by the time they are locked).
  std::vector<std::shared_ptr<GroupEntry>> entries() const;

 private:
  std::shared_ptr<GroupEntry> find(const std::string& group_id, bool create);
  void drop(GroupEntry& entry);  // REQUIRES: entry's write_mu_ and state_mu_ held

  std::shared_ptr<LogStore> store_;
  ChangeCallback on_change_;
  mutable std::mutex map_mu_;
  std::map<std::string, std::shared_ptr<GroupEntry>> entries_;
};

}  // namespace chronik::broker::group
