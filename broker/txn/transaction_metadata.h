// What the transaction coordinator knows about one transactional id (Kafka's
// TransactionMetadata), and how it is kept in the store's metadata keyspace
// ("txn/<transactional id>", value chronik::state::TransactionStateValue).
//
// The states and their order are Kafka's (KIP-98):
//
//   Empty --AddPartitions--> Ongoing --EndTxn--> PrepareCommit --markers--> CompleteCommit
//                                    \--EndTxn, timeout, fence--> PrepareAbort --markers--> CompleteAbort
//
// and Complete*/Empty take new transactions again. PrepareEpochFence is only ever a step
// inside one operation (an InitProducerId or a timeout that fences the producer turns an
// Ongoing transaction into PrepareAbort at a bumped epoch) and Dead only the moment an
// expired id is removed: neither is stored.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "broker/group/committed_offsets.h"

namespace chronik::broker::txn {

using group::TopicPartition;

enum class TxnState : int8_t {
  kEmpty = 0,
  kOngoing = 1,
  kPrepareCommit = 2,
  kPrepareAbort = 3,
  kCompleteCommit = 4,
  kCompleteAbort = 5,
  kDead = 6,
  kPrepareEpochFence = 7,
};

// Kafka's names ("Empty", "Ongoing", ...), as ListTransactions and DescribeTransactions say.
std::string_view state_name(TxnState state);
std::optional<TxnState> state_from_name(std::string_view name);

// An epoch that cannot be bumped once more: the producer id is rotated instead (KIP-360).
inline bool epoch_exhausted(int16_t epoch) { return epoch >= INT16_MAX - 1; }

// transaction.version 2: the producer's epoch is bumped at the end of every transaction.
constexpr int8_t kTransactionsV2 = 2;

struct TransactionMetadata {
  std::string transactional_id;
  int64_t producer_id = -1;
  int64_t last_producer_id = -1;   // before the last rotation
  int16_t producer_epoch = -1;     // -1: never initialized
  int16_t last_producer_epoch = -1;  // before the last InitProducerId bump, for its retries
  int32_t timeout_ms = 0;
  TxnState state = TxnState::kEmpty;
  // The partitions in the transaction; a group's offsets count as the __consumer_offsets
  // partition Kafka keeps that group in (AddOffsetsToTxn).
  std::set<TopicPartition> partitions;
  int64_t start_ms = -1;        // when the ongoing transaction began
  int64_t last_update_ms = -1;  // the last state change
  // Transactions v2 (KIP-890): the transaction version the producer's requests used for this
  // transaction (0: v1, 2: v2, which bumps the epoch at every end), and the producer id its
  // end moves to when the bump exhausts the epoch (-1: none).
  int8_t client_txn_version = 0;
  int64_t next_producer_id = -1;

  bool preparing() const { return state == TxnState::kPrepareCommit || state == TxnState::kPrepareAbort; }
};

constexpr std::string_view kTxnRecordPrefix = "txn/";

std::string txn_record_key(const std::string& transactional_id);
std::string encode_txn_record(const TransactionMetadata& m);
// nullopt when the record does not decode.
std::optional<TransactionMetadata> decode_txn_record(std::string_view key, std::string_view value);

}  // namespace chronik::broker::txn
