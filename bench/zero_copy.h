// The zero-copy property of the produce and fetch paths, checked on the benchmark fixtures
// (by the benchmarks before they measure, and by bench/zero_copy_test.cc): decoding leaves
// every record batch where it is in the frame, and re-encoding hands the socket chunks that
// point at those same bytes, while the chunks still spell the original frame byte for byte.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/codec_fixtures.h"

namespace chronik::bench {

namespace detail {

inline bool inside(const std::vector<uint8_t>& buffer, const uint8_t* p, size_t n) {
  return p >= buffer.data() && p + n <= buffer.data() + buffer.size();
}

// `records` are the decoded record fields; `w` holds the re-encoded frame.
inline std::string check(const Frame& frame, const std::vector<const wire::SharedBytes*>& records,
                         const wire::Writer& w) {
  const auto& buffer = *frame.bytes;
  size_t record_bytes = 0;
  for (const auto* r : records) {
    if (!inside(buffer, r->data(), r->size())) return "decode copied a record batch out of the frame";
    record_bytes += r->size();
  }
  if (record_bytes != frame.record_bytes) return "decoded record bytes differ from the fixture's";

  auto chunks = w.chunks();
  size_t pointing_into_frame = 0;
  size_t next_record = 0;
  std::vector<uint8_t> joined;
  for (auto chunk : chunks) {
    joined.insert(joined.end(), chunk.begin(), chunk.end());
    if (inside(buffer, chunk.data(), chunk.size())) {
      if (next_record >= records.size() || chunk.data() != records[next_record]->data() ||
          chunk.size() != records[next_record]->size())
        return "a chunk points into the frame but is not the next record batch";
      pointing_into_frame += chunk.size();
      ++next_record;
    }
  }
  for (const auto* r : records) {
    if (r->size() >= wire::Writer::kZeroCopyThreshold && pointing_into_frame < r->size())
      return "the encoder copied a record batch instead of referencing it";
  }
  if (pointing_into_frame != record_bytes) return "not every record batch is referenced by a chunk";
  if (joined != buffer) return "the re-encoded frame differs from the original";
  return {};
}

}  // namespace detail

// Empty when the property holds, else what is wrong.
inline std::string check_produce_zero_copy(const Frame& frame) {
  const auto* api = message::find_api(message::ProduceRequest::kApiKey);
  const int16_t hv = api->request_header_version(frame.version);
  wire::Reader in(frame.bytes->data() + 4, frame.bytes->size() - 4, frame.bytes);
  auto header = protocol::decode_request_header(in, hv);
  message::ProduceRequest req;
  req.decode(in, frame.version);
  std::vector<const wire::SharedBytes*> records;
  for (const auto& t : req.topic_data)
    for (const auto& p : t.partition_data)
      if (p.records) records.push_back(&*p.records);
  wire::Writer w;
  w.write_int32(0);
  protocol::encode_request_header(w, header, hv);
  req.encode(w, frame.version);
  finish_frame(w);
  return detail::check(frame, records, w);
}

inline std::string check_fetch_zero_copy(const Frame& frame) {
  const auto* api = message::find_api(message::FetchResponse::kApiKey);
  const int16_t hv = api->response_header_version(frame.version);
  wire::Reader in(frame.bytes->data() + 4, frame.bytes->size() - 4, frame.bytes);
  auto header = protocol::decode_response_header(in, hv);
  message::FetchResponse resp;
  resp.decode(in, frame.version);
  std::vector<const wire::SharedBytes*> records;
  for (const auto& t : resp.responses)
    for (const auto& p : t.partitions)
      if (p.records) records.push_back(&*p.records);
  wire::Writer w;
  w.write_int32(0);
  protocol::encode_response_header(w, header, hv);
  resp.encode(w, frame.version);
  finish_frame(w);
  return detail::check(frame, records, w);
}

}  // namespace chronik::bench
