// POST /v1/topics/{topic}/records: one record produced from the console (key, value,
// headers, partition), written as a producer without idempotence would write it: one v2
// batch, compressed as the topic's compression.type says, LogAppendTime stamped when the
// topic asks for it, refused above max.message.bytes, and synced before the answer (an
// operator's hand-made record is rare, and the answer promises it is stored).
//
// Without a partition the record goes where Kafka's producers send it: by the murmur2 hash of
// its key, or (no key) to the partitions in turn.
#include <atomic>

#include "broker/admin/api.h"
#include "broker/core/broker.h"
#include "broker/log/topic_names.h"
#include "runtime/json/base64.h"
#include "runtime/record/batch.h"

namespace chronik::broker::admin {
namespace {

// Kafka's Utils.murmur2, which the Java and librdkafka (murmur2_random) partitioners use.
int32_t murmur2(const std::vector<uint8_t>& data) {
  const int32_t length = static_cast<int32_t>(data.size());
  const uint32_t seed = 0x9747b28c, m = 0x5bd1e995;
  const int r = 24;
  uint32_t h = seed ^ static_cast<uint32_t>(length);
  const int32_t length4 = length / 4;
  for (int32_t i = 0; i < length4; i++) {
    const int32_t i4 = i * 4;
    uint32_t k = data[i4 + 0] | (uint32_t{data[i4 + 1]} << 8) | (uint32_t{data[i4 + 2]} << 16) |
                 (uint32_t{data[i4 + 3]} << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  switch (length % 4) {
    case 3: h ^= uint32_t{data[(length & ~3) + 2]} << 16; [[fallthrough]];
    case 2: h ^= uint32_t{data[(length & ~3) + 1]} << 8; [[fallthrough]];
    case 1:
      h ^= data[length & ~3];
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

// A key, value or header value of the body: null, or text in the body's encoding.
std::optional<record::Bytes> body_bytes(const Json& body, const std::string& field, bool base64) {
  if (!body.contains(field) || body.at(field).is_null()) return std::nullopt;
  const std::string text = body.at(field).get<std::string>();
  if (!base64) return record::Bytes(text.begin(), text.end());
  auto decoded = json::base64_decode(text);
  if (!decoded) throw HttpError(400, "field '" + field + "' is not valid base64", field);
  return std::move(*decoded);
}

compression::Codec topic_codec(const std::string& name) {
  for (int id = 1; id <= 4; ++id)
    if (auto c = compression::codec_from_id(id); c && compression::codec_name(*c) == name) return *c;
  return compression::Codec::kNone;  // "producer", "uncompressed"
}

}  // namespace

void add_produce_routes(Router& router, AdminContext& ctx) {
  Broker& broker = ctx.broker;
  router.add("POST", "/v1/topics/{topic}/records", [&broker](HttpRequest& req) {
    static std::atomic<uint32_t> round_robin{0};
    auto topic = broker.store->find_topic(req.params.at("topic"));
    if (!topic) throw HttpError(404, "no such topic: " + req.params.at("topic"), "topic");
    if (log::is_internal_topic(topic->name))
      throw HttpError(400, topic->name + " is an internal topic; only the broker writes it", "topic");
    const Json body = parse_json_body(req);
    const bool base64 = body.value("encoding", std::string("utf8")) == "base64";

    record::Record rec;
    rec.key = body_bytes(body, "key", base64);
    rec.value = body_bytes(body, "value", base64);
    if (auto it = body.find("headers"); it != body.end()) {
      for (size_t i = 0; i < it->size(); ++i) {
        const Json& h = (*it)[i];
        rec.headers.push_back({h.at("key").get<std::string>(),
                               body_bytes(h, "value", base64)});
      }
    }
    int32_t partition;
    if (body.contains("partition")) {
      partition = static_cast<int32_t>(body.at("partition").get<int64_t>());
      if (partition >= topic->partitions)
        throw HttpError(404, "topic " + topic->name + " has no partition " + std::to_string(partition), "partition");
    } else if (rec.key) {
      partition = (murmur2(*rec.key) & 0x7fffffff) % topic->partitions;
    } else {
      partition = static_cast<int32_t>(round_robin.fetch_add(1) % static_cast<uint32_t>(topic->partitions));
    }

    const auto cfg = broker.config();
    const bool log_append_time = cfg->topic_string("message.timestamp.type", topic->configs) == "LogAppendTime";
    const int64_t now = now_ms();
    record::BatchOptions options;
    options.codec = topic_codec(cfg->topic_string("compression.type", topic->configs));
    options.base_timestamp = body.contains("timestamp") && !log_append_time ? body.at("timestamp").get<int64_t>() : now;
    if (log_append_time) {
      options.timestamp_type = record::TimestampType::kLogAppendTime;
      options.max_timestamp = now;
    }
    std::vector<uint8_t> batch = record::build_batch(options, std::span<const record::Record>(&rec, 1));
    const int64_t max_bytes = cfg->topic_long("max.message.bytes", topic->configs);
    if (static_cast<int64_t>(batch.size()) > max_bytes)
      throw HttpError(413, "record batch of " + std::to_string(batch.size()) + " bytes exceeds the topic's max.message.bytes " +
                               std::to_string(max_bytes), "value");
    std::span<uint8_t> one(batch);
    const AppendResult r = broker.store->append(topic->name, partition, std::span<const std::span<uint8_t>>(&one, 1), true);
    if (r.error) throw HttpError(500, "the partition refused the record (Kafka error " + std::to_string(r.error) + ")");
    broker.notify_append(topic->name, partition);
    broker.metrics.record_produce(topic->name, batch.size(), 1);
    return json_response({{"topic", topic->name}, {"partition", partition}, {"offset", r.base_offset},
                          {"timestamp", options.max_timestamp.value_or(options.base_timestamp)}}, 201);
  });
}

}  // namespace chronik::broker::admin
