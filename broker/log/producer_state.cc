#include "broker/log/producer_state.h"

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
  if (batch.epoch > e.epoch) {
    if (batch.first_seq != 0) c.kind = Check::kOutOfOrder;
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
  // Transactions add their checks here (a transactional batch must belong to the producer's
  // current epoch and open transaction), and after() records where the transaction began.
  return c;
}

ProducerStateMap::Entry ProducerStateMap::after(const ProducerBatch& batch, int64_t base_offset,
                                                int64_t last_offset, int64_t max_timestamp) const {
  Entry e;
  if (const Entry* now = find(batch.producer_id); now && now->epoch == batch.epoch) e = *now;
  e.epoch = batch.epoch;
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
