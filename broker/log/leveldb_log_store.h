// LogStore over broker/log/'s LogManager (two LevelDB databases per log dir): what the broker runs on.
//
// A failed write (a full disk, mostly) fails the log dir: LevelDB refuses every later write
// on those databases (see Storage::failed_generation_), so from then on writes answer
// KAFKA_STORAGE_ERROR, storage_error() says why (the broker is not ready) and one error line
// is logged; reads go on from the open databases. tick() reopens the dir once free space has
// grown (or a minute has passed), which is how writes resume: reopening replays LevelDB's
// logs, so every write that was acknowledged is there, and the partitions' offsets are
// rebuilt from what is stored, so a write that failed is either wholly there or not at all.
#pragma once

#include <memory>
#include <mutex>
#include <shared_mutex>

#include "broker/log/log_manager.h"
#include "broker/log/log_store.h"

namespace chronik::broker {

class LevelDbLogStore final : public LogStore {
 public:
  // Opens (and recovers) the log in `dir`. Throws log::StorageError.
  LevelDbLogStore(const std::string& dir, const log::LogManagerOptions& options);

  std::optional<TopicInfo> find_topic(const std::string& name) override;
  std::optional<TopicInfo> find_topic(const wire::Uuid& id) override;
  std::vector<TopicInfo> list_topics() override;
  CreateTopicResult create_topic(const std::string& name, int32_t partitions,
                                 const ConfigMap& configs, bool validate_only) override;
  int16_t delete_topic(const std::string& name) override;
  int16_t create_partitions(const std::string& name, int32_t total) override;
  int16_t set_topic_configs(const std::string& name, const ConfigMap& configs) override;
  AppendResult append(const std::string& topic, int32_t partition,
                      std::span<const std::span<uint8_t>> batches, bool sync) override;
  ReadResult read(const std::string& topic, int32_t partition, int64_t offset, int32_t max_bytes,
                  bool min_one) override;
  ReadResult read_committed(const std::string& topic, int32_t partition, int64_t offset, int32_t max_bytes,
                            bool min_one) override;
  int16_t write_txn_marker(const std::string& topic, int32_t partition, int64_t producer_id,
                           int16_t producer_epoch, int32_t coordinator_epoch, bool commit) override;
  ProducersResult describe_producers(const std::string& topic, int32_t partition) override;
  std::optional<PartitionOffsets> offsets(const std::string& topic, int32_t partition) override;
  std::optional<TimestampOffset> offset_for_timestamp(const std::string& topic, int32_t partition,
                                                      int64_t timestamp) override;
  std::optional<TimestampOffset> max_timestamp(const std::string& topic,
                                               int32_t partition) override;
  std::pair<int16_t, int64_t> delete_records(const std::string& topic, int32_t partition,
                                             int64_t offset) override;
  int64_t partition_size(const std::string& topic, int32_t partition) override;
  std::vector<std::pair<std::string, std::string>> scan_meta(const std::string& prefix) override;
  int16_t write_meta(const MetaRecords& puts, const std::vector<std::string>& erases,
                     bool sync) override;
  int16_t put_meta(const std::string& key, const std::optional<std::string>& value) override;
  std::optional<std::string> engine_property(const std::string& name) override;
  void flush() override;
  void tick(int64_t now_ms) override;
  std::optional<std::string> storage_error() override;

 private:
  // Runs `f(LogManager&)` under the shared lock; on log::StorageError, any other exception
  // (logged), or while the dir could not be reopened, returns `failed` instead.
  template <class F, class R>
  R with_log(const char* what, F&& f, R failed);
  // A storage error came up in `what`: fails the dir when the Storage refuses writes now.
  void note_error(const char* what, const std::string& message);
  // Closes and reopens the dir (exclusive lock). REQUIRES: the dir has failed.
  void reopen();
  ReadResult read_isolated(const std::string& topic, int32_t partition, int64_t offset, int32_t max_bytes,
                           bool min_one, bool committed);

  const std::string dir_;
  const log::LogManagerOptions options_;
  // Shared by every call, exclusive while reopening: no call holds a partition or an
  // iterator of the databases being closed.
  std::shared_mutex mu_;
  std::unique_ptr<log::LogManager> log_;  // null while a reopen failed
  std::vector<TopicInfo> topics_;         // the topics when log_ was closed (metadata meanwhile)

  std::mutex failure_mu_;
  std::optional<std::string> failure_;  // why the dir failed; nullopt: healthy
  uint64_t free_at_failure_ = 0;        // bytes available when it (or a reopen) failed
  int64_t last_reopen_ms_ = 0;
  bool log_open_ = true;  // log_ is set (read under failure_mu_ without taking mu_)
};

}  // namespace chronik::broker
