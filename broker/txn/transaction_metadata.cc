#include "broker/txn/transaction_metadata.h"

#include <array>

#include "generated/state/transaction_state_value.h"
#include "runtime/wire/reader.h"
#include "runtime/wire/writer.h"

namespace chronik::broker::txn {
namespace {

constexpr std::array<std::string_view, 8> kNames = {
    "Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead", "PrepareEpochFence"};

}  // namespace

std::string_view state_name(TxnState state) {
  const auto i = static_cast<size_t>(state);
  return i < kNames.size() ? kNames[i] : "Unknown";
}

std::optional<TxnState> state_from_name(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<TxnState>(i);
  return std::nullopt;
}

std::string txn_record_key(const std::string& transactional_id) {
  return std::string(kTxnRecordPrefix) + transactional_id;
}

std::string encode_txn_record(const TransactionMetadata& m) {
  state::TransactionStateValue v;
  v.transactional_id = m.transactional_id;
  v.producer_id = m.producer_id;
  v.producer_epoch = m.producer_epoch;
  v.last_producer_id = m.last_producer_id;
  v.last_producer_epoch = m.last_producer_epoch;
  v.transaction_timeout_ms = m.timeout_ms;
  v.state = static_cast<int8_t>(m.state);
  for (const auto& tp : m.partitions) {
    if (v.partitions.empty() || v.partitions.back().topic != tp.topic) v.partitions.emplace_back().topic = tp.topic;
    v.partitions.back().partitions.push_back(tp.partition);
  }
  v.start_timestamp_ms = m.start_ms;
  v.last_update_timestamp_ms = m.last_update_ms;
  v.next_producer_id = m.next_producer_id;
  v.client_transaction_version = m.client_txn_version;
  wire::Writer w;
  v.encode(w, 0);
  auto bytes = std::move(w).take_bytes();
  return std::string(bytes.begin(), bytes.end());
}

std::optional<TransactionMetadata> decode_txn_record(std::string_view key, std::string_view value) {
  if (key.substr(0, kTxnRecordPrefix.size()) != kTxnRecordPrefix) return std::nullopt;
  state::TransactionStateValue v;
  try {
    wire::Reader r(reinterpret_cast<const uint8_t*>(value.data()), value.size());
    v.decode(r, 0);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (v.state < 0 || v.state > static_cast<int8_t>(TxnState::kPrepareEpochFence)) return std::nullopt;
  TransactionMetadata m;
  m.transactional_id = std::string(key.substr(kTxnRecordPrefix.size()));
  m.producer_id = v.producer_id;
  m.producer_epoch = v.producer_epoch;
  m.last_producer_id = v.last_producer_id;
  m.last_producer_epoch = v.last_producer_epoch;
  m.timeout_ms = v.transaction_timeout_ms;
  m.state = static_cast<TxnState>(v.state);
  for (const auto& t : v.partitions)
    for (int32_t p : t.partitions) m.partitions.insert(TopicPartition{t.topic, p});
  m.start_ms = v.start_timestamp_ms;
  m.last_update_ms = v.last_update_timestamp_ms;
  m.next_producer_id = v.next_producer_id;
  m.client_txn_version = v.client_transaction_version;
  return m;
}

}  // namespace chronik::broker::txn
