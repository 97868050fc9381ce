// Produce: validates each partition's records (runtime/record/validator.h), converts old
// clients' v0/v1 message sets to a v2 batch and appends (the log checks idempotent
// producers' sequences). Errors are per partition. acks=0 gets no response, and a failed
// acks=0 produce closes the connection. From v13 (KIP-516) topics are named by id, in the
// request and in the response; an id no topic has is UNKNOWN_TOPIC_ID, as Kafka 4.4 answers.
// Transactional records (the first batch of a partition's records has isTransactional) need a
// transactional id in the request, as in Kafka, which authorizes WRITE on it before anything
// else: without one every partition answers TRANSACTIONAL_ID_AUTHORIZATION_FAILED. The
// partition then opens the producer's transaction (LogStore::append).
// From v12 (KIP-890 part 2, transactions v2) the producer does not send AddPartitionsToTxn:
// the broker adds the partitions of a transactional produce to the producer's transaction
// itself, and appends only once they are in it, under the transaction's lock (so that the
// transaction cannot end in between). The coordinator's refusals are answered per partition
// as Kafka 4.x answers them (a fenced producer INVALID_PRODUCER_EPOCH; a transaction still
// writing its markers CONCURRENT_TRANSACTIONS, which producers retry).
#include <limits>
#include <map>

#include "broker/handlers/handlers.h"
#include "broker/handlers/quota_client.h"
#include "runtime/record/batch_header.h"
#include "runtime/record/convert.h"
#include "runtime/record/patch.h"
#include "runtime/record/validator.h"

namespace chronik::broker::handlers {
namespace {

using PartitionResponse = m::ProduceResponse::PartitionProduceResponse;

// The topic's rules for each record (Kafka's LogValidator): keys on a compacted topic, and
// CreateTime timestamps within the topic's bounds. As in Kafka 3.9, a bound left at its
// default takes the deprecated message.timestamp.difference.max.ms instead.
record::RecordRules record_rules(const config::BrokerConfig& cfg, const TopicInfo& topic, int32_t partition,
                                 bool log_append_time) {
  record::RecordRules rules;
  const std::string policy = cfg.topic_string("cleanup.policy", topic.configs);
  rules.require_key = policy.find("compact") != std::string::npos;
  rules.create_time = !log_append_time;
  rules.now_ms = now_ms();
  const int64_t difference = cfg.topic_long("message.timestamp.difference.max.ms", topic.configs);
  auto bound = [&](std::string_view key) {
    const int64_t v = cfg.topic_long(key, topic.configs);
    return v == std::numeric_limits<int64_t>::max() ? difference : v;
  };
  rules.timestamp_before_max_ms = bound("message.timestamp.before.max.ms");
  rules.timestamp_after_max_ms = bound("message.timestamp.after.max.ms");
  rules.partition = topic.name + "-" + std::to_string(partition);
  return rules;
}

PartitionResponse produce_partition(Broker& broker, const Ctx& ctx, const m::ProduceRequest& req,
                                    const std::optional<TopicInfo>& topic,
                                    const m::ProduceRequest::PartitionProduceData& data) {
  PartitionResponse out;
  out.index = data.index;
  out.base_offset = -1;
  auto fail = [&](int16_t code, std::string message = {}) {
    out.error_code = code;
    if (ctx.api_version >= 8 && !message.empty()) out.error_message = std::move(message);
    return out;
  };
  // A v13 request names the topic by id; an id no topic has is UNKNOWN_TOPIC_ID, while a
  // known topic without the partition stays UNKNOWN_TOPIC_OR_PARTITION, as in Kafka 4.4.
  if (!topic && ctx.api_version >= 13) return fail(err(ErrorCode::UNKNOWN_TOPIC_ID));
  if (!topic || data.index < 0 || data.index >= topic->partitions)
    return fail(err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));
  if (req.acks != 0 && req.acks != 1 && req.acks != -1) return fail(err(ErrorCode::INVALID_REQUIRED_ACKS));
  if (!data.records || data.records->empty()) {
    // Produce v0-v2 may carry an empty message set, which Kafka accepts and appends nothing.
    if (ctx.api_version <= 2) return out;
    return fail(err(ErrorCode::INVALID_RECORD), "no records");
  }
  if (is_internal_topic(topic->name))
    return fail(err(ErrorCode::INVALID_TOPIC_EXCEPTION), "Cannot append to internal topic " + topic->name);
  const auto cfg = broker.config();
  const int64_t max_bytes = cfg->topic_long("max.message.bytes", topic->configs);
  // As Kafka, the size of each batch is checked before anything inside it is read: a batch
  // over the limit is MESSAGE_TOO_LARGE however it is compressed.
  if (auto size = record::largest_batch_size({data.records->data(), data.records->size()});
      static_cast<int64_t>(size) > max_bytes)
    return fail(err(ErrorCode::MESSAGE_TOO_LARGE), "batch of " + std::to_string(size) +
                                                       " bytes exceeds max.message.bytes " + std::to_string(max_bytes));

  // The bytes to validate and store: the client's own (v2), or the v2 batch converted from
  // an old client's message set, as Kafka up-converts magic 0/1 on a v2 log. The client's
  // bytes are this request's own frame buffer (process_request's contract), so offsets
  // and LogAppendTime are written into them in place, as Kafka does with a request's
  // records, and the store copies each batch once, into its write.
  std::span<uint8_t> records(const_cast<uint8_t*>(data.records->data()), data.records->size());
  std::vector<uint8_t> converted;
  const int8_t magic = record::records_magic(records);
  if (magic < 0) return fail(err(ErrorCode::CORRUPT_MESSAGE), "records too short to hold a batch");
  if (magic < record::kMagicV2) {
    if (ctx.api_version >= 3)
      return fail(err(ErrorCode::INVALID_RECORD),
                  "Produce requests of version 3+ must use record batches (magic 2)");
    if (static_cast<int64_t>(records.size()) > max_bytes)
      return fail(err(ErrorCode::MESSAGE_TOO_LARGE), "message set exceeds max.message.bytes");
    try {
      converted = record::up_convert(records);
      records = converted;
    } catch (const record::RecordException& e) {
      return fail(protocol::to_int16(record::to_error_code(e.error())), e.what());
    }
  }

  // zstd came with Produce v7 (KIP-110): older requests may not use it. Checked, as Kafka
  // does, before anything is decompressed.
  if (ctx.api_version < 7 && magic == record::kMagicV2 && records.size() >= record::kBatchHeaderSize &&
      record::read_batch_header(records).attributes.compression() == compression::Codec::kZstd)
    return fail(err(ErrorCode::UNSUPPORTED_COMPRESSION_TYPE),
                "Produce requests with version " + std::to_string(ctx.api_version) +
                    " are not allowed to use ZStandard compression");

  const bool log_append_time = cfg->topic_string("message.timestamp.type", topic->configs) == "LogAppendTime";
  record::ValidateOptions options;
  options.record_rules = record_rules(*cfg, *topic, data.index, log_append_time);
  auto checked = record::validate_records(records, options);
  if (!checked.ok()) {
    if (ctx.api_version >= 8)
      for (auto& r : checked.rejected_records) {
        auto& e = out.record_errors.emplace_back();
        e.batch_index = r.batch_index;
        e.batch_index_error_message = std::move(r.message);
      }
    return fail(protocol::to_int16(checked.error_code()), checked.message);
  }
  if (ctx.api_version >= 3 && checked.batches.size() != 1)
    return fail(err(ErrorCode::INVALID_RECORD),
                "Produce requests of version 3+ must contain exactly one batch");

  const int64_t append_time = now_ms();
  std::vector<std::span<uint8_t>> batches;
  batches.reserve(checked.batches.size());
  uint64_t appended_bytes = 0;
  for (const auto& b : checked.batches) {
    appended_bytes += b.header.size_in_bytes();
    auto bytes = records.subspan(b.position, b.header.size_in_bytes());
    // Kafka rewrites the timestamp type and max timestamp, and so the CRC; with CreateTime
    // it writes the records' true max timestamp where the client's header says otherwise.
    if (log_append_time) record::set_log_append_time(bytes, append_time);
    else record::set_max_timestamp(bytes, b.max_timestamp);
    batches.push_back(bytes);
  }

  // The log checks an idempotent producer's sequence and epoch atomically with the append
  // (LogStore::append), and answers a retried batch with the offsets it got the first time.
  const bool sync = cfg->get_long("log.flush.interval.messages") <= 1 && req.acks == -1;
  const AppendResult result = broker.store->append(topic->name, data.index, batches, sync);
  if (result.error) return fail(result.error);
  out.base_offset = result.base_offset;
  out.log_start_offset = result.log_start_offset;
  if (result.duplicate) return out;
  broker.notify_append(topic->name, data.index);
  broker.metrics.record_produce(topic->name, appended_bytes, static_cast<uint64_t>(checked.record_count));
  if (log_append_time) out.log_append_time_ms = append_time;
  return out;
}

// Kafka's RequestUtils.hasTransactionalRecords: the first batch of any partition's records.
bool is_transactional(const m::ProduceRequest::PartitionProduceData& pd) {
  if (!pd.records || pd.records->size() < record::kBatchHeaderSize) return false;
  const std::span<const uint8_t> bytes(pd.records->data(), pd.records->size());
  return bytes[record::kMagicOffset] == record::kMagicV2 && record::read_batch_header(bytes).attributes.is_transactional();
}

bool has_transactional_records(const m::ProduceRequest& req) {
  for (const auto& td : req.topic_data)
    for (const auto& pd : td.partition_data)
      if (is_transactional(pd)) return true;
  return false;
}

// What a produce answers for a partition the transaction coordinator would not add (Kafka
// 4.x's ReplicaManager: the producer handles these).
int16_t add_refusal(int16_t e) {
  if (e == err(ErrorCode::PRODUCER_FENCED)) return err(ErrorCode::INVALID_PRODUCER_EPOCH);
  if (e == err(ErrorCode::NOT_COORDINATOR) || e == err(ErrorCode::COORDINATOR_NOT_AVAILABLE) ||
      e == err(ErrorCode::COORDINATOR_LOAD_IN_PROGRESS))
    return err(ErrorCode::NOT_ENOUGH_REPLICAS);
  return e;
}

std::string add_refusal_message(int16_t e) {
  if (e == err(ErrorCode::INVALID_TXN_STATE)) return "Partition was not added to the transaction";
  if (e == err(ErrorCode::NOT_ENOUGH_REPLICAS))
    return "Unable to verify the partition has been added to the transaction.";
  return {};
}

// What Produce v3-11 answers for a partition that failed KIP-890 part 1's verification (Kafka
// 3.9's ReplicaManager): a partition not in the transaction is TRANSACTION_ABORTABLE from v11
// and INVALID_TXN_STATE before it; a retriable coordinator error becomes NOT_ENOUGH_REPLICAS,
// which older producers retry without refreshing their metadata.
std::pair<int16_t, std::string> verification_refusal(int16_t e, int16_t version) {
  if (e == err(ErrorCode::PRODUCER_FENCED)) return {err(ErrorCode::INVALID_PRODUCER_EPOCH), {}};
  if (e == err(ErrorCode::TRANSACTION_ABORTABLE)) {
    const int16_t code = version >= 11 ? e : err(ErrorCode::INVALID_TXN_STATE);
    return {code, "Partition was not added to the transaction"};
  }
  if (e == err(ErrorCode::CONCURRENT_TRANSACTIONS) || e == err(ErrorCode::NOT_COORDINATOR) ||
      e == err(ErrorCode::COORDINATOR_NOT_AVAILABLE) || e == err(ErrorCode::COORDINATOR_LOAD_IN_PROGRESS))
    return {err(ErrorCode::NOT_ENOUGH_REPLICAS),
            "Unable to verify the partition has been added to the transaction. Underlying error: " +
                std::string(error_name(static_cast<ErrorCode>(e)))};
  return {e, {}};
}

}  // namespace

std::optional<m::ProduceResponse> handle(Broker& broker, const Ctx& ctx, m::ProduceRequest& req) {
  m::ProduceResponse resp;
  // Transactional records need WRITE on their transactional id (Kafka checks it first).
  if (has_transactional_records(req) &&
      (!req.transactional_id || !authorized_transactional_id(broker, ctx, AclOperation::kWrite, *req.transactional_id))) {
    if (req.acks == 0) throw CloseConnection("acks=0 produce of transactional records without a transactional id");
    const int16_t error = err(ErrorCode::TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    for (const auto& td : req.topic_data) {
      auto& topic_out = resp.responses.emplace_back();
      if (ctx.api_version >= 13) topic_out.topic_id = td.topic_id;
      else topic_out.name = td.name;
      for (const auto& pd : td.partition_data) {
        auto& p = topic_out.partition_responses.emplace_back();
        p.index = pd.index;
        p.error_code = error;
        p.base_offset = -1;
        p.log_start_offset = -1;
        if (ctx.api_version >= 8) p.error_message = "Transactional Id authorization failed.";
      }
    }
    return resp;
  }
  const bool by_id = ctx.api_version >= 13;
  std::vector<std::optional<TopicInfo>> topics;
  std::vector<bool> may_write;
  for (const auto& td : req.topic_data) {
    // The response names each topic as the request did: by id from v13, else by name.
    auto& topic_out = resp.responses.emplace_back();
    if (by_id) topic_out.topic_id = td.topic_id;
    else topic_out.name = td.name;
    topic_out.partition_responses.resize(td.partition_data.size());
    auto topic = by_id ? broker.store->find_topic(td.topic_id) : broker.store->find_topic(td.name);
    // WRITE on the topic, checked before its existence (an unknown id has no name to check).
    may_write.push_back((by_id && !topic) ||
                        authorized_topic(broker, ctx, AclOperation::kWrite, by_id ? topic->name : td.name));
    topics.push_back(std::move(topic));
  }
  auto produce_one = [&](size_t t, size_t p) {
    const auto& pd = req.topic_data[t].partition_data[p];
    auto& out = resp.responses[t].partition_responses[p];
    if (may_write[t]) {
      out = produce_partition(broker, ctx, req, topics[t], pd);
      return;
    }
    out.index = pd.index;
    out.error_code = err(ErrorCode::TOPIC_AUTHORIZATION_FAILED);
    out.base_offset = -1;
    out.log_start_offset = -1;
  };

  // The partitions whose transactional batches wait for the coordinator: from v12
  // (transactions v2) they join the producer's transaction before they are appended; before
  // v12 they are appended only once verified to be in it (KIP-890 part 1,
  // transaction.partition.verification.enable), so that a late batch of a transaction that
  // has ended cannot open a transaction no coordinator knows (a hanging one). Every other
  // partition is appended as it is.
  std::vector<std::pair<size_t, size_t>> joining;
  std::vector<group::TopicPartition> partitions;
  std::optional<std::pair<int64_t, int16_t>> producer;
  bool many_producers = false;
  const bool adds = ctx.api_version >= 12;
  const bool verifies = !adds && broker.config()->get_bool("transaction.partition.verification.enable");
  if ((adds || verifies) && req.transactional_id) {
    for (size_t t = 0; t < req.topic_data.size(); ++t)
      for (size_t p = 0; p < req.topic_data[t].partition_data.size(); ++p) {
        const auto& pd = req.topic_data[t].partition_data[p];
        const auto& topic = topics[t];
        // A partition that does not exist, or of an internal topic, fails on its own below.
        if (!may_write[t] || !is_transactional(pd) || !topic || pd.index < 0 || pd.index >= topic->partitions ||
            is_internal_topic(topic->name))
          continue;
        const auto head = record::read_batch_header({pd.records->data(), pd.records->size()});
        const std::pair<int64_t, int16_t> id{head.producer_id, head.producer_epoch};
        if (producer && *producer != id) many_producers = true;
        producer = id;
        joining.emplace_back(t, p);
        partitions.push_back(group::TopicPartition{topic->name, pd.index});
      }
  }
  std::map<std::pair<size_t, size_t>, bool> in_txn;
  for (const auto& tp : joining) in_txn[tp] = true;
  for (size_t t = 0; t < req.topic_data.size(); ++t)
    for (size_t p = 0; p < req.topic_data[t].partition_data.size(); ++p)
      if (!in_txn.count({t, p})) produce_one(t, p);
  auto refuse = [&](size_t i, int16_t code, std::string message) {
    const auto [t, p] = joining[i];
    auto& out = resp.responses[t].partition_responses[p];
    out.index = req.topic_data[t].partition_data[p].index;
    out.error_code = code;
    out.base_offset = -1;
    out.log_start_offset = -1;
    if (ctx.api_version >= 8 && !message.empty()) out.error_message = std::move(message);
  };
  if (!joining.empty() && verifies) {
    std::vector<int16_t> errors(joining.size(), err(ErrorCode::INVALID_PRODUCER_ID_MAPPING));
    if (!many_producers)
      errors = broker.transactions->verify_partitions(*req.transactional_id, producer->first, producer->second,
                                                      partitions, [&](const std::vector<int16_t>& verified) {
                                                        for (size_t i = 0; i < joining.size(); ++i)
                                                          if (!verified[i]) produce_one(joining[i].first, joining[i].second);
                                                      });
    for (size_t i = 0; i < joining.size(); ++i)
      if (errors[i]) {
        auto [code, message] = verification_refusal(errors[i], ctx.api_version);
        refuse(i, code, std::move(message));
      }
  } else if (!joining.empty()) {
    int16_t e = 0;
    if (many_producers) {
      e = err(ErrorCode::INVALID_PRODUCER_ID_MAPPING);  // Kafka: one producer per request
    } else {
      auto add = [&] {
        return broker.transactions->add_partitions(*req.transactional_id, producer->first, producer->second,
                                                   partitions, now_ms(), txn::kTransactionsV2, [&] {
                                                     for (const auto& [t, p] : joining) produce_one(t, p);
                                                   });
      };
      e = add();
      // The producer's last transaction still writing its markers (a commit answered a moment
      // ago): wait a little for it, as Kafka 4.x does, rather than send the producer into
      // its retry back-off.
      if (e == err(ErrorCode::CONCURRENT_TRANSACTIONS) &&
          broker.transactions->await_markers(*req.transactional_id,
                                             broker.config()->get_long("add.partitions.to.txn.retry.backoff.max.ms")))
        e = add();
    }
    if (e) {
      const int16_t code = add_refusal(e);
      for (size_t i = 0; i < joining.size(); ++i) refuse(i, code, add_refusal_message(code));
    }
  }
  if (broker.quotas.any()) {
    int64_t bytes = 0;
    for (const auto& td : req.topic_data)
      for (const auto& pd : td.partition_data)
        if (pd.records) bytes += static_cast<int64_t>(pd.records->size());
    resp.throttle_time_ms =
        broker.quotas.record(ClientQuotaType::kProduce, quota_user(ctx), quota_client_id(ctx), bytes, now_ms());
  }
  if (req.acks == 0) {
    // The client waits for no answer, so, as Kafka, the connection is closed instead: the
    // client reconnects and refreshes its metadata.
    for (const auto& t : resp.responses)
      for (const auto& p : t.partition_responses)
        if (p.error_code != 0)
          throw CloseConnection("acks=0 produce to " + t.name + "-" + std::to_string(p.index) + " failed with error " +
                                std::to_string(p.error_code));
    ctx.throttle_without_response_ms = resp.throttle_time_ms;
    return std::nullopt;
  }
  return resp;
}

}  // namespace chronik::broker::handlers
