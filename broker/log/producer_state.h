// Idempotent producers: ids, epochs and the last sequences seen per partition.
//
// Kept in memory; the storage engine restores it on restart once broker/log/ persists
// producer state.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace chronik::broker {

class ProducerStateTable {
 public:
  ProducerStateTable();

  // A fresh producer id, epoch 0.
  int64_t allocate_id();

  struct Check {
    enum Kind { kAppend, kDuplicate, kError } kind = kAppend;
    int16_t error = 0;
    int64_t duplicate_base_offset = -1;
  };
  // Whether a batch (producer, epoch, first..last sequence) may be appended to the
  // partition. REQUIRES: the caller holds the partition's lock until record() or abandon.
  Check check(const std::string& topic, int32_t partition, int64_t producer_id,
              int16_t epoch, int32_t first_seq, int32_t last_seq);
  // Remembers an appended batch.
  void record(const std::string& topic, int32_t partition, int64_t producer_id, int16_t epoch,
              int32_t first_seq, int32_t last_seq, int64_t base_offset, int64_t last_offset = -1,
              int64_t max_timestamp = -1);
  // The persisted form (chronik::state::ProducerStateValue) of the producer's state on the
  // partition as it will be once record() is called with the same arguments, so that it
  // can be written in the same WriteBatch as the append.
  std::string encode_after(const std::string& topic, int32_t partition, int64_t producer_id,
                           int16_t epoch, int32_t first_seq, int32_t last_seq,
                           int64_t base_offset, int64_t last_offset, int64_t max_timestamp);
  // Restores one persisted state (start-up). Returns false when `bytes` does not decode.
  bool restore(const std::string& topic, int32_t partition, std::string_view bytes);
  // Forgets a topic's state (deleted topic).
  void forget_topic(const std::string& topic);

 private:
  struct Entry {
    int16_t epoch = 0;
    struct Recent {
      int32_t first_seq;
      int32_t last_seq;
      int64_t base_offset;
      int64_t last_offset = -1;
      int64_t timestamp = -1;
    };
    std::deque<Recent> recent;  // the last 5 batches, as Kafka keeps
  };
  using Key = std::tuple<std::string, int32_t, int64_t>;
  std::mutex mu_;
  std::map<Key, Entry> entries_;
  int64_t next_id_;
};

}  // namespace chronik::broker
