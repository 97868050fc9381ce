// Fetch: whole batches from each partition's fetch offset, within partition_max_bytes and
// max_bytes; long poll (the fetch is attempted again when one of its partitions is appended
// to, and reads again only those); fetch sessions with incremental fetches (v7+); topic ids
// (v13+).
//
// The response limit is Kafka's (KafkaApis.handleFetchRequest, ReplicaManager.readFromLog):
// the request's max_bytes capped by fetch.max.bytes (v0-2 have none: the cap), min_bytes
// capped by that; partitions are read in order, each within the smaller of its
// partition_max_bytes and what the response has left, and the first non-empty one returns
// its first batch whatever its size (KIP-74). A negative size reaches Kafka's log read, which
// refuses it: that partition answers UNKNOWN_SERVER_ERROR unless it has nothing to read.
// On top of Kafka's limits, the memory left of queued.max.fetch.bytes caps the response as
// Kafka's quota window does (FetchMemory).
//
// Isolation (v4+, KIP-98): read_committed (isolation_level 1) reads only below each
// partition's last stable offset and gets the aborted transactions overlapping what it read
// (an empty list when none); read_uncommitted gets null there, as from Kafka. Both get the LSO.
// A transaction marker wakes a waiting fetch as an append does (PartitionAppended).
#include <algorithm>
#include <map>

#include "broker/handlers/handlers.h"
#include "broker/handlers/quota_client.h"
#include "runtime/record/batch_header.h"
#include "runtime/record/convert.h"
#include "runtime/record/errors.h"

namespace chronik::broker::handlers {

struct FetchPlan {
  int16_t version = 0;
  int32_t max_wait_ms = 0;
  int32_t min_bytes = 0;
  int32_t max_bytes = INT32_MAX;
  int16_t top_error = 0;
  bool read_committed = false;
  // The requester, kept for the reads of later attempts (READ on each topic).
  RequestContext who;
  int32_t response_session_id = 0;
  std::shared_ptr<FetchSession> session;  // set for sessions (full or incremental)
  bool incremental = false;
  // Partitions this fetch reads: the session's when there is one, else the request's.
  std::vector<SessionPartition> sessionless;
  std::vector<WaitKey> wait_keys;
  // The request's own partitions by topic name (v0-12), which an error response names.
  std::vector<std::pair<std::string, std::vector<int32_t>>> requested;

  // What the last attempt read of a partition, kept until the partition is appended to: a
  // woken fetch reads again only what changed. Its records count in queued.max.fetch.bytes.
  // What moves without an append (the log start after retention or DeleteRecords, a
  // deleted topic) shows in the next fetch, at most max_wait_ms later.
  struct LastRead {
    int64_t fetch_offset = 0;
    int64_t limit = 0;  // the limit it was read within
    bool min_one = false;
    bool to_end = false;  // it holds everything up to the high watermark
    int64_t size = 0;     // bytes read (before any down-conversion)
    m::FetchResponse::PartitionData data;
  };
  std::map<std::pair<std::string, int32_t>, LastRead> last;
};

namespace {

// The topic named by the request: by id from v13, else by name.
std::optional<TopicInfo> resolve(Broker& broker, int16_t version, const std::string& name,
                                 const wire::Uuid& id) {
  return version >= 13 ? broker.store->find_topic(id) : broker.store->find_topic(name);
}

void upsert(std::vector<SessionPartition>& parts, SessionPartition p) {
  for (auto& q : parts) {
    if (q.topic == p.topic && q.topic_id == p.topic_id && q.partition == p.partition) {
      q.fetch_offset = p.fetch_offset;
      q.max_bytes = p.max_bytes;
      q.log_start_offset = p.log_start_offset;
      return;
    }
  }
  parts.push_back(std::move(p));
}

std::vector<SessionPartition> requested(Broker& broker, const m::FetchRequest& req,
                                        int16_t version) {
  std::vector<SessionPartition> out;
  for (const auto& t : req.topics) {
    auto topic = resolve(broker, version, t.topic, t.topic_id);
    for (const auto& p : t.partitions) {
      SessionPartition sp;
      sp.topic = topic ? topic->name : t.topic;
      sp.topic_id = version >= 13 ? t.topic_id : (topic ? topic->id : wire::Uuid{});
      sp.partition = p.partition;
      sp.fetch_offset = p.fetch_offset;
      sp.max_bytes = p.partition_max_bytes;
      sp.log_start_offset = p.log_start_offset;
      out.push_back(std::move(sp));
    }
  }
  return out;
}

std::shared_ptr<FetchPlan> prepare(Broker& broker, const Ctx& ctx, m::FetchRequest& req) {
  auto plan = std::make_shared<FetchPlan>();
  const int16_t v = ctx.api_version;
  plan->version = v;
  plan->who.principal = ctx.principal;
  plan->who.peer = ctx.peer;
  plan->who.client_id = ctx.client_id;  // its quota
  plan->max_wait_ms = std::max(req.max_wait_ms, 0);
  const int32_t fetch_max_bytes = broker.config()->get_int("fetch.max.bytes");
  plan->max_bytes = v >= 3 ? std::min(req.max_bytes, fetch_max_bytes) : fetch_max_bytes;
  // A consumer with a byte-rate quota gets no more at once than its quota lets through.
  if (const auto quota = broker.quotas.max_bytes_in_window(ClientQuotaType::kFetch, quota_user(ctx), quota_client_id(ctx)))
    plan->max_bytes = static_cast<int32_t>(std::min<int64_t>(plan->max_bytes, *quota));
  plan->min_bytes = std::min(req.min_bytes, plan->max_bytes);
  plan->read_committed = v >= 4 && req.isolation_level == 1;
  if (v < 13) {
    for (const auto& t : req.topics) {
      auto& named = plan->requested.emplace_back(t.topic, std::vector<int32_t>{});
      for (const auto& p : t.partitions) named.second.push_back(p.partition);
    }
  }
  auto& sessions = broker.fetch_sessions;
  if (v >= 7 && req.session_id != 0) {
    if (req.session_epoch == -1 || req.session_epoch == 0) {
      sessions.remove(req.session_id);  // closing (and maybe starting a new one below)
    } else {
      auto s = sessions.find(req.session_id);
      if (!s) {
        plan->top_error = err(ErrorCode::FETCH_SESSION_ID_NOT_FOUND);
        return plan;
      }
      std::lock_guard lock(s->mu);
      if (req.session_epoch != s->next_epoch) {
        plan->top_error = err(ErrorCode::INVALID_FETCH_SESSION_EPOCH);
        return plan;
      }
      s->next_epoch = s->next_epoch == INT32_MAX ? 1 : s->next_epoch + 1;
      for (auto& p : requested(broker, req, v)) upsert(s->partitions, std::move(p));
      for (const auto& f : req.forgotten_topics_data) {
        std::erase_if(s->partitions, [&](const SessionPartition& p) {
          const bool same_topic = v >= 13 ? p.topic_id == f.topic_id : p.topic == f.topic;
          return same_topic &&
                 std::find(f.partitions.begin(), f.partitions.end(), p.partition) != f.partitions.end();
        });
      }
      plan->session = s;
      plan->incremental = true;
      plan->response_session_id = s->id;
    }
  }
  if (!plan->session) {
    plan->sessionless = requested(broker, req, v);
    if (v >= 7 && req.session_epoch == 0) {
      auto s = broker.fetch_sessions.create();
      std::lock_guard lock(s->mu);
      s->partitions = plan->sessionless;
      plan->session = s;
      plan->response_session_id = s->id;
    }
  }
  const auto& parts = plan->session ? plan->session->partitions : plan->sessionless;
  for (const auto& p : parts) plan->wait_keys.emplace_back(PartitionAppended{p.topic, p.partition});
  return plan;
}

// Fetch v0-3 predate record batches: v0-1 read magic 0 messages, v2-3 magic 1, as Kafka
// down-converts for them.
void down_convert(int16_t version, m::FetchResponse::PartitionData& d) {
  chronik::record::DownConvertOptions options;
  options.magic = version <= 1 ? chronik::record::kMagicV0 : chronik::record::kMagicV1;
  try {
    d.records = wire::SharedBytes::adopt(chronik::record::down_convert(d.records->span(), options));
  } catch (const chronik::record::RecordException& e) {
    d.records = wire::SharedBytes();
    d.error_code = e.error() == chronik::record::RecordError::kUnsupportedConversion
                       ? err(ErrorCode::UNSUPPORTED_COMPRESSION_TYPE)
                       : err(ErrorCode::CORRUPT_MESSAGE);
  }
}

// The offset after the last batch of `records`: whole v2 batches, as the store returns them.
int64_t end_offset(const wire::SharedBytes& records) {
  constexpr size_t kLengthAt = 8, kLastOffsetDeltaAt = 23;
  int64_t end = -1;
  for (size_t at = 0; at + kLastOffsetDeltaAt + 4 <= records.size();) {
    const uint8_t* batch = records.data() + at;
    end = chronik::record::load_be64(batch) + chronik::record::load_be32(batch + kLastOffsetDeltaAt) + 1;
    const int32_t length = chronik::record::load_be32(batch + kLengthAt);
    if (length <= 0) break;
    at += 12 + static_cast<size_t>(length);
  }
  return end;
}

struct FetchAttempt {
  m::FetchResponse response;
  bool satisfied = false;
};

// Whether what `last` read can stand for a read within `limit` now, the partition not having
// been appended to since: read within the same bounds, or everything up to the high
// watermark, which still fits.
bool still_valid(const FetchPlan::LastRead& last, int64_t fetch_offset, int64_t limit, bool min_one) {
  if (last.fetch_offset != fetch_offset) return false;
  if (last.limit == limit && last.min_one == min_one) return true;
  return last.to_end && limit >= 0 && last.size <= limit;
}

// Reads the partitions (those not appended to since the last attempt keep what it read) and
// answers when min_bytes is reached, a partition fails, or `final`.
FetchAttempt attempt(Broker& broker, FetchPlan& plan, bool final) {
  FetchAttempt out;
  auto& resp = out.response;
  const int16_t v = plan.version;
  resp.session_id = v >= 7 ? plan.response_session_id : 0;
  if (plan.top_error) {
    resp.error_code = plan.top_error;
    resp.session_id = 0;
    out.satisfied = true;
    return out;
  }
  std::unique_lock<std::mutex> session_lock;
  if (plan.session) session_lock = std::unique_lock(plan.session->mu);
  auto& parts = plan.session ? plan.session->partitions : plan.sessionless;

  // What this response may hold beyond its first batch: Kafka's limit, within the budget.
  // (Records kept from the last attempt already count in the budget: under pressure they
  // count twice here, which can only make the response smaller.)
  struct Reserved {
    FetchMemory& memory;
    FetchMemory::Reservation r;
    ~Reserved() { memory.release(r); }
  } reserved{broker.fetch_memory,
             broker.fetch_memory.reserve(plan.max_bytes, broker.config()->get_long("queued.max.fetch.bytes"))};
  int64_t limit_bytes = plan.max_bytes < 0 ? plan.max_bytes : reserved.r.bytes;
  bool min_one = true;

  int64_t total = 0;
  bool any_error = false;
  // Whether the response's limit (not a partition's) left data unread: Kafka, which cuts the
  // last batch short, has min_bytes (capped by that limit) then; whole batches may not.
  bool full = false;
  struct Item {
    SessionPartition* part;
    m::FetchResponse::PartitionData data;
  };
  std::vector<Item> items;
  for (auto& p : parts) {
    const int64_t limit = std::min<int64_t>(p.max_bytes, limit_bytes);
    // KIP-74: the first batch of the response is returned even when it is too big.
    const bool first = min_one && limit >= 0;
    auto key = std::make_pair(p.topic, p.partition);
    auto cached = plan.last.find(key);
    if (cached != plan.last.end() && !still_valid(cached->second, p.fetch_offset, limit, first)) {
      plan.last.erase(cached);
      cached = plan.last.end();
    }
    if (cached == plan.last.end()) {
      m::FetchResponse::PartitionData d;
      d.partition_index = p.partition;
      d.records = wire::SharedBytes();
      d.aborted_transactions = std::nullopt;
      auto topic = v >= 13 ? broker.store->find_topic(p.topic_id) : broker.store->find_topic(p.topic);
      if (!topic && v >= 13) {
        d.error_code = err(ErrorCode::UNKNOWN_TOPIC_ID);
        d.high_watermark = -1;
      } else if (!authorized_topic(broker, plan.who, AclOperation::kRead, topic ? topic->name : p.topic)) {
        // READ on the topic, checked before its existence, as Kafka.
        d.error_code = err(ErrorCode::TOPIC_AUTHORIZATION_FAILED);
        d.high_watermark = -1;
      } else if (!topic) {
        d.error_code = err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
        d.high_watermark = -1;
      } else if (p.partition < 0 || p.partition >= topic->partitions) {
        d.error_code = err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
        d.high_watermark = -1;
      } else {
        const int32_t max = static_cast<int32_t>(std::max<int64_t>(limit, 0));
        auto r = plan.read_committed ? broker.store->read_committed(p.topic, p.partition, p.fetch_offset, max, first)
                                     : broker.store->read(p.topic, p.partition, p.fetch_offset, max, first);
        if (limit < 0 && r.error == 0 && p.fetch_offset < r.offsets.high_watermark) {
          r.error = err(ErrorCode::UNKNOWN_SERVER_ERROR);
          r.offsets = {-1, -1};
          r.records = wire::SharedBytes();
        }
        d.error_code = r.error;
        d.high_watermark = r.offsets.high_watermark;
        d.last_stable_offset = r.offsets.lso();
        d.log_start_offset = r.offsets.log_start_offset;
        if (r.error == 0) {
          if (plan.read_committed) {
            d.aborted_transactions.emplace();
            for (const auto& a : r.aborted_transactions) {
              auto& t = d.aborted_transactions->emplace_back();
              t.producer_id = a.producer_id;
              t.first_offset = a.first_offset;
            }
          }
          FetchPlan::LastRead read;
          read.fetch_offset = p.fetch_offset;
          read.limit = limit;
          read.min_one = first;
          // Everything it may read: up to the LSO for read_committed.
          const int64_t readable_end = plan.read_committed ? r.offsets.lso() : r.offsets.high_watermark;
          read.to_end = (r.records.empty() ? p.fetch_offset : end_offset(r.records)) >= readable_end;
          read.size = static_cast<int64_t>(r.records.size());
          d.records = std::move(r.records);
          if (v <= 3 && !d.records->empty()) down_convert(v, d);
          // Counted from now on, whether it is sent or kept for the next attempt.
          d.records = broker.fetch_memory.hold(std::move(*d.records));
          read.data = std::move(d);
          cached = plan.last.emplace(std::move(key), std::move(read)).first;
        }
      }
      if (cached == plan.last.end()) {
        any_error = true;
        limit_bytes = std::max<int64_t>(limit_bytes, 0);  // it read nothing; a negative limit is spent
        items.push_back({&p, std::move(d)});
        continue;
      }
    }
    auto& read = cached->second;
    if (read.data.error_code) any_error = true;  // a failed down-conversion
    if (!read.to_end && limit >= 0 && limit < p.max_bytes) full = true;
    total += read.size;
    if (read.size > 0) min_one = false;
    limit_bytes = std::max<int64_t>(limit_bytes - read.size, 0);
    items.push_back({&p, read.data});
  }
  out.satisfied = any_error || full || total >= plan.min_bytes || (total > 0 && plan.min_bytes <= 0);
  if (!out.satisfied && !final) return out;
  out.satisfied = true;

  if (broker.quotas.any()) {
    int64_t bytes = 0;
    for (const auto& item : items) bytes += item.data.records ? static_cast<int64_t>(item.data.records->size()) : 0;
    const auto user = quota_user(plan.who), client = quota_client_id(plan.who);
    const int64_t now = now_ms();
    resp.throttle_time_ms = broker.quotas.record(ClientQuotaType::kFetch, user, client, bytes, now);
    if (resp.throttle_time_ms > 0) {
      // Kafka answers a throttled fetch empty and does not count what it did not send; the
      // consumer fetches the same offsets again once its back-off is over.
      broker.quotas.unrecord(ClientQuotaType::kFetch, user, client, bytes, now);
      plan.last.clear();
      return out;
    }
  }

  // Build the response, grouping consecutive partitions of one topic.
  for (auto& [part, data] : items) {
    if (plan.incremental) {
      const bool news = data.error_code != 0 || !data.records->empty() ||
                        data.high_watermark != part->last_high_watermark ||
                        data.log_start_offset != part->last_log_start;
      if (!news) continue;
    }
    if (!data.records->empty()) broker.metrics.record_fetch(part->topic, data.records->size());
    part->last_high_watermark = data.high_watermark;
    part->last_log_start = data.log_start_offset;
    if (resp.responses.empty() || resp.responses.back().topic != (v >= 13 ? "" : part->topic) ||
        resp.responses.back().topic_id != (v >= 13 ? part->topic_id : wire::Uuid{})) {
      m::FetchResponse::FetchableTopicResponse t;
      if (v >= 13) t.topic_id = part->topic_id;
      else t.topic = part->topic;
      resp.responses.push_back(std::move(t));
    }
    resp.responses.back().partitions.push_back(std::move(data));
  }
  plan.last.clear();  // answered: the records now belong to the response
  return out;
}

// Kafka's FetchRequest.getErrorResponse: the top-level error and, before v13 (whose clients
// read the top-level error), every partition of the request with it.
m::FetchResponse error_response(const FetchPlan& plan, int16_t error) {
  m::FetchResponse resp;
  resp.error_code = error;
  resp.session_id = 0;
  for (const auto& [topic, partitions] : plan.requested) {
    auto& t = resp.responses.emplace_back();
    t.topic = topic;
    for (int32_t index : partitions) {
      auto& d = t.partitions.emplace_back();
      d.partition_index = index;
      d.error_code = error;
      d.high_watermark = -1;
      d.last_stable_offset = -1;
      d.log_start_offset = -1;
      d.records = wire::SharedBytes();
      d.aborted_transactions = std::nullopt;
    }
  }
  return resp;
}

}  // namespace

Deferred<m::FetchResponse> handle(Broker& broker, const Ctx& ctx, m::FetchRequest& req) {
  auto plan = prepare(broker, ctx, req);
  Deferred<m::FetchResponse> d;
  d.failed = [plan](int16_t error) { return error_response(*plan, error); };
  if (plan->top_error || plan->min_bytes <= 0 || plan->max_wait_ms <= 0) {
    d.ready = attempt(broker, *plan, true).response;
    return d;
  }
  d.wait_keys = std::move(plan->wait_keys);
  d.max_wait_ms = plan->max_wait_ms;
  d.waiting = &broker.metrics.waiting_fetches;
  d.retry = [&broker, plan](const std::vector<WaitKey>& fired, bool final) -> std::optional<m::FetchResponse> {
    for (const auto& key : fired)
      if (const auto* appended = std::get_if<PartitionAppended>(&key))
        plan->last.erase({appended->topic, appended->partition});
    auto a = attempt(broker, *plan, final);
    if (!a.satisfied) return std::nullopt;
    return std::move(a.response);
  };
  return d;
}

}  // namespace chronik::broker::handlers
