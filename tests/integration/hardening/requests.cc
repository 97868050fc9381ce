#include "tests/integration/hardening/requests.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>

#include "generated/kafka/metadata_request.h"
#include "generated/kafka/metadata_response.h"

namespace chronik::testing {

namespace m = chronik::message;

namespace {

// Asks again every 50 ms until `settled` holds; the check fails at `deadline`.
void wait_until(std::chrono::steady_clock::time_point deadline, const std::function<bool()>& settled) {
  while (!settled()) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

void create_topic(uint16_t port, const std::string& name, int32_t partitions,
                  const std::map<std::string, std::string>& configs) {
  m::CreateTopicsRequest req;
  req.timeout_ms = 30000;
  m::CreateTopicsRequest::CreatableTopic t;
  t.name = name;
  t.num_partitions = partitions;
  t.replication_factor = 1;
  for (const auto& [k, v] : configs) t.configs.push_back({k, v, {}});
  req.topics.push_back(t);
  auto resp = call<m::CreateTopicsResponse>(port, req, 7);
  REQUIRE(resp.topics.size() == 1);
  INFO(resp.topics[0].error_message.value_or(""));
  REQUIRE(resp.topics[0].error_code == 0);
  // Kafka's brokers learn of the topic from the controller a moment later: wait until
  // Metadata shows every partition with its leader, so that the check's next request finds it.
  // After topic_limits_test's checks Kafka spends a good minute creating their thousands of
  // partitions, so the wait is long enough for checks that run after them.
  m::MetadataRequest md;
  m::MetadataRequest::MetadataRequestTopic mt;
  mt.name = name;
  md.topics = std::vector{mt};
  md.allow_auto_topic_creation = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  wait_until(deadline, [&] {
    auto t = call<m::MetadataResponse>(port, md, 12).topics.at(0);
    const bool led = std::all_of(t.partitions.begin(), t.partitions.end(), [](const auto& p) { return p.leader_id >= 0; });
    return t.error_code == 0 && static_cast<int32_t>(t.partitions.size()) == partitions && led;
  });
  // Kafka's Metadata names a leader before that broker has made itself the leader of the
  // partition's log: a produce in between was answered NOT_LEADER_OR_FOLLOWER (a CI run's
  // against Kafka 4.4). So also wait until ListOffsets, which asks the partition's log, answers.
  m::ListOffsetsRequest lo;
  lo.replica_id = -1;
  auto& lt = lo.topics.emplace_back();
  lt.name = name;
  for (int32_t i = 0; i < partitions; ++i) {
    auto& lp = lt.partitions.emplace_back();
    lp.partition_index = i;
    lp.timestamp = -1;
  }
  wait_until(deadline, [&] {
    auto r = call<m::ListOffsetsResponse>(port, lo, 7);
    return r.topics.size() == 1 && std::all_of(r.topics[0].partitions.begin(), r.topics[0].partitions.end(),
                                               [](const auto& p) { return p.error_code == 0; });
  });
}

m::ProduceRequest produce_request(const std::string& topic, std::vector<uint8_t> records) {
  m::ProduceRequest req;
  req.acks = -1;
  req.timeout_ms = 10000;
  auto& td = req.topic_data.emplace_back();
  td.name = topic;
  auto& pd = td.partition_data.emplace_back();
  pd.index = 0;
  pd.records = wire::SharedBytes::adopt(std::move(records));
  return req;
}

m::ProduceResponse::PartitionProduceResponse produce(const std::string& topic, std::vector<uint8_t> records,
                                                     int16_t version, int16_t acks) {
  auto req = produce_request(topic, std::move(records));
  req.acks = acks;
  auto resp = call<m::ProduceResponse>(target_port(), req, version);
  REQUIRE(resp.responses.size() == 1);
  REQUIRE(resp.responses[0].partition_responses.size() == 1);
  return resp.responses[0].partition_responses[0];
}

m::ListOffsetsResponse::ListOffsetsPartitionResponse list_offset(const std::string& topic, int64_t timestamp,
                                                                 int16_t version) {
  m::ListOffsetsRequest req;
  req.replica_id = -1;
  m::ListOffsetsRequest::ListOffsetsTopic t;
  t.name = topic;
  m::ListOffsetsRequest::ListOffsetsPartition p;
  p.partition_index = 0;
  p.timestamp = timestamp;
  t.partitions.push_back(p);
  req.topics.push_back(t);
  auto resp = call<m::ListOffsetsResponse>(target_port(), req, version);
  REQUIRE(resp.topics.size() == 1);
  REQUIRE(resp.topics[0].partitions.size() == 1);
  return resp.topics[0].partitions[0];
}

m::FetchResponse::PartitionData fetch(const std::string& topic, int64_t offset, int32_t max_bytes, int16_t version) {
  m::FetchRequest req;
  req.replica_id = -1;
  req.max_wait_ms = 0;
  req.min_bytes = 0;
  req.max_bytes = max_bytes;
  m::FetchRequest::FetchTopic t;
  t.topic = topic;
  m::FetchRequest::FetchPartition p;
  p.partition = 0;
  p.fetch_offset = offset;
  p.partition_max_bytes = max_bytes;
  t.partitions.push_back(p);
  req.topics.push_back(t);
  auto resp = call<m::FetchResponse>(target_port(), req, version);
  REQUIRE(resp.responses.size() == 1);
  REQUIRE(resp.responses[0].partitions.size() == 1);
  return resp.responses[0].partitions[0];
}

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int16_t until_settled(const std::function<int16_t()>& attempt, std::initializer_list<int16_t> retry_on) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int16_t e = attempt();
  while (std::find(retry_on.begin(), retry_on.end(), e) != retry_on.end() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    e = attempt();
  }
  return e;
}

}  // namespace chronik::testing
