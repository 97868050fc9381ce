#include "broker/log/producer_state.h"
#include "broker/log/log_store.h"

#include <chrono>

#include "generated/state/producer_state_value.h"
#include "runtime/wire/reader.h"
#include "runtime/wire/writer.h"


namespace chronik::broker {

ProducerStateTable::ProducerStateTable() {
  // Ids must not repeat across restarts while producer state is not persisted: start
  // from the clock (milliseconds * 1024 leaves room for a thousand ids per millisecond).
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  next_id_ = (ms & ((int64_t{1} << 42) - 1)) << 10;
}

int64_t ProducerStateTable::allocate_id() {
  std::lock_guard lock(mu_);
  return next_id_++;
}

ProducerStateTable::Check ProducerStateTable::check(const std::string& topic, int32_t partition,
                                                    int64_t producer_id, int16_t epoch,
                                                    int32_t first_seq, int32_t last_seq) {
  Check c;
  if (producer_id < 0) return c;
  std::lock_guard lock(mu_);
  auto it = entries_.find({topic, partition, producer_id});
  if (it == entries_.end()) return c;  // first batch of this producer here: any sequence
  Entry& e = it->second;
  if (epoch < e.epoch) {
    c.kind = Check::kError;
    c.error = err(ErrorCode::INVALID_PRODUCER_EPOCH);
    return c;
  }
  if (epoch > e.epoch) {
    if (first_seq != 0) {
      c.kind = Check::kError;
      c.error = err(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER);
    }
    return c;
  }
  for (auto& r : e.recent) {
    if (r.first_seq == first_seq && r.last_seq == last_seq) {
      c.kind = Check::kDuplicate;
      c.duplicate_base_offset = r.base_offset;
      return c;
    }
  }
  const int32_t last = e.recent.empty() ? -1 : e.recent.back().last_seq;
  const int32_t expected = last == INT32_MAX ? 0 : last + 1;
  if (first_seq != expected) {
    c.kind = Check::kError;
    c.error = err(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER);
  }
  return c;
}

void ProducerStateTable::record(const std::string& topic, int32_t partition,
                                int64_t producer_id, int16_t epoch, int32_t first_seq,
                                int32_t last_seq, int64_t base_offset, int64_t last_offset,
                                int64_t max_timestamp) {
  if (producer_id < 0) return;
  std::lock_guard lock(mu_);
  Entry& e = entries_[{topic, partition, producer_id}];
  if (epoch != e.epoch) e.recent.clear();
  e.epoch = epoch;
  e.recent.push_back({first_seq, last_seq, base_offset, last_offset, max_timestamp});
  while (e.recent.size() > 5) e.recent.pop_front();
}

std::string ProducerStateTable::encode_after(const std::string& topic, int32_t partition,
                                             int64_t producer_id, int16_t epoch, int32_t first_seq,
                                             int32_t last_seq, int64_t base_offset,
                                             int64_t last_offset, int64_t max_timestamp) {
  std::deque<Entry::Recent> recent;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find({topic, partition, producer_id});
    if (it != entries_.end() && it->second.epoch == epoch) recent = it->second.recent;
  }
  recent.push_back({first_seq, last_seq, base_offset, last_offset, max_timestamp});
  while (recent.size() > 5) recent.pop_front();
  state::ProducerStateValue v;
  v.producer_id = producer_id;
  v.producer_epoch = epoch;
  v.last_timestamp_ms = max_timestamp;
  for (const auto& r : recent) {
    state::ProducerStateValue::BatchMetadata b;
    b.first_sequence = r.first_seq;
    b.last_sequence = r.last_seq;
    // Base offsets are kept as the distance from the last offset in the sequence space.
    b.last_offset = r.last_offset >= 0 ? r.last_offset : r.base_offset;
    b.timestamp_ms = r.timestamp;
    v.batches.push_back(b);
  }
  wire::Writer w;
  v.encode(w, state::ProducerStateValue::kHighestVersion);
  auto bytes = std::move(w).take_bytes();
  return std::string(bytes.begin(), bytes.end());
}

bool ProducerStateTable::restore(const std::string& topic, int32_t partition, std::string_view bytes) {
  state::ProducerStateValue v;
  try {
    wire::Reader r(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    v.decode(r, state::ProducerStateValue::kHighestVersion);
  } catch (const std::exception&) {
    return false;
  }
  std::lock_guard lock(mu_);
  Entry& e = entries_[{topic, partition, v.producer_id}];
  e.epoch = v.producer_epoch;
  e.recent.clear();
  for (const auto& b : v.batches) {
    // One batch per request: its records have consecutive sequences and offsets.
    const int64_t span = b.last_sequence >= b.first_sequence
                             ? int64_t{b.last_sequence} - b.first_sequence
                             : int64_t{b.last_sequence} + INT32_MAX - b.first_sequence + 1;
    e.recent.push_back({b.first_sequence, b.last_sequence, b.last_offset - span, b.last_offset, b.timestamp_ms});
  }
  return true;
}

void ProducerStateTable::forget_topic(const std::string& topic) {
  std::lock_guard lock(mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (std::get<0>(it->first) == topic) it = entries_.erase(it);
    else ++it;
  }
}

}  // namespace chronik::broker
