// Every transactional id with its own locks, as group/group_table.h keeps groups: the unit of
// locking is one transactional id.
//
// An entry has two mutexes:
//   write_mu  held by every operation that may change what is stored for the id (an
//             Update), from before it reads the metadata until its record is written;
//   state_mu  guards the metadata; an Update releases it while it writes (persist()), so
//             that ListTransactions, DescribeTransactions and the marker worker's reads
//             (an Access) never wait for an fsync.
// No lock is held across ids: the table's map mutex only finds, adds and drops entries.
// Lock order: write_mu, then state_mu, then the map mutex.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "broker/log/log_store.h"
#include "broker/txn/transaction_metadata.h"

namespace chronik::broker::txn {

class TxnEntry {
 public:
  explicit TxnEntry(std::string transactional_id) : id(std::move(transactional_id)) { meta.transactional_id = id; }

  const std::string id;
  TransactionMetadata meta;
  // Whether the store holds a record of it; an entry an operation made and never stored is
  // forgotten when that operation ends.
  bool stored = false;

 private:
  friend class TxnTable;
  std::mutex write_mu_;
  std::mutex state_mu_;
  bool dropped_ = false;  // guarded by state_mu_
};

class TxnTable {
 public:
  explicit TxnTable(std::shared_ptr<LogStore> store) : store_(std::move(store)) {}
  LogStore& store() { return *store_; }

  class Update {
   public:
    Update() = default;
    Update(Update&&) = default;
    Update& operator=(Update&&) = delete;
    ~Update();

    explicit operator bool() const { return entry_ != nullptr; }
    TxnEntry& operator*() const { return *entry_; }
    TxnEntry* operator->() const { return entry_.get(); }

    // Stores `next` durably (a synced write, state_mu released meanwhile); once stored it is
    // the entry's metadata. A Kafka error code (KAFKA_STORAGE_ERROR: nothing changed).
    int16_t persist(const TransactionMetadata& next);
    // Erases the id's record (synced) and forgets the id. A Kafka error code.
    int16_t remove();

   private:
    friend class TxnTable;
    TxnTable* table_ = nullptr;
    std::shared_ptr<TxnEntry> entry_;
    std::unique_lock<std::mutex> write_lock_;
    std::unique_lock<std::mutex> state_lock_;
  };

  class Access {
   public:
    Access() = default;
    explicit operator bool() const { return entry_ != nullptr; }
    const TxnEntry& operator*() const { return *entry_; }
    const TxnEntry* operator->() const { return entry_.get(); }
    // For the marker worker: what it changes is memory only (partitions already marked).
    TxnEntry& mutable_entry() const { return *entry_; }

   private:
    friend class TxnTable;
    std::shared_ptr<TxnEntry> entry_;
    std::unique_lock<std::mutex> lock_;
  };

  // The id's entry, made (not stored) when `create`; empty when it does not exist.
  Update update(const std::string& transactional_id, bool create);
  Update update(const std::shared_ptr<TxnEntry>& entry);
  // Without waiting: empty while another Update of the id runs (sweeps skip it).
  Update try_update(const std::shared_ptr<TxnEntry>& entry);
  Access access(const std::string& transactional_id);
  Access access(const std::shared_ptr<TxnEntry>& entry);
  std::vector<std::shared_ptr<TxnEntry>> entries() const;
  // At start-up: an entry for a stored record.
  void restore(TransactionMetadata meta);

 private:
  std::shared_ptr<TxnEntry> find(const std::string& transactional_id, bool create);
  void drop(TxnEntry& entry);  // REQUIRES: the entry's write_mu_ and state_mu_ held

  std::shared_ptr<LogStore> store_;
  mutable std::mutex map_mu_;
  std::map<std::string, std::shared_ptr<TxnEntry>> entries_;
};

}  // namespace chronik::broker::txn
