// LogStore over broker/log/'s LogManager (two LevelDB databases per log dir): what the broker runs on.
#pragma once

#include <memory>

#include "broker/log/log_manager.h"
#include "broker/server/log_store.h"

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
                      std::span<const std::span<uint8_t>> batches, bool sync,
                      const MetaRecords& meta = {}) override;
  ReadResult read(const std::string& topic, int32_t partition, int64_t offset, int32_t max_bytes,
                  bool min_one) override;
  std::optional<PartitionOffsets> offsets(const std::string& topic, int32_t partition) override;
  std::optional<TimestampOffset> offset_for_timestamp(const std::string& topic, int32_t partition,
                                                      int64_t timestamp) override;
  std::optional<TimestampOffset> max_timestamp(const std::string& topic,
                                               int32_t partition) override;
  std::pair<int16_t, int64_t> delete_records(const std::string& topic, int32_t partition,
                                             int64_t offset) override;
  int64_t partition_size(const std::string& topic, int32_t partition) override;
  std::vector<std::pair<std::string, std::string>> scan_meta(const std::string& prefix) override {
    return log_->storage().scan_meta(prefix);
  }
  void write_meta(const MetaRecords& puts, const std::vector<std::string>& erases,
                  bool sync) override;
  void put_meta(const std::string& key, const std::optional<std::string>& value) override {
    if (value) log_->storage().put_meta(key, *value, true);
    else log_->storage().erase_meta(key, true);
  }
  std::optional<std::string> engine_property(const std::string& name) override {
    return log_->storage().property(name);
  }
  void flush() override { log_->flush(); }
  void tick(int64_t now_ms) override { log_->tick(now_ms); }

 private:
  std::unique_ptr<log::LogManager> log_;
};

}  // namespace chronik::broker
