#include "broker/log/leveldb_log_store.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "broker/log/request_limits.h"
#include "runtime/record/batch.h"
#include "runtime/record/timestamp_search.h"
#include "broker/config/loggers.h"

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
    case log::Errc::kOutOfOrderSequenceNumber: return err(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER);
    case log::Errc::kInvalidProducerEpoch: return err(ErrorCode::INVALID_PRODUCER_EPOCH);
    case log::Errc::kInvalidTxnState: return err(ErrorCode::INVALID_TXN_STATE);
    case log::Errc::kTransactionCoordinatorFenced: return err(ErrorCode::TRANSACTION_COORDINATOR_FENCED);
  }
  return err(ErrorCode::UNKNOWN_SERVER_ERROR);
}

TopicInfo info(const log::TopicMeta& m) { return TopicInfo{m.name, m.id, m.partitions, m.configs}; }

constexpr int16_t kStorageError = err(ErrorCode::KAFKA_STORAGE_ERROR);

// A failed dir is reopened once this much more space is available than when it failed (or
// when a reopen failed), or after kReopenRetryMs whatever the free space: reopening a dir
// that is still full only fails again, and replays up to a write buffer of log each time.
// (LevelDB deletes the table a failed compaction had begun before a write reports that
// failure, so the space it frees is in the baseline already.)
constexpr uint64_t kReopenFreeMargin = uint64_t{4} << 20;
constexpr int64_t kReopenRetryMs = 60000;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What reopening writes before it can go on: LevelDB appends to the newest log of each
// database but first writes every older one out as a table (there are two while a full
// memtable waits to be flushed, which is when a full disk often shows).
uint64_t bytes_to_recover(const std::string& dir) {
  uint64_t total = 0;
  for (const char* db : {"batches", "index"}) {
    std::vector<std::pair<std::string, uint64_t>> logs;
    std::error_code ec;
    // Incremented with an error_code: tick() never throws.
    for (std::filesystem::directory_iterator it(std::filesystem::path(dir) / db, ec), end; !ec && it != end;
         it.increment(ec))
      if (it->path().extension() == ".log") logs.emplace_back(it->path().filename().string(), it->file_size(ec));
    std::sort(logs.begin(), logs.end(), [](const auto& a, const auto& b) {
      return a.first.size() != b.first.size() ? a.first.size() < b.first.size() : a.first < b.first;
    });
    for (size_t i = 0; i + 1 < logs.size(); ++i) total += logs[i].second;
  }
  return total;
}

uint64_t available_bytes(const std::string& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

}  // namespace

LevelDbLogStore::LevelDbLogStore(const std::string& dir, const log::LogManagerOptions& options)
    : dir_(dir), options_(options), log_(log::LogManager::open(dir, options)) {}

template <class F, class R>
R LevelDbLogStore::with_log(const char* what, F&& f, R failed) {
  std::shared_lock lock(mu_);
  if (!log_) return failed;
  try {
    return f(*log_);
  } catch (const log::StorageError& e) {
    note_error(what, e.what());
    return failed;
  } catch (const std::exception& e) {
    // Not the engine's (out of memory, mostly): that call's error, answered as a storage
    // error all the same, so that the request gets an answer and the connection stays.
    ::chronik::config::named_logger("chronik.log").error("log dir {}: {} failed: {}", dir_, what, e.what());
    return failed;
  }
}

void LevelDbLogStore::note_error(const char* what, const std::string& message) {
  // REQUIRES (callers): mu_ held shared and log_ set.
  if (!log_->storage().failed()) {
    // A read that failed (an unreadable table): that call's error only.
    ::chronik::config::named_logger("chronik.log").error("log dir {}: {} failed: {}", dir_, what, message);
    return;
  }
  std::lock_guard lock(failure_mu_);
  if (failure_) return;  // said once, when it failed
  failure_ = what + std::string(": ") + message;
  free_at_failure_ = available_bytes(dir_);
  last_reopen_ms_ = wall_ms();
  ::chronik::config::named_logger("chronik.log").error("log dir {} failed: {} failed: {}. Writes answer KAFKA_STORAGE_ERROR and "
                "/v1/health/ready answers 503 until it is reopened, once {} MiB more are free "
                "(or in a minute); reads go on.",
                dir_, what, message, kReopenFreeMargin >> 20);
}

void LevelDbLogStore::reopen() {
  std::unique_lock lock(mu_);
  if (log_) {
    topics_.clear();
    for (const auto& t : log_->topics()) topics_.push_back(info(t));
    log_.reset();  // closes the databases: LevelDB cannot reopen what it still holds
  }
  try {
    log_ = log::LogManager::open(dir_, options_);
  } catch (const std::exception& e) {
    std::lock_guard failure_lock(failure_mu_);
    free_at_failure_ = available_bytes(dir_);
    log_open_ = false;
    ::chronik::config::named_logger("chronik.log").warn("log dir {}: reopening failed, tried again once free space grows: {}", dir_, e.what());
    return;
  }
  topics_.clear();
  std::lock_guard failure_lock(failure_mu_);
  log_open_ = true;
  ::chronik::config::named_logger("chronik.log").warn("log dir {} reopened after it failed ({}): writes resume", dir_, *failure_);
  failure_.reset();
}

void LevelDbLogStore::tick(int64_t now) {
  bool reopen_now = false;
  {
    std::lock_guard lock(failure_mu_);
    // A reopen that fails for want of space leaves nothing open (reads fail too), so it
    // waits until the logs it must write out fit.
    const uint64_t available = available_bytes(dir_);
    if (failure_ &&
        (available >= free_at_failure_ + kReopenFreeMargin || now - last_reopen_ms_ >= kReopenRetryMs) &&
        (!log_open_ || available >= bytes_to_recover(dir_) + kReopenFreeMargin)) {
      reopen_now = true;
      last_reopen_ms_ = now;
    }
  }
  if (reopen_now) reopen();
  with_log("housekeeping", [now](log::LogManager& log) { log.tick(now); return 0; }, 0);
}

void LevelDbLogStore::flush() {
  with_log("flush", [](log::LogManager& log) { log.flush(); return 0; }, 0);
}

std::optional<std::string> LevelDbLogStore::storage_error() {
  std::lock_guard lock(failure_mu_);
  return failure_;
}

std::optional<TopicInfo> LevelDbLogStore::find_topic(const std::string& name) {
  std::shared_lock lock(mu_);
  if (!log_) {
    for (const auto& t : topics_)
      if (t.name == name) return t;
    return std::nullopt;
  }
  auto t = log_->topic(name);
  return t ? std::optional<TopicInfo>(info(*t)) : std::nullopt;
}

std::optional<TopicInfo> LevelDbLogStore::find_topic(const wire::Uuid& id) {
  std::shared_lock lock(mu_);
  if (!log_) {
    for (const auto& t : topics_)
      if (t.id == id) return t;
    return std::nullopt;
  }
  auto t = log_->topic(id);
  return t ? std::optional<TopicInfo>(info(*t)) : std::nullopt;
}

std::vector<TopicInfo> LevelDbLogStore::list_topics() {
  std::shared_lock lock(mu_);
  if (!log_) return topics_;
  std::vector<TopicInfo> out;
  for (const auto& t : log_->topics()) out.push_back(info(t));
  return out;
}

CreateTopicResult LevelDbLogStore::create_topic(const std::string& name, int32_t partitions,
                                                const ConfigMap& configs, bool validate_only) {
  CreateTopicResult failed;
  failed.error = kStorageError;
  failed.message = "the log dir cannot be written";
  // Every path that creates topics (CreateTopics, Metadata, the admin endpoint) ends here:
  // refuse before anything is built or persisted.
  if (limits::topic_records(partitions, static_cast<int64_t>(configs.size())) > limits::kMaxRecordsPerRequest) {
    CreateTopicResult r;
    r.error = err(ErrorCode::POLICY_VIOLATION);
    r.message = limits::kTooManyRecordsMessage;
    return r;
  }
  return with_log("create topic", [&](log::LogManager& log) {
    CreateTopicResult r;
    if (validate_only) {
      if (log.topic(name)) {
        r.error = err(ErrorCode::TOPIC_ALREADY_EXISTS);
        r.message = "Topic '" + name + "' already exists.";
      }
      r.topic = TopicInfo{name, wire::Uuid::random(), partitions, configs};
      return r;
    }
    auto c = log.create_topic(name, partitions, configs);
    r.error = code(c.error);
    if (c.error == log::Errc::kTopicAlreadyExists) r.message = "Topic '" + name + "' already exists.";
    r.topic = info(c.topic);
    return r;
  }, failed);
}

int16_t LevelDbLogStore::delete_topic(const std::string& name) {
  return with_log("delete topic", [&](log::LogManager& log) { return code(log.delete_topic(name)); },
                  kStorageError);
}

int16_t LevelDbLogStore::create_partitions(const std::string& name, int32_t total) {
  return with_log("create partitions", [&](log::LogManager& log) -> int16_t {
    if (auto t = log.topic(name); t && int64_t{total} - t->partitions > limits::kMaxRecordsPerRequest)
      return err(ErrorCode::POLICY_VIOLATION);
    return code(log.create_partitions(name, total));
  }, kStorageError);
}

int16_t LevelDbLogStore::set_topic_configs(const std::string& name, const ConfigMap& configs) {
  return with_log("alter topic configs",
                  [&](log::LogManager& log) { return code(log.set_topic_configs(name, configs)); },
                  kStorageError);
}

AppendResult LevelDbLogStore::append(const std::string& topic, int32_t index,
                                     std::span<const std::span<uint8_t>> batches, bool sync) {
  AppendResult failed;
  failed.error = kStorageError;
  return with_log("append", [&](log::LogManager& log) {
    AppendResult r;
    auto p = log.partition(topic, index);
    if (!p) {
      r.error = err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
      return r;
    }
    log::AppendOptions options;
    options.sync = sync;
    auto a = p->append_in_place(batches, options);
    r.error = code(a.error);
    r.base_offset = a.base_offset;
    r.log_start_offset = a.log_start_offset;
    r.duplicate = a.duplicate;
    return r;
  }, failed);
}

int16_t LevelDbLogStore::write_meta(const MetaRecords& puts, const std::vector<std::string>& erases,
                                    bool sync) {
  log::MetaBatch batch;
  for (const auto& [k, v] : puts) batch.put(k, v);
  for (const auto& k : erases) batch.erase(k);
  if (batch.empty()) return 0;
  return with_log("write metadata", [&](log::LogManager& log) {
    log.storage().write_meta(batch, sync);
    return int16_t{0};
  }, kStorageError);
}

int16_t LevelDbLogStore::put_meta(const std::string& key, const std::optional<std::string>& value) {
  return with_log("write metadata", [&](log::LogManager& log) {
    if (value) log.storage().put_meta(key, *value, true);
    else log.storage().erase_meta(key, true);
    return int16_t{0};
  }, kStorageError);
}

// Throws log::StorageError, as before: its callers load state at start-up, where an empty
// answer would silently drop groups and offsets.
std::vector<std::pair<std::string, std::string>> LevelDbLogStore::scan_meta(const std::string& prefix) {
  std::shared_lock lock(mu_);
  if (!log_) throw log::StorageError("log dir " + dir_ + " is not open: reopening it failed");
  return log_->storage().scan_meta(prefix);
}

std::optional<std::string> LevelDbLogStore::engine_property(const std::string& name) {
  return with_log("read a property",
                  [&](log::LogManager& log) { return log.storage().property(name); },
                  std::optional<std::string>{});
}

ReadResult LevelDbLogStore::read(const std::string& topic, int32_t index, int64_t offset,
                                 int32_t max_bytes, bool min_one) {
  return read_isolated(topic, index, offset, max_bytes, min_one, false);
}

ReadResult LevelDbLogStore::read_committed(const std::string& topic, int32_t index, int64_t offset,
                                           int32_t max_bytes, bool min_one) {
  return read_isolated(topic, index, offset, max_bytes, min_one, true);
}

ReadResult LevelDbLogStore::read_isolated(const std::string& topic, int32_t index, int64_t offset,
                                          int32_t max_bytes, bool min_one, bool committed) {
  ReadResult failed;
  failed.error = kStorageError;
  return with_log("read", [&](log::LogManager& log) {
    ReadResult r;
    auto p = log.partition(topic, index);
    if (!p) {
      r.error = err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
      return r;
    }
    const size_t limit = static_cast<size_t>(std::max(max_bytes, 0));
    auto got = committed ? p->read_committed(offset, limit) : p->read(offset, limit);
    r.error = code(got.error);
    r.offsets = {got.log_start_offset, got.high_watermark, got.last_stable_offset};
    if (got.error != log::Errc::kNone) return r;
    for (const auto& t : got.aborted) r.aborted_transactions.push_back({t.producer_id, t.first_offset});
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
  }, failed);
}

std::optional<PartitionOffsets> LevelDbLogStore::offsets(const std::string& topic, int32_t index) {
  return with_log("offsets", [&](log::LogManager& log) -> std::optional<PartitionOffsets> {
    auto p = log.partition(topic, index);
    if (!p) return std::nullopt;
    // The LSO before the HW: read the other way round, an append between the two could
    // show an LSO above the HW.
    const int64_t lso = p->last_stable_offset();
    return PartitionOffsets{p->log_start_offset(), std::max(p->high_watermark(), lso), lso};
  }, std::optional<PartitionOffsets>{});
}

int16_t LevelDbLogStore::write_txn_marker(const std::string& topic, int32_t index, int64_t producer_id,
                                          int16_t producer_epoch, int32_t coordinator_epoch, bool commit) {
  return with_log("write transaction marker", [&](log::LogManager& log) -> int16_t {
    auto p = log.partition(topic, index);
    if (!p) return err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    log::AppendOptions options;
    options.sync = true;  // the coordinator moves on to complete the transaction once it returns
    return code(p->append_marker(producer_id, producer_epoch, coordinator_epoch, commit, wall_ms(), options).error);
  }, kStorageError);
}

LogStore::ProducersResult LevelDbLogStore::describe_producers(const std::string& topic, int32_t index) {
  ProducersResult failed;
  failed.error = kStorageError;
  return with_log("describe producers", [&](log::LogManager& log) {
    ProducersResult r;
    auto p = log.partition(topic, index);
    if (!p) {
      r.error = err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
      return r;
    }
    for (const auto& [id, e] : p->producers()) {
      ProducerDescription d;
      d.producer_id = id;
      d.producer_epoch = e.epoch;
      d.last_sequence = e.recent.empty() ? -1 : e.recent.back().last_seq;
      d.last_timestamp = e.last_timestamp;
      d.coordinator_epoch = e.coordinator_epoch;
      d.current_txn_start_offset = e.current_txn_first_offset;
      r.producers.push_back(d);
    }
    return r;
  }, failed);
}

std::optional<LogStore::TimestampOffset> LevelDbLogStore::offset_for_timestamp(
    const std::string& topic, int32_t index, int64_t timestamp) {
  return with_log("offset for timestamp", [&](log::LogManager& log) -> std::optional<TimestampOffset> {
    auto p = log.partition(topic, index);
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
    } catch (const log::StorageError&) {
      throw;
    } catch (const std::exception&) {
      // Undecodable records: the batch-level answer.
    }
    return TimestampOffset{t->timestamp, t->offset};
  }, std::optional<TimestampOffset>(TimestampOffset{-1, -1, kStorageError}));
}

std::optional<LogStore::TimestampOffset> LevelDbLogStore::max_timestamp(const std::string& topic,
                                                                        int32_t index) {
  return with_log("max timestamp", [&](log::LogManager& log) -> std::optional<TimestampOffset> {
    auto p = log.partition(topic, index);
    if (!p) return std::nullopt;
    auto t = p->max_timestamp();
    if (!t) return std::nullopt;
    // The log finds the batch; Kafka answers with the first record that carries the timestamp.
    try {
      const auto r = record::record_with_max_timestamp(t->batch.span());
      return TimestampOffset{r.timestamp, r.offset};
    } catch (const std::exception&) {
      // Undecodable records: the batch-level answer.
    }
    return TimestampOffset{t->timestamp, t->offset};
  }, std::optional<TimestampOffset>(TimestampOffset{-1, -1, kStorageError}));
}

std::pair<int16_t, int64_t> LevelDbLogStore::delete_records(const std::string& topic,
                                                            int32_t index, int64_t offset) {
  return with_log("delete records", [&](log::LogManager& log) -> std::pair<int16_t, int64_t> {
    auto p = log.partition(topic, index);
    if (!p) return {err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION), -1};
    if (offset == -1) offset = p->high_watermark();  // Kafka: -1 means the high watermark
    if (offset < 0) return {err(ErrorCode::OFFSET_OUT_OF_RANGE), p->log_start_offset()};
    auto d = p->delete_records_before(offset);
    return {code(d.error), d.log_start_offset};
  }, std::pair<int16_t, int64_t>{kStorageError, -1});
}

int64_t LevelDbLogStore::partition_size(const std::string& topic, int32_t index) {
  return with_log("partition size", [&](log::LogManager& log) -> int64_t {
    auto p = log.partition(topic, index);
    return p ? p->size_bytes() : 0;
  }, int64_t{0});
}

}  // namespace chronik::broker
