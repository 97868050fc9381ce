// The broker's shared pieces at the frame level: record validation (CORRUPT_MESSAGE vs
// INVALID_RECORD), topic and broker configs (describe with sources and synonyms, alter with
// real effects, dynamic broker configs surviving a restart), old message formats (v0/v1
// produce up-converted, fetch v0-3 down-converted).
#include <fstream>
#include <iterator>
#include <chrono>
#include <memory>
#include <thread>
#include <string>

#include <catch2/catch.hpp>

#include "generated/kafka/api_table.h"
#include "generated/kafka/create_topics_request.h"
#include "generated/kafka/create_topics_response.h"
#include "generated/kafka/describe_configs_request.h"
#include "generated/kafka/describe_configs_response.h"
#include "generated/kafka/fetch_request.h"
#include "generated/kafka/fetch_response.h"
#include "generated/kafka/incremental_alter_configs_request.h"
#include "generated/kafka/incremental_alter_configs_response.h"
#include "generated/kafka/init_producer_id_request.h"
#include "generated/kafka/init_producer_id_response.h"
#include "generated/kafka/produce_request.h"
#include "generated/kafka/produce_response.h"
#include "runtime/protocol/header.h"
#include "runtime/record/batch.h"
#include "runtime/record/legacy.h"
#include "runtime/record/validator.h"
#include "tests/integration/broker_process.h"
#include "tests/integration/kafka_frames.h"

using chronik::testing::BrokerProcess;
using chronik::testing::RawConnection;
namespace m = chronik::message;
namespace wire = chronik::wire;
namespace protocol = chronik::protocol;
namespace record = chronik::record;

namespace {

template <class Req>
std::string request_bytes(const Req& req, int16_t version, int32_t correlation_id) {
  return chronik::testing::request_bytes(req, version, correlation_id, "features-test");
}
using chronik::testing::parse_response;

template <class Resp, class Req>
Resp call(uint16_t port, const Req& req, int16_t version) {
  RawConnection c(port);
  c.send_frame(request_bytes(req, version, 1));
  const std::string frame = c.read_frame();
  REQUIRE(!frame.empty());
  return parse_response<Resp>(frame, version);
}

void create_topic(uint16_t port, const std::string& name,
                  std::map<std::string, std::string> configs = {}) {
  m::CreateTopicsRequest req;
  m::CreateTopicsRequest::CreatableTopic t;
  t.name = name;
  t.num_partitions = 1;
  t.replication_factor = 1;
  for (const auto& [k, v] : configs) t.configs.push_back({k, v, {}});
  req.topics.push_back(t);
  auto resp = call<m::CreateTopicsResponse>(port, req, 7);
  REQUIRE(resp.topics.size() == 1);
  REQUIRE(resp.topics[0].error_code == 0);
}

m::ProduceResponse::PartitionProduceResponse produce(uint16_t port, const std::string& topic,
                                                     std::vector<uint8_t> records, int16_t version = 9) {
  m::ProduceRequest req;
  req.acks = -1;
  req.timeout_ms = 5000;
  m::ProduceRequest::TopicProduceData td;
  td.name = topic;
  m::ProduceRequest::PartitionProduceData pd;
  pd.index = 0;
  pd.records = wire::SharedBytes::adopt(std::move(records));
  td.partition_data.push_back(pd);
  req.topic_data.push_back(td);
  auto resp = call<m::ProduceResponse>(port, req, version);
  REQUIRE(resp.responses.size() == 1);
  REQUIRE(resp.responses[0].partition_responses.size() == 1);
  return resp.responses[0].partition_responses[0];
}

record::Bytes bytes_of(const std::string& s) { return record::Bytes(s.begin(), s.end()); }

std::vector<uint8_t> batch(int n, size_t value_size = 10, int64_t ts = 1700000000000,
                           int64_t producer_id = -1, int16_t epoch = -1, int32_t sequence = -1) {
  std::vector<record::Record> records;
  for (int i = 0; i < n; ++i) {
    record::Record r;
    r.offset_delta = i;
    r.key = bytes_of("k" + std::to_string(i));
    r.value = record::Bytes(value_size, static_cast<uint8_t>('a' + i % 26));
    records.push_back(r);
  }
  record::BatchOptions o;
  o.base_timestamp = ts;
  o.producer_id = producer_id;
  o.producer_epoch = epoch;
  o.base_sequence = sequence;
  return record::build_batch(o, records);
}

wire::SharedBytes fetch_records(uint16_t port, const std::string& topic, int16_t version,
                                int64_t offset = 0) {
  m::FetchRequest req;
  req.max_wait_ms = 0;
  req.min_bytes = 0;
  req.max_bytes = 1 << 20;
  m::FetchRequest::FetchTopic t;
  t.topic = topic;
  m::FetchRequest::FetchPartition p;
  p.partition = 0;
  p.fetch_offset = offset;
  p.partition_max_bytes = 1 << 20;
  t.partitions.push_back(p);
  req.topics.push_back(t);
  auto resp = call<m::FetchResponse>(port, req, version);
  REQUIRE(resp.responses.size() == 1);
  REQUIRE(resp.responses[0].partitions.size() == 1);
  REQUIRE(resp.responses[0].partitions[0].error_code == 0);
  return resp.responses[0].partitions[0].records.value_or(wire::SharedBytes());
}

m::DescribeConfigsResponse::DescribeConfigsResult describe(uint16_t port, int8_t type,
                                                            const std::string& name) {
  m::DescribeConfigsRequest req;
  m::DescribeConfigsRequest::DescribeConfigsResource r;
  r.resource_type = type;
  r.resource_name = name;
  r.configuration_keys = std::nullopt;
  req.resources.push_back(r);
  req.include_synonyms = true;
  req.include_documentation = true;
  auto resp = call<m::DescribeConfigsResponse>(port, req, 4);
  REQUIRE(resp.results.size() == 1);
  REQUIRE(resp.results[0].error_code == 0);
  return resp.results[0];
}

const m::DescribeConfigsResponse::DescribeConfigsResourceResult& entry(
    const m::DescribeConfigsResponse::DescribeConfigsResult& r, const std::string& name) {
  for (const auto& c : r.configs)
    if (c.name == name) return c;
  FAIL("config " << name << " not described");
  throw;
}

int16_t incremental_alter(uint16_t port, int8_t type, const std::string& name,
                          const std::string& key, std::optional<std::string> value, int8_t op = 0) {
  m::IncrementalAlterConfigsRequest req;
  m::IncrementalAlterConfigsRequest::AlterConfigsResource r;
  r.resource_type = type;
  r.resource_name = name;
  m::IncrementalAlterConfigsRequest::AlterableConfig c;
  c.name = key;
  c.config_operation = op;
  c.value = value;
  r.configs.push_back(c);
  req.resources.push_back(r);
  auto resp = call<m::IncrementalAlterConfigsResponse>(port, req, 1);
  REQUIRE(resp.responses.size() == 1);
  return resp.responses[0].error_code;
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

constexpr int8_t kTopic = 2, kBroker = 4;
// DescribeConfigs sources on the wire.
constexpr int8_t kTopicConfig = 1, kDynamicBroker = 2, kStatic = 4, kDefault = 5;

}  // namespace

TEST_CASE("produce: damaged batches are CORRUPT_MESSAGE, intact but invalid ones INVALID_RECORD", "[features]") {
  BrokerProcess broker;
  broker.start();
  create_topic(broker.port(), "validate");

  auto good = batch(3);
  CHECK(produce(broker.port(), "validate", good).error_code == 0);

  auto bad_crc = good;
  bad_crc.back() ^= 0xff;  // a value byte: the CRC no longer matches
  CHECK(produce(broker.port(), "validate", bad_crc).error_code == 2);

  // CRC recomputed, but the header claims 4 records while 3 are encoded.
  auto bad_count = good;
  record::store_be32(bad_count.data() + record::kRecordsCountOffset, 4);
  record::store_be32(bad_count.data() + record::kCrcOffset,
                     static_cast<int32_t>(record::compute_batch_crc(bad_count)));
  CHECK(produce(broker.port(), "validate", bad_count).error_code == 87);

  // Only the good batch was stored.
  auto stored = fetch_records(broker.port(), "validate", 12);
  auto h = record::check_batch_frame(stored.span());
  CHECK(h.records_count == 3);
  CHECK(h.size_in_bytes() == stored.size());
}

TEST_CASE("configs: describe with sources and synonyms, topic alters take effect", "[features]") {
  BrokerProcess broker(std::map<std::string, std::string>{{"log.retention.check.interval.ms", "1000"}});
  broker.start();
  create_topic(broker.port(), "cfg", {{"retention.ms", "3600000"}});

  auto topic = describe(broker.port(), kTopic, "cfg");
  CHECK(topic.configs.size() >= 20);  // every topic config
  const auto& retention = entry(topic, "retention.ms");
  CHECK(retention.value == "3600000");
  CHECK(retention.config_source == kTopicConfig);
  REQUIRE(retention.synonyms.size() >= 1);
  CHECK(retention.synonyms[0].name == "retention.ms");
  CHECK(retention.synonyms[0].source == kTopicConfig);
  // As Kafka: log.retention.ms (the primary broker synonym) has no default, so the broker
  // synonyms after it (log.retention.hours=168) are not listed.
  CHECK(retention.synonyms.size() == 1);
  CHECK(entry(topic, "cleanup.policy").config_source == kDefault);
  CHECK(entry(topic, "cleanup.policy").documentation.has_value());

  auto b = describe(broker.port(), kBroker, "1");
  CHECK(entry(b, "log.retention.check.interval.ms").value == "1000");
  CHECK(entry(b, "log.retention.check.interval.ms").config_source == kStatic);
  CHECK(entry(b, "num.partitions").config_source == kDefault);

  // max.message.bytes on the topic: a batch above it is refused.
  CHECK(incremental_alter(broker.port(), kTopic, "cfg", "max.message.bytes", "500") == 0);
  CHECK(produce(broker.port(), "cfg", batch(10, 100)).error_code == 10);
  CHECK(produce(broker.port(), "cfg", batch(1, 10)).error_code == 0);
  CHECK(incremental_alter(broker.port(), kTopic, "cfg", "max.message.bytes", "abc") == 40);
  CHECK(incremental_alter(broker.port(), kTopic, "cfg", "no.such.config", "1") == 40);

  // message.timestamp.type=LogAppendTime: the broker stamps the batch.
  CHECK(incremental_alter(broker.port(), kTopic, "cfg", "message.timestamp.type", "LogAppendTime") == 0);
  auto r = produce(broker.port(), "cfg", batch(1, 10, 1000));
  CHECK(r.error_code == 0);
  CHECK(r.log_append_time_ms > 1000);

  // cleanup.policy is a list: APPEND adds to the effective value.
  CHECK(incremental_alter(broker.port(), kTopic, "cfg", "cleanup.policy", "compact", 2) == 0);
  CHECK(entry(describe(broker.port(), kTopic, "cfg"), "cleanup.policy").value == "delete,compact");
}

TEST_CASE("configs: dynamic broker configs take effect and survive a restart", "[features]") {
  BrokerProcess broker;
  broker.start();
  create_topic(broker.port(), "dyn");
  CHECK(produce(broker.port(), "dyn", batch(10, 100)).error_code == 0);

  CHECK(incremental_alter(broker.port(), kBroker, "1", "message.max.bytes", "500") == 0);
  CHECK(produce(broker.port(), "dyn", batch(10, 100)).error_code == 10);
  auto b = describe(broker.port(), kBroker, "1");
  CHECK(entry(b, "message.max.bytes").value == "500");
  CHECK(entry(b, "message.max.bytes").config_source == kDynamicBroker);
  // The topic's max.message.bytes follows its broker synonym.
  auto t = describe(broker.port(), kTopic, "dyn");
  CHECK(entry(t, "max.message.bytes").value == "500");
  CHECK(entry(t, "max.message.bytes").config_source == kDynamicBroker);
  // Read-only keys cannot be altered.
  CHECK(incremental_alter(broker.port(), kBroker, "1", "log.dirs", "/tmp/x") != 0);

  REQUIRE(broker.stop() == 0);
  broker.start();
  CHECK(entry(describe(broker.port(), kBroker, "1"), "message.max.bytes").value == "500");
  CHECK(produce(broker.port(), "dyn", batch(10, 100)).error_code == 10);

  // DELETE restores the default.
  CHECK(incremental_alter(broker.port(), kBroker, "1", "message.max.bytes", std::nullopt, 1) == 0);
  CHECK(produce(broker.port(), "dyn", batch(10, 100)).error_code == 0);
}

TEST_CASE("old formats: magic 0/1 produce is up-converted, fetch v0-3 down-converted", "[features]") {
  BrokerProcess broker;
  broker.start();
  create_topic(broker.port(), "legacy");

  std::vector<record::LegacyRecord> recs;
  for (int i = 0; i < 3; ++i) {
    record::LegacyRecord r;
    r.offset = i;
    r.timestamp = 1700000000000 + i;
    r.key = bytes_of("key" + std::to_string(i));
    r.value = bytes_of("value" + std::to_string(i));
    recs.push_back(r);
  }
  record::LegacyBuildOptions v1;
  auto set = record::build_message_set(v1, recs);
  auto r = produce(broker.port(), "legacy", set, 2);
  CHECK(r.error_code == 0);
  CHECK(r.base_offset == 0);

  // A legacy set written by Kafka's own classes (gzip wrapper).
  auto file = read_file(std::string(CHRONIK_SOURCE_DIR) + "/tests/data/records/legacy/v1_gzip.bin");
  auto expected = record::read_message_set(file);
  size_t file_records = 0;
  for (const auto& e : expected) file_records += e.records.size();
  r = produce(broker.port(), "legacy", file, 2);
  CHECK(r.error_code == 0);
  CHECK(r.base_offset == 3);

  // Produce v3+ must carry record batches.
  CHECK(produce(broker.port(), "legacy", set, 3).error_code == 87);

  // Stored as v2 batches: a modern fetch sees magic 2.
  auto v2 = fetch_records(broker.port(), "legacy", 12);
  CHECK(record::records_magic(v2.span()) == 2);

  // Fetch v2 (magic 1) and v0 (magic 0): every record, with its offset, key and value.
  for (int16_t version : {int16_t{0}, int16_t{2}}) {
    auto old = fetch_records(broker.port(), "legacy", version);
    auto entries = record::read_message_set(old.span());
    std::vector<record::LegacyRecord> got;
    for (const auto& e : entries) {
      CHECK(e.magic == (version == 0 ? 0 : 1));
      for (const auto& rec : e.records) got.push_back(rec);
    }
    REQUIRE(got.size() == 3 + file_records);
    for (size_t i = 0; i < got.size(); ++i) CHECK(got[i].offset == static_cast<int64_t>(i));
    CHECK(got[0].key == recs[0].key);
    CHECK(got[2].value == recs[2].value);
    if (version == 2) CHECK(got[1].timestamp == recs[1].timestamp);
  }
}

TEST_CASE("idempotent producers: duplicates are recognised after a restart", "[features]") {
  BrokerProcess broker;
  broker.start();
  create_topic(broker.port(), "idem");
  m::InitProducerIdRequest init;
  init.transactional_id = std::nullopt;
  init.transaction_timeout_ms = -1;
  auto ids = call<m::InitProducerIdResponse>(broker.port(), init, 4);
  REQUIRE(ids.error_code == 0);
  const int64_t pid = ids.producer_id;
  const int16_t epoch = ids.producer_epoch;

  CHECK(produce(broker.port(), "idem", batch(5, 10, 1700000000000, pid, epoch, 0)).base_offset == 0);
  CHECK(produce(broker.port(), "idem", batch(5, 10, 1700000000000, pid, epoch, 5)).base_offset == 5);
  // A crash right after: the state was written with the records.
  broker.kill9();
  broker.start();

  // The retried batch is acknowledged with its original offset, not appended again.
  auto dup = produce(broker.port(), "idem", batch(5, 10, 1700000000000, pid, epoch, 5));
  CHECK(dup.error_code == 0);
  CHECK(dup.base_offset == 5);
  auto older = produce(broker.port(), "idem", batch(5, 10, 1700000000000, pid, epoch, 0));
  CHECK(older.error_code == 0);
  CHECK(older.base_offset == 0);
  // A gap is out of order; the next sequence is appended.
  CHECK(produce(broker.port(), "idem", batch(5, 10, 1700000000000, pid, epoch, 20)).error_code == 45);
  auto next = produce(broker.port(), "idem", batch(5, 10, 1700000000000, pid, epoch, 10));
  CHECK(next.error_code == 0);
  CHECK(next.base_offset == 10);
  // An older epoch is fenced.
  if (epoch > 0)
    CHECK(produce(broker.port(), "idem", batch(5, 10, 1700000000000, pid, epoch - 1, 15)).error_code == 47);
}

TEST_CASE("a client that does not read its responses is not read from either", "[features][backpressure]") {
  BrokerProcess broker(std::map<std::string, std::string>{{"queued.max.requests", "4"}});
  broker.start();
  create_topic(broker.port(), "bp");
  REQUIRE(produce(broker.port(), "bp", batch(1, 900 * 1024)).error_code == 0);

  auto high_watermark = [&] {
    m::FetchRequest req;
    req.max_wait_ms = 0;
    req.min_bytes = 0;
    req.max_bytes = 1024;
    m::FetchRequest::FetchTopic t;
    t.topic = "bp";
    m::FetchRequest::FetchPartition p;
    p.partition = 0;
    p.fetch_offset = 0;
    p.partition_max_bytes = 1024;
    t.partitions.push_back(p);
    req.topics.push_back(t);
    // max_bytes too small for the batch: KIP-74 still returns it, so read the header only.
    auto resp = call<m::FetchResponse>(broker.port(), req, 12);
    return resp.responses.at(0).partitions.at(0).high_watermark;
  };

  // 40 fetches of ~900 KiB each, then a produce, all pipelined; nothing is read.
  RawConnection c(broker.port());
  m::FetchRequest fetch;
  fetch.max_wait_ms = 0;
  fetch.min_bytes = 1;
  fetch.max_bytes = 1 << 20;
  m::FetchRequest::FetchTopic ft;
  ft.topic = "bp";
  m::FetchRequest::FetchPartition fp;
  fp.partition = 0;
  fp.fetch_offset = 0;
  fp.partition_max_bytes = 1 << 20;
  ft.partitions.push_back(fp);
  fetch.topics.push_back(ft);
  for (int i = 0; i < 40; ++i) c.send_frame(request_bytes(fetch, 12, 100 + i));
  m::ProduceRequest produce_req;
  produce_req.acks = 1;
  produce_req.timeout_ms = 5000;
  m::ProduceRequest::TopicProduceData td;
  td.name = "bp";
  m::ProduceRequest::PartitionProduceData pd;
  pd.index = 0;
  pd.records = wire::SharedBytes::adopt(batch(1, 10));
  td.partition_data.push_back(pd);
  produce_req.topic_data.push_back(td);
  c.send_frame(request_bytes(produce_req, 9, 200));

  // The broker stopped reading the connection: the produce has not been applied.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(high_watermark() == 1);

  // Once the client reads, the broker reads again, in order.
  for (int i = 0; i < 40; ++i) REQUIRE(!c.read_frame().empty());
  REQUIRE(!c.read_frame().empty());
  CHECK(high_watermark() == 2);
}
