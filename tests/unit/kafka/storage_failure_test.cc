// A disk that fails under the broker (FailingEnv): every request still gets its API's answer,
// KAFKA_STORAGE_ERROR where the failure hit, and the broker goes on answering.
#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include "generated/kafka/create_partitions_request.h"
#include "generated/kafka/create_partitions_response.h"
#include "generated/kafka/create_topics_response.h"
#include "generated/kafka/delete_records_request.h"
#include "generated/kafka/delete_records_response.h"
#include "generated/kafka/delete_topics_request.h"
#include "generated/kafka/delete_topics_response.h"
#include "generated/kafka/describe_log_dirs_request.h"
#include "generated/kafka/describe_log_dirs_response.h"
#include "generated/kafka/fetch_response.h"
#include "generated/kafka/incremental_alter_configs_request.h"
#include "generated/kafka/incremental_alter_configs_response.h"
#include "generated/kafka/list_offsets_request.h"
#include "generated/kafka/list_offsets_response.h"
#include "generated/kafka/metadata_request.h"
#include "generated/kafka/metadata_response.h"
#include "generated/kafka/offset_commit_request.h"
#include "generated/kafka/offset_commit_response.h"
#include "generated/kafka/produce_response.h"
#include "tests/unit/kafka/harness.h"
#include "tests/unit/kafka/requests.h"

using namespace chronik::broker;
using namespace chronik::broker::testing;
using chronik::protocol::ErrorCode;

namespace {

const int16_t kStorageError = chronik::protocol::to_int16(ErrorCode::KAFKA_STORAGE_ERROR);

void create_topic(KafkaHarness& h, const std::string& name, int32_t partitions) {
  auto resp = h.call<m::CreateTopicsResponse>(create_topics_request(name, partitions), 7);
  REQUIRE(resp.topics.at(0).error_code == 0);
}

std::vector<int16_t> produce_errors(KafkaHarness& h, const std::string& topic, std::vector<int32_t> partitions,
                                    const std::vector<std::string>& values = {"v"}) {
  auto resp = h.call<m::ProduceResponse>(produce_request(topic, partitions, values), 9);
  std::vector<int16_t> out;
  for (const auto& p : resp.responses.at(0).partition_responses) out.push_back(p.error_code);
  return out;
}

m::ListOffsetsResponse::ListOffsetsPartitionResponse list_offset(KafkaHarness& h, const std::string& topic,
                                                                 int64_t timestamp) {
  m::ListOffsetsRequest req;
  req.replica_id = -1;
  m::ListOffsetsRequest::ListOffsetsTopic t;
  t.name = topic;
  m::ListOffsetsRequest::ListOffsetsPartition p;
  p.partition_index = 0;
  p.timestamp = timestamp;
  t.partitions.push_back(p);
  req.topics.push_back(t);
  return h.call<m::ListOffsetsResponse>(req, 7).topics.at(0).partitions.at(0);
}

// IncrementalAlterConfigs setting the cluster-wide log.retention.ms: its error code.
int16_t set_retention(KafkaHarness& h, const std::string& ms) {
  m::IncrementalAlterConfigsRequest req;
  req.resources.resize(1);
  req.resources[0].resource_type = 4;  // broker
  req.resources[0].resource_name = "";  // the cluster-wide default
  req.resources[0].configs.resize(1);
  req.resources[0].configs[0].name = "log.retention.ms";
  req.resources[0].configs[0].config_operation = 0;  // SET
  req.resources[0].configs[0].value = ms;
  return h.call<m::IncrementalAlterConfigsResponse>(req, 1).responses.at(0).error_code;
}

// Whether the batches database keeps anything in tables (on disk, not in its memtable).
bool batches_in_tables(KafkaHarness& h) {
  for (int level = 0; level < 7; ++level)
    if (auto n = h.broker.store->engine_property("leveldb.num-files-at-level" + std::to_string(level));
        n && std::stoi(*n) > 0)
      return true;
  return false;
}

}  // namespace

TEST_CASE("a failed write: Produce answers KAFKA_STORAGE_ERROR per partition, and the broker answers on",
          "[kafka][storage-failure]") {
  KafkaHarness h;
  create_topic(h, "t", 3);
  REQUIRE(produce_errors(h, "t", {0, 1, 2}) == std::vector<int16_t>{0, 0, 0});
  REQUIRE(set_retention(h, "3600000") == 0);

  h.env->fail_writes = true;
  // A response (not a closed connection), every partition with the storage error.
  Outcome out = h.run(KafkaHarness::frame(produce_request("t", {0, 1, 2}, {"lost"}), 9, 77));
  REQUIRE(out.kind == Outcome::Kind::kRespond);
  auto resp = KafkaHarness::decode<m::ProduceResponse>(KafkaHarness::response_frame(out), 9, 77, 1);
  REQUIRE(resp.responses.at(0).partition_responses.size() == 3);
  for (const auto& p : resp.responses[0].partition_responses) {
    CHECK(p.error_code == kStorageError);
    CHECK(p.base_offset == -1);
  }
  CHECK(h.env->failures > 0);
  CHECK(h.broker.store->storage_error());

  // The dir stays failed once a write failed (until it is reopened), whatever the disk does now.
  h.env->fail_writes = false;
  CHECK(produce_errors(h, "t", {1}) == std::vector<int16_t>{kStorageError});

  // Everything that writes answers the storage error where it applies ...
  auto created = h.call<m::CreateTopicsResponse>(create_topics_request("new", 1), 7);
  CHECK(created.topics.at(0).error_code == kStorageError);
  CHECK_FALSE(h.broker.store->find_topic("new"));

  m::CreatePartitionsRequest grow;
  grow.topics.resize(1);
  grow.topics[0].name = "t";
  grow.topics[0].count = 5;
  grow.topics[0].assignments = std::nullopt;
  CHECK(h.call<m::CreatePartitionsResponse>(grow, 3).results.at(0).error_code == kStorageError);
  CHECK(h.broker.store->find_topic("t")->partitions == 3);

  m::DeleteRecordsRequest trim;
  trim.topics.resize(1);
  trim.topics[0].name = "t";
  trim.topics[0].partitions.resize(1);
  trim.topics[0].partitions[0].partition_index = 0;
  trim.topics[0].partitions[0].offset = 1;
  auto trimmed = h.call<m::DeleteRecordsResponse>(trim, 2);
  CHECK(trimmed.topics.at(0).partitions.at(0).error_code == kStorageError);

  m::DeleteTopicsRequest drop;
  drop.topic_names = {"t"};
  CHECK(h.call<m::DeleteTopicsResponse>(drop, 4).responses.at(0).error_code == kStorageError);
  CHECK(h.broker.store->find_topic("t"));
  CHECK(produce_errors(h, "t", {0}) == std::vector<int16_t>{kStorageError});  // not deleted

  // ... offset commits as the group coordinator answers a failed write (the client retries
  // it elsewhere), and DescribeLogDirs shows the dir offline.
  m::OffsetCommitRequest commit;
  commit.group_id = "g";
  commit.generation_id_or_member_epoch = -1;
  commit.topics.resize(1);
  commit.topics[0].name = "t";
  commit.topics[0].partitions.resize(1);
  commit.topics[0].partitions[0].partition_index = 0;
  commit.topics[0].partitions[0].committed_offset = 1;
  CHECK(h.call<m::OffsetCommitResponse>(commit, 8).topics.at(0).partitions.at(0).error_code ==
        chronik::protocol::to_int16(ErrorCode::NOT_COORDINATOR));

  CHECK(set_retention(h, "60000") == kStorageError);
  CHECK(h.broker.config()->get_long("log.retention.ms") == 3600000);

  m::DescribeLogDirsRequest dirs;
  dirs.topics = std::nullopt;
  auto described = h.call<m::DescribeLogDirsResponse>(dirs, 4);
  REQUIRE(described.results.size() == 1);
  CHECK(described.results[0].error_code == kStorageError);

  // Reads go on: what was acknowledged before is there (also after the DeleteRecords that
  // was refused: a failed dir writes nothing more, not even what a database would take).
  auto fetched = h.call<m::FetchResponse>(fetch_request("t", 0, 0), 12);
  CHECK(fetched.responses.at(0).partitions.at(0).error_code == 0);
  CHECK(values_of(*fetched.responses[0].partitions[0].records) == std::vector<std::string>{"v"});
  CHECK(list_offset(h, "t", -1).offset == 1);
  m::MetadataRequest metadata;
  metadata.topics = std::vector<m::MetadataRequest::MetadataRequestTopic>(1);
  metadata.topics->at(0).name = "t";
  auto described_topic = h.call<m::MetadataResponse>(metadata, 12);
  CHECK(described_topic.topics.at(0).error_code == 0);
  CHECK(described_topic.topics[0].partitions.size() == 3);
}

TEST_CASE("a failed sync: CreateTopics answers KAFKA_STORAGE_ERROR for the topic", "[kafka][storage-failure]") {
  KafkaHarness h;
  h.env->fail_syncs = true;
  auto resp = h.call<m::CreateTopicsResponse>(create_topics_request("synced", 2), 7);
  CHECK(resp.topics.at(0).error_code == kStorageError);
  CHECK_FALSE(h.broker.store->find_topic("synced"));
  CHECK(h.env->failures > 0);
}

TEST_CASE("acks=0 produce that fails closes the connection, as Kafka does", "[kafka][storage-failure]") {
  KafkaHarness h;
  create_topic(h, "t", 1);
  h.env->fail_writes = true;
  auto req = produce_request("t", {0}, {"x"});
  req.acks = 0;
  Outcome out = h.run(KafkaHarness::frame(req, 9, 5));
  CHECK(out.kind == Outcome::Kind::kClose);
}

TEST_CASE("a table that cannot be read: Fetch and ListOffsets answer KAFKA_STORAGE_ERROR for that "
          "partition, and read again once it can",
          "[kafka][storage-failure]") {
  // A small memtable, so that what is produced reaches tables.
  KafkaHarness h({}, [](chronik::log::LogManagerOptions& o) { o.storage.write_buffer_size = 64 << 10; });
  create_topic(h, "cold", 1);
  create_topic(h, "other", 1);
  REQUIRE(produce_errors(h, "other", {0}) == std::vector<int16_t>{0});
  const std::vector<std::string> values(8, std::string(4096, 'x'));
  for (int i = 0; i < 200 && !batches_in_tables(h); ++i) {
    REQUIRE(produce_errors(h, "cold", {0}, values) == std::vector<int16_t>{0});
    if (i > 20) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(batches_in_tables(h));

  h.env->fail_reads = true;
  auto req = fetch_request("cold", 0, 0);
  req.topics.push_back(fetch_request("other", 0, 0).topics[0]);
  req.topics[0].partitions[0].partition_max_bytes = 1;  // the first batch only: in a table
  Outcome out = h.run(KafkaHarness::frame(req, 12, 9));
  REQUIRE(out.kind != Outcome::Kind::kClose);
  auto resp = KafkaHarness::decode<m::FetchResponse>(KafkaHarness::response_frame(out), 12, 9, 1);
  REQUIRE(resp.responses.size() == 2);
  CHECK(resp.responses[0].partitions.at(0).error_code == kStorageError);
  CHECK(h.env->failures > 0);

  auto by_time = list_offset(h, "cold", 1700000000000);
  CHECK(by_time.error_code == kStorageError);
  CHECK(by_time.offset == -1);
  CHECK(list_offset(h, "cold", -1).error_code == 0);  // offsets kept in memory
  // A failed read fails that call only: the dir has not failed, writes go on.
  CHECK_FALSE(h.broker.store->storage_error());

  h.env->fail_reads = false;
  CHECK(produce_errors(h, "other", {0}) == std::vector<int16_t>{0});
  auto again = h.call<m::FetchResponse>(fetch_request("cold", 0, 0), 12);
  CHECK(again.responses.at(0).partitions.at(0).error_code == 0);
  CHECK(values_of(*again.responses[0].partitions[0].records).at(0) == values[0]);
  CHECK(list_offset(h, "cold", 1700000000000).offset == 0);
}
