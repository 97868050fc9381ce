// The log dir: topics, their partitions, retention and flushing over one Storage.
//
// Topic metadata (name, id, partition count, config overrides) is persisted in the index
// database and loaded at open. A partition's offsets are rebuilt with a few seeks when it
// has batches; one pass over the state records and one seek per partition with batches
// find the others, which need no seek: start-up grows with the data, not the partitions.
//
// Thread safety: every method may be called from any thread. Partitions are handed out as
// shared_ptr and stay usable after their topic is deleted (appends then fail with
// kUnknownTopicOrPartition).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "broker/log/partition.h"
#include "broker/log/storage.h"
#include "runtime/wire/uuid.h"

namespace chronik::log {

struct TopicMeta {
  std::string name;
  wire::Uuid id;
  int32_t partitions = 0;
  std::map<std::string, std::string> configs;  // topic-level overrides only
};

struct LogManagerOptions {
  StorageOptions storage;
  // Broker defaults, overridden per topic by "retention.ms" / "retention.bytes".
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;
  int64_t retention_bytes = -1;
  int64_t retention_check_interval_ms = 300000;
  // log.flush.interval.messages (per partition) and log.flush.interval.ms (whole log).
  int64_t flush_interval_messages = std::numeric_limits<int64_t>::max();
  int64_t flush_interval_ms = -1;  // -1: never from tick()
  // Effective (retention.ms, retention.bytes) of a topic; -1 disables. When unset, the
  // topic's "retention.ms" / "retention.bytes" overrides, else the two defaults above
  // (a topic whose cleanup.policy lacks "delete" keeps everything).
  std::function<std::pair<int64_t, int64_t>(const TopicMeta&)> retention;
  // Called after each append with (topic, partition, new high watermark).
  std::function<void(const std::string&, int32_t, int64_t)> on_append;
};

class LogManager {
 public:
  // Opens the log dir and recovers every partition. Throws StorageError (see
  // Storage::open for a dir in use by another process).
  static std::unique_ptr<LogManager> open(const std::string& dir,
                                          const LogManagerOptions& options = {});
  ~LogManager();

  Storage& storage() { return *storage_; }

  struct CreateResult {
    Errc error = Errc::kNone;
    TopicMeta topic;
  };
  // Creates a topic with `partitions` (>= 1) empty partitions. A zero `id` gets a random
  // one. kTopicAlreadyExists, kInvalidPartitions.
  CreateResult create_topic(const std::string& name, int32_t partitions,
                            const std::map<std::string, std::string>& configs = {},
                            wire::Uuid id = {});
  // Deletes the topic's metadata and its producers' state, then its data (disk reclaimed by
  // compaction).
  Errc delete_topic(const std::string& name);
  // Grows the topic to `total` partitions. kInvalidPartitions when total <= current.
  Errc create_partitions(const std::string& name, int32_t total);
  // Replaces the topic's config overrides.
  Errc set_topic_configs(const std::string& name, const std::map<std::string, std::string>& configs);

  std::optional<TopicMeta> topic(const std::string& name) const;
  std::optional<TopicMeta> topic(const wire::Uuid& id) const;
  std::vector<TopicMeta> topics() const;  // sorted by name

  // nullptr when the topic or partition does not exist.
  std::shared_ptr<Partition> partition(const std::string& topic, int32_t index) const;
  std::shared_ptr<Partition> partition(const wire::Uuid& topic_id, int32_t index) const;

  // Applies retention to every partition now. Returns the bytes deleted.
  int64_t enforce_retention(int64_t now_ms);
  // The periodic hook: runs retention every retention_check_interval_ms and flushes every
  // flush_interval_ms. Call it from a timer (on a worker thread: it blocks on disk).
  void tick(int64_t now_ms);
  // Makes everything appended so far durable.
  void flush() { storage_->flush(); }

 private:
  // One info line per topic created (a warning too when it asks for compaction).
  void log_created(const TopicMeta& meta) const;
  struct Topic {
    TopicMeta meta;
    uint32_t num = 0;
    std::vector<std::shared_ptr<Partition>> partitions;
  };
  LogManager() = default;
  // What open() needs to know to recover only the partitions that have something to check:
  // (log start, size) from the state records, and the partitions that need recover(): those
  // with batch or time index entries, or a state record of an older format. Keys are
  // (topic number << 32 | partition).
  struct RecoveryScan {
    static uint64_t key(uint32_t num, uint32_t partition) { return uint64_t{num} << 32 | partition; }
    std::unordered_map<uint64_t, std::pair<int64_t, int64_t>> states;
    std::unordered_set<uint64_t> needs_recovery;
  };
  RecoveryScan scan_for_recovery() const;
  // A partition not yet recovered (a new one needs no recovery).
  std::shared_ptr<Partition> make_partition(const Topic& t, int32_t index);
  void persist_topic(const Topic& t, leveldb::WriteBatch& wb);
  // Deletes the index keys in [begin, end) and the stored batches their entries point at.
  void delete_range(const std::string& begin, const std::string& end);
  // Gives each partition its idempotent producers' stored state; erases that of topics
  // deleted during a crash.
  void restore_producer_states();
  void remove_orphans();
  std::pair<int64_t, int64_t> retention_for(const TopicMeta& meta) const;

  LogManagerOptions options_;
  std::unique_ptr<Storage> storage_;
  mutable std::shared_mutex mu_;  // topics
  std::map<std::string, std::shared_ptr<Topic>> by_name_;
  std::map<wire::Uuid, std::shared_ptr<Topic>> by_id_;
  uint32_t next_topic_num_ = 1;

  std::mutex tick_mu_;
  int64_t last_retention_ms_ = -1;
  int64_t last_flush_ms_ = -1;
};

// Topic metadata records (exposed for tests).
std::string encode_topic_meta(const TopicMeta& meta, uint32_t num);
// nullopt when `bytes` is not a valid record.
std::optional<std::pair<TopicMeta, uint32_t>> decode_topic_meta(std::string_view bytes);

}  // namespace chronik::log
