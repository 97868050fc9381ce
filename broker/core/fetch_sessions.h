// Incremental fetch sessions (KIP-227): the partitions a consumer fetches are remembered
// by the broker, so later fetches only name what changed and responses only carry
// partitions with news.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/wire/uuid.h"

namespace chronik::broker {

struct SessionPartition {
  std::string topic;
  wire::Uuid topic_id;
  int32_t partition = 0;
  int64_t fetch_offset = 0;
  int32_t max_bytes = 0;
  int64_t log_start_offset = -1;
  // What the client was last told; a partition is resent when these change.
  int64_t last_high_watermark = -1;
  int64_t last_log_start = -1;
};

struct FetchSession {
  int32_t id = 0;
  int32_t next_epoch = 1;
  std::mutex mu;
  std::vector<SessionPartition> partitions;  // in the order they were added
};

class FetchSessionCache {
 public:
  explicit FetchSessionCache(size_t capacity = 1000) : capacity_(capacity) {}

  // A new session (evicting the least recently used beyond capacity).
  std::shared_ptr<FetchSession> create();
  std::shared_ptr<FetchSession> find(int32_t id);
  void remove(int32_t id);

 private:
  std::mutex mu_;
  size_t capacity_;
  int32_t next_id_ = 1;
  std::list<int32_t> lru_;  // front = most recent
  std::unordered_map<int32_t, std::pair<std::shared_ptr<FetchSession>, std::list<int32_t>::iterator>>
      sessions_;
};

}  // namespace chronik::broker
