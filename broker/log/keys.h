// The key layout of the log dir's two LevelDB databases (see storage.h). Keys compare
// bytewise; all integers big-endian so that numeric order is key order.
//
// batches database:
//   'b' u64 sequence                                -> a record batch, verbatim
// index database:
//   'd' u32 topic_num u32 partition u64 last_offset -> batch index entry: where the batch
//                                                      ending at last_offset is stored
//                                                      (BatchLocation)
//   'x' u32 topic_num u32 partition u64 ts'         -> time index: u64 offset O, meaning every
//                                                      batch up to O has maxTimestamp <= ts
//                                                      (ts' = ts with the sign bit flipped)
//   'a' u32 topic_num u32 partition u64 last_offset -> aborted transaction index (Kafka's
//                                                      .txnindex): the transaction whose ABORT
//                                                      marker is at last_offset (AbortedTxn)
//   'p' u32 topic_num u32 partition                 -> partition state (log start offset,
//                                                      bytes stored)
//   't' u32 topic_num                               -> topic metadata
//   'n'                                             -> next topic number (never reused)
//   'w'                                             -> u64 last sequence of a batch indexed
//   'm' <caller's key>                              -> metadata of other services
//
// A topic's internal number is never reused, so data left behind by a deleted topic can
// never be mistaken for a new topic's data. Because a batch is indexed by its LAST offset,
// Seek(d, topic, partition, o) lands on the entry of the batch that contains offset o.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "broker/log/batch_header.h"

namespace chronik::log::keys {

inline constexpr char kStoredBatch = 'b';
inline constexpr char kBatchIndex = 'd';
inline constexpr char kLastIndexedSequence = 'w';
inline constexpr char kPartitionState = 'p';
inline constexpr char kTopic = 't';
inline constexpr char kNextTopicNum = 'n';
inline constexpr char kMeta = 'm';
inline constexpr char kTimeIndex = 'x';
inline constexpr char kAbortedTxnIndex = 'a';
inline constexpr size_t kBatchKeySize = 17;

inline void append_be32(std::string& s, uint32_t v) {
  uint8_t b[4];
  store_be32(b, v);
  s.append(reinterpret_cast<const char*>(b), 4);
}
inline void append_be64(std::string& s, uint64_t v) {
  uint8_t b[8];
  store_be64(b, v);
  s.append(reinterpret_cast<const char*>(b), 8);
}

// Where a stored batch lives in the batches database, and what the index needs to know of
// it without reading it.
struct BatchLocation {
  uint64_t sequence = 0;
  uint32_t size = 0;               // bytes of the batch
  int32_t last_offset_delta = 0;   // base offset = last offset - this
  int64_t max_timestamp = 0;
  // When the batch was appended (broker clock), kept only for batches without timestamps
  // (max_timestamp < 0: magic 0 message sets up-converted, clients that set none): time
  // retention falls back to it, as Kafka's falls back to a segment's modification time.
  // -1: not kept (a batch with timestamps, or one stored before this field existed).
  int64_t append_time = -1;

  // The time that time-based retention measures the batch's age from; -1: none known.
  int64_t retention_time() const { return max_timestamp >= 0 ? max_timestamp : append_time; }
};
inline constexpr size_t kBatchLocationSize = 24;
inline constexpr size_t kBatchLocationWithAppendTimeSize = 32;

inline std::string stored_batch_key(uint64_t sequence) {
  std::string k(1, kStoredBatch);
  append_be64(k, sequence);
  return k;
}
inline uint64_t stored_batch_sequence(std::string_view key) {
  return load_be64(reinterpret_cast<const uint8_t*>(key.data()) + 1);
}
inline bool is_stored_batch_key(std::string_view key) {
  return key.size() == 9 && key[0] == kStoredBatch;
}

inline std::string encode_location(const BatchLocation& l) {
  std::string v;
  append_be64(v, l.sequence);
  append_be32(v, l.size);
  append_be32(v, static_cast<uint32_t>(l.last_offset_delta));
  append_be64(v, static_cast<uint64_t>(l.max_timestamp));
  if (l.append_time >= 0) append_be64(v, static_cast<uint64_t>(l.append_time));
  return v;
}
// nullopt when `value` is not a location.
inline std::optional<BatchLocation> decode_location(std::string_view value) {
  if (value.size() != kBatchLocationSize && value.size() != kBatchLocationWithAppendTimeSize)
    return std::nullopt;
  const auto* p = reinterpret_cast<const uint8_t*>(value.data());
  BatchLocation l{load_be64(p), load_be32(p + 8), static_cast<int32_t>(load_be32(p + 12)),
                  static_cast<int64_t>(load_be64(p + 16))};
  if (value.size() == kBatchLocationWithAppendTimeSize) l.append_time = static_cast<int64_t>(load_be64(p + 24));
  return l;
}

// The prefix shared by every batch index key of one partition.
inline std::string batch_prefix(uint32_t topic_num, uint32_t partition) {
  std::string k(1, kBatchIndex);
  append_be32(k, topic_num);
  append_be32(k, partition);
  return k;
}
inline std::string batch_key(uint32_t topic_num, uint32_t partition, int64_t last_offset) {
  std::string k = batch_prefix(topic_num, partition);
  append_be64(k, static_cast<uint64_t>(last_offset));
  return k;
}
// The last offset encoded in a batch index key. REQUIRES: key.size() == kBatchKeySize.
inline int64_t batch_key_offset(std::string_view key) {
  return static_cast<int64_t>(load_be64(reinterpret_cast<const uint8_t*>(key.data()) + 9));
}
inline uint32_t batch_key_topic(std::string_view key) {
  return load_be32(reinterpret_cast<const uint8_t*>(key.data()) + 1);
}
// The range of a topic's keys in the batch index or time index keyspace.
inline std::string topic_range_begin(char space, uint32_t topic_num) {
  std::string k(1, space);
  append_be32(k, topic_num);
  return k;
}
inline std::string topic_range_end(char space, uint32_t topic_num) {
  std::string k(1, space);
  append_be32(k, topic_num);
  append_be32(k, 0xFFFFFFFFu);
  append_be64(k, ~uint64_t{0});
  k.push_back('\xff');
  return k;
}

inline std::string index_prefix(uint32_t topic_num, uint32_t partition) {
  std::string k(1, kTimeIndex);
  append_be32(k, topic_num);
  append_be32(k, partition);
  return k;
}
inline std::string index_key(uint32_t topic_num, uint32_t partition, int64_t timestamp) {
  std::string k = index_prefix(topic_num, partition);
  append_be64(k, static_cast<uint64_t>(timestamp) ^ (uint64_t{1} << 63));
  return k;
}
inline int64_t index_key_timestamp(std::string_view key) {
  return static_cast<int64_t>(load_be64(reinterpret_cast<const uint8_t*>(key.data()) + 9) ^ (uint64_t{1} << 63));
}

// An entry of the aborted transaction index: Kafka's AbortedTxn (the producer, the first
// offset of its transaction, the offset of its ABORT marker, and the last stable offset once
// the marker was appended, which lets a search stop early).
struct AbortedTxn {
  int64_t producer_id = -1;
  int64_t first_offset = -1;
  int64_t last_offset = -1;
  int64_t last_stable_offset = -1;
};
inline constexpr size_t kAbortedTxnKeySize = 17;

inline std::string aborted_txn_prefix(uint32_t topic_num, uint32_t partition) {
  std::string k(1, kAbortedTxnIndex);
  append_be32(k, topic_num);
  append_be32(k, partition);
  return k;
}
inline std::string aborted_txn_key(uint32_t topic_num, uint32_t partition, int64_t last_offset) {
  std::string k = aborted_txn_prefix(topic_num, partition);
  append_be64(k, static_cast<uint64_t>(last_offset));
  return k;
}
inline std::string encode_aborted_txn(const AbortedTxn& t) {
  std::string v;
  append_be64(v, static_cast<uint64_t>(t.producer_id));
  append_be64(v, static_cast<uint64_t>(t.first_offset));
  append_be64(v, static_cast<uint64_t>(t.last_stable_offset));
  return v;
}
// nullopt when the key or value is not an entry.
inline std::optional<AbortedTxn> decode_aborted_txn(std::string_view key, std::string_view value) {
  if (key.size() != kAbortedTxnKeySize || value.size() != 24) return std::nullopt;
  const auto* k = reinterpret_cast<const uint8_t*>(key.data());
  const auto* v = reinterpret_cast<const uint8_t*>(value.data());
  return AbortedTxn{static_cast<int64_t>(load_be64(v)), static_cast<int64_t>(load_be64(v + 8)),
                    static_cast<int64_t>(load_be64(k + 9)), static_cast<int64_t>(load_be64(v + 16))};
}

inline std::string partition_state_key(uint32_t topic_num, uint32_t partition) {
  std::string k(1, kPartitionState);
  append_be32(k, topic_num);
  append_be32(k, partition);
  return k;
}
inline std::string topic_key(uint32_t topic_num) {
  std::string k(1, kTopic);
  append_be32(k, topic_num);
  return k;
}
inline std::string meta_key(std::string_view key) {
  std::string k(1, kMeta);
  k.append(key);
  return k;
}

}  // namespace chronik::log::keys
