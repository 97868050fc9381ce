#include "broker/server/memory_log_store.h"

#include <algorithm>
#include <cstring>

#include "broker/server/request_limits.h"
#include "runtime/record/batch_header.h"
#include "runtime/record/patch.h"

namespace chronik::broker {

std::optional<TopicInfo> MemoryLogStore::find_topic(const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return std::nullopt;
  return it->second.info;
}

std::optional<TopicInfo> MemoryLogStore::find_topic(const wire::Uuid& id) {
  std::lock_guard lock(mu_);
  for (auto& [name, t] : topics_)
    if (t.info.id == id) return t.info;
  return std::nullopt;
}

std::vector<TopicInfo> MemoryLogStore::list_topics() {
  std::lock_guard lock(mu_);
  std::vector<TopicInfo> out;
  for (auto& [name, t] : topics_) out.push_back(t.info);
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return out;
}

CreateTopicResult MemoryLogStore::create_topic(const std::string& name, int32_t partitions,
                                               const ConfigMap& configs, bool validate_only) {
  std::lock_guard lock(mu_);
  CreateTopicResult r;
  if (limits::topic_records(partitions, static_cast<int64_t>(configs.size())) > limits::kMaxRecordsPerRequest) {
    r.error = err(ErrorCode::POLICY_VIOLATION);
    r.message = limits::kTooManyRecordsMessage;
    return r;
  }
  if (topics_.count(name)) {
    r.error = err(ErrorCode::TOPIC_ALREADY_EXISTS);
    r.message = "Topic '" + name + "' already exists.";
    return r;
  }
  r.topic = TopicInfo{name, wire::Uuid::random(), partitions, configs};
  if (validate_only) return r;
  Topic t{r.topic, {}};
  for (int32_t i = 0; i < partitions; ++i) t.partitions.push_back(std::make_shared<Partition>());
  topics_.emplace(name, std::move(t));
  return r;
}

int16_t MemoryLogStore::delete_topic(const std::string& name) {
  std::lock_guard lock(mu_);
  return topics_.erase(name) ? err(ErrorCode::NONE) : err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
}

int16_t MemoryLogStore::create_partitions(const std::string& name, int32_t total) {
  std::lock_guard lock(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
  if (total <= it->second.info.partitions) return err(ErrorCode::INVALID_PARTITIONS);
  if (int64_t{total} - it->second.info.partitions > limits::kMaxRecordsPerRequest)
    return err(ErrorCode::POLICY_VIOLATION);
  while (static_cast<int32_t>(it->second.partitions.size()) < total)
    it->second.partitions.push_back(std::make_shared<Partition>());
  it->second.info.partitions = total;
  return err(ErrorCode::NONE);
}

int16_t MemoryLogStore::set_topic_configs(const std::string& name, const ConfigMap& configs) {
  std::lock_guard lock(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
  it->second.info.configs = configs;
  return err(ErrorCode::NONE);
}

std::shared_ptr<MemoryLogStore::Partition> MemoryLogStore::partition(const std::string& topic,
                                                                     int32_t index) {
  std::lock_guard lock(mu_);
  auto it = topics_.find(topic);
  if (it == topics_.end() || index < 0 ||
      index >= static_cast<int32_t>(it->second.partitions.size()))
    return nullptr;
  return it->second.partitions[static_cast<size_t>(index)];
}

AppendResult MemoryLogStore::append(const std::string& topic, int32_t index,
                                    std::span<const std::span<uint8_t>> batches, bool,
                                    const MetaRecords& meta) {
  AppendResult r;
  auto p = partition(topic, index);
  if (!p) {
    r.error = err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    return r;
  }
  for (const auto& [k, v] : meta) put_meta(k, v);
  std::lock_guard lock(p->mu);
  r.base_offset = p->log_end;
  for (auto given : batches) {
    record::set_base_offset(given, p->log_end);
    std::vector<uint8_t> bytes(given.begin(), given.end());
    record::BatchHeader h = record::read_batch_header(bytes);
    Batch b{h.base_offset, h.last_offset(), h.max_timestamp,
            wire::SharedBytes::adopt(std::move(bytes))};
    p->log_end = b.last_offset + 1;
    p->size += static_cast<int64_t>(b.bytes.size());
    p->batches.push_back(std::move(b));
  }
  r.log_start_offset = p->log_start;
  return r;
}

ReadResult MemoryLogStore::read(const std::string& topic, int32_t index, int64_t offset,
                                int32_t max_bytes, bool min_one) {
  ReadResult r;
  auto p = partition(topic, index);
  if (!p) {
    r.error = err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    return r;
  }
  std::lock_guard lock(p->mu);
  r.offsets = {p->log_start, p->log_end};
  if (offset < p->log_start || offset > p->log_end) {
    r.error = err(ErrorCode::OFFSET_OUT_OF_RANGE);
    return r;
  }
  auto it = std::lower_bound(p->batches.begin(), p->batches.end(), offset,
                             [](const Batch& b, int64_t o) { return b.last_offset < o; });
  std::vector<const Batch*> picked;
  size_t total = 0;
  for (; it != p->batches.end(); ++it) {
    if (total + it->bytes.size() > static_cast<size_t>(std::max(max_bytes, 0)) &&
        !(min_one && picked.empty()))
      break;
    picked.push_back(&*it);
    total += it->bytes.size();
  }
  if (picked.size() == 1) {
    r.records = picked[0]->bytes;
  } else if (!picked.empty()) {
    std::vector<uint8_t> out;
    out.reserve(total);
    for (auto* b : picked) out.insert(out.end(), b->bytes.data(), b->bytes.data() + b->bytes.size());
    r.records = wire::SharedBytes::adopt(std::move(out));
  }
  return r;
}

std::optional<PartitionOffsets> MemoryLogStore::offsets(const std::string& topic, int32_t index) {
  auto p = partition(topic, index);
  if (!p) return std::nullopt;
  std::lock_guard lock(p->mu);
  return PartitionOffsets{p->log_start, p->log_end};
}

std::optional<LogStore::TimestampOffset> MemoryLogStore::offset_for_timestamp(
    const std::string& topic, int32_t index, int64_t timestamp) {
  auto p = partition(topic, index);
  if (!p) return std::nullopt;
  std::lock_guard lock(p->mu);
  for (auto& b : p->batches)
    if (b.last_offset >= p->log_start && b.max_timestamp >= timestamp)
      return TimestampOffset{b.max_timestamp, std::max(b.base_offset, p->log_start)};
  return std::nullopt;
}

std::optional<LogStore::TimestampOffset> MemoryLogStore::max_timestamp(const std::string& topic,
                                                                       int32_t index) {
  auto p = partition(topic, index);
  if (!p) return std::nullopt;
  std::lock_guard lock(p->mu);
  std::optional<TimestampOffset> best;
  for (auto& b : p->batches)
    if (b.last_offset >= p->log_start && (!best || b.max_timestamp > best->timestamp))
      best = TimestampOffset{b.max_timestamp, b.last_offset};
  return best;
}

std::pair<int16_t, int64_t> MemoryLogStore::delete_records(const std::string& topic,
                                                           int32_t index, int64_t offset) {
  auto p = partition(topic, index);
  if (!p) return {err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION), -1};
  std::lock_guard lock(p->mu);
  if (offset == -1) offset = p->log_end;
  if (offset < 0 || offset > p->log_end) return {err(ErrorCode::OFFSET_OUT_OF_RANGE), p->log_start};
  if (offset > p->log_start) p->log_start = offset;
  while (!p->batches.empty() && p->batches.front().last_offset < p->log_start) {
    p->size -= static_cast<int64_t>(p->batches.front().bytes.size());
    p->batches.erase(p->batches.begin());
  }
  return {err(ErrorCode::NONE), p->log_start};
}

int64_t MemoryLogStore::partition_size(const std::string& topic, int32_t index) {
  auto p = partition(topic, index);
  if (!p) return 0;
  std::lock_guard lock(p->mu);
  return p->size;
}

}  // namespace chronik::broker
