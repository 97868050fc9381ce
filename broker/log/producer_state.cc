#include "broker/log/producer_state.h"

#include <algorithm>
#include <charconv>
#include <climits>

#include "broker/log/batch_header.h"
#include "generated/state/producer_state_value.h"
#include "runtime/wire/reader.h"
#include "runtime/wire/writer.h"

namespace chronik::log {

ProducerBatch ProducerBatch::of(std::span<const uint8_t> first, std::span<const uint8_t> last) {
  const record::BatchHeader head = record::read_batch_header(first);
  const record::BatchHeader tail = record::read_batch_header(last);
  ProducerBatch b;
  b.producer_id = head.producer_id;
  b.epoch = head.producer_epoch;
  b.first_seq = head.base_sequence;
  b.last_seq = tail.base_sequence < 0 ? -1 : tail.last_sequence();  // wraps after INT32_MAX
  b.transactional = head.attributes.is_transactional();
  return b;
}

ProducerStateMap::Check ProducerStateMap::check(const ProducerBatch& batch) const {
  Check c;
  auto it = entries_.find(batch.producer_id);
  if (it == entries_.end()) return c;  // first batch of this producer here: any sequence
  const Entry& e = it->second;
  if (batch.epoch < e.epoch) {
    c.kind = Check::kFenced;
    return c;
  }
  // As Kafka, a producer whose transaction is open here may only write transactional batches
  // until a marker ends it (whatever the epoch: a new epoch does not end it).
  const bool txn_state_ok = batch.transactional || e.current_txn_first_offset < 0;
  if (batch.epoch > e.epoch) {
    if (batch.first_seq != 0) c.kind = Check::kOutOfOrder;
    else if (!txn_state_ok) c.kind = Check::kInvalidTxnState;
    return c;
  }
  for (const auto& r : e.recent) {
    if (r.first_seq == batch.first_seq && r.last_seq == batch.last_seq) {
      c.kind = Check::kDuplicate;
      c.duplicate_base_offset = r.base_offset;
      c.duplicate_last_offset = r.last_offset;
      return c;
    }
  }
  const int32_t last = e.recent.empty() ? -1 : e.recent.back().last_seq;
  const int32_t expected = last == INT32_MAX ? 0 : last + 1;
  if (batch.first_seq != expected) c.kind = Check::kOutOfOrder;
  else if (!txn_state_ok) c.kind = Check::kInvalidTxnState;
  return c;
}

ProducerStateMap::Check ProducerStateMap::check_marker(int64_t producer_id, int16_t epoch,
                                                       int32_t coordinator_epoch) const {
  Check c;
  const Entry* e = find(producer_id);
  if (e == nullptr) return c;
  if (epoch < e->epoch) c.kind = Check::kFenced;
  else if (coordinator_epoch < e->coordinator_epoch) c.kind = Check::kCoordinatorFenced;
  return c;
}

ProducerStateMap::Entry ProducerStateMap::after_marker(int64_t producer_id, int16_t epoch,
                                                       int32_t coordinator_epoch, int64_t timestamp) const {
  Entry e;
  e.epoch = -1;
  if (const Entry* now = find(producer_id)) e = *now;
  if (e.epoch != epoch) e.recent.clear();
  e.epoch = epoch;
  e.coordinator_epoch = coordinator_epoch;
  e.last_timestamp = timestamp;
  e.current_txn_first_offset = -1;
  return e;
}

void ProducerStateMap::put(int64_t producer_id, Entry entry) {
  auto [it, inserted] = entries_.try_emplace(producer_id);
  if (!inserted && it->second.current_txn_first_offset >= 0)
    open_txns_.erase({it->second.current_txn_first_offset, producer_id});
  if (entry.current_txn_first_offset >= 0) open_txns_.insert({entry.current_txn_first_offset, producer_id});
  it->second = std::move(entry);
}

int64_t ProducerStateMap::first_unstable_offset_except(int64_t producer_id) const {
  for (const auto& [offset, id] : open_txns_)
    if (id != producer_id) return offset;
  return -1;
}

std::vector<std::pair<int64_t, ProducerStateMap::Entry>> ProducerStateMap::entries() const {
  std::vector<std::pair<int64_t, Entry>> out(entries_.begin(), entries_.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

ProducerStateMap::Entry ProducerStateMap::after(const ProducerBatch& batch, int64_t base_offset,
                                                int64_t last_offset, int64_t max_timestamp) const {
  Entry e;
  if (const Entry* now = find(batch.producer_id)) {
    e = *now;
    if (now->epoch != batch.epoch) e.recent.clear();
  }
  e.epoch = batch.epoch;
  if (batch.transactional && e.current_txn_first_offset < 0) e.current_txn_first_offset = base_offset;
  e.recent.push_back({batch.first_seq, batch.last_seq, base_offset, last_offset, max_timestamp});
  while (e.recent.size() > 5) e.recent.pop_front();
  e.last_timestamp = max_timestamp;
  return e;
}

const ProducerStateMap::Entry* ProducerStateMap::find(int64_t producer_id) const {
  auto it = entries_.find(producer_id);
  return it == entries_.end() ? nullptr : &it->second;
}

std::string ProducerStateMap::encode(int64_t producer_id, const Entry& entry) {
  state::ProducerStateValue v;
  v.producer_id = producer_id;
  v.producer_epoch = entry.epoch;
  v.last_timestamp_ms = entry.last_timestamp;
  v.current_txn_first_offset = entry.current_txn_first_offset;
  v.coordinator_epoch = entry.coordinator_epoch;
  for (const auto& r : entry.recent) {
    state::ProducerStateValue::BatchMetadata b;
    b.first_sequence = r.first_seq;
    b.last_sequence = r.last_seq;
    // The base offset is not stored: decode() derives it from the sequences (one batch's
    // records have consecutive sequences and offsets).
    b.last_offset = r.last_offset >= 0 ? r.last_offset : r.base_offset;
    b.timestamp_ms = r.max_timestamp;
    v.batches.push_back(b);
  }
  wire::Writer w;
  v.encode(w, state::ProducerStateValue::kHighestVersion);
  auto bytes = std::move(w).take_bytes();
  return std::string(bytes.begin(), bytes.end());
}

std::optional<std::pair<int64_t, ProducerStateMap::Entry>> ProducerStateMap::decode(std::string_view bytes) {
  state::ProducerStateValue v;
  try {
    wire::Reader r(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    v.decode(r, state::ProducerStateValue::kHighestVersion);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  Entry e;
  e.epoch = v.producer_epoch;
  e.last_timestamp = v.last_timestamp_ms;
  e.current_txn_first_offset = v.current_txn_first_offset;
  e.coordinator_epoch = v.coordinator_epoch;
  for (const auto& b : v.batches) {
    const int64_t span = b.last_sequence >= b.first_sequence
                             ? int64_t{b.last_sequence} - b.first_sequence
                             : int64_t{b.last_sequence} + INT32_MAX - b.first_sequence + 1;
    e.recent.push_back({b.first_sequence, b.last_sequence, b.last_offset - span, b.last_offset, b.timestamp_ms});
  }
  while (e.recent.size() > 5) e.recent.pop_front();
  return std::make_pair(v.producer_id, std::move(e));
}

std::string producer_state_prefix(const wire::Uuid& topic_id) {
  return std::string(kProducerStatePrefix) + topic_id.to_base64() + "/";
}

std::string producer_state_prefix(const wire::Uuid& topic_id, int32_t partition) {
  return producer_state_prefix(topic_id) + std::to_string(partition) + "/";
}

std::string producer_state_key(const wire::Uuid& topic_id, int32_t partition, int64_t producer_id) {
  return producer_state_prefix(topic_id, partition) + std::to_string(producer_id);
}

std::optional<std::pair<wire::Uuid, int32_t>> parse_producer_state_key(std::string_view key) {
  if (!key.starts_with(kProducerStatePrefix)) return std::nullopt;
  key.remove_prefix(kProducerStatePrefix.size());
  // <22 characters of URL-safe base64>/<partition>/<producer id>.
  constexpr size_t kIdSize = 22;
  if (key.size() < kIdSize + 4 || key[kIdSize] != '/') return std::nullopt;
  auto id = wire::Uuid::from_base64(key.substr(0, kIdSize));
  if (!id) return std::nullopt;
  key.remove_prefix(kIdSize + 1);
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  int32_t partition = -1;
  auto [p, ec] = std::from_chars(key.data(), key.data() + slash, partition);
  if (ec != std::errc() || p != key.data() + slash || partition < 0) return std::nullopt;
  return std::make_pair(*id, partition);
}

}  // namespace chronik::log
