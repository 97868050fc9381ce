// The message browser: up to `limit` records of one partition from an offset or a
// timestamp, keys/values/headers as UTF-8 text when they are valid UTF-8 (else base64), or
// always base64 with encoding=base64. Batches are decoded (and decompressed) with runtime/.
#include <algorithm>

#include "broker/admin/api.h"
#include "broker/core/broker.h"
#include "runtime/record/batch.h"
#include "runtime/record/batch_iterator.h"
#include "runtime/record/errors.h"

namespace chronik::broker::admin {
namespace {

std::string base64(const std::vector<uint8_t>& in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t n = static_cast<uint32_t>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<uint32_t>(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= in[i + 2];
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

bool valid_utf8(const std::vector<uint8_t>& s) {
  size_t i = 0;
  while (i < s.size()) {
    const uint8_t c = s[i];
    size_t n;
    if (c < 0x80) n = 0;
    else if ((c >> 5) == 0x6) n = 1;
    else if ((c >> 4) == 0xE) n = 2;
    else if ((c >> 3) == 0x1E) n = 3;
    else return false;
    if (i + n >= s.size() && n > 0) return false;
    for (size_t k = 1; k <= n; ++k)
      if ((s[i + k] & 0xC0) != 0x80) return false;
    i += n + 1;
  }
  return true;
}

// {"encoding": "utf8"|"base64", "data": ...} or null.
Json bytes_json(const std::optional<std::vector<uint8_t>>& b, bool force_base64) {
  if (!b) return nullptr;
  if (!force_base64 && valid_utf8(*b))
    return {{"encoding", "utf8"}, {"data", std::string(b->begin(), b->end())}};
  return {{"encoding", "base64"}, {"data", base64(*b)}};
}

}  // namespace

void add_message_routes(Router& router, AdminContext& ctx) {
  Broker& broker = ctx.broker;
  router.add("GET", "/v1/topics/{topic}/partitions/{partition}/records", [&broker](HttpRequest& req) {
    auto topic = broker.store->find_topic(req.params.at("topic"));
    if (!topic) throw HttpError(404, "no such topic: " + req.params.at("topic"), "topic");
    int32_t partition = -1;
    try {
      size_t used = 0;
      partition = std::stoi(req.params.at("partition"), &used);
      if (used != req.params.at("partition").size()) partition = -1;
    } catch (const std::exception&) {
    }
    if (partition < 0) throw HttpError(400, "partition must be a non-negative integer", "partition");
    if (partition >= topic->partitions)
      throw HttpError(404, "topic " + topic->name + " has no partition " + std::to_string(partition), "partition");
    const int64_t limit = query_int(req, "limit", 20, 1, 1000);
    const auto encoding = req.arg("encoding").value_or("auto");
    if (encoding != "auto" && encoding != "base64")
      throw HttpError(400, "encoding must be auto or base64", "encoding");
    const bool force_base64 = encoding == "base64";
    auto offsets = broker.store->offsets(topic->name, partition);
    if (!offsets) throw HttpError(404, "no such partition", "partition");

    int64_t start = offsets->log_start_offset;
    if (req.arg("offset") && req.arg("timestamp"))
      throw HttpError(400, "give either offset or timestamp, not both", "timestamp");
    if (req.arg("offset")) {
      start = query_int(req, "offset", 0, 0, INT64_MAX);
    } else if (req.arg("timestamp")) {
      const int64_t ts = query_int(req, "timestamp", 0, 0, INT64_MAX);
      auto found = broker.store->offset_for_timestamp(topic->name, partition, ts);
      start = found && !found->error ? found->offset : offsets->high_watermark;
    }
    start = std::max(start, offsets->log_start_offset);

    Json records = Json::array();
    int64_t next = start;
    while (static_cast<int64_t>(records.size()) < limit && next < offsets->high_watermark) {
      auto r = broker.store->read(topic->name, partition, next, 1 << 20, true);
      if (r.error || r.records.empty()) break;
      record::BatchIterator it(r.records);
      const int64_t before = next;
      while (auto view = it.next()) {
        if (!view->header) continue;
        const auto& h = *view->header;
        if (h.last_offset() < next) continue;
        std::vector<record::Record> decoded;
        try {
          decoded = record::read_batch_records(h, view->bytes.span());
        } catch (const record::RecordException& e) {
          throw HttpError(500, std::string("stored batch does not decode: ") + e.what());
        }
        for (const auto& rec : decoded) {
          const int64_t offset = h.base_offset + rec.offset_delta;
          if (offset < next) continue;
          if (static_cast<int64_t>(records.size()) >= limit) break;
          const int64_t ts = h.attributes.timestamp_type() == record::TimestampType::kLogAppendTime
                                 ? h.max_timestamp
                                 : h.base_timestamp + rec.timestamp_delta;
          Json headers = Json::array();
          for (const auto& hd : rec.headers)
            headers.push_back({{"key", hd.key}, {"value", bytes_json(hd.value, force_base64)}});
          Json j = {{"offset", offset}, {"timestamp", ts},
                    {"key", bytes_json(rec.key, force_base64)},
                    {"value", bytes_json(rec.value, force_base64)}, {"headers", headers}};
          if (h.attributes.is_control()) j["control"] = true;
          records.push_back(std::move(j));
          next = offset + 1;
        }
        if (static_cast<int64_t>(records.size()) >= limit) break;
        // Records compacted away inside the batch: continue after it.
        next = std::max(next, h.last_offset() + 1);
      }
      if (next == before) break;  // nothing readable: do not spin
    }
    return json_response({{"topic", topic->name},
                          {"partition", partition},
                          {"start_offset", start},
                          {"next_offset", next},
                          {"log_start_offset", offsets->log_start_offset},
                          {"log_end_offset", offsets->high_watermark},
                          {"records", records}});
  });
}

}  // namespace chronik::broker::admin
