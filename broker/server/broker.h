// The services every handler works with, and what a handler knows about its request.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "broker/server/fetch_sessions.h"
#include "broker/server/log_store.h"
#include "broker/server/producer_state.h"
#include "broker/server/settings.h"

namespace chronik::broker {

// Told about every append, so that waiting fetches wake up (implemented by broker/net/).
class AppendListener {
 public:
  virtual ~AppendListener() = default;
  virtual void on_append(const std::string& topic, int32_t partition) = 0;
};

struct Broker {
  Settings settings;
  std::string cluster_id;
  std::shared_ptr<LogStore> store;
  ProducerStateTable producers;
  FetchSessionCache fetch_sessions;
  AppendListener* append_listener = nullptr;

  // Serializes appends to one partition with the producer-state check that precedes them.
  std::mutex& partition_lock(const std::string& topic, int32_t partition);

  void notify_append(const std::string& topic, int32_t partition) {
    if (append_listener) append_listener->on_append(topic, partition);
  }

  // The topic-level value of `key` for `topic`: its override, else the broker default.
  std::string topic_config(const TopicInfo& topic, const std::string& key) const;

 private:
  std::mutex locks_mu_;
  std::unordered_map<std::string, std::unique_ptr<std::mutex>> locks_;
};

struct RequestContext {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;
  std::string peer;
  int64_t connection_id = 0;
};

inline int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace chronik::broker
