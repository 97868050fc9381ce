#include "broker/txn/txn_coordinator.h"

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "broker/config/loggers.h"
#include "broker/log/topic_names.h"

namespace chronik::broker::txn {
namespace {

int16_t E(ErrorCode c) { return err(c); }

spdlog::logger& logger() { return ::chronik::config::named_logger("chronik.txn"); }

// One coordinator for the life of the data: markers carry a constant coordinator epoch.
constexpr int32_t kCoordinatorEpoch = 0;
// How long the marker thread waits before trying a failed write again.
constexpr std::chrono::milliseconds kRetryBackoff{200};

bool is_offsets_partition(const TopicPartition& tp) { return tp.topic == log::kConsumerOffsetsTopic; }

bool takes_new_transaction(TxnState s) {
  return s == TxnState::kEmpty || s == TxnState::kCompleteCommit || s == TxnState::kCompleteAbort;
}

// Java's String.hashCode over the UTF-16 code units of a UTF-8 string (Kafka's partitionFor).
int32_t java_string_hash(const std::string& s) {
  uint32_t h = 0;
  auto add = [&h](uint32_t unit) { h = 31 * h + unit; };
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<uint8_t>(s[i]);
    uint32_t cp = c;
    size_t len = 1;
    if (c >= 0xF0 && i + 3 < s.size()) {
      cp = (c & 0x07u) << 18 | (static_cast<uint8_t>(s[i + 1]) & 0x3Fu) << 12 |
           (static_cast<uint8_t>(s[i + 2]) & 0x3Fu) << 6 | (static_cast<uint8_t>(s[i + 3]) & 0x3Fu);
      len = 4;
    } else if (c >= 0xE0 && i + 2 < s.size()) {
      cp = (c & 0x0Fu) << 12 | (static_cast<uint8_t>(s[i + 1]) & 0x3Fu) << 6 | (static_cast<uint8_t>(s[i + 2]) & 0x3Fu);
      len = 3;
    } else if (c >= 0xC0 && i + 1 < s.size()) {
      cp = (c & 0x1Fu) << 6 | (static_cast<uint8_t>(s[i + 1]) & 0x3Fu);
      len = 2;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      add(0xD800 + (cp >> 10));
      add(0xDC00 + (cp & 0x3FF));
    } else {
      add(cp);
    }
    i += len;
  }
  return static_cast<int32_t>(h);
}

}  // namespace

TxnCoordinator::TxnCoordinator(std::shared_ptr<LogStore> store, ConfigSource config, ProducerIdSource producer_ids,
                               TxnMarkerWriter& markers, group::GroupCoordinator* groups, Clock clock)
    : table_(std::move(store)),
      config_(std::move(config)),
      producer_ids_(std::move(producer_ids)),
      markers_(markers),
      groups_(groups),
      clock_(std::move(clock)) {}

TxnCoordinator::~TxnCoordinator() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

int32_t TxnCoordinator::max_timeout_ms() const { return config_()->get_int("transaction.max.timeout.ms"); }

int32_t TxnCoordinator::offsets_partition_for(const std::string& group_id) const {
  const int32_t partitions = std::max(1, config_()->get_int("offsets.topic.num.partitions"));
  const int32_t h = java_string_hash(group_id);
  const int32_t abs = h == INT32_MIN ? 0 : (h < 0 ? -h : h);  // Kafka's Utils.abs
  return abs % partitions;
}

// --- InitProducerId ----------------------------------------------------------------------

TxnCoordinator::InitResult TxnCoordinator::init_producer_id(const std::string& transactional_id, int32_t timeout_ms,
                                                            const std::optional<ProducerIdAndEpoch>& expected,
                                                            int64_t now_ms) {
  InitResult r;
  if (timeout_ms <= 0 || timeout_ms > max_timeout_ms()) {
    r.error = E(ErrorCode::INVALID_TRANSACTION_TIMEOUT);
    return r;
  }
  auto u = table_.update(transactional_id, /*create=*/true);
  TransactionMetadata& m = u->meta;
  if (!u->stored && m.producer_id < 0) {  // a new id: its producer id, no epoch yet
    m.producer_id = producer_ids_();
    m.timeout_ms = timeout_ms;
    m.last_update_ms = now_ms;
  }
  if (expected) {
    // KIP-360: a producer recovering names its id and epoch. It is fenced unless the id is
    // new, names the current producer id, or names the previous one with an exhausted epoch
    // (a retry of the rotation whose answer it lost).
    const bool known = m.producer_epoch == -1 || expected->producer_id == m.producer_id ||
                       (expected->producer_id == m.last_producer_id && epoch_exhausted(expected->epoch));
    if (!known) {
      r.error = E(ErrorCode::PRODUCER_FENCED);
      return r;
    }
  }
  if (m.preparing()) {
    r.error = E(ErrorCode::CONCURRENT_TRANSACTIONS);
    return r;
  }
  if (m.state == TxnState::kOngoing) {
    // The previous producer's transaction is aborted first, at a bumped epoch that fences
    // it; this producer retries and gets the epoch after that.
    logger().info("transactional id {}: a new producer fences producer id {} epoch {}, aborting its transaction",
                  transactional_id, m.producer_id, m.producer_epoch);
    const int16_t e = fence_and_abort(u, now_ms);
    if (!e) ++counters_.fenced;
    r.error = e ? e : E(ErrorCode::CONCURRENT_TRANSACTIONS);
    return r;
  }
  TransactionMetadata next = m;
  if (epoch_exhausted(m.producer_epoch) && (!expected || expected->epoch == m.producer_epoch)) {
    next.last_producer_id = m.producer_id;
    next.producer_id = producer_ids_();
    next.producer_epoch = 0;
    next.last_producer_epoch = expected ? m.producer_epoch : -1;
  } else if (!expected) {
    next.producer_epoch = static_cast<int16_t>(m.producer_epoch + 1);
    next.last_producer_epoch = -1;
  } else if (m.producer_epoch == -1 || expected->epoch == m.producer_epoch) {
    next.producer_epoch = static_cast<int16_t>(m.producer_epoch + 1);
    next.last_producer_epoch = m.producer_epoch;
  } else if (expected->epoch != m.last_producer_epoch) {
    r.error = E(ErrorCode::PRODUCER_FENCED);
    return r;
  }  // else the retry of a bump whose answer was lost: the same epoch again
  next.state = TxnState::kEmpty;
  next.timeout_ms = timeout_ms;
  next.partitions.clear();
  next.start_ms = -1;
  next.last_update_ms = now_ms;
  if (u.persist(next)) {
    r.error = E(ErrorCode::NOT_COORDINATOR);  // Kafka's answer when its log append fails
    return r;
  }
  logger().debug("transactional id {}: producer id {} epoch {}", transactional_id, next.producer_id,
                 next.producer_epoch);
  r.producer_id = next.producer_id;
  r.producer_epoch = next.producer_epoch;
  return r;
}

int16_t TxnCoordinator::fence_and_abort(TxnTable::Update& u, int64_t now_ms) {
  TransactionMetadata next = u->meta;
  if (next.producer_epoch < INT16_MAX) next.producer_epoch = static_cast<int16_t>(next.producer_epoch + 1);
  next.last_producer_epoch = -1;
  next.state = TxnState::kPrepareAbort;
  next.last_update_ms = now_ms;
  // The bumped epoch is the same at either transaction version; at v2 (the broker's own
  // level decides, as in Kafka) it is kept as the last epoch too.
  if (transaction_version_() >= kTransactionsV2) {
    next.client_txn_version = kTransactionsV2;
    next.last_producer_epoch = u->meta.producer_epoch;
  }
  next.next_producer_id = -1;
  if (u.persist(next)) return E(ErrorCode::NOT_COORDINATOR);
  enqueue(u->id);
  return 0;
}

// --- AddPartitionsToTxn, AddOffsetsToTxn --------------------------------------------------

int16_t TxnCoordinator::add_partitions(const std::string& transactional_id, int64_t producer_id,
                                       int16_t producer_epoch, const std::vector<TopicPartition>& partitions,
                                       int64_t now_ms, int8_t client_txn_version,
                                       const std::function<void()>& while_locked) {
  auto u = table_.update(transactional_id, /*create=*/false);
  if (!u || !u->stored) return E(ErrorCode::INVALID_PRODUCER_ID_MAPPING);
  const TransactionMetadata& m = u->meta;
  // Transactions v2 look at an ending transaction first, as Kafka 4.x: the producer may
  // already use the producer id its end moves to.
  if (client_txn_version >= kTransactionsV2 && m.preparing()) return E(ErrorCode::CONCURRENT_TRANSACTIONS);
  if (m.producer_id != producer_id) return E(ErrorCode::INVALID_PRODUCER_ID_MAPPING);
  if (m.producer_epoch != producer_epoch) return E(ErrorCode::PRODUCER_FENCED);
  if (m.preparing()) return E(ErrorCode::CONCURRENT_TRANSACTIONS);
  const bool all_in = std::all_of(partitions.begin(), partitions.end(),
                                  [&m](const TopicPartition& tp) { return m.partitions.count(tp) > 0; });
  if (m.state != TxnState::kOngoing || !all_in) {
    TransactionMetadata next = m;
    if (takes_new_transaction(m.state)) next.start_ms = now_ms;
    next.state = TxnState::kOngoing;
    next.partitions.insert(partitions.begin(), partitions.end());
    next.last_update_ms = now_ms;
    next.client_txn_version = client_txn_version;
    if (u.persist(next)) return E(ErrorCode::NOT_COORDINATOR);
  }
  if (while_locked) while_locked();
  return 0;
}

std::vector<int16_t> TxnCoordinator::verify_partitions(
    const std::string& transactional_id, int64_t producer_id, int16_t producer_epoch,
    const std::vector<TopicPartition>& partitions, const std::function<void(const std::vector<int16_t>&)>& while_locked) {
  auto a = table_.access(transactional_id);
  std::vector<int16_t> out;
  auto all = [&](ErrorCode c) { out.assign(partitions.size(), E(c)); };
  if (!a || !a->stored || a->meta.producer_id != producer_id) {
    all(ErrorCode::INVALID_PRODUCER_ID_MAPPING);
  } else if (a->meta.producer_epoch != producer_epoch) {
    all(ErrorCode::PRODUCER_FENCED);
  } else if (a->meta.preparing()) {
    all(ErrorCode::CONCURRENT_TRANSACTIONS);
  } else {
    for (const auto& tp : partitions)
      out.push_back(a->meta.partitions.count(tp) ? int16_t{0} : E(ErrorCode::TRANSACTION_ABORTABLE));
  }
  if (while_locked) while_locked(out);
  return out;
}

int16_t TxnCoordinator::add_offsets(const std::string& transactional_id, int64_t producer_id, int16_t producer_epoch,
                                    const std::string& group_id, int64_t now_ms) {
  const TopicPartition tp{std::string(log::kConsumerOffsetsTopic), offsets_partition_for(group_id)};
  return add_partitions(transactional_id, producer_id, producer_epoch, {tp}, now_ms);
}

int16_t TxnCoordinator::commit_offsets(const std::string& transactional_id, int64_t producer_id,
                                       int16_t producer_epoch, const std::string& group_id,
                                       const std::function<int16_t()>& store, int8_t client_txn_version,
                                       int64_t now_ms) {
  const TopicPartition tp{std::string(log::kConsumerOffsetsTopic), offsets_partition_for(group_id)};
  if (client_txn_version >= kTransactionsV2) {
    // KIP-890 part 2: the commit adds the group's offsets partition itself.
    int16_t stored = 0;
    const int16_t e = add_partitions(transactional_id, producer_id, producer_epoch, {tp}, now_ms, client_txn_version,
                                     [&] { stored = store(); });
    return e ? e : stored;
  }
  auto u = table_.update(transactional_id, /*create=*/false);
  if (!u || !u->stored) return E(ErrorCode::INVALID_PRODUCER_ID_MAPPING);
  const TransactionMetadata& m = u->meta;
  if (m.producer_id != producer_id) return E(ErrorCode::INVALID_PRODUCER_ID_MAPPING);
  if (m.producer_epoch != producer_epoch) return E(ErrorCode::PRODUCER_FENCED);
  if (m.preparing()) return E(ErrorCode::CONCURRENT_TRANSACTIONS);
  if (m.state != TxnState::kOngoing || !m.partitions.count(tp)) return E(ErrorCode::TRANSACTION_ABORTABLE);
  return store();
}

// --- EndTxn ------------------------------------------------------------------------------

int16_t TxnCoordinator::end_txn(const std::string& transactional_id, int64_t producer_id, int16_t producer_epoch,
                                bool commit, int64_t now_ms) {
  auto u = table_.update(transactional_id, /*create=*/false);
  if (!u || !u->stored) return E(ErrorCode::INVALID_PRODUCER_ID_MAPPING);
  const TransactionMetadata& m = u->meta;
  if (m.producer_id != producer_id) return E(ErrorCode::INVALID_PRODUCER_ID_MAPPING);
  if (m.producer_epoch != producer_epoch) return E(ErrorCode::PRODUCER_FENCED);
  const int16_t invalid = E(ErrorCode::INVALID_TXN_STATE);
  switch (m.state) {
    case TxnState::kOngoing:
      return prepare_end(u, commit, now_ms);
    // A retry of an EndTxn that completed, or is completing: the same answer again.
    case TxnState::kCompleteCommit:
      return commit ? 0 : invalid;
    case TxnState::kCompleteAbort:
      return commit ? invalid : 0;
    case TxnState::kPrepareCommit:
      return commit ? E(ErrorCode::CONCURRENT_TRANSACTIONS) : invalid;
    case TxnState::kPrepareAbort:
      return commit ? invalid : E(ErrorCode::CONCURRENT_TRANSACTIONS);
    default:
      return invalid;  // Empty: no transaction to end
  }
}

TxnCoordinator::EndResult TxnCoordinator::end_transaction(const std::string& transactional_id, int64_t producer_id,
                                                          int16_t producer_epoch, bool commit, int64_t now_ms,
                                                          int8_t client_txn_version) {
  if (client_txn_version >= kTransactionsV2)
    return end_transaction_v2(transactional_id, producer_id, producer_epoch, commit, now_ms);
  EndResult r;
  r.error = end_txn(transactional_id, producer_id, producer_epoch, commit, now_ms);
  if (r.error == 0) {
    r.producer_id = producer_id;
    r.producer_epoch = producer_epoch;
  }
  return r;
}

// Kafka 4.x's rules for an EndTxn of transactions v2. The epoch the request names tells a new
// end (the current epoch) from a retry of one that was answered already (the epoch before
// its bump, or the last epoch of the producer id an exhausted epoch moved from):
//
//                    ABORT                       COMMIT
//                    retry       current         retry       current
//   Empty            FENCED      bump            FENCED      INVALID_TXN_STATE
//   CompleteAbort    NONE        bump            INVALID     INVALID_TXN_STATE
//   CompleteCommit   INVALID     bump            NONE        INVALID_TXN_STATE
//
// Ongoing takes only the current epoch; PrepareCommit/PrepareAbort (the markers being
// written) answer CONCURRENT_TRANSACTIONS to anything.
TxnCoordinator::EndResult TxnCoordinator::end_transaction_v2(const std::string& transactional_id,
                                                             int64_t producer_id, int16_t producer_epoch, bool commit,
                                                             int64_t now_ms) {
  EndResult r;
  auto fail = [&r](ErrorCode c) {
    r.error = E(c);
    return r;
  };
  auto u = table_.update(transactional_id, /*create=*/false);
  if (!u || !u->stored) return fail(ErrorCode::INVALID_PRODUCER_ID_MAPPING);
  const TransactionMetadata& m = u->meta;
  // While its markers are written the end is still in progress (Kafka's pending transition),
  // whatever the request names: the producer retries. A v2 producer may already have begun
  // its next transaction at the bumped epoch (or the new producer id).
  if (m.preparing()) return fail(ErrorCode::CONCURRENT_TRANSACTIONS);
  const bool retry_on_overflow = m.last_producer_id == producer_id && producer_epoch == INT16_MAX - 1 &&
                                 m.producer_epoch == 0 && m.producer_id != producer_id;
  const bool retry_on_bump = m.producer_id == producer_id && m.producer_epoch == producer_epoch + 1;
  bool valid_epoch = false;
  switch (m.state) {
    case TxnState::kPrepareCommit:
    case TxnState::kPrepareAbort:
      valid_epoch = retry_on_bump;
      break;
    case TxnState::kCompleteCommit:
    case TxnState::kCompleteAbort:
      valid_epoch = retry_on_bump || retry_on_overflow || producer_epoch == m.producer_epoch;
      break;
    default:
      valid_epoch = producer_epoch == m.producer_epoch;
  }
  if (m.producer_id != producer_id && !retry_on_overflow) return fail(ErrorCode::INVALID_PRODUCER_ID_MAPPING);
  if (!valid_epoch) return fail(ErrorCode::PRODUCER_FENCED);
  const bool retry = retry_on_bump || retry_on_overflow;
  auto answered = [&] {  // the same answer as the end it retries
    r.producer_id = m.producer_id;
    r.producer_epoch = m.producer_epoch;
    return r;
  };
  switch (m.state) {
    case TxnState::kOngoing:
      return prepare_end_v2(u, commit, /*nothing_added=*/false, now_ms);
    case TxnState::kCompleteCommit:
      if (commit) return retry ? answered() : fail(ErrorCode::INVALID_TXN_STATE);
      return retry ? fail(ErrorCode::INVALID_TXN_STATE) : prepare_end_v2(u, false, true, now_ms);
    case TxnState::kCompleteAbort:
      if (commit) return fail(ErrorCode::INVALID_TXN_STATE);
      return retry ? answered() : prepare_end_v2(u, false, true, now_ms);
    case TxnState::kPrepareCommit:
      return fail(commit ? ErrorCode::CONCURRENT_TRANSACTIONS : ErrorCode::INVALID_TXN_STATE);
    case TxnState::kPrepareAbort:
      return fail(commit ? ErrorCode::INVALID_TXN_STATE : ErrorCode::CONCURRENT_TRANSACTIONS);
    case TxnState::kEmpty:
      return commit ? fail(ErrorCode::INVALID_TXN_STATE) : prepare_end_v2(u, false, true, now_ms);
    default:
      return fail(ErrorCode::INVALID_TXN_STATE);
  }
}

TxnCoordinator::EndResult TxnCoordinator::prepare_end_v2(TxnTable::Update& u, bool commit, bool nothing_added,
                                                         int64_t now_ms) {
  EndResult r;
  const TransactionMetadata& m = u->meta;
  if (m.producer_epoch == INT16_MAX) {  // taken by a fence: no producer holds it
    r.error = E(ErrorCode::PRODUCER_FENCED);
    return r;
  }
  TransactionMetadata next = m;
  // The bump below would exhaust the epoch: the producer continues with a new id at epoch 0
  // once the markers (at the last epoch of the old id) are written.
  next.next_producer_id = epoch_exhausted(m.producer_epoch) ? producer_ids_() : -1;
  next.producer_epoch = static_cast<int16_t>(m.producer_epoch + 1);
  next.last_producer_epoch = m.producer_epoch;
  next.state = commit ? TxnState::kPrepareCommit : TxnState::kPrepareAbort;
  next.client_txn_version = kTransactionsV2;
  if (nothing_added) {
    next.partitions.clear();
    next.start_ms = now_ms;
  }
  next.last_update_ms = now_ms;
  if (u.persist(next)) {
    r.error = E(ErrorCode::NOT_COORDINATOR);
    return r;
  }
  enqueue(u->id);
  r.producer_id = next.next_producer_id >= 0 ? next.next_producer_id : next.producer_id;
  r.producer_epoch = next.next_producer_id >= 0 ? int16_t{0} : next.producer_epoch;
  return r;
}

int16_t TxnCoordinator::prepare_end(TxnTable::Update& u, bool commit, int64_t now_ms) {
  TransactionMetadata next = u->meta;
  next.state = commit ? TxnState::kPrepareCommit : TxnState::kPrepareAbort;
  next.last_update_ms = now_ms;
  if (u.persist(next)) return E(ErrorCode::NOT_COORDINATOR);
  enqueue(u->id);
  return 0;
}

// --- Listing -----------------------------------------------------------------------------

std::optional<TransactionMetadata> TxnCoordinator::describe(const std::string& transactional_id) {
  auto a = table_.access(transactional_id);
  if (!a) return std::nullopt;
  return a->meta;
}

std::vector<TransactionMetadata> TxnCoordinator::list() {
  std::vector<TransactionMetadata> out;
  for (const auto& entry : table_.entries())
    if (auto a = table_.access(entry)) out.push_back(a->meta);
  return out;
}

// --- Timeouts and expiry -----------------------------------------------------------------

void TxnCoordinator::tick(int64_t now_ms) {
  std::lock_guard lock(tick_mu_);
  if (now_ms < next_abort_check_ms_) return;
  const auto cfg = config_();
  next_abort_check_ms_ = now_ms + cfg->get_long("transaction.abort.timed.out.transaction.cleanup.interval.ms");
  const int64_t expiration_ms = cfg->get_long("transactional.id.expiration.ms");
  for (const auto& entry : table_.entries()) {
    auto u = table_.try_update(entry);  // one being changed is looked at next time
    if (!u || !u->stored) continue;
    const TransactionMetadata& m = u->meta;
    if (m.state == TxnState::kOngoing && m.start_ms + m.timeout_ms < now_ms) {
      logger().info("transactional id {}: aborting the transaction of producer id {} epoch {}, past its timeout of {} ms",
                    m.transactional_id, m.producer_id, m.producer_epoch, m.timeout_ms);
      if (int16_t e = fence_and_abort(u, now_ms))
        logger().warn("transactional id {}: the timed-out transaction could not be aborted yet (error {})", u->id, e);
      else
        ++counters_.timed_out;
    } else if (takes_new_transaction(m.state) && now_ms - m.last_update_ms >= expiration_ms) {
      if (u.remove() == 0)
        logger().info("transactional id {} expired: unused for {} ms (transactional.id.expiration.ms)", u->id,
                      now_ms - u->meta.last_update_ms);
    }
  }
}

// --- Markers -----------------------------------------------------------------------------

void TxnCoordinator::enqueue(const std::string& transactional_id) {
  {
    std::lock_guard lock(queue_mu_);
    if (!queued_.insert(transactional_id).second) return;
    queue_.push_back(transactional_id);
  }
  queue_cv_.notify_all();
}

bool TxnCoordinator::complete_one(const std::string& transactional_id, int64_t now_ms) {
  TransactionMetadata snapshot;
  {
    auto a = table_.access(transactional_id);
    if (!a || !a->meta.preparing()) return true;
    snapshot = a->meta;
  }
  const bool commit = snapshot.state == TxnState::kPrepareCommit;
  bool failed = false, offsets = false;
  std::vector<TopicPartition> marked;
  for (const auto& tp : snapshot.partitions) {
    if (is_offsets_partition(tp)) {
      offsets = true;  // the groups' offsets: below
      continue;
    }
    const int16_t e = markers_.write_txn_marker(tp.topic, tp.partition, snapshot.producer_id, snapshot.producer_epoch,
                                                kCoordinatorEpoch, commit);
    if (e == 0) ++counters_.markers;
    if (e == 0 || e == E(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)) {
      marked.push_back(tp);  // written, or the topic is gone with what it held
    } else if (e == E(ErrorCode::INVALID_PRODUCER_EPOCH)) {
      // The partition knows a newer epoch of the producer: this transaction has nothing
      // left to end there.
      logger().warn("transactional id {}: {}-{} refused the marker of producer id {} epoch {} (a newer epoch wrote there)",
                    transactional_id, tp.topic, tp.partition, snapshot.producer_id, snapshot.producer_epoch);
      marked.push_back(tp);
    } else {
      failed = true;
    }
  }
  if (!marked.empty()) {
    // Not stored: after a restart every marker is written again, which ends nothing twice.
    if (auto a = table_.access(transactional_id)) {
      auto& m = a.mutable_entry().meta;
      if (m.producer_id == snapshot.producer_id && m.producer_epoch == snapshot.producer_epoch && m.preparing())
        for (const auto& tp : marked) m.partitions.erase(tp);
    }
  }
  if (failed) return false;

  auto u = table_.update(transactional_id, /*create=*/false);
  if (!u || !u->stored) return true;
  const TransactionMetadata& m = u->meta;
  if (!m.preparing() || m.producer_id != snapshot.producer_id || m.producer_epoch != snapshot.producer_epoch)
    return true;
  // Under the id's lock: no TxnOffsetCommit of this transaction runs now, and none after it
  // (the state is Prepare*), so none of its offsets is left behind.
  if (offsets && groups_ && groups_->complete_txn(snapshot.producer_id, commit)) return false;
  TransactionMetadata next = m;
  next.state = commit ? TxnState::kCompleteCommit : TxnState::kCompleteAbort;
  next.partitions.clear();
  next.last_update_ms = now_ms;
  if (m.client_txn_version >= kTransactionsV2 && m.next_producer_id >= 0) {
    // The epoch was exhausted: the markers went out at the old id's last epoch, and the
    // producer (told so by EndTxn) continues with the new id.
    next.last_producer_id = m.producer_id;
    next.producer_id = m.next_producer_id;
    next.producer_epoch = 0;
    logger().info("transactional id {}: producer id {} exhausted its epochs; the producer continues as producer id {}",
                  transactional_id, m.producer_id, next.producer_id);
  }
  next.next_producer_id = -1;
  if (u.persist(next)) return false;
  ++(commit ? counters_.committed : counters_.aborted);
  return true;
}

size_t TxnCoordinator::complete_pending(int64_t now_ms) {
  std::deque<std::string> batch;
  {
    std::lock_guard lock(queue_mu_);
    batch.swap(queue_);
    queued_.clear();
  }
  size_t waiting = 0;
  for (const auto& id : batch) {
    if (complete_one(id, now_ms)) {
      notify_ended();
      continue;
    }
    enqueue(id);
    ++waiting;
  }
  return waiting;
}

void TxnCoordinator::notify_ended() {
  {
    std::lock_guard lock(ended_mu_);
    ++ended_;
  }
  ended_cv_.notify_all();
}

bool TxnCoordinator::await_markers(const std::string& transactional_id, int64_t max_wait_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(max_wait_ms);
  for (;;) {
    uint64_t seen;
    {
      std::lock_guard lock(ended_mu_);
      seen = ended_;
    }
    {
      auto a = table_.access(transactional_id);
      if (!a || !a->meta.preparing()) return true;
    }
    std::unique_lock lock(ended_mu_);
    if (!ended_cv_.wait_until(lock, deadline, [&] { return ended_ != seen; })) return false;
  }
}

void TxnCoordinator::run_markers() {
  std::set<std::string> failing;  // warned about once each, until they succeed
  std::unique_lock lock(queue_mu_);
  while (!stopping_) {
    if (queue_.empty()) {
      queue_cv_.wait(lock);
      continue;
    }
    std::deque<std::string> batch;
    batch.swap(queue_);
    queued_.clear();
    lock.unlock();
    std::vector<std::string> retry;
    for (const auto& id : batch) {
      bool done = false;
      try {
        done = complete_one(id, clock_());
      } catch (const std::exception& e) {
        logger().error("transactional id {}: ending the transaction failed: {}", id, e.what());
      }
      if (done) {
        notify_ended();
        if (failing.erase(id)) logger().info("transactional id {}: transaction ended after earlier failures", id);
        continue;
      }
      if (failing.insert(id).second)
        logger().warn("transactional id {}: a transaction marker or its state could not be written; trying again", id);
      retry.push_back(id);
    }
    lock.lock();
    for (const auto& id : retry)
      if (queued_.insert(id).second) queue_.push_back(id);
    if (!retry.empty()) {
      const size_t retrying = queue_.size();
      queue_cv_.wait_for(lock, kRetryBackoff, [&] { return stopping_ || queue_.size() > retrying; });
    }
  }
}

void TxnCoordinator::start() { worker_ = std::thread([this] { run_markers(); }); }

// --- Start-up ----------------------------------------------------------------------------

void TxnCoordinator::load(int64_t now_ms) {
  (void)now_ms;
  size_t loaded = 0, bad = 0, unfinished = 0, ongoing = 0;
  for (const auto& [key, value] : table_.store().scan_meta(std::string(kTxnRecordPrefix))) {
    auto m = decode_txn_record(key, value);
    if (!m) {
      ++bad;
      continue;
    }
    const bool preparing = m->preparing();
    if (m->state == TxnState::kOngoing) ++ongoing;
    const std::string id = m->transactional_id;
    table_.restore(std::move(*m));
    ++loaded;
    if (preparing) {
      ++unfinished;
      enqueue(id);
    }
  }
  if (bad) logger().warn("{} stored transaction records do not decode and were ignored", bad);
  if (loaded)
    logger().info("loaded {} transactional ids: {} transactions ongoing, {} to finish writing their markers", loaded,
                  ongoing, unfinished);
}

}  // namespace chronik::broker::txn
