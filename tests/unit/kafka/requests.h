// Requests the kafka tests send, built with the generated messages.
#pragma once

#include <string>
#include <vector>

#include "generated/kafka/api_versions_request.h"
#include "generated/kafka/create_topics_request.h"
#include "generated/kafka/fetch_request.h"
#include "generated/kafka/produce_request.h"
#include "runtime/record/batch.h"

namespace chronik::broker::testing {

namespace m = chronik::message;

struct ProducerId {
  int64_t id = -1;
  int16_t epoch = -1;
  int32_t sequence = -1;
};

// One v2 batch of `values`.
inline wire::SharedBytes batch_of(const std::vector<std::string>& values, ProducerId producer = {}) {
  std::vector<record::Record> records(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    records[i].offset_delta = static_cast<int32_t>(i);
    records[i].timestamp_delta = static_cast<int64_t>(i);
    records[i].value = record::Bytes(values[i].begin(), values[i].end());
  }
  record::BatchOptions o;
  o.base_timestamp = 1700000000000;
  o.producer_id = producer.id;
  o.producer_epoch = producer.epoch;
  o.base_sequence = producer.sequence;
  return wire::SharedBytes::adopt(record::build_batch(o, records));
}

// An ApiVersions request with the client software name and version v3+ must carry (KIP-511).
inline m::ApiVersionsRequest api_versions_request() {
  m::ApiVersionsRequest req;
  req.client_software_name = "chronik-unit";
  req.client_software_version = "1.0";
  return req;
}

inline m::ProduceRequest produce_request(const std::string& topic, std::vector<int32_t> partitions,
                                         const std::vector<std::string>& values, ProducerId producer = {}) {
  m::ProduceRequest req;
  req.acks = -1;
  req.timeout_ms = 30000;
  m::ProduceRequest::TopicProduceData td;
  td.name = topic;
  for (int32_t p : partitions) {
    m::ProduceRequest::PartitionProduceData pd;
    pd.index = p;
    pd.records = batch_of(values, producer);
    td.partition_data.push_back(pd);
  }
  req.topic_data.push_back(td);
  return req;
}

inline m::FetchRequest fetch_request(const std::string& topic, int32_t partition, int64_t offset) {
  m::FetchRequest req;
  req.max_wait_ms = 0;
  req.min_bytes = 0;
  req.max_bytes = 1 << 20;
  m::FetchRequest::FetchTopic t;
  t.topic = topic;
  m::FetchRequest::FetchPartition p;
  p.partition = partition;
  p.fetch_offset = offset;
  p.partition_max_bytes = 1 << 20;
  t.partitions.push_back(p);
  req.topics.push_back(t);
  return req;
}

inline m::CreateTopicsRequest create_topics_request(const std::string& name, int32_t partitions,
                                                    int16_t replication = 1) {
  m::CreateTopicsRequest req;
  m::CreateTopicsRequest::CreatableTopic t;
  t.name = name;
  t.num_partitions = partitions;
  t.replication_factor = replication;
  req.topics.push_back(t);
  return req;
}

// The values of every record in `records` (whole v2 batches, as Fetch returns them).
inline std::vector<std::string> values_of(const wire::SharedBytes& records) {
  std::vector<std::string> out;
  auto bytes = records.span();
  while (bytes.size() >= record::kBatchHeaderSize) {
    const size_t size = record::check_batch_frame(bytes).size_in_bytes();
    for (const auto& r : record::decode_batch(bytes.first(size)).records)
      out.emplace_back(r.value ? std::string(r.value->begin(), r.value->end()) : std::string());
    bytes = bytes.subspan(size);
  }
  return out;
}

}  // namespace chronik::broker::testing
