// A LogStore that hands every call to another one: tests derive from it and override only
// the calls they watch, delay or fail.
#pragma once

#include <memory>
#include <utility>

#include "broker/log/log_store.h"

namespace chronik::broker::testing {

class ForwardingLogStore : public LogStore {
 public:
  explicit ForwardingLogStore(std::shared_ptr<LogStore> inner) : inner_(std::move(inner)) {}

  std::optional<TopicInfo> find_topic(const std::string& name) override { return inner_->find_topic(name); }
  std::optional<TopicInfo> find_topic(const wire::Uuid& id) override { return inner_->find_topic(id); }
  std::vector<TopicInfo> list_topics() override { return inner_->list_topics(); }
  CreateTopicResult create_topic(const std::string& name, int32_t partitions, const ConfigMap& configs,
                                 bool validate_only) override {
    return inner_->create_topic(name, partitions, configs, validate_only);
  }
  int16_t delete_topic(const std::string& name) override { return inner_->delete_topic(name); }
  int16_t create_partitions(const std::string& name, int32_t total) override {
    return inner_->create_partitions(name, total);
  }
  int16_t set_topic_configs(const std::string& name, const ConfigMap& configs) override {
    return inner_->set_topic_configs(name, configs);
  }
  AppendResult append(const std::string& topic, int32_t partition, std::span<const std::span<uint8_t>> batches,
                      bool sync) override {
    return inner_->append(topic, partition, batches, sync);
  }
  ReadResult read(const std::string& topic, int32_t partition, int64_t offset, int32_t max_bytes,
                  bool min_one) override {
    return inner_->read(topic, partition, offset, max_bytes, min_one);
  }
  ReadResult read_committed(const std::string& topic, int32_t partition, int64_t offset, int32_t max_bytes,
                            bool min_one) override {
    return inner_->read_committed(topic, partition, offset, max_bytes, min_one);
  }
  int16_t write_txn_marker(const std::string& topic, int32_t partition, int64_t producer_id, int16_t producer_epoch,
                           int32_t coordinator_epoch, bool commit) override {
    return inner_->write_txn_marker(topic, partition, producer_id, producer_epoch, coordinator_epoch, commit);
  }
  ProducersResult describe_producers(const std::string& topic, int32_t partition) override {
    return inner_->describe_producers(topic, partition);
  }
  std::optional<PartitionOffsets> offsets(const std::string& topic, int32_t partition) override {
    return inner_->offsets(topic, partition);
  }
  std::optional<TimestampOffset> offset_for_timestamp(const std::string& topic, int32_t partition,
                                                      int64_t timestamp) override {
    return inner_->offset_for_timestamp(topic, partition, timestamp);
  }
  std::optional<TimestampOffset> max_timestamp(const std::string& topic, int32_t partition) override {
    return inner_->max_timestamp(topic, partition);
  }
  std::pair<int16_t, int64_t> delete_records(const std::string& topic, int32_t partition,
                                             int64_t offset) override {
    return inner_->delete_records(topic, partition, offset);
  }
  int64_t partition_size(const std::string& topic, int32_t partition) override {
    return inner_->partition_size(topic, partition);
  }
  std::vector<std::pair<std::string, std::string>> scan_meta(const std::string& prefix) override {
    return inner_->scan_meta(prefix);
  }
  int16_t put_meta(const std::string& key, const std::optional<std::string>& value) override {
    return inner_->put_meta(key, value);
  }
  int16_t write_meta(const MetaRecords& puts, const std::vector<std::string>& erases, bool sync) override {
    return inner_->write_meta(puts, erases, sync);
  }
  void flush() override { inner_->flush(); }

 protected:
  std::shared_ptr<LogStore> inner_;
};

}  // namespace chronik::broker::testing
