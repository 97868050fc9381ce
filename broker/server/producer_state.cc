#include "broker/server/producer_state.h"

#include <chrono>

#include "broker/server/errors.h"

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
    c.error = err::kInvalidProducerEpoch;
    return c;
  }
  if (epoch > e.epoch) {
    if (first_seq != 0) {
      c.kind = Check::kError;
      c.error = err::kOutOfOrderSequenceNumber;
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
    c.error = err::kOutOfOrderSequenceNumber;
  }
  return c;
}

void ProducerStateTable::record(const std::string& topic, int32_t partition,
                                int64_t producer_id, int16_t epoch, int32_t first_seq,
                                int32_t last_seq, int64_t base_offset) {
  if (producer_id < 0) return;
  std::lock_guard lock(mu_);
  Entry& e = entries_[{topic, partition, producer_id}];
  if (epoch != e.epoch) e.recent.clear();
  e.epoch = epoch;
  e.recent.push_back({first_seq, last_seq, base_offset});
  while (e.recent.size() > 5) e.recent.pop_front();
}

void ProducerStateTable::forget_topic(const std::string& topic) {
  std::lock_guard lock(mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (std::get<0>(it->first) == topic) it = entries_.erase(it);
    else ++it;
  }
}

}  // namespace chronik::broker
