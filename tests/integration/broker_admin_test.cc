// DescribeLogDirs, DescribeTopicPartitions and time-based retention against the real broker.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "generated/kafka/api_table.h"
#include "generated/kafka/api_versions_request.h"
#include "generated/kafka/api_versions_response.h"
#include "generated/kafka/create_topics_request.h"
#include "generated/kafka/create_topics_response.h"
#include "generated/kafka/describe_log_dirs_request.h"
#include "generated/kafka/describe_log_dirs_response.h"
#include "generated/kafka/describe_topic_partitions_request.h"
#include "generated/kafka/describe_topic_partitions_response.h"
#include "generated/kafka/list_offsets_request.h"
#include "generated/kafka/list_offsets_response.h"
#include "generated/kafka/produce_request.h"
#include "generated/kafka/produce_response.h"
#include "runtime/protocol/header.h"
#include "runtime/record/batch.h"
#include "tests/integration/broker_process.h"
#include "tests/integration/kafka_frames.h"

using chronik::testing::BrokerProcess;
using chronik::testing::RawConnection;
using chronik::testing::api_versions_request;
namespace m = chronik::message;
namespace wire = chronik::wire;
namespace protocol = chronik::protocol;
namespace record = chronik::record;

namespace {

template <class Resp, class Req>
Resp call(uint16_t port, const Req& req, int16_t version) {
  RawConnection c(port);
  c.send_frame(chronik::testing::request_bytes(req, version, 1, "admin-test"));
  const std::string frame = c.read_frame();
  REQUIRE(!frame.empty());
  return chronik::testing::parse_response<Resp>(frame, version);
}

void create_topic(uint16_t port, const std::string& name, int partitions,
                  std::map<std::string, std::string> configs = {}) {
  m::CreateTopicsRequest req;
  m::CreateTopicsRequest::CreatableTopic t;
  t.name = name;
  t.num_partitions = partitions;
  t.replication_factor = 1;
  for (const auto& [k, v] : configs) t.configs.push_back({k, v, {}});
  req.topics.push_back(t);
  auto resp = call<m::CreateTopicsResponse>(port, req, 7);
  REQUIRE(resp.topics.at(0).error_code == 0);
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t produce(uint16_t port, const std::string& topic, int32_t partition, size_t value_size) {
  std::vector<record::Record> records(1);
  records[0].value = record::Bytes(value_size, 'x');
  record::BatchOptions o;
  o.base_timestamp = now_ms();
  m::ProduceRequest req;
  req.acks = -1;
  req.timeout_ms = 5000;
  m::ProduceRequest::TopicProduceData td;
  td.name = topic;
  m::ProduceRequest::PartitionProduceData pd;
  pd.index = partition;
  pd.records = wire::SharedBytes::adopt(record::build_batch(o, records));
  td.partition_data.push_back(pd);
  req.topic_data.push_back(td);
  auto resp = call<m::ProduceResponse>(port, req, 9);
  const auto& p = resp.responses.at(0).partition_responses.at(0);
  REQUIRE(p.error_code == 0);
  return p.base_offset;
}

int64_t earliest(uint16_t port, const std::string& topic) {
  m::ListOffsetsRequest req;
  req.replica_id = -1;
  m::ListOffsetsRequest::ListOffsetsTopic t;
  t.name = topic;
  m::ListOffsetsRequest::ListOffsetsPartition p;
  p.partition_index = 0;
  p.timestamp = -2;
  t.partitions.push_back(p);
  req.topics.push_back(t);
  auto resp = call<m::ListOffsetsResponse>(port, req, 7);
  const auto& r = resp.topics.at(0).partitions.at(0);
  REQUIRE(r.error_code == 0);
  return r.offset;
}

int64_t dir_bytes(const std::string& dir) {
  int64_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) total += static_cast<int64_t>(e.file_size());
  return total;
}

bool advertised(uint16_t port, int16_t api_key) {
  auto resp = call<m::ApiVersionsResponse>(port, api_versions_request(), 3);
  for (const auto& a : resp.api_keys)
    if (a.api_key == api_key) return true;
  return false;
}

}  // namespace

TEST_CASE("DescribeLogDirs reports the log dir and partition sizes", "[admin]") {
  BrokerProcess broker;
  broker.start();
  CHECK(advertised(broker.port(), m::DescribeLogDirsRequest::kApiKey));
  create_topic(broker.port(), "dirs", 2);
  produce(broker.port(), "dirs", 1, 5000);

  m::DescribeLogDirsRequest all;
  all.topics = std::nullopt;
  auto resp = call<m::DescribeLogDirsResponse>(broker.port(), all, 4);
  REQUIRE(resp.results.size() == 1);
  const auto& dir = resp.results[0];
  CHECK(dir.error_code == 0);
  CHECK(std::filesystem::equivalent(dir.log_dir, broker.data_dir()));
  CHECK(dir.total_bytes > 0);
  CHECK(dir.usable_bytes > 0);
  // "dirs" and the internal __consumer_offsets.
  REQUIRE(dir.topics.size() == 2);
  const auto dirs = std::find_if(dir.topics.begin(), dir.topics.end(), [](const auto& t) { return t.name == "dirs"; });
  REQUIRE(dirs != dir.topics.end());
  REQUIRE(dirs->partitions.size() == 2);
  CHECK(dirs->partitions[0].partition_size == 0);
  CHECK(dirs->partitions[1].partition_size >= 5000);

  m::DescribeLogDirsRequest one;
  one.topics = std::vector<m::DescribeLogDirsRequest::DescribableLogDirTopic>{{"dirs", {1}, {}}};
  auto r1 = call<m::DescribeLogDirsResponse>(broker.port(), one, 1);
  REQUIRE(r1.results.at(0).topics.size() == 1);
  REQUIRE(r1.results[0].topics[0].partitions.size() == 1);
  CHECK(r1.results[0].topics[0].partitions[0].partition_index == 1);
}

TEST_CASE("DescribeTopicPartitions pages through topics with a cursor", "[admin]") {
  BrokerProcess broker;
  broker.start();
  CHECK(advertised(broker.port(), m::DescribeTopicPartitionsRequest::kApiKey));
  create_topic(broker.port(), "dtp-a", 3);
  create_topic(broker.port(), "dtp-b", 2);

  m::DescribeTopicPartitionsRequest req;
  req.topics = {{"dtp-b", {}}, {"dtp-a", {}}, {"missing", {}}};
  auto resp = call<m::DescribeTopicPartitionsResponse>(broker.port(), req, 0);
  REQUIRE(resp.topics.size() == 3);
  CHECK(resp.topics[0].name == "dtp-a");
  CHECK(resp.topics[0].partitions.size() == 3);
  CHECK(resp.topics[0].partitions[2].leader_id == 1);
  CHECK(resp.topics[1].name == "dtp-b");
  CHECK(resp.topics[2].name == "missing");
  CHECK(resp.topics[2].error_code == 3);
  CHECK(!resp.next_cursor);

  // Every topic from "dtp-a" on (the cursor also skips the internal __consumer_offsets).
  req.topics.clear();
  req.cursor = m::DescribeTopicPartitionsRequest::Cursor{"dtp-a", 0, {}};
  req.response_partition_limit = 2;
  auto page1 = call<m::DescribeTopicPartitionsResponse>(broker.port(), req, 0);
  REQUIRE(page1.topics.size() == 1);
  CHECK(page1.topics[0].partitions.size() == 2);
  REQUIRE(page1.next_cursor);
  CHECK(page1.next_cursor->topic_name == "dtp-a");
  CHECK(page1.next_cursor->partition_index == 2);
  req.cursor = m::DescribeTopicPartitionsRequest::Cursor{"dtp-a", 2, {}};
  auto page2 = call<m::DescribeTopicPartitionsResponse>(broker.port(), req, 0);
  REQUIRE(page2.topics.size() == 2);
  CHECK(page2.topics[0].partitions.at(0).partition_index == 2);
  CHECK(page2.topics[1].partitions.size() == 1);
}

TEST_CASE("retention.ms removes old batches, moves the log start and shrinks the data dir", "[admin][retention]") {
  BrokerProcess broker(std::map<std::string, std::string>{{"log.retention.check.interval.ms", "200"}});
  broker.start();
  create_topic(broker.port(), "ret", 1, {{"retention.ms", "2000"}});
  for (int i = 0; i < 40; ++i) produce(broker.port(), "ret", 0, 200 * 1024);
  // Let the data reach the SST files so that the shrink is measured on disk.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const int64_t before = dir_bytes(broker.data_dir());
  CHECK(before > 7 * 1024 * 1024);  // 40 batches of 200 KiB
  CHECK(earliest(broker.port(), "ret") == 0);

  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  const int64_t fresh = produce(broker.port(), "ret", 0, 100);
  CHECK(fresh == 40);
  int64_t start = 0;
  for (int i = 0; i < 50 && start != 40; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    start = earliest(broker.port(), "ret");
  }
  CHECK(start == 40);
  int64_t after = before;
  for (int i = 0; i < 50 && after > before / 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    after = dir_bytes(broker.data_dir());
  }
  INFO("data dir " << before << " -> " << after << " bytes");
  CHECK(after < before / 2);
}
