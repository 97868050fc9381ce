#include "broker/server/leveldb_log_store.h"

#include "broker/server/request_limits.h"
#include "runtime/record/batch.h"


namespace chronik::broker {
namespace {

int16_t code(log::Errc e) {
  switch (e) {
    case log::Errc::kNone: return err(ErrorCode::NONE);
    case log::Errc::kUnknownTopicOrPartition: return err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    case log::Errc::kOffsetOutOfRange: return err(ErrorCode::OFFSET_OUT_OF_RANGE);
    case log::Errc::kTopicAlreadyExists: return err(ErrorCode::TOPIC_ALREADY_EXISTS);
    case log::Errc::kInvalidPartitions: return err(ErrorCode::INVALID_PARTITIONS);
    case log::Errc::kInvalidRecord: return err(ErrorCode::INVALID_RECORD);
  }
  return err(ErrorCode::UNKNOWN_SERVER_ERROR);
}

TopicInfo info(const log::TopicMeta& m) { return TopicInfo{m.name, m.id, m.partitions, m.configs}; }

}  // namespace

LevelDbLogStore::LevelDbLogStore(const std::string& dir, const log::LogManagerOptions& options)
    : log_(log::LogManager::open(dir, options)) {}

std::optional<TopicInfo> LevelDbLogStore::find_topic(const std::string& name) {
  auto t = log_->topic(name);
  return t ? std::optional<TopicInfo>(info(*t)) : std::nullopt;
}

std::optional<TopicInfo> LevelDbLogStore::find_topic(const wire::Uuid& id) {
  auto t = log_->topic(id);
  return t ? std::optional<TopicInfo>(info(*t)) : std::nullopt;
}

std::vector<TopicInfo> LevelDbLogStore::list_topics() {
  std::vector<TopicInfo> out;
  for (const auto& t : log_->topics()) out.push_back(info(t));
  return out;
}

CreateTopicResult LevelDbLogStore::create_topic(const std::string& name, int32_t partitions,
                                                const ConfigMap& configs, bool validate_only) {
  CreateTopicResult r;
  // Every path that creates topics (CreateTopics, Metadata, the admin endpoint) ends here:
  // refuse before anything is built or persisted.
  if (limits::topic_records(partitions, static_cast<int64_t>(configs.size())) > limits::kMaxRecordsPerRequest) {
    r.error = err(ErrorCode::POLICY_VIOLATION);
    r.message = limits::kTooManyRecordsMessage;
    return r;
  }
  if (validate_only) {
    if (log_->topic(name)) {
      r.error = err(ErrorCode::TOPIC_ALREADY_EXISTS);
      r.message = "Topic '" + name + "' already exists.";
    }
    r.topic = TopicInfo{name, wire::Uuid::random(), partitions, configs};
    return r;
  }
  auto c = log_->create_topic(name, partitions, configs);
  r.error = code(c.error);
  if (c.error == log::Errc::kTopicAlreadyExists) r.message = "Topic '" + name + "' already exists.";
  r.topic = info(c.topic);
  return r;
}

int16_t LevelDbLogStore::delete_topic(const std::string& name) { return code(log_->delete_topic(name)); }

int16_t LevelDbLogStore::create_partitions(const std::string& name, int32_t total) {
  if (auto t = log_->topic(name); t && int64_t{total} - t->partitions > limits::kMaxRecordsPerRequest)
    return err(ErrorCode::POLICY_VIOLATION);
  return code(log_->create_partitions(name, total));
}

int16_t LevelDbLogStore::set_topic_configs(const std::string& name, const ConfigMap& configs) {
  return code(log_->set_topic_configs(name, configs));
}

AppendResult LevelDbLogStore::append(const std::string& topic, int32_t index,
                                     std::span<const std::span<uint8_t>> batches, bool sync,
                                     const MetaRecords& meta) {
  AppendResult r;
  auto p = log_->partition(topic, index);
  if (!p) {
    r.error = err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    return r;
  }
  log::AppendOptions options;
  options.sync = sync;
  log::MetaBatch extra;
  for (const auto& [k, v] : meta) extra.put(k, v);
  if (!extra.empty()) options.extra = &extra;
  auto a = p->append_in_place(batches, options);
  r.error = code(a.error);
  r.base_offset = a.base_offset;
  r.log_start_offset = a.log_start_offset;
  return r;
}

void LevelDbLogStore::write_meta(const MetaRecords& puts, const std::vector<std::string>& erases,
                                 bool sync) {
  log::MetaBatch batch;
  for (const auto& [k, v] : puts) batch.put(k, v);
  for (const auto& k : erases) batch.erase(k);
  if (!batch.empty()) log_->storage().write_meta(batch, sync);
}

ReadResult LevelDbLogStore::read(const std::string& topic, int32_t index, int64_t offset,
                                 int32_t max_bytes, bool min_one) {
  ReadResult r;
  auto p = log_->partition(topic, index);
  if (!p) {
    r.error = err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    return r;
  }
  const size_t limit = static_cast<size_t>(std::max(max_bytes, 0));
  auto got = p->read(offset, limit);
  r.error = code(got.error);
  r.offsets = {got.log_start_offset, got.high_watermark};
  if (got.error != log::Errc::kNone) return r;
  if (min_one || got.records.size() <= limit) {
    r.records = std::move(got.records);
    return r;
  }
  // The log always returns a first batch; without min_one it must fit.
  size_t keep = 0;
  for (const auto& b : got.batches) {
    if (keep + b.size() > limit) break;
    keep += b.size();
  }
  if (keep > 0) r.records = got.records.slice(0, keep);
  return r;
}

std::optional<PartitionOffsets> LevelDbLogStore::offsets(const std::string& topic, int32_t index) {
  auto p = log_->partition(topic, index);
  if (!p) return std::nullopt;
  return PartitionOffsets{p->log_start_offset(), p->high_watermark()};
}

std::optional<LogStore::TimestampOffset> LevelDbLogStore::offset_for_timestamp(
    const std::string& topic, int32_t index, int64_t timestamp) {
  auto p = log_->partition(topic, index);
  if (!p) return std::nullopt;
  auto t = p->offset_for_timestamp(timestamp);
  if (!t) return std::nullopt;
  // The log finds the batch; Kafka answers with the first record at or after `timestamp`.
  try {
    auto batch = record::decode_batch(t->batch.span());
    if (batch.header.attributes.timestamp_type() == record::TimestampType::kCreateTime) {
      for (const auto& r : batch.records) {
        const int64_t ts = record::wrapping_add(batch.header.base_timestamp, r.timestamp_delta);
        const int64_t offset = record::wrapping_add(batch.header.base_offset, r.offset_delta);
        if (ts >= timestamp && offset >= p->log_start_offset()) return TimestampOffset{ts, offset};
      }
    }
  } catch (const std::exception&) {
    // Undecodable records: the batch-level answer.
  }
  return TimestampOffset{t->timestamp, t->offset};
}

std::optional<LogStore::TimestampOffset> LevelDbLogStore::max_timestamp(const std::string& topic,
                                                                        int32_t index) {
  auto p = log_->partition(topic, index);
  if (!p) return std::nullopt;
  auto t = p->max_timestamp();
  if (!t) return std::nullopt;
  return TimestampOffset{t->timestamp, t->offset};
}

std::pair<int16_t, int64_t> LevelDbLogStore::delete_records(const std::string& topic,
                                                            int32_t index, int64_t offset) {
  auto p = log_->partition(topic, index);
  if (!p) return {err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION), -1};
  if (offset == -1) offset = p->high_watermark();  // Kafka: -1 means the high watermark
  if (offset < 0) return {err(ErrorCode::OFFSET_OUT_OF_RANGE), p->log_start_offset()};
  auto d = p->delete_records_before(offset);
  return {code(d.error), d.log_start_offset};
}

int64_t LevelDbLogStore::partition_size(const std::string& topic, int32_t index) {
  auto p = log_->partition(topic, index);
  return p ? p->size_bytes() : 0;
}

}  // namespace chronik::broker
