// Requests as frames through process_request, over a real LevelDB log: what a client sees of
// dispatch and the handlers, without sockets.
#include <catch2/catch.hpp>

#include <set>

#include "generated/kafka/api_versions_request.h"
#include "generated/kafka/api_versions_response.h"
#include "generated/kafka/create_topics_response.h"
#include "generated/kafka/fetch_response.h"
#include "generated/kafka/get_telemetry_subscriptions_request.h"
#include "generated/kafka/get_telemetry_subscriptions_response.h"
#include "generated/kafka/init_producer_id_request.h"
#include "generated/kafka/init_producer_id_response.h"
#include "generated/kafka/list_config_resources_request.h"
#include "generated/kafka/list_offsets_request.h"
#include "generated/kafka/list_offsets_response.h"
#include "generated/kafka/metadata_request.h"
#include "generated/kafka/metadata_response.h"
#include "generated/kafka/offset_commit_request.h"
#include "generated/kafka/offset_commit_response.h"
#include "generated/kafka/offset_fetch_request.h"
#include "generated/kafka/offset_fetch_response.h"
#include "generated/kafka/produce_response.h"
#include "generated/kafka/push_telemetry_request.h"
#include "tests/unit/kafka/harness.h"
#include "tests/unit/kafka/requests.h"

using namespace chronik::broker;
using namespace chronik::broker::testing;
using chronik::protocol::ErrorCode;

namespace {

int16_t code(ErrorCode e) { return chronik::protocol::to_int16(e); }

// Creates `name` through CreateTopics and checks that it worked.
void create_topic(KafkaHarness& h, const std::string& name, int32_t partitions) {
  auto resp = h.call<m::CreateTopicsResponse>(create_topics_request(name, partitions), 7);
  REQUIRE(resp.topics.size() == 1);
  REQUIRE(resp.topics[0].error_code == 0);
}

}  // namespace

TEST_CASE("ApiVersions answers the API table, and v0 with UNSUPPORTED_VERSION at a version it lacks",
          "[kafka]") {
  KafkaHarness h;
  auto resp = h.call<m::ApiVersionsResponse>(api_versions_request(), 3);
  CHECK(resp.error_code == 0);
  bool produce = false;
  for (const auto& k : resp.api_keys) produce = produce || k.api_key == m::ProduceRequest::kApiKey;
  CHECK(produce);

  // A client newer than us: header of ApiVersions v99, body we cannot know.
  chronik::wire::Writer w;
  w.write_int16(m::ApiVersionsRequest::kApiKey);
  w.write_int16(99);
  w.write_int32(4242);
  w.write_string("future-client", false, "client_id");
  w.write_int8(0);
  Outcome out = h.run(std::move(w).take_bytes());
  const auto frame = KafkaHarness::response_frame(out);
  auto fallback = KafkaHarness::decode<m::ApiVersionsResponse>(frame, 0, 4242, 0);
  CHECK(fallback.error_code == code(ErrorCode::UNSUPPORTED_VERSION));
  CHECK(fallback.api_keys.size() == resp.api_keys.size());
}

TEST_CASE("the telemetry APIs are advertised only with client.telemetry.enable", "[kafka][telemetry]") {
  auto keys = [](KafkaHarness& h) {
    std::set<int16_t> out;
    for (const auto& k : h.call<m::ApiVersionsResponse>(api_versions_request(), 3).api_keys) out.insert(k.api_key);
    return out;
  };
  KafkaHarness off;
  const auto without = keys(off);
  CHECK_FALSE(without.count(m::GetTelemetrySubscriptionsRequest::kApiKey));
  CHECK_FALSE(without.count(m::PushTelemetryRequest::kApiKey));
  CHECK(without.count(m::ListConfigResourcesRequest::kApiKey));
  // Not advertised, still answered: a client that calls it anyway gets its subscriptions.
  auto subscriptions = off.call<m::GetTelemetrySubscriptionsResponse>(m::GetTelemetrySubscriptionsRequest{}, 0);
  CHECK(subscriptions.error_code == 0);
  CHECK(subscriptions.push_interval_ms == 300000);

  KafkaHarness on(std::map<std::string, std::string>{{"client.telemetry.enable", "true"}});
  const auto with = keys(on);
  CHECK(with.count(m::GetTelemetrySubscriptionsRequest::kApiKey));
  CHECK(with.count(m::PushTelemetryRequest::kApiKey));
  CHECK(with.size() == without.size() + 2);
}

TEST_CASE("a frame that does not decode closes the connection", "[kafka]") {
  KafkaHarness h;
  SECTION("too short for a header") {
    Outcome out = h.run({0, 3, 0});
    CHECK(out.kind == Outcome::Kind::kClose);
  }
  SECTION("a truncated body") {
    m::MetadataRequest req;
    req.topics = std::vector<m::MetadataRequest::MetadataRequestTopic>(1);
    req.topics->at(0).name = "a-topic-name";
    auto bytes = KafkaHarness::frame(req, 12, 1);
    bytes.resize(bytes.size() - 8);
    Outcome out = h.run(bytes);
    CHECK(out.kind == Outcome::Kind::kClose);
    CHECK(out.reason.find("does not decode") != std::string::npos);
  }
  SECTION("an API key nobody serves") {
    chronik::wire::Writer w;
    w.write_int16(9999);
    w.write_int16(0);
    w.write_int32(1);
    w.write_string("x", false, "client_id");
    Outcome out = h.run(std::move(w).take_bytes());
    CHECK(out.kind == Outcome::Kind::kClose);
  }
}

TEST_CASE("Metadata creates a topic it is asked about when auto-creation is on", "[kafka]") {
  KafkaHarness h;
  m::MetadataRequest req;
  req.topics = std::vector<m::MetadataRequest::MetadataRequestTopic>(1);
  req.topics->at(0).name = "auto-made";
  req.allow_auto_topic_creation = true;
  auto resp = h.call<m::MetadataResponse>(req, 12);
  REQUIRE(resp.topics.size() == 1);
  CHECK(resp.topics[0].error_code == 0);
  CHECK(resp.topics[0].partitions.size() ==
        static_cast<size_t>(h.broker.config()->get_int("num.partitions")));
  REQUIRE(h.broker.store->find_topic("auto-made"));

  SECTION("and not when the request says no") {
    req.topics->at(0).name = "not-made";
    req.allow_auto_topic_creation = false;
    auto r = h.call<m::MetadataResponse>(req, 12);
    CHECK(r.topics.at(0).error_code == code(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));
    CHECK_FALSE(h.broker.store->find_topic("not-made"));
  }
}

TEST_CASE("CreateTopics answers each topic's fault", "[kafka]") {
  KafkaHarness h;
  create_topic(h, "exists", 1);
  m::CreateTopicsRequest req;
  auto add = [&](std::string name, int32_t partitions, int16_t replication) {
    m::CreateTopicsRequest::CreatableTopic t;
    t.name = std::move(name);
    t.num_partitions = partitions;
    t.replication_factor = replication;
    req.topics.push_back(t);
  };
  add("exists", 1, 1);
  add("bad/name", 1, 1);
  add("no-partitions", 0, 1);
  add("three-replicas", 1, 3);
  add("twice", 1, 1);
  add("twice", 1, 1);
  add("fine", 2, 1);
  add("bad-config", 1, 1);
  req.topics.back().configs.push_back({"retention.ms", "not-a-number", {}});
  auto resp = h.call<m::CreateTopicsResponse>(req, 7);
  std::map<std::string, int16_t> errors;
  for (const auto& t : resp.topics) errors[t.name] = t.error_code;
  CHECK(errors["exists"] == code(ErrorCode::TOPIC_ALREADY_EXISTS));
  CHECK(errors["bad/name"] == code(ErrorCode::INVALID_TOPIC_EXCEPTION));
  CHECK(errors["no-partitions"] == code(ErrorCode::INVALID_PARTITIONS));
  CHECK(errors["three-replicas"] == code(ErrorCode::INVALID_REPLICATION_FACTOR));
  CHECK(errors["twice"] == code(ErrorCode::INVALID_REQUEST));
  CHECK(errors["bad-config"] == code(ErrorCode::INVALID_CONFIG));
  CHECK(errors["fine"] == 0);
  CHECK(h.broker.store->find_topic("fine"));
  CHECK_FALSE(h.broker.store->find_topic("bad-config"));
}

TEST_CASE("Produce then Fetch gives back the records at the offsets Produce answered", "[kafka]") {
  KafkaHarness h;
  create_topic(h, "round-trip", 2);
  auto first = h.call<m::ProduceResponse>(produce_request("round-trip", {0, 1}, {"a", "b", "c"}), 9);
  auto second = h.call<m::ProduceResponse>(produce_request("round-trip", {1}, {"d"}), 9);
  REQUIRE(first.responses.at(0).partition_responses.size() == 2);
  for (const auto& p : first.responses[0].partition_responses) {
    CHECK(p.error_code == 0);
    CHECK(p.base_offset == 0);
  }
  CHECK(second.responses.at(0).partition_responses.at(0).base_offset == 3);

  auto fetched = h.call<m::FetchResponse>(fetch_request("round-trip", 1, 0), 12);
  const auto& p = fetched.responses.at(0).partitions.at(0);
  CHECK(p.error_code == 0);
  CHECK(p.high_watermark == 4);
  REQUIRE(p.records);
  CHECK(values_of(*p.records) == std::vector<std::string>{"a", "b", "c", "d"});

  auto from_middle = h.call<m::FetchResponse>(fetch_request("round-trip", 1, 3), 12);
  CHECK(values_of(*from_middle.responses.at(0).partitions.at(0).records) == std::vector<std::string>{"d"});
  auto beyond = h.call<m::FetchResponse>(fetch_request("round-trip", 1, 5), 12);
  CHECK(beyond.responses.at(0).partitions.at(0).error_code == code(ErrorCode::OFFSET_OUT_OF_RANGE));
}

TEST_CASE("a waiting Fetch is answered at its deadline", "[kafka]") {
  KafkaHarness h;
  create_topic(h, "waits", 1);
  auto req = fetch_request("waits", 0, 0);
  req.max_wait_ms = 500;
  req.min_bytes = 1;
  auto resp = h.call<m::FetchResponse>(req, 12);
  const auto& p = resp.responses.at(0).partitions.at(0);
  CHECK(p.error_code == 0);
  CHECK(p.high_watermark == 0);
  CHECK((!p.records || p.records->empty()));
}

TEST_CASE("an idempotent producer's duplicate gets its first offsets, a gap OUT_OF_ORDER_SEQUENCE_NUMBER",
          "[kafka]") {
  KafkaHarness h;
  create_topic(h, "idempotent", 1);
  m::InitProducerIdRequest init;
  init.transactional_id = std::nullopt;
  init.transaction_timeout_ms = 60000;
  auto id = h.call<m::InitProducerIdResponse>(init, 4);
  REQUIRE(id.error_code == 0);
  ProducerId producer{id.producer_id, id.producer_epoch, 0};

  auto first = h.call<m::ProduceResponse>(produce_request("idempotent", {0}, {"x", "y"}, producer), 9);
  REQUIRE(first.responses.at(0).partition_responses.at(0).error_code == 0);
  const int64_t base = first.responses[0].partition_responses[0].base_offset;

  // The same batch again (a retry after a lost answer): the first answer, nothing appended.
  auto again = h.call<m::ProduceResponse>(produce_request("idempotent", {0}, {"x", "y"}, producer), 9);
  CHECK(again.responses.at(0).partition_responses.at(0).error_code == 0);
  CHECK(again.responses[0].partition_responses[0].base_offset == base);

  producer.sequence = 5;  // 2 is next
  auto gap = h.call<m::ProduceResponse>(produce_request("idempotent", {0}, {"z"}, producer), 9);
  CHECK(gap.responses.at(0).partition_responses.at(0).error_code ==
        code(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER));

  producer.sequence = 2;
  auto next = h.call<m::ProduceResponse>(produce_request("idempotent", {0}, {"z"}, producer), 9);
  CHECK(next.responses.at(0).partition_responses.at(0).error_code == 0);
  CHECK(next.responses[0].partition_responses[0].base_offset == base + 2);

  auto fetched = h.call<m::FetchResponse>(fetch_request("idempotent", 0, 0), 12);
  CHECK(values_of(*fetched.responses.at(0).partitions.at(0).records) ==
        std::vector<std::string>{"x", "y", "z"});
}

TEST_CASE("ListOffsets answers earliest, latest and by timestamp", "[kafka]") {
  KafkaHarness h;
  create_topic(h, "offsets", 1);
  h.call<m::ProduceResponse>(produce_request("offsets", {0}, {"a", "b"}), 9);  // ts ...000, ...001
  h.call<m::ProduceResponse>(produce_request("offsets", {0}, {"c"}), 9);       // ts ...000
  auto ask = [&](int64_t timestamp) {
    m::ListOffsetsRequest req;
    req.replica_id = -1;
    m::ListOffsetsRequest::ListOffsetsTopic t;
    t.name = "offsets";
    m::ListOffsetsRequest::ListOffsetsPartition p;
    p.partition_index = 0;
    p.timestamp = timestamp;
    t.partitions.push_back(p);
    req.topics.push_back(t);
    auto resp = h.call<m::ListOffsetsResponse>(req, 7);
    return resp.topics.at(0).partitions.at(0);
  };
  CHECK(ask(-2).offset == 0);
  CHECK(ask(-1).offset == 3);
  auto by_time = ask(1700000000001);
  CHECK(by_time.error_code == 0);
  CHECK(by_time.offset == 1);
  CHECK(by_time.timestamp == 1700000000001);
  CHECK(ask(1800000000000).offset == -1);
  auto max = ask(-3);
  CHECK(max.offset == 1);
  CHECK(max.timestamp == 1700000000001);
}

TEST_CASE("OffsetCommit then OffsetFetch gives back the offset and its metadata", "[kafka]") {
  KafkaHarness h;
  create_topic(h, "committed", 2);
  m::OffsetCommitRequest commit;
  commit.group_id = "g";
  commit.generation_id_or_member_epoch = -1;
  m::OffsetCommitRequest::OffsetCommitRequestTopic t;
  t.name = "committed";
  m::OffsetCommitRequest::OffsetCommitRequestPartition p;
  p.partition_index = 1;
  p.committed_offset = 42;
  p.committed_metadata = "meta";
  t.partitions.push_back(p);
  p.partition_index = 7;  // no such partition
  t.partitions.push_back(p);
  commit.topics.push_back(t);
  auto committed = h.call<m::OffsetCommitResponse>(commit, 8);
  CHECK(committed.topics.at(0).partitions.at(0).error_code == 0);
  CHECK(committed.topics.at(0).partitions.at(1).error_code == code(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));

  m::OffsetFetchRequest fetch;
  fetch.group_id = "g";
  m::OffsetFetchRequest::OffsetFetchRequestTopic ft;
  ft.name = "committed";
  ft.partition_indexes = {0, 1};
  fetch.topics = std::vector<m::OffsetFetchRequest::OffsetFetchRequestTopic>{ft};
  auto fetched = h.call<m::OffsetFetchResponse>(fetch, 7);
  CHECK(fetched.error_code == 0);
  REQUIRE(fetched.topics.size() == 1);
  std::map<int32_t, std::pair<int64_t, std::string>> got;
  for (const auto& fp : fetched.topics[0].partitions) got[fp.partition_index] = {fp.committed_offset, fp.metadata.value_or("")};
  CHECK(got[0].first == -1);
  CHECK(got[1] == std::make_pair(int64_t{42}, std::string("meta")));
}
