#include "broker/log/log_manager.h"

#include <leveldb/iterator.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <mutex>
#include <unordered_set>

#include "broker/log/keys.h"
#include "broker/log/leveldb_crc32c.h"
#include "broker/log/producer_state.h"
#include "broker/log/topic_names.h"
#include "generated/state/topic_metadata_value.h"
#include "runtime/wire/reader.h"
#include "runtime/wire/writer.h"
#include "broker/config/loggers.h"

namespace chronik::log {
namespace {

std::optional<int64_t> parse_long(const std::string& s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

// A topic record: its internal number (the prefix of its index keys, big-endian) followed by
// the generated chronik::state::TopicMetadataValue (schemas/state/TopicMetadataValue.json).
std::string encode_topic_meta(const TopicMeta& meta, uint32_t num) {
  state::TopicMetadataValue v;
  v.name = meta.name;
  v.topic_id = meta.id;
  v.partition_count = meta.partitions;
  for (const auto& [k, value] : meta.configs) v.configs.push_back({k, value, {}});
  wire::Writer w;
  v.encode(w, state::TopicMetadataValue::kHighestVersion);
  auto bytes = std::move(w).take_bytes();
  std::string s;
  keys::append_be32(s, num);
  s.append(bytes.begin(), bytes.end());
  return s;
}

std::optional<std::pair<TopicMeta, uint32_t>> decode_topic_meta(std::string_view bytes) {
  if (bytes.size() < 4) return std::nullopt;
  const uint32_t num = static_cast<uint32_t>(load_be32(reinterpret_cast<const uint8_t*>(bytes.data())));
  state::TopicMetadataValue v;
  try {
    wire::Reader r(reinterpret_cast<const uint8_t*>(bytes.data()) + 4, bytes.size() - 4);
    v.decode(r, state::TopicMetadataValue::kHighestVersion);
    if (!r.at_end()) return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (v.partition_count < 0) return std::nullopt;
  TopicMeta meta;
  meta.name = std::move(v.name);
  meta.id = v.topic_id;
  meta.partitions = v.partition_count;
  for (auto& c : v.configs) meta.configs.emplace(std::move(c.name), c.value.value_or(""));
  return std::make_pair(std::move(meta), num);
}

std::unique_ptr<LogManager> LogManager::open(const std::string& dir,
                                             const LogManagerOptions& options) {
  std::unique_ptr<LogManager> m(new LogManager());
  m->options_ = options;
  m->storage_ = Storage::open(dir, options.storage);
  leveldb::DB* db = m->storage_->index_db();

  std::string next;
  leveldb::Status s = db->Get(leveldb::ReadOptions(), std::string(1, keys::kNextTopicNum), &next);
  if (s.ok() && next.size() == 4)
    m->next_topic_num_ = load_be32(reinterpret_cast<const uint8_t*>(next.data()));
  else if (!s.IsNotFound())
    Storage::check(s, "read next topic number");

  const RecoveryScan scan = m->scan_for_recovery();
  size_t partitions = 0, recovered = 0;
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
  std::string prefix(1, keys::kTopic);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    auto decoded = decode_topic_meta(std::string_view(it->value().data(), it->value().size()));
    if (!decoded) {
      ::chronik::config::named_logger("chronik.log").error("log dir {}: unreadable topic record, skipped", dir);
      continue;
    }
    auto t = std::make_shared<Topic>();
    t->meta = std::move(decoded->first);
    t->num = decoded->second;
    m->next_topic_num_ = std::max(m->next_topic_num_, t->num + 1);
    t->partitions.reserve(static_cast<size_t>(t->meta.partitions));
    for (int32_t p = 0; p < t->meta.partitions; ++p) {
      auto partition = m->make_partition(*t, p);
      const uint64_t key = RecoveryScan::key(t->num, static_cast<uint32_t>(p));
      if (scan.needs_recovery.count(key)) {
        partition->recover();
        ++recovered;
      } else if (auto found = scan.states.find(key); found != scan.states.end()) {
        partition->recover_empty(found->second.first, found->second.second);
      } else {
        partition->recover_empty(0, 0);
      }
      t->partitions.push_back(std::move(partition));
    }
    partitions += t->partitions.size();
    m->by_id_[t->meta.id] = t;
    m->by_name_[t->meta.name] = t;
  }
  Storage::check(it->status(), "load topics");
  it.reset();
  m->restore_producer_states();
  m->remove_orphans();
  ::chronik::config::named_logger("chronik.log").info("log dir {}: {} topics, {} partitions loaded, {} of them with data recovered "
               "(LevelDB checksums: {} CRC-32C)",
               dir, m->by_name_.size(), partitions, recovered, leveldb_crc32c_implementation());
  return m;
}

LogManager::RecoveryScan LogManager::scan_for_recovery() const {
  RecoveryScan scan;
  leveldb::ReadOptions ro;
  ro.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(storage_->index_db()->NewIterator(ro));
  // Every state record, in one pass (a partition has one once it was written to).
  const std::string states(1, keys::kPartitionState);
  for (it->Seek(states); it->Valid() && it->key().starts_with(states); it->Next()) {
    if (it->key().size() != 9) continue;
    const auto* k = reinterpret_cast<const uint8_t*>(it->key().data());
    const uint64_t key = RecoveryScan::key(load_be32(k + 1), load_be32(k + 5));
    if (auto state = Partition::parse_state(std::string_view(it->value().data(), it->value().size())))
      scan.states.emplace(key, *state);
    else
      scan.needs_recovery.insert(key);
  }
  Storage::check(it->status(), "scan partition states");
  // One seek per partition that has index entries, skipping over the rest of its keys.
  for (char space : {keys::kBatchIndex, keys::kTimeIndex}) {
    const std::string begin(1, space);
    it->Seek(begin);
    while (it->Valid() && it->key().starts_with(begin) && it->key().size() >= 9) {
      const auto* k = reinterpret_cast<const uint8_t*>(it->key().data());
      const uint32_t num = load_be32(k + 1), partition = load_be32(k + 5);
      scan.needs_recovery.insert(RecoveryScan::key(num, partition));
      if (partition != 0xFFFFFFFFu) {
        std::string next(1, space);
        keys::append_be32(next, num);
        keys::append_be32(next, partition + 1);
        it->Seek(next);
      } else if (num != 0xFFFFFFFFu) {
        it->Seek(keys::topic_range_begin(space, num + 1));
      } else {
        break;
      }
    }
    Storage::check(it->status(), "scan index");
  }
  return scan;
}

LogManager::~LogManager() = default;

std::shared_ptr<Partition> LogManager::make_partition(const Topic& t, int32_t index) {
  auto p = std::make_shared<Partition>(*storage_, t.meta.name, t.meta.id, t.num, index);
  p->set_flush_interval_messages(options_.flush_interval_messages);
  if (options_.on_append) {
    auto cb = options_.on_append;
    std::string name = t.meta.name;
    p->set_append_listener([cb, name, index](int64_t hw) { cb(name, index, hw); });
  }
  return p;
}

void LogManager::persist_topic(const Topic& t, leveldb::WriteBatch& wb) {
  wb.Put(keys::topic_key(t.num), encode_topic_meta(t.meta, t.num));
}

LogManager::CreateResult LogManager::create_topic(const std::string& name, int32_t partitions,
                                                  const std::map<std::string, std::string>& configs,
                                                  wire::Uuid id) {
  CreateResult r;
  if (partitions < 1) {
    r.error = Errc::kInvalidPartitions;
    return r;
  }
  std::unique_lock lock(mu_);
  if (by_name_.count(name)) {
    r.error = Errc::kTopicAlreadyExists;
    r.topic = by_name_[name]->meta;
    return r;
  }
  if (id.is_zero()) {
    do id = wire::Uuid::random();
    while (by_id_.count(id));
  } else if (by_id_.count(id)) {
    r.error = Errc::kTopicAlreadyExists;
    return r;
  }
  auto t = std::make_shared<Topic>();
  t->meta = TopicMeta{name, id, partitions, configs};
  t->num = next_topic_num_;
  // Everything in memory is built before the one write that makes the topic exist: a
  // failure (out of memory) leaves nothing on disk, and a crash either the whole topic
  // (its record names its partition count; empty partitions have no keys) or nothing.
  t->partitions.reserve(static_cast<size_t>(partitions));
  for (int32_t p = 0; p < partitions; ++p) t->partitions.push_back(make_partition(*t, p));
  leveldb::WriteBatch wb;
  persist_topic(*t, wb);
  std::string next;
  keys::append_be32(next, t->num + 1);
  wb.Put(std::string(1, keys::kNextTopicNum), next);
  storage_->write(wb, true);
  ++next_topic_num_;
  by_name_[name] = t;
  by_id_[id] = t;
  r.topic = t->meta;
  log_created(t->meta);
  return r;
}

void LogManager::log_created(const TopicMeta& meta) const {
  if (is_internal_topic(meta.name)) return;  // the broker says why it makes those
  auto& logger = ::chronik::config::named_logger("chronik.log");
  logger.info("created topic {} with {} partition(s), id {}", meta.name, meta.partitions, meta.id.to_base64());
  if (auto it = meta.configs.find("cleanup.policy");
      it != meta.configs.end() && it->second.find("compact") != std::string::npos)
    logger.warn("topic {}: cleanup.policy={} is stored, but Chronik does not compact yet: the topic keeps every "
                "record{}",
                meta.name, it->second,
                it->second.find("delete") != std::string::npos ? " until retention deletes it" : "");
}

void LogManager::delete_range(const std::string& begin, const std::string& end) {
  constexpr size_t kChunk = 4096;
  leveldb::ReadOptions ro;
  ro.fill_cache = false;
  uint64_t first_sequence = UINT64_MAX, last_sequence = 0;
  for (;;) {
    leveldb::WriteBatch wb;
    std::vector<uint64_t> sequences;
    size_t n = 0;
    std::unique_ptr<leveldb::Iterator> it(storage_->index_db()->NewIterator(ro));
    for (it->Seek(begin); it->Valid() && it->key().compare(end) < 0 && n < kChunk; it->Next(), ++n) {
      wb.Delete(it->key());
      if (it->key()[0] == keys::kBatchIndex)
        if (auto location = keys::decode_location(std::string_view(it->value().data(), it->value().size()))) {
          sequences.push_back(location->sequence);
          first_sequence = std::min(first_sequence, location->sequence);
          last_sequence = std::max(last_sequence, location->sequence);
        }
    }
    Storage::check(it->status(), "delete data");
    if (n == 0) break;
    storage_->erase(sequences, wb, false);
    if (n < kChunk) break;
  }
  storage_->compact_index(begin, end);
  if (last_sequence != 0) storage_->compact_batches(first_sequence, last_sequence);
}

Errc LogManager::delete_topic(const std::string& name) {
  std::shared_ptr<Topic> t;
  {
    std::unique_lock lock(mu_);
    auto found = by_name_.find(name);
    if (found == by_name_.end()) return Errc::kUnknownTopicOrPartition;
    t = found->second;
    for (auto& p : t->partitions) p->mark_deleted();  // no append in flight after this
    leveldb::WriteBatch wb;
    wb.Delete(keys::topic_key(t->num));
    for (int32_t p = 0; p < t->meta.partitions; ++p)
      wb.Delete(keys::partition_state_key(t->num, static_cast<uint32_t>(p)));
    try {
      // The topic's producer state goes in the same write.
      for (const auto& [key, value] : storage_->scan_meta(producer_state_prefix(t->meta.id)))
        wb.Delete(keys::meta_key(key));
      storage_->write(wb, true);
    } catch (const StorageError&) {
      // The topic stays as it was: its partitions take appends again.
      for (auto& p : t->partitions) p->unmark_deleted();
      throw;
    }
    by_name_.erase(found);
    by_id_.erase(t->meta.id);
  }
  // The data goes outside the lock; a crash here leaves orphans that open() removes.
  delete_range(keys::topic_range_begin(keys::kTimeIndex, t->num),
               keys::topic_range_end(keys::kTimeIndex, t->num));
  delete_range(keys::topic_range_begin(keys::kAbortedTxnIndex, t->num),
               keys::topic_range_end(keys::kAbortedTxnIndex, t->num));
  delete_range(keys::topic_range_begin(keys::kBatchIndex, t->num),
               keys::topic_range_end(keys::kBatchIndex, t->num));
  return Errc::kNone;
}

void LogManager::restore_producer_states() {
  size_t restored = 0, stale_count = 0;
  leveldb::WriteBatch stale;
  for (const auto& [key, value] : storage_->scan_meta(kProducerStatePrefix)) {
    auto where = parse_producer_state_key(key);
    if (!where) continue;  // not ours
    std::shared_ptr<Partition> p = partition(where->first, where->second);
    if (!p) {  // left behind by a topic deleted during a crash
      stale.Delete(keys::meta_key(key));
      ++stale_count;
      continue;
    }
    if (p->restore_producer_state(value)) ++restored;
    else ::chronik::config::named_logger("chronik.log").warn("log dir {}: ignoring undecodable producer state {}", storage_->dir(), key);
  }
  if (stale_count) storage_->write(stale, false);
  if (restored) ::chronik::config::named_logger("chronik.log").info("log dir {}: restored the state of {} producer(s)", storage_->dir(), restored);
}

void LogManager::remove_orphans() {
  // One seek per topic number present in the batch and time index keyspaces.
  std::unordered_set<uint32_t> known_nums;
  for (const auto& [name, t] : by_name_) known_nums.insert(t->num);
  for (char space : {keys::kBatchIndex, keys::kTimeIndex, keys::kAbortedTxnIndex}) {
    std::vector<uint32_t> orphans;
    {
      std::unique_ptr<leveldb::Iterator> it(storage_->index_db()->NewIterator(leveldb::ReadOptions()));
      std::string begin(1, space);
      it->Seek(begin);
      while (it->Valid() && it->key().starts_with(begin) && it->key().size() >= 5) {
        uint32_t num = keys::batch_key_topic(std::string_view(it->key().data(), it->key().size()));
        if (!known_nums.count(num)) orphans.push_back(num);
        if (num == 0xFFFFFFFFu) break;
        it->Seek(keys::topic_range_begin(space, num + 1));
      }
      Storage::check(it->status(), "scan topics");
    }
    for (uint32_t num : orphans) {
      ::chronik::config::named_logger("chronik.log").warn("log dir {}: removing {} of deleted topic #{}", storage_->dir(),
                   space == keys::kBatchIndex ? "batches" : space == keys::kTimeIndex ? "time index" : "aborted transaction index", num);
      delete_range(keys::topic_range_begin(space, num), keys::topic_range_end(space, num));
    }
  }
}

Errc LogManager::create_partitions(const std::string& name, int32_t total) {
  std::unique_lock lock(mu_);
  auto found = by_name_.find(name);
  if (found == by_name_.end()) return Errc::kUnknownTopicOrPartition;
  Topic& t = *found->second;
  if (total <= t.meta.partitions) return Errc::kInvalidPartitions;
  TopicMeta updated = t.meta;
  updated.partitions = total;
  // Built before the write, as in create_topic: a failure leaves the topic as it was.
  std::vector<std::shared_ptr<Partition>> added;
  added.reserve(static_cast<size_t>(total - t.meta.partitions));
  for (int32_t p = t.meta.partitions; p < total; ++p) added.push_back(make_partition(t, p));
  t.partitions.reserve(static_cast<size_t>(total));
  leveldb::WriteBatch wb;
  wb.Put(keys::topic_key(t.num), encode_topic_meta(updated, t.num));
  storage_->write(wb, true);
  // Readers copy the partition pointer under the shared lock, so growing the vector here
  // (under the unique lock) is safe; the reserve above means it cannot throw now.
  for (auto& p : added) t.partitions.push_back(std::move(p));
  t.meta = std::move(updated);
  return Errc::kNone;
}

Errc LogManager::set_topic_configs(const std::string& name,
                                   const std::map<std::string, std::string>& configs) {
  std::unique_lock lock(mu_);
  auto found = by_name_.find(name);
  if (found == by_name_.end()) return Errc::kUnknownTopicOrPartition;
  Topic& t = *found->second;
  TopicMeta updated = t.meta;
  updated.configs = configs;
  leveldb::WriteBatch wb;
  wb.Put(keys::topic_key(t.num), encode_topic_meta(updated, t.num));
  storage_->write(wb, true);
  t.meta = std::move(updated);
  return Errc::kNone;
}

std::optional<TopicMeta> LogManager::topic(const std::string& name) const {
  std::shared_lock lock(mu_);
  auto found = by_name_.find(name);
  if (found == by_name_.end()) return std::nullopt;
  return found->second->meta;
}

std::optional<TopicMeta> LogManager::topic(const wire::Uuid& id) const {
  std::shared_lock lock(mu_);
  auto found = by_id_.find(id);
  if (found == by_id_.end()) return std::nullopt;
  return found->second->meta;
}

std::vector<TopicMeta> LogManager::topics() const {
  std::shared_lock lock(mu_);
  std::vector<TopicMeta> out;
  out.reserve(by_name_.size());
  for (const auto& [name, t] : by_name_) out.push_back(t->meta);
  return out;
}

std::shared_ptr<Partition> LogManager::partition(const std::string& topic, int32_t index) const {
  std::shared_lock lock(mu_);
  auto found = by_name_.find(topic);
  if (found == by_name_.end() || index < 0 ||
      index >= static_cast<int32_t>(found->second->partitions.size()))
    return nullptr;
  return found->second->partitions[index];
}

std::shared_ptr<Partition> LogManager::partition(const wire::Uuid& topic_id, int32_t index) const {
  std::shared_lock lock(mu_);
  auto found = by_id_.find(topic_id);
  if (found == by_id_.end() || index < 0 ||
      index >= static_cast<int32_t>(found->second->partitions.size()))
    return nullptr;
  return found->second->partitions[index];
}

std::pair<int64_t, int64_t> LogManager::retention_for(const TopicMeta& meta) const {
  if (options_.retention) return options_.retention(meta);
  int64_t ms = options_.retention_ms, bytes = options_.retention_bytes;
  if (auto it = meta.configs.find("retention.ms"); it != meta.configs.end())
    if (auto v = parse_long(it->second)) ms = *v;
  if (auto it = meta.configs.find("retention.bytes"); it != meta.configs.end())
    if (auto v = parse_long(it->second)) bytes = *v;
  // cleanup.policy=compact alone keeps data forever (compaction is not implemented).
  if (auto it = meta.configs.find("cleanup.policy");
      it != meta.configs.end() && it->second.find("delete") == std::string::npos)
    return {-1, -1};
  return {ms, bytes};
}

int64_t LogManager::enforce_retention(int64_t now_ms) {
  std::vector<std::pair<std::pair<int64_t, int64_t>, std::shared_ptr<Partition>>> work;
  {
    std::shared_lock lock(mu_);
    for (const auto& [name, t] : by_name_)
      for (const auto& p : t->partitions) work.emplace_back(retention_for(t->meta), p);
  }
  int64_t deleted = 0;
  for (auto& [limits, p] : work) deleted += p->enforce_retention(now_ms, limits.first, limits.second);
  return deleted;
}

void LogManager::tick(int64_t now_ms) {
  std::unique_lock lock(tick_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return;  // a previous tick is still running
  if (last_retention_ms_ < 0) last_retention_ms_ = now_ms;
  if (last_flush_ms_ < 0) last_flush_ms_ = now_ms;
  if (options_.flush_interval_ms >= 0 && now_ms - last_flush_ms_ >= options_.flush_interval_ms) {
    storage_->flush();
    last_flush_ms_ = now_ms;
  }
  if (now_ms - last_retention_ms_ >= options_.retention_check_interval_ms) {
    enforce_retention(now_ms);
    last_retention_ms_ = now_ms;
  }
}

}  // namespace chronik::log
