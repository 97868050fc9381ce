// The message browser: up to `limit` records of one partition from an offset or a
// timestamp, oldest first (forwards) or newest first (backwards), optionally only those whose
// key, value or a header contains a text. Keys/values/headers are UTF-8 text when they are
// valid UTF-8 (else base64), or always base64 with encoding=base64. Batches are decoded (and
// decompressed) with runtime/.
//
// One answer holds at most `max_bytes` of record data (keys, values, headers; 1 MiB by
// default): one request for 1,000 records of 100 KB made 108 MB of JSON and took the broker
// from 110 MB to 509 MB. Records stop once the budget is spent (next_offset says where to go
// on), and a single key or value above it is cut to it and marked truncated with its size.
// A search reads at most `max_scan` records per request, so that a text found nowhere costs a
// bounded amount of work; next_offset then says where the next request goes on.
#include <algorithm>
#include <cctype>
#include <deque>

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

// {"encoding": "utf8"|"base64", "data": ...} or null; past `cap` bytes the data is cut and
// "truncated": true, "size": <bytes> added. Adds the bytes shown to `*shown`.
Json bytes_json(const std::optional<std::vector<uint8_t>>& b, bool force_base64, size_t cap, int64_t* shown) {
  if (!b) return nullptr;
  const bool cut = b->size() > cap;
  const std::vector<uint8_t> part = cut ? std::vector<uint8_t>(b->begin(), b->begin() + static_cast<ptrdiff_t>(cap)) : *b;
  *shown += static_cast<int64_t>(part.size());
  Json j = !force_base64 && valid_utf8(part) ? Json{{"encoding", "utf8"}, {"data", std::string(part.begin(), part.end())}}
                                             : Json{{"encoding", "base64"}, {"data", base64(part)}};
  if (cut) {
    j["truncated"] = true;
    j["size"] = b->size();
  }
  return j;
}

// Case-insensitive (ASCII) search of `needle` (already lower-cased) in raw bytes.
bool contains(const std::optional<std::vector<uint8_t>>& hay, const std::string& needle) {
  if (!hay) return false;
  auto eq = [](uint8_t a, char b) { return std::tolower(a) == static_cast<unsigned char>(b); };
  return std::search(hay->begin(), hay->end(), needle.begin(), needle.end(), eq) != hay->end();
}

enum class SearchIn { kAny, kKey, kValue, kHeaders };

bool matches(const record::Record& rec, const std::string& needle, SearchIn in) {
  if (needle.empty()) return true;
  if ((in == SearchIn::kAny || in == SearchIn::kKey) && contains(rec.key, needle)) return true;
  if ((in == SearchIn::kAny || in == SearchIn::kValue) && contains(rec.value, needle)) return true;
  if (in == SearchIn::kAny || in == SearchIn::kHeaders)
    for (const auto& h : rec.headers)
      if (contains(std::vector<uint8_t>(h.key.begin(), h.key.end()), needle) || contains(h.value, needle)) return true;
  return false;
}

// One record as the browser shows it; `budget` is what is left of max_bytes.
Json record_json(const record::BatchHeader& h, const record::Record& rec, int64_t offset, bool force_base64,
                 int64_t budget, int64_t* shown) {
  const int64_t start = *shown;
  auto cap = [&] { return static_cast<size_t>(std::max<int64_t>(0, budget - (*shown - start))); };
  const int64_t ts = h.attributes.timestamp_type() == record::TimestampType::kLogAppendTime
                         ? h.max_timestamp
                         : h.base_timestamp + rec.timestamp_delta;
  Json headers = Json::array();
  for (const auto& hd : rec.headers)
    headers.push_back({{"key", hd.key}, {"value", bytes_json(hd.value, force_base64, cap(), shown)}});
  Json j = {{"offset", offset}, {"timestamp", ts},
            {"key", bytes_json(rec.key, force_base64, cap(), shown)},
            {"value", bytes_json(rec.value, force_base64, cap(), shown)}, {"headers", headers}};
  if (h.attributes.is_control()) j["control"] = true;
  return j;
}

// Calls visit(header, record, offset) for each record in [from, to) in order until it
// returns false. Returns the offset after the last record visited (or `to`).
template <typename Visit>
int64_t scan(Broker& broker, const std::string& topic, int32_t partition, int64_t from, int64_t to, Visit visit) {
  int64_t next = from;
  while (next < to) {
    auto r = broker.store->read(topic, partition, next, 1 << 20, true);
    if (r.error || r.records.empty()) return next;
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
        if (offset >= to) return to;
        if (!visit(h, rec, offset)) return offset;
        next = offset + 1;
      }
      // Records compacted away inside the batch: continue after it.
      next = std::max(next, h.last_offset() + 1);
      if (next >= to) return to;
    }
    if (next == before) return next;  // nothing readable: do not spin
  }
  return next;
}

struct Query {
  int64_t limit = 20;
  int64_t max_bytes = 1 << 20;
  int64_t max_scan = 0;
  bool force_base64 = false;
  std::string needle;  // lower-cased
  SearchIn in = SearchIn::kAny;
};

struct Answer {
  Json records = Json::array();
  int64_t next_offset = 0;
  int64_t scanned = 0;
};

Answer read_oldest_first(Broker& broker, const std::string& topic, int32_t partition, int64_t start, int64_t end,
                         const Query& q) {
  Answer a;
  int64_t shown = 0;
  a.next_offset = scan(broker, topic, partition, start, end, [&](const auto& h, const auto& rec, int64_t offset) {
    if (static_cast<int64_t>(a.records.size()) >= q.limit || shown >= q.max_bytes || a.scanned >= q.max_scan)
      return false;
    ++a.scanned;
    if (matches(rec, q.needle, q.in))
      a.records.push_back(record_json(h, rec, offset, q.force_base64, q.max_bytes - shown, &shown));
    return true;
  });
  return a;
}

// Backwards from `start` (included) in windows read forwards; of each window only the newest
// matches that still fit the limit and the byte budget are kept. next_offset is the offset the
// next request starts from (going down), -1 when the log start was reached.
Answer read_newest_first(Broker& broker, const std::string& topic, int32_t partition, int64_t start,
                         int64_t log_start, const Query& q) {
  Answer a;
  int64_t shown = 0;  // bytes of the records already in the answer
  int64_t hi = start + 1;
  while (hi > log_start && static_cast<int64_t>(a.records.size()) < q.limit && shown < q.max_bytes &&
         a.scanned < q.max_scan) {
    const int64_t window = std::min<int64_t>(std::max<int64_t>(q.limit * 4, 64), q.max_scan - a.scanned);
    const int64_t lo = std::max(log_start, hi - window);
    struct Kept {
      Json j;
      int64_t offset, bytes;
    };
    std::deque<Kept> kept;
    int64_t kept_bytes = 0;
    const int64_t room = q.limit - static_cast<int64_t>(a.records.size());
    const int64_t budget = q.max_bytes - shown;
    bool dropped = false;
    int64_t dropped_below = lo;  // continue below the oldest kept record when some were dropped
    scan(broker, topic, partition, lo, hi, [&](const auto& h, const auto& rec, int64_t offset) {
      ++a.scanned;
      if (!matches(rec, q.needle, q.in)) return true;
      int64_t bytes = 0;
      Json j = record_json(h, rec, offset, q.force_base64, budget, &bytes);
      kept.push_back({std::move(j), offset, bytes});
      kept_bytes += bytes;
      while (static_cast<int64_t>(kept.size()) > room || (kept_bytes > budget && kept.size() > 1)) {
        kept_bytes -= kept.front().bytes;
        dropped = true;
        dropped_below = kept.front().offset + 1;
        kept.pop_front();
      }
      return true;
    });
    for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
      a.records.push_back(std::move(it->j));
      shown += it->bytes;
    }
    hi = dropped ? dropped_below : lo;
  }
  a.next_offset = hi > log_start ? hi - 1 : -1;
  return a;
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
    Query q;
    q.limit = query_int(req, "limit", 20, 1, 1000);
    q.max_bytes = query_int(req, "max_bytes", 1 << 20, 1, 16 << 20);
    q.max_scan = query_int(req, "max_scan", 10000, 1, 100000);
    const auto encoding = req.arg("encoding").value_or("auto");
    if (encoding != "auto" && encoding != "base64")
      throw HttpError(400, "encoding must be auto or base64", "encoding");
    q.force_base64 = encoding == "base64";
    const auto order = req.arg("order").value_or("oldest");
    if (order != "oldest" && order != "newest") throw HttpError(400, "order must be oldest or newest", "order");
    q.needle = req.arg("q").value_or("");
    if (q.needle.size() > 1024) throw HttpError(400, "q is longer than 1024 bytes", "q");
    std::transform(q.needle.begin(), q.needle.end(), q.needle.begin(), [](unsigned char c) { return std::tolower(c); });
    const auto in = req.arg("search_in").value_or("any");
    if (in == "key") q.in = SearchIn::kKey;
    else if (in == "value") q.in = SearchIn::kValue;
    else if (in == "headers") q.in = SearchIn::kHeaders;
    else if (in != "any") throw HttpError(400, "search_in must be any, key, value or headers", "search_in");
    auto offsets = broker.store->offsets(topic->name, partition);
    if (!offsets) throw HttpError(404, "no such partition", "partition");

    const bool newest = order == "newest";
    if (req.arg("offset") && req.arg("timestamp"))
      throw HttpError(400, "give either offset or timestamp, not both", "timestamp");
    // Oldest first starts at the log start; newest first at the last record.
    int64_t start = newest ? offsets->high_watermark - 1 : offsets->log_start_offset;
    if (req.arg("offset")) {
      start = query_int(req, "offset", 0, 0, INT64_MAX);
    } else if (req.arg("timestamp")) {
      const int64_t ts = query_int(req, "timestamp", 0, 0, INT64_MAX);
      auto found = broker.store->offset_for_timestamp(topic->name, partition, ts);
      start = found && !found->error ? found->offset : offsets->high_watermark;
      // Newest first from a time: the records before it, and the first one at or after it.
      if (newest && start >= offsets->high_watermark) start = offsets->high_watermark - 1;
    }
    Answer a;
    if (newest) {
      start = std::min(start, offsets->high_watermark - 1);
      a = start < offsets->log_start_offset
              ? Answer{Json::array(), -1, 0}
              : read_newest_first(broker, topic->name, partition, start, offsets->log_start_offset, q);
    } else {
      start = std::max(start, offsets->log_start_offset);
      a = read_oldest_first(broker, topic->name, partition, start, offsets->high_watermark, q);
    }
    return json_response({{"topic", topic->name},
                          {"partition", partition},
                          {"order", order},
                          {"start_offset", start},
                          {"next_offset", a.next_offset},
                          {"scanned", a.scanned},
                          {"log_start_offset", offsets->log_start_offset},
                          {"log_end_offset", offsets->high_watermark},
                          {"records", std::move(a.records)}});
  });
}

}  // namespace chronik::broker::admin
