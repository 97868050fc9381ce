// The key layout of the log dir's LevelDB. Keys compare bytewise; all integers big-endian so
// that numeric order is key order.
//
//   'd' u32 topic_num u32 partition u64 last_offset -> a record batch, verbatim
//   'x' u32 topic_num u32 partition u64 ts'         -> time index: u64 offset O, meaning every
//                                                      batch up to O has maxTimestamp <= ts
//                                                      (ts' = ts with the sign bit flipped)
//   'p' u32 topic_num u32 partition                 -> partition state (log start offset)
//   't' u32 topic_num                               -> topic metadata
//   'n'                                             -> next topic number (never reused)
//   'm' <caller's key>                              -> metadata of other services
//
// A topic's internal number is never reused, so data left behind by a deleted topic can
// never be mistaken for a new topic's data. Because a batch is keyed by its LAST offset,
// Seek(d, topic, partition, o) lands on the batch that contains offset o.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "broker/log/batch_header.h"

namespace chronik::log::keys {

inline constexpr char kData = 'd';
inline constexpr char kPartitionState = 'p';
inline constexpr char kTopic = 't';
inline constexpr char kNextTopicNum = 'n';
inline constexpr char kMeta = 'm';
inline constexpr char kTimeIndex = 'x';
inline constexpr size_t kDataKeySize = 17;

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

// The prefix shared by every data key of one partition.
inline std::string data_prefix(uint32_t topic_num, uint32_t partition) {
  std::string k(1, kData);
  append_be32(k, topic_num);
  append_be32(k, partition);
  return k;
}
inline std::string data_key(uint32_t topic_num, uint32_t partition, int64_t last_offset) {
  std::string k = data_prefix(topic_num, partition);
  append_be64(k, static_cast<uint64_t>(last_offset));
  return k;
}
// The last offset encoded in a data key. REQUIRES: key.size() == kDataKeySize.
inline int64_t data_key_offset(std::string_view key) {
  return static_cast<int64_t>(load_be64(reinterpret_cast<const uint8_t*>(key.data()) + 9));
}
inline uint32_t data_key_topic(std::string_view key) {
  return load_be32(reinterpret_cast<const uint8_t*>(key.data()) + 1);
}
// The range of a topic's keys in the data or time index keyspace.
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
inline std::string topic_data_begin(uint32_t topic_num) { return topic_range_begin(kData, topic_num); }
inline std::string topic_data_end(uint32_t topic_num) { return topic_range_end(kData, topic_num); }

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
