// Produce: validates each partition's records (runtime/record/validator.h), converts old
// clients' v0/v1 message sets to a v2 batch and appends (the log checks idempotent
// producers' sequences). Errors are per partition. acks=0 gets no response, and a failed
// acks=0 produce closes the connection. From v13 (KIP-516) topics are named by id, in the
// request and in the response; an id no topic has is UNKNOWN_TOPIC_ID, as Kafka 4.4 answers.
#include "broker/handlers/handlers.h"
#include "runtime/record/convert.h"
#include "runtime/record/patch.h"
#include "runtime/record/validator.h"

namespace chronik::broker::handlers {
namespace {

using PartitionResponse = m::ProduceResponse::PartitionProduceResponse;

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

  auto checked = record::validate_records(records);
  if (!checked.ok()) return fail(protocol::to_int16(checked.error_code()), checked.message);
  if (ctx.api_version >= 3 && checked.batches.size() != 1)
    return fail(err(ErrorCode::INVALID_RECORD),
                "Produce requests of version 3+ must contain exactly one batch");

  const bool log_append_time = cfg->topic_string("message.timestamp.type", topic->configs) == "LogAppendTime";
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

}  // namespace

std::optional<m::ProduceResponse> handle(Broker& broker, const Ctx& ctx, m::ProduceRequest& req) {
  m::ProduceResponse resp;
  for (const auto& td : req.topic_data) {
    m::ProduceResponse::TopicProduceResponse topic_out;
    const bool by_id = ctx.api_version >= 13;
    const auto topic = by_id ? broker.store->find_topic(td.topic_id) : broker.store->find_topic(td.name);
    // The response names each topic as the request did: by id from v13, else by name.
    if (by_id) topic_out.topic_id = td.topic_id;
    else topic_out.name = td.name;
    for (const auto& pd : td.partition_data)
      topic_out.partition_responses.push_back(produce_partition(broker, ctx, req, topic, pd));
    resp.responses.push_back(std::move(topic_out));
  }
  if (req.acks == 0) {
    // The client waits for no answer, so, as Kafka, the connection is closed instead: the
    // client reconnects and refreshes its metadata.
    for (const auto& t : resp.responses)
      for (const auto& p : t.partition_responses)
        if (p.error_code != 0)
          throw CloseConnection("acks=0 produce to " + t.name + "-" + std::to_string(p.index) + " failed with error " +
                                std::to_string(p.error_code));
    return std::nullopt;
  }
  return resp;
}

}  // namespace chronik::broker::handlers
