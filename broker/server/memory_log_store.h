// LogStore kept in memory: for tests and for running the broker before the LevelDB log
// is wired in. Nothing survives a restart.
#pragma once

#include <mutex>
#include <unordered_map>

#include "broker/server/log_store.h"

namespace chronik::broker {

class MemoryLogStore final : public LogStore {
 public:
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
    std::lock_guard lock(mu_);
    std::vector<std::pair<std::string, std::string>> out;
    for (auto it = meta_.lower_bound(prefix); it != meta_.end() && it->first.rfind(prefix, 0) == 0; ++it)
      out.emplace_back(*it);
    return out;
  }
  int16_t put_meta(const std::string& key, const std::optional<std::string>& value) override {
    std::lock_guard lock(mu_);
    if (value) meta_[key] = *value;
    else meta_.erase(key);
    return 0;
  }
  void flush() override {}

 private:
  struct Batch {
    int64_t base_offset;
    int64_t last_offset;
    int64_t max_timestamp;
    wire::SharedBytes bytes;
  };
  struct Partition {
    std::mutex mu;
    std::vector<Batch> batches;
    int64_t log_start = 0;
    int64_t log_end = 0;
    int64_t size = 0;
  };
  struct Topic {
    TopicInfo info;
    std::vector<std::shared_ptr<Partition>> partitions;
  };
  std::shared_ptr<Partition> partition(const std::string& topic, int32_t index);

  std::mutex mu_;
  std::unordered_map<std::string, Topic> topics_;
  std::map<std::string, std::string> meta_;
};

}  // namespace chronik::broker
