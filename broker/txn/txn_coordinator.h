// The transaction coordinator (KIP-98, KIP-360, KIP-447): on a single node this broker
// coordinates every transactional id. What the handlers call:
//
//   init_producer_id  InitProducerId with a transactional id: a producer id and epoch,
//                     fencing the previous holder of the id
//   add_partitions    AddPartitionsToTxn, and AddOffsetsToTxn (a group's offsets count as
//                     the __consumer_offsets partition of the group, as in Kafka)
//   commit_offsets    TxnOffsetCommit: checks that the group is in the transaction (KIP-890
//                     part 1, which Kafka 3.9 does for every transactional offset commit),
//                     then lets the group store the offsets, both under the id's lock
//   end_txn           EndTxn: PrepareCommit/PrepareAbort stored, then answered; the markers
//                     follow on the coordinator's own thread (below)
//   verify_partitions AddPartitionsToTxn v4+ with verify_only (KIP-890 part 1)
//   list, describe    ListTransactions, DescribeTransactions
//
// Transactions v2 (KIP-890 part 2, transaction.version 2), which a producer uses through the
// versions of its requests (EndTxn v5+, Produce v12+, TxnOffsetCommit v5+), beside v1 for the
// producers that do not: every EndTxn bumps the producer's epoch (the markers carry the
// bumped epoch, so that they fence the transaction's own late writes) and answers the new
// epoch, or a new producer id at epoch 0 when the bump exhausts the epoch; Produce and
// TxnOffsetCommit add their partition to the transaction themselves (no AddPartitionsToTxn,
// no AddOffsetsToTxn); EndTxn ABORT may end a transaction nothing joined (an epoch bump).
//
// Ending a transaction, as Kafka: the Prepare state is stored (synced) and the client is
// answered; the marker thread then writes a COMMIT or ABORT marker into every partition of
// the transaction (TxnMarkerWriter), commits or drops the offsets the transaction holds in
// the groups, and stores CompleteCommit/CompleteAbort. Until then the id answers
// CONCURRENT_TRANSACTIONS to whatever would start a new transaction. A write that fails is
// tried again (with a back-off) until it succeeds; a restart finds Prepare states in the
// store and finishes them (load()).
//
// Time is passed in by the caller (tests drive it); tick() aborts transactions past their
// timeout (fencing the producer: the abort's epoch is bumped) and expires idle ids
// (transactional.id.expiration.ms). Every method is thread-safe; operations on different ids
// never wait for each other.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "broker/config/broker_config.h"
#include "broker/group/group_coordinator.h"
#include "broker/log/log_store.h"
#include "broker/txn/transaction_metadata.h"
#include "broker/txn/txn_markers.h"
#include "broker/txn/txn_table.h"

namespace chronik::broker::txn {

class TxnCoordinator {
 public:
  using ConfigSource = std::function<std::shared_ptr<const config::BrokerConfig>()>;
  // A producer id never handed out before (Broker::allocate_producer_id).
  using ProducerIdSource = std::function<int64_t()>;
  using Clock = std::function<int64_t()>;

  // `groups` may be null (no offsets in transactions then); `markers` and `groups` must
  // outlive the coordinator. `clock` is the marker thread's time (now_ms in the broker).
  TxnCoordinator(std::shared_ptr<LogStore> store, ConfigSource config, ProducerIdSource producer_ids,
                 TxnMarkerWriter& markers, group::GroupCoordinator* groups, Clock clock);
  // Stops the marker thread (what it had not finished is finished after the next start).
  ~TxnCoordinator();

  // Restores every transactional id from the store; those in PrepareCommit/PrepareAbort
  // are queued for their markers, Ongoing ones keep their start time and timeout.
  void load(int64_t now_ms);
  // Starts the marker thread. Without it (tests), complete_pending() does its work.
  void start();

  struct ProducerIdAndEpoch {
    int64_t producer_id = -1;
    int16_t epoch = -1;
  };
  struct InitResult {
    int16_t error = 0;
    int64_t producer_id = -1;
    int16_t producer_epoch = -1;
  };
  // REQUIRES: a non-empty transactional id. PRODUCER_FENCED is Kafka's error for every
  // version; the handler answers INVALID_PRODUCER_EPOCH to clients too old for it.
  InitResult init_producer_id(const std::string& transactional_id, int32_t timeout_ms,
                              const std::optional<ProducerIdAndEpoch>& expected, int64_t now_ms);
  // Adds the partitions to the producer's transaction, starting one if none is ongoing.
  // `client_txn_version` is the transaction version of the request (2 from Produce v12+ and
  // TxnOffsetCommit v5+, which add their partitions themselves). `while_locked`, when given,
  // runs after a successful add under the id's lock, so that the transaction cannot end
  // between the add and what it does (Produce appends its batches there).
  int16_t add_partitions(const std::string& transactional_id, int64_t producer_id, int16_t producer_epoch,
                         const std::vector<TopicPartition>& partitions, int64_t now_ms,
                         int8_t client_txn_version = 0, const std::function<void()>& while_locked = {});
  // AddPartitionsToTxn v4+ with verify_only (KIP-890 part 1): whether each partition is in the
  // producer's ongoing transaction, changing nothing. One error per partition, in order:
  // NONE, TRANSACTION_ABORTABLE (not in it), or the producer's error for all of them
  // (INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED, CONCURRENT_TRANSACTIONS).
  // `while_locked`, when given, is called with those errors under the id's lock, so that the
  // transaction cannot end between the check and what the caller does for the partitions
  // that passed it (Produce v3-11 appends their batches there: KIP-890 part 1's verification).
  std::vector<int16_t> verify_partitions(
      const std::string& transactional_id, int64_t producer_id, int16_t producer_epoch,
      const std::vector<TopicPartition>& partitions,
      const std::function<void(const std::vector<int16_t>&)>& while_locked = {});
  int16_t add_offsets(const std::string& transactional_id, int64_t producer_id, int16_t producer_epoch,
                      const std::string& group_id, int64_t now_ms);
  // When the group's offsets partition is in the producer's ongoing transaction, calls
  // `store` (which stores the offsets as pending in the group) and returns what it returns;
  // else INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED, CONCURRENT_TRANSACTIONS or
  // TRANSACTION_ABORTABLE (not added), as Kafka's verification answers. `store` runs under
  // the id's lock, so that the transaction cannot end between the check and the store
  // (offsets stored after the transaction's end would wait for an end that never comes).
  // With `client_txn_version` 2 (TxnOffsetCommit v5+) the group's offsets partition is added
  // to the transaction first, as AddOffsetsToTxn would.
  int16_t commit_offsets(const std::string& transactional_id, int64_t producer_id, int16_t producer_epoch,
                         const std::string& group_id, const std::function<int16_t()>& store,
                         int8_t client_txn_version = 0, int64_t now_ms = 0);
  // EndTxn of transactions v1 (v0-4): a Kafka error code.
  int16_t end_txn(const std::string& transactional_id, int64_t producer_id, int16_t producer_epoch, bool commit,
                  int64_t now_ms);
  struct EndResult {
    int16_t error = 0;
    // What the producer continues with (EndTxn v5+): after a v2 end, the bumped epoch, or a new
    // producer id at epoch 0; -1 on errors.
    int64_t producer_id = -1;
    int16_t producer_epoch = -1;
  };
  // EndTxn at the request's transaction version: v1 as end_txn, v2 (EndTxn v5+) as Kafka 4.x:
  // the epoch is bumped at every end; a retry names the epoch before the bump (answered NONE
  // with the bumped one); ABORT without an ongoing transaction bumps the epoch too.
  EndResult end_transaction(const std::string& transactional_id, int64_t producer_id, int16_t producer_epoch,
                            bool commit, int64_t now_ms, int8_t client_txn_version);

  // Waits up to `max_wait_ms` while the id's last transaction is still writing its markers:
  // true once it is not (a Produce v12 that found it so adds its partitions again, as Kafka
  // 4.x retries inside the broker for add.partitions.to.txn.retry.backoff.max.ms before it
  // answers CONCURRENT_TRANSACTIONS).
  bool await_markers(const std::string& transactional_id, int64_t max_wait_ms);

  // The transaction.version this broker has finalized: the version of the aborts the
  // coordinator does on its own (a timeout, a new producer fencing an ongoing transaction).
  // Without it, 0.
  void set_transaction_version(std::function<int16_t()> level) { transaction_version_ = std::move(level); }

  // What the coordinator has done since the broker started (the admin endpoint's metrics).
  struct Counters {
    std::atomic<int64_t> committed{0};   // transactions ended committed (markers all written)
    std::atomic<int64_t> aborted{0};     // ended aborted, by the producer, a timeout or a fence
    std::atomic<int64_t> timed_out{0};   // aborted by the coordinator past their timeout
    std::atomic<int64_t> fenced{0};      // ongoing transactions aborted by a new producer of the id
    std::atomic<int64_t> markers{0};     // COMMIT/ABORT markers written into partitions
  };
  const Counters& counters() const { return counters_; }

  // Copies; describe is nullopt for an id the coordinator does not know.
  std::optional<TransactionMetadata> describe(const std::string& transactional_id);
  std::vector<TransactionMetadata> list();

  // Aborts transactions past their timeout (every
  // transaction.abort.timed.out.transaction.cleanup.interval.ms) and removes ids idle for
  // transactional.id.expiration.ms.
  void tick(int64_t now_ms);
  // Does the marker thread's work once, here: ends every transaction whose markers are due.
  // Returns how many still wait (a write failed). For tests that run without start().
  size_t complete_pending(int64_t now_ms);

  // The __consumer_offsets partition Kafka keeps `group_id` in.
  int32_t offsets_partition_for(const std::string& group_id) const;

 private:
  // Fences the producer of an Ongoing transaction: PrepareAbort at a bumped epoch, stored,
  // then queued. A Kafka error code.
  int16_t fence_and_abort(TxnTable::Update& u, int64_t now_ms);
  int16_t prepare_end(TxnTable::Update& u, bool commit, int64_t now_ms);
  // Transactions v2: PrepareCommit/PrepareAbort at the bumped epoch (and the next producer id
  // when the epoch is exhausted), stored and queued.
  EndResult prepare_end_v2(TxnTable::Update& u, bool commit, bool nothing_added, int64_t now_ms);
  EndResult end_transaction_v2(const std::string& transactional_id, int64_t producer_id, int16_t producer_epoch,
                               bool commit, int64_t now_ms);
  // Writes what is left of one transaction's end; true once it is complete (or gone).
  bool complete_one(const std::string& transactional_id, int64_t now_ms);
  void enqueue(const std::string& transactional_id);
  void run_markers();
  int32_t max_timeout_ms() const;

  TxnTable table_;
  ConfigSource config_;
  ProducerIdSource producer_ids_;
  TxnMarkerWriter& markers_;
  group::GroupCoordinator* groups_;
  Clock clock_;
  std::function<int16_t()> transaction_version_ = [] { return int16_t{0}; };
  Counters counters_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::string> queue_;  // ids whose markers are due, each once
  std::set<std::string> queued_;
  bool stopping_ = false;
  std::thread worker_;

  // Counts transactions whose end the marker work completed, for await_markers.
  std::mutex ended_mu_;
  std::condition_variable ended_cv_;
  uint64_t ended_ = 0;  // guarded by ended_mu_
  void notify_ended();

  std::mutex tick_mu_;
  int64_t next_abort_check_ms_ = 0;  // guarded by tick_mu_
};

}  // namespace chronik::broker::txn
