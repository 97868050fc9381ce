// Produce: validates each partition's batches, checks idempotent producers' sequences and
// appends. Errors are per partition. acks=0 gets no response.
#include <charconv>

#include "broker/handlers/handlers.h"
#include "broker/server/batch.h"
#include "broker/server/errors.h"

namespace chronik::broker::handlers {
namespace {

using PartitionResponse = m::ProduceResponse::PartitionProduceResponse;

int64_t to_int64(const std::string& s, int64_t fallback) {
  int64_t v = fallback;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
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
  if (!topic || data.index < 0 || data.index >= topic->partitions)
    return fail(err::kUnknownTopicOrPartition);
  if (req.acks != 0 && req.acks != 1 && req.acks != -1) return fail(err::kInvalidRequiredAcks);
  if (!data.records || data.records->empty()) return fail(err::kInvalidRecord, "no records");

  auto split = split_batches(data.records->span());
  if (split.error) return fail(split.error, split.error_message);
  if (ctx.api_version >= 3 && split.batches.size() != 1)
    return fail(err::kInvalidRecord, "Produce requests of version 3+ must contain exactly one batch");

  const int64_t max_bytes = to_int64(broker.topic_config(*topic, "max.message.bytes"), 1048588);
  for (auto b : split.batches)
    if (static_cast<int64_t>(b.size()) > max_bytes)
      return fail(err::kMessageTooLarge, "batch of " + std::to_string(b.size()) +
                                             " bytes exceeds max.message.bytes " +
                                             std::to_string(max_bytes));

  const bool log_append_time = broker.topic_config(*topic, "message.timestamp.type") == "LogAppendTime";
  const int64_t append_time = now_ms();
  std::vector<std::vector<uint8_t>> batches;
  for (auto b : split.batches) {
    std::vector<uint8_t> copy(b.begin(), b.end());
    if (log_append_time) {
      // Kafka rewrites the timestamp type and max timestamp, and so the CRC.
      int16_t attributes = static_cast<int16_t>((copy[kAttributesOffset] << 8) | copy[kAttributesOffset + 1]);
      put_int16(copy.data() + kAttributesOffset, static_cast<int16_t>(attributes | 0x8));
      put_int64(copy.data() + kMaxTimestampOffset, append_time);
      refresh_crc(copy);
    }
    batches.push_back(std::move(copy));
  }

  const BatchHeader first = read_batch_header(split.batches.front());
  const BatchHeader last = read_batch_header(split.batches.back());
  const int32_t first_seq = first.base_sequence;
  const int32_t last_seq = last.base_sequence < 0 ? -1 : last.base_sequence + last.last_offset_delta;
  const bool sync = broker.settings.log_flush_interval_messages <= 1 && req.acks == -1;
  AppendResult result;
  {
    std::lock_guard lock(broker.partition_lock(topic->name, data.index));
    auto check = broker.producers.check(topic->name, data.index, first.producer_id,
                                        first.producer_epoch, first_seq, last_seq);
    if (check.kind == ProducerStateTable::Check::kError) return fail(check.error);
    if (check.kind == ProducerStateTable::Check::kDuplicate) {
      out.base_offset = check.duplicate_base_offset;
      if (auto o = broker.store->offsets(topic->name, data.index)) out.log_start_offset = o->log_start_offset;
      return out;
    }
    result = broker.store->append(topic->name, data.index, std::move(batches), sync);
    if (result.error) return fail(result.error);
    broker.producers.record(topic->name, data.index, first.producer_id, first.producer_epoch,
                            first_seq, last_seq, result.base_offset);
  }
  broker.notify_append(topic->name, data.index);
  out.base_offset = result.base_offset;
  out.log_start_offset = result.log_start_offset;
  if (log_append_time) out.log_append_time_ms = append_time;
  return out;
}

}  // namespace

std::optional<m::ProduceResponse> handle(Broker& broker, const Ctx& ctx, m::ProduceRequest& req) {
  m::ProduceResponse resp;
  for (const auto& td : req.topic_data) {
    m::ProduceResponse::TopicProduceResponse topic_out;
    topic_out.name = td.name;
    const auto topic = broker.store->find_topic(td.name);
    for (const auto& pd : td.partition_data)
      topic_out.partition_responses.push_back(produce_partition(broker, ctx, req, topic, pd));
    resp.responses.push_back(std::move(topic_out));
  }
  if (req.acks == 0) return std::nullopt;
  return resp;
}

}  // namespace chronik::broker::handlers
