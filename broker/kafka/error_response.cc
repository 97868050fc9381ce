#include "broker/kafka/error_response.h"

namespace chronik::broker {

namespace m = chronik::message;

m::ProduceResponse error_response(const m::ProduceRequest& req, int16_t error) {
  m::ProduceResponse resp;
  for (const auto& topic : req.topic_data) {
    auto& t = resp.responses.emplace_back();
    t.name = topic.name;
    t.topic_id = topic.topic_id;  // v13 names topics by id (only the version's field is written)
    for (const auto& partition : topic.partition_data) {
      auto& p = t.partition_responses.emplace_back();
      p.index = partition.index;
      p.error_code = error;
      p.base_offset = -1;
    }
  }
  return resp;
}

m::FetchResponse error_response(const m::FetchRequest& req, int16_t error) {
  m::FetchResponse resp;
  for (const auto& topic : req.topics) {
    auto& t = resp.responses.emplace_back();
    t.topic = topic.topic;
    t.topic_id = topic.topic_id;
    for (const auto& partition : topic.partitions) {
      auto& p = t.partitions.emplace_back();
      p.partition_index = partition.partition;
      p.error_code = error;
      p.high_watermark = -1;
    }
  }
  return resp;
}

m::ListOffsetsResponse error_response(const m::ListOffsetsRequest& req, int16_t error) {
  m::ListOffsetsResponse resp;
  for (const auto& topic : req.topics) {
    auto& t = resp.topics.emplace_back();
    t.name = topic.name;
    for (const auto& partition : topic.partitions) {
      auto& p = t.partitions.emplace_back();
      p.partition_index = partition.partition_index;
      p.error_code = error;
    }
  }
  return resp;
}

// No brokers: a client keeps the ones it knows and asks again.
m::MetadataResponse error_response(const m::MetadataRequest& req, int16_t error) {
  m::MetadataResponse resp;
  if (req.topics) {
    for (const auto& topic : *req.topics) {
      auto& t = resp.topics.emplace_back();
      t.name = topic.name;
      t.topic_id = topic.topic_id;
      t.error_code = error;
    }
  }
  return resp;
}

m::OffsetCommitResponse error_response(const m::OffsetCommitRequest& req, int16_t error) {
  m::OffsetCommitResponse resp;
  for (const auto& topic : req.topics) {
    auto& t = resp.topics.emplace_back();
    t.name = topic.name;
    for (const auto& partition : topic.partitions) {
      auto& p = t.partitions.emplace_back();
      p.partition_index = partition.partition_index;
      p.error_code = error;
    }
  }
  return resp;
}

// v0-1 answer per partition, v2-7 also at the top, v8+ per group.
m::OffsetFetchResponse error_response(const m::OffsetFetchRequest& req, int16_t error) {
  m::OffsetFetchResponse resp;
  for (const auto& topic : req.topics.value_or(std::vector<m::OffsetFetchRequest::OffsetFetchRequestTopic>{})) {
    auto& t = resp.topics.emplace_back();
    t.name = topic.name;
    for (int32_t index : topic.partition_indexes) {
      auto& p = t.partitions.emplace_back();
      p.partition_index = index;
      p.committed_offset = -1;
      p.error_code = error;
    }
  }
  for (const auto& group : req.groups) {
    auto& g = resp.groups.emplace_back();
    g.group_id = group.group_id;
    g.error_code = error;
  }
  return resp;
}

m::CreateTopicsResponse error_response(const m::CreateTopicsRequest& req, int16_t error) {
  m::CreateTopicsResponse resp;
  for (const auto& topic : req.topics) {
    auto& t = resp.topics.emplace_back();
    t.name = topic.name;
    t.error_code = error;
    t.error_message = std::nullopt;
  }
  return resp;
}

// Up to v5 topics come by name alone, from v6 by name or id.
m::DeleteTopicsResponse error_response(const m::DeleteTopicsRequest& req, int16_t error) {
  m::DeleteTopicsResponse resp;
  for (const auto& name : req.topic_names) {
    auto& t = resp.responses.emplace_back();
    t.name = name;
    t.error_code = error;
  }
  for (const auto& topic : req.topics) {
    auto& t = resp.responses.emplace_back();
    t.name = topic.name;
    t.topic_id = topic.topic_id;
    t.error_code = error;
  }
  return resp;
}

m::DescribeConfigsResponse error_response(const m::DescribeConfigsRequest& req, int16_t error) {
  m::DescribeConfigsResponse resp;
  for (const auto& resource : req.resources) {
    auto& r = resp.results.emplace_back();
    r.resource_type = resource.resource_type;
    r.resource_name = resource.resource_name;
    r.error_code = error;
    r.error_message = std::nullopt;
  }
  return resp;
}

}  // namespace chronik::broker
