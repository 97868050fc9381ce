// Finding 7 (the smaller differences from Kafka). (Finding 8, transactional producers refused,
// is gone: transactions are served, transactions_test.cc.)
// Each check's expected answer is Kafka's: those tagged [kafka] pass against Kafka 3.9.1.
#include <chrono>
#include <random>
#include <string>
#include <thread>

#include "generated/kafka/api_versions_request.h"
#include "generated/kafka/api_versions_response.h"
#include "generated/kafka/create_acls_request.h"
#include "generated/kafka/create_acls_response.h"
#include "generated/kafka/delete_acls_request.h"
#include "generated/kafka/delete_acls_response.h"
#include "generated/kafka/describe_acls_request.h"
#include "generated/kafka/describe_acls_response.h"
#include "generated/kafka/find_coordinator_request.h"
#include "generated/kafka/find_coordinator_response.h"
#include "generated/kafka/init_producer_id_request.h"
#include "generated/kafka/list_groups_request.h"
#include "generated/kafka/list_groups_response.h"
#include "generated/kafka/offset_commit_request.h"
#include "generated/kafka/offset_commit_response.h"
#include "generated/kafka/offset_delete_request.h"
#include "generated/kafka/offset_delete_response.h"
#include "generated/kafka/init_producer_id_response.h"
#include "generated/kafka/metadata_request.h"
#include "generated/kafka/metadata_response.h"
#include "runtime/record/batch.h"
#include "runtime/record/legacy.h"
#include "tests/integration/hardening/requests.h"

using namespace chronik::testing;
namespace m = chronik::message;
namespace record = chronik::record;
namespace compression = chronik::compression;

namespace {

std::vector<uint8_t> batch_of(std::vector<record::Record> records, compression::Codec codec = compression::Codec::kNone) {
  record::BatchOptions o;
  o.base_timestamp = wall_clock_ms();
  o.codec = codec;
  for (size_t i = 0; i < records.size(); ++i) records[i].offset_delta = static_cast<int32_t>(i);
  return record::build_batch(o, records);
}

record::Record value_record(record::Bytes value) {
  record::Record r;
  r.value = std::move(value);
  return r;
}

record::Bytes random_bytes(size_t n) {
  std::mt19937_64 rng(42);
  record::Bytes b(n);
  for (auto& c : b) c = static_cast<uint8_t>(rng());
  return b;
}

int16_t create_topic_error(const std::string& name) {
  m::CreateTopicsRequest req;
  req.timeout_ms = 10000;
  m::CreateTopicsRequest::CreatableTopic t;
  t.name = name;
  t.num_partitions = 1;
  t.replication_factor = 1;
  req.topics.push_back(t);
  return call<m::CreateTopicsResponse>(target_port(), req, 7).topics.at(0).error_code;
}

}  // namespace

TEST_CASE("a compressed batch over max.message.bytes is MESSAGE_TOO_LARGE, not CORRUPT_MESSAGE",
          "[kafka][differences]") {
  const std::string topic = unique_name("too-large");
  create_topic(topic);
  // Random bytes do not compress: 4 MB of them stay about 4 MB gzipped.
  auto p = produce(topic, batch_of({value_record(random_bytes(4 << 20))}, compression::Codec::kGzip));
  CHECK(p.error_code == 10);  // MESSAGE_TOO_LARGE
}

TEST_CASE("zstd needs Produce v7: older versions get UNSUPPORTED_COMPRESSION_TYPE", "[kafka][differences]") {
  const std::string topic = unique_name("zstd-v3");
  create_topic(topic);
  const auto records = std::vector{value_record(record::Bytes(100, 'z'))};
  CHECK(produce(topic, batch_of(records, compression::Codec::kZstd), 3).error_code == 76);
  CHECK(produce(topic, batch_of(records, compression::Codec::kZstd), 6).error_code == 76);
  CHECK(produce(topic, batch_of(records, compression::Codec::kZstd), 7).error_code == 0);
}

TEST_CASE("topic names that collide on '.' and '_' are refused with INVALID_TOPIC_EXCEPTION", "[kafka][differences]") {
  const std::string base = unique_name("collide");
  create_topic(base + ".a");
  CHECK(create_topic_error(base + "_a") == 17);
  create_topic(base + "_b");
  CHECK(create_topic_error(base + ".b") == 17);
  CHECK(create_topic_error(base + ".a") == 36);  // the same name: TOPIC_ALREADY_EXISTS
}

TEST_CASE("a failed acks=0 produce closes the connection; a good one keeps it open", "[kafka][differences]") {
  const std::string topic = unique_name("acks0");
  create_topic(topic);
  auto produce_request = [&](int32_t partition) {
    m::ProduceRequest req;
    req.acks = 0;
    req.timeout_ms = 5000;
    m::ProduceRequest::TopicProduceData td;
    td.name = topic;
    m::ProduceRequest::PartitionProduceData pd;
    pd.index = partition;
    pd.records = chronik::wire::SharedBytes::adopt(batch_of({value_record(record::Bytes{'x'})}));
    td.partition_data.push_back(pd);
    req.topic_data.push_back(td);
    return request_bytes(req, 9, 1, "hardening");
  };
  RawConnection good(target_port());
  good.send_frame(produce_request(0));
  CHECK_FALSE(good.closed_by_peer(1500));

  RawConnection bad(target_port());
  bad.send_frame(produce_request(7));  // the topic has one partition
  CHECK(bad.closed_by_peer(5000));
}

TEST_CASE("an empty message set on Produce v0-v2 is answered without error", "[kafka][differences]") {
  const std::string topic = unique_name("empty-set");
  create_topic(topic);
  for (int16_t v : {0, 1, 2}) {
    auto p = produce(topic, {}, v);
    INFO("Produce v" << v << " base offset " << p.base_offset);
    CHECK(p.error_code == 0);
  }
  CHECK(list_offset(topic, -1).offset == 0);
  CHECK(produce(topic, {}, 3).error_code == 87);  // INVALID_RECORD from v3 on
}

TEST_CASE("a client that writes a request slowly is not cut off as idle", "[differences][idle]") {
  if (against_kafka()) return;  // needs its own broker with a short idle timeout
  BrokerProcess broker(std::map<std::string, std::string>{{"connections.max.idle.ms", "1500"}});
  broker.start();
  m::ApiVersionsRequest req;
  req.client_software_name = "slow-writer";
  req.client_software_version = "1.0";
  const std::string frame = RawConnection::framed(request_bytes(req, 3, 9, "a-slow-but-steady-client"));
  RawConnection c(broker.port());
  // One byte every 150 ms: the request takes several idle timeouts to arrive.
  for (char byte : frame) {
    c.send_raw(std::string(1, byte));
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  REQUIRE(frame.size() * 150 > 3 * 1500);
  const std::string response = c.read_frame(5000);
  REQUIRE(!response.empty());
  CHECK(parse_response<m::ApiVersionsResponse>(response, 3).error_code == 0);
  // Silence is still idleness.
  CHECK(c.closed_by_peer(6000));
}

TEST_CASE("Metadata by topic id with an empty name resolves the id (kafka-topics --topic-id)", "[kafka][differences]") {
  const std::string topic = unique_name("by-id");
  m::CreateTopicsRequest create;
  create.timeout_ms = 10000;
  m::CreateTopicsRequest::CreatableTopic ct;
  ct.name = topic;
  ct.num_partitions = 2;
  ct.replication_factor = 1;
  create.topics.push_back(ct);
  auto created = call<m::CreateTopicsResponse>(target_port(), create, 7);
  REQUIRE(created.topics.at(0).error_code == 0);
  const auto id = created.topics.at(0).topic_id;
  REQUIRE_FALSE(id.is_zero());

  m::MetadataRequest req;
  m::MetadataRequest::MetadataRequestTopic rt;
  rt.name = "";  // what the Java AdminClient sends
  rt.topic_id = id;
  req.topics = std::vector{rt};
  req.allow_auto_topic_creation = false;
  // Kafka's brokers learn of a new topic from the controller a moment after CreateTopics
  // answers: UNKNOWN_TOPIC_ID until then.
  m::MetadataResponse resp;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  do {
    resp = call<m::MetadataResponse>(target_port(), req, 12);
    REQUIRE(resp.topics.size() == 1);
    if (resp.topics[0].error_code != 100) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  CHECK(resp.topics[0].error_code == 0);
  CHECK(resp.topics[0].name == topic);
  CHECK(resp.topics[0].partitions.size() == 2);
}

TEST_CASE("an empty group whose last committed offsets are deleted is gone at once", "[kafka][differences]") {
  const std::string topic = unique_name("offset-delete");
  const std::string group = unique_name("standalone-group");
  create_topic(topic);
  auto listed = [&] {
    m::ListGroupsRequest req;
    for (const auto& g : call<m::ListGroupsResponse>(target_port(), req, 4).groups)
      if (g.group_id == group) return true;
    return false;
  };
  // A standalone consumer's commit (no generation) makes an empty group holding offsets.
  m::OffsetCommitRequest commit;
  commit.group_id = group;
  commit.generation_id_or_member_epoch = -1;
  m::OffsetCommitRequest::OffsetCommitRequestTopic ct;
  ct.name = topic;
  m::OffsetCommitRequest::OffsetCommitRequestPartition cp;
  cp.partition_index = 0;
  cp.committed_offset = 0;
  ct.partitions.push_back(cp);
  commit.topics.push_back(ct);
  // Looked up and retried as clients do: Kafka makes __consumer_offsets at the first
  // FindCoordinator (internal_topics_test deletes it) and answers COORDINATOR_LOAD_IN_PROGRESS,
  // COORDINATOR_NOT_AVAILABLE or NOT_COORDINATOR (14-16) until it is loaded.
  m::FindCoordinatorRequest find;
  find.key_type = 0;
  find.coordinator_keys = {group};
  int16_t committed = -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  do {
    call<m::FindCoordinatorResponse>(target_port(), find, 4);
    committed = call<m::OffsetCommitResponse>(target_port(), commit, 8).topics.at(0).partitions.at(0).error_code;
    if (committed < 14 || committed > 16) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  } while (std::chrono::steady_clock::now() < deadline);
  REQUIRE(committed == 0);
  CHECK(listed());

  m::OffsetDeleteRequest del;
  del.group_id = group;
  m::OffsetDeleteRequest::OffsetDeleteRequestTopic dt;
  dt.name = topic;
  m::OffsetDeleteRequest::OffsetDeleteRequestPartition dp;
  dp.partition_index = 0;
  dt.partitions.push_back(dp);
  del.topics.push_back(dt);
  auto deleted = call<m::OffsetDeleteResponse>(target_port(), del, 0);
  CHECK(deleted.error_code == 0);
  CHECK_FALSE(listed());
}

TEST_CASE("ACL requests are answered SECURITY_DISABLED while no authorizer is configured", "[kafka][differences]") {
  m::DescribeAclsRequest describe;
  describe.resource_type_filter = 1;  // ANY
  describe.pattern_type_filter = 1;   // ANY
  describe.operation = 1;             // ANY
  describe.permission_type = 1;       // ANY
  auto described = call<m::DescribeAclsResponse>(target_port(), describe, 3);
  CHECK(described.error_code == 54);

  m::CreateAclsRequest create;
  m::CreateAclsRequest::AclCreation c;
  c.resource_type = 2;  // TOPIC
  c.resource_name = "t";
  c.resource_pattern_type = 3;  // LITERAL
  c.principal = "User:alice";
  c.host = "*";
  c.operation = 3;        // READ
  c.permission_type = 3;  // ALLOW
  create.creations.push_back(c);
  auto created = call<m::CreateAclsResponse>(target_port(), create, 3);
  REQUIRE(created.results.size() == 1);
  CHECK(created.results[0].error_code == 54);

  m::DeleteAclsRequest del;
  m::DeleteAclsRequest::DeleteAclsFilter f;
  f.resource_type_filter = 1;
  f.pattern_type_filter = 1;
  f.operation = 1;
  f.permission_type = 1;
  del.filters.push_back(f);
  auto deleted = call<m::DeleteAclsResponse>(target_port(), del, 3);
  REQUIRE(deleted.filter_results.size() == 1);
  CHECK(deleted.filter_results[0].error_code == 54);
}

TEST_CASE("ApiVersions v3+ with a client software name or version Kafka's pattern refuses is INVALID_REQUEST",
          "[kafka][differences]") {
  // KIP-511: names and versions are letters, digits, '-' and '.', starting and ending with a
  // letter or digit. The refusal answers alone (no APIs) and keeps the connection open.
  auto answer = [](RawConnection& c, const std::string& name, const std::string& version, int16_t api_version = 3) {
    m::ApiVersionsRequest req;
    req.client_software_name = name;
    req.client_software_version = version;
    c.send_frame(request_bytes(req, api_version, 1, "hardening"));
    const std::string frame = c.read_frame(10000);
    REQUIRE(!frame.empty());
    return parse_response<m::ApiVersionsResponse>(frame, api_version);
  };
  RawConnection c(target_port());
  for (const auto& [name, version] : std::vector<std::pair<std::string, std::string>>{
           {"bad name", "1.0"}, {"", "1.0"}, {"librdkafka", ""}, {"-dash", "1"}, {"dot.", "1"},
           {"under_score", "1"}, {"kafka-python", "2.0.2+dev"}}) {
    INFO(name << " / " << version);
    const auto r = answer(c, name, version);
    CHECK(r.error_code == 42);  // INVALID_REQUEST
    CHECK(r.api_keys.empty());
  }
  for (const auto& [name, version] : std::vector<std::pair<std::string, std::string>>{
           {"a", "1"}, {"librdkafka", "2.0.2"}, {"apache-kafka-java", "3.9.1"}, {"x", "1.0-SNAPSHOT"}}) {
    INFO(name << " / " << version);
    const auto r = answer(c, name, version);
    CHECK(r.error_code == 0);
    CHECK_FALSE(r.api_keys.empty());
  }
  // Before v3 the request has no such fields to check.
  const auto v2 = answer(c, "", "", 2);
  CHECK(v2.error_code == 0);
  CHECK_FALSE(v2.api_keys.empty());
}
