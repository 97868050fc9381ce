// Inputs of the codec micro-benchmarks and of their zero-copy test: a Produce request frame
// and a Fetch response frame each carrying about 1 MiB of v2 record batches spread over
// several topic-partitions, and a Metadata response for many topics.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "generated/kafka/api_table.h"
#include "generated/kafka/fetch_response.h"
#include "generated/kafka/metadata_response.h"
#include "generated/kafka/produce_request.h"
#include "runtime/protocol/header.h"
#include "runtime/wire/reader.h"
#include "runtime/wire/writer.h"

namespace chronik::bench {

// CRC-32C (Castagnoli), bitwise: only used to build the fixtures, never measured.
inline uint32_t crc32c(const uint8_t* p, size_t n) {
  uint32_t crc = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// One record batch (magic 2) of `count` records with `value_size`-byte values and 8-byte
// keys, appended to `out`; a valid batch, CRC included.
inline void append_record_batch(std::vector<uint8_t>& out, int64_t base_offset, int count,
                                size_t value_size) {
  wire::Writer records;
  for (int i = 0; i < count; ++i) {
    wire::SizeCounter body;
    auto write_body = [&](auto& w) {
      w.write_int8(0);         // attributes
      w.write_varlong(i);      // timestamp delta
      w.write_varint(i);       // offset delta
      w.write_varint(8);       // key
      for (int k = 0; k < 8; ++k) w.write_uint8(static_cast<uint8_t>('0' + (i + k) % 10));
      w.write_varint(static_cast<int32_t>(value_size));
      for (size_t k = 0; k < value_size; ++k) w.write_uint8(static_cast<uint8_t>(i * 31 + k));
      w.write_varint(0);       // headers
    };
    write_body(body);
    records.write_varint(static_cast<int32_t>(body.size()));
    write_body(records);
  }
  std::vector<uint8_t> rec = std::move(records).take_bytes();

  wire::Writer after_crc;  // attributes .. end: what the CRC covers
  after_crc.write_int16(0);               // attributes: no compression, not transactional
  after_crc.write_int32(count - 1);       // last offset delta
  after_crc.write_int64(1700000000000);   // base timestamp
  after_crc.write_int64(1700000000000 + count - 1);
  after_crc.write_int64(-1);              // producer id
  after_crc.write_int16(-1);              // producer epoch
  after_crc.write_int32(-1);              // base sequence
  after_crc.write_int32(count);
  after_crc.write_raw(rec);
  std::vector<uint8_t> tail = std::move(after_crc).take_bytes();

  wire::Writer batch;
  batch.write_int64(base_offset);
  batch.write_int32(static_cast<int32_t>(4 + 1 + 4 + tail.size()));  // batch length
  batch.write_int32(0);                   // partition leader epoch
  batch.write_int8(2);                    // magic
  batch.write_uint32(crc32c(tail.data(), tail.size()));
  batch.write_raw(tail);
  std::vector<uint8_t> b = std::move(batch).take_bytes();
  out.insert(out.end(), b.begin(), b.end());
}

// The records of one partition: `batches` batches of ~`bytes / batches` bytes each.
inline std::vector<uint8_t> make_records(size_t bytes, int batches) {
  std::vector<uint8_t> out;
  const size_t value_size = 1000;
  const size_t per_batch = bytes / static_cast<size_t>(batches);
  const int per_record = static_cast<int>(value_size + 16);
  int64_t offset = 0;
  for (int b = 0; b < batches; ++b) {
    const int count = std::max(1, static_cast<int>((per_batch - 61) / static_cast<size_t>(per_record)));
    append_record_batch(out, offset, count, value_size);
    offset += count;
  }
  return out;
}

struct Frame {
  // The whole frame, size prefix included, as the network layer would hold it.
  std::shared_ptr<std::vector<uint8_t>> bytes;
  int16_t version = 0;
  size_t record_bytes = 0;  // bytes of record batches inside
};

inline void finish_frame(wire::Writer& w) {
  w.patch_int32(0, static_cast<int32_t>(w.size() - 4));
}

inline Frame to_frame(wire::Writer&& w, int16_t version, size_t record_bytes) {
  finish_frame(w);
  return {std::make_shared<std::vector<uint8_t>>(std::move(w).take_bytes()), version, record_bytes};
}

// A Produce request at the highest stable version with `topics` x `partitions` partitions
// sharing `total_records` bytes of records, `batches` batches per partition.
inline Frame make_produce_frame(size_t total_records, int topics, int partitions, int batches) {
  const auto* api = message::find_api(message::ProduceRequest::kApiKey);
  const int16_t version = api->highest_stable_version;
  const size_t per_partition = total_records / static_cast<size_t>(topics * partitions);
  message::ProduceRequest req;
  req.acks = -1;
  req.timeout_ms = 30000;
  size_t record_bytes = 0;
  for (int t = 0; t < topics; ++t) {
    auto& topic = req.topic_data.emplace_back();
    topic.name = "bench-topic-" + std::to_string(t);
    for (int p = 0; p < partitions; ++p) {
      auto& part = topic.partition_data.emplace_back();
      part.index = p;
      part.records = wire::SharedBytes::adopt(make_records(per_partition, batches));
      record_bytes += part.records->size();
    }
  }
  protocol::RequestHeader header;
  header.api_key = message::ProduceRequest::kApiKey;
  header.api_version = version;
  header.correlation_id = 42;
  header.client_id = "bench-producer";
  wire::Writer w;
  w.write_int32(0);
  protocol::encode_request_header(w, header, api->request_header_version(version));
  req.encode(w, version);
  return to_frame(std::move(w), version, record_bytes);
}

// A Fetch response at the highest stable version, same shape as make_produce_frame.
inline Frame make_fetch_frame(size_t total_records, int topics, int partitions, int batches) {
  const auto* api = message::find_api(message::FetchResponse::kApiKey);
  const int16_t version = api->highest_stable_version;
  const size_t per_partition = total_records / static_cast<size_t>(topics * partitions);
  message::FetchResponse resp;
  resp.session_id = 7;
  size_t record_bytes = 0;
  for (int t = 0; t < topics; ++t) {
    auto& topic = resp.responses.emplace_back();
    if (version >= 13) {
      topic.topic_id.bytes[15] = static_cast<uint8_t>(t + 1);
    } else {
      topic.topic = "bench-topic-" + std::to_string(t);
    }
    for (int p = 0; p < partitions; ++p) {
      auto& part = topic.partitions.emplace_back();
      part.partition_index = p;
      part.high_watermark = 1000000;
      part.last_stable_offset = 1000000;
      part.log_start_offset = 0;
      part.records = wire::SharedBytes::adopt(make_records(per_partition, batches));
      record_bytes += part.records->size();
    }
  }
  protocol::ResponseHeader header;
  header.correlation_id = 42;
  wire::Writer w;
  w.write_int32(0);
  protocol::encode_response_header(w, header, api->response_header_version(version));
  resp.encode(w, version);
  return to_frame(std::move(w), version, record_bytes);
}

// A Metadata response for `topics` topics of `partitions` partitions on 3 brokers.
inline message::MetadataResponse make_metadata(int topics, int partitions) {
  message::MetadataResponse m;
  for (int b = 0; b < 3; ++b) {
    auto& broker = m.brokers.emplace_back();
    broker.node_id = b;
    broker.host = "broker-" + std::to_string(b) + ".example.internal";
    broker.port = 9092;
  }
  m.cluster_id = "chronik-bench-cluster";
  m.controller_id = 0;
  for (int t = 0; t < topics; ++t) {
    auto& topic = m.topics.emplace_back();
    topic.name = "orders.region-" + std::to_string(t % 17) + ".topic-" + std::to_string(t);
    topic.topic_id.bytes[14] = static_cast<uint8_t>(t >> 8);
    topic.topic_id.bytes[15] = static_cast<uint8_t>(t);
    for (int p = 0; p < partitions; ++p) {
      auto& part = topic.partitions.emplace_back();
      part.partition_index = p;
      part.leader_id = p % 3;
      part.leader_epoch = 5;
      part.replica_nodes = {p % 3, (p + 1) % 3, (p + 2) % 3};
      part.isr_nodes = part.replica_nodes;
    }
  }
  return m;
}

}  // namespace chronik::bench
