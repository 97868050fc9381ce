// A handler that throws on a fault of the broker's own (not storage, not the client's
// bytes): the request is answered with UNKNOWN_SERVER_ERROR in its API's shape, and the
// connection, with everything else in flight on it, stays. Only an acks=0 Produce, which
// has no response to carry the error, closes it.
#include <atomic>
#include <memory>
#include <stdexcept>

#include <catch2/catch.hpp>

#include "generated/kafka/create_topics_response.h"
#include "generated/kafka/fetch_response.h"
#include "generated/kafka/list_offsets_request.h"
#include "generated/kafka/list_offsets_response.h"
#include "generated/kafka/metadata_request.h"
#include "generated/kafka/metadata_response.h"
#include "generated/kafka/produce_response.h"
#include "tests/support/forwarding_log_store.h"
#include "tests/unit/kafka/harness.h"
#include "tests/unit/kafka/requests.h"

using namespace chronik::broker;
using namespace chronik::broker::testing;
using chronik::protocol::ErrorCode;

namespace {

const int16_t kUnknownServerError = chronik::protocol::to_int16(ErrorCode::UNKNOWN_SERVER_ERROR);

// Throws a logic_error (a bug's exception, not a storage failure) from the calls it is told to.
class BuggyLogStore final : public ForwardingLogStore {
 public:
  using ForwardingLogStore::ForwardingLogStore;
  std::atomic<bool> appends{false}, reads{false}, lookups{false}, offsets_fail{false};

  AppendResult append(const std::string& topic, int32_t partition, std::span<const std::span<uint8_t>> batches,
                      bool sync) override {
    if (appends) throw std::logic_error("append bug");
    return inner_->append(topic, partition, batches, sync);
  }
  ReadResult read(const std::string& topic, int32_t partition, int64_t offset, int32_t max_bytes,
                  bool min_one) override {
    if (reads) throw std::logic_error("read bug");
    return inner_->read(topic, partition, offset, max_bytes, min_one);
  }
  std::optional<TopicInfo> find_topic(const std::string& name) override {
    if (lookups) throw std::logic_error("lookup bug");
    return inner_->find_topic(name);
  }
  std::optional<PartitionOffsets> offsets(const std::string& topic, int32_t partition) override {
    if (offsets_fail) throw std::logic_error("offsets bug");
    return inner_->offsets(topic, partition);
  }
};

struct Fixture {
  KafkaHarness h;
  std::shared_ptr<BuggyLogStore> store;
  Fixture() {
    store = std::make_shared<BuggyLogStore>(h.broker.store);
    h.broker.store = store;
    auto created = h.call<m::CreateTopicsResponse>(create_topics_request("t", 2), 7);
    REQUIRE(created.topics.at(0).error_code == 0);
  }
};

}  // namespace

TEST_CASE("a Produce whose handler throws is answered per partition, and the next one is served") {
  Fixture f;
  f.store->appends = true;
  auto failed = f.h.call<m::ProduceResponse>(produce_request("t", {0, 1}, {"a"}), 9);
  REQUIRE(failed.responses.size() == 1);
  CHECK(failed.responses[0].name == "t");
  REQUIRE(failed.responses[0].partition_responses.size() == 2);
  for (const auto& p : failed.responses[0].partition_responses) {
    CHECK(p.error_code == kUnknownServerError);
    CHECK(p.base_offset == -1);
  }
  CHECK(failed.responses[0].partition_responses[1].index == 1);

  f.store->appends = false;
  auto ok = f.h.call<m::ProduceResponse>(produce_request("t", {0}, {"b"}), 9);
  CHECK(ok.responses.at(0).partition_responses.at(0).error_code == 0);
  CHECK(ok.responses.at(0).partition_responses.at(0).base_offset == 0);
}

TEST_CASE("an acks=0 Produce whose handler throws closes the connection: it has no response") {
  Fixture f;
  f.store->appends = true;
  auto req = produce_request("t", {0}, {"a"});
  req.acks = 0;
  Outcome out = f.h.run(KafkaHarness::frame(req, 9, 1));
  CHECK(out.kind == Outcome::Kind::kClose);
}

TEST_CASE("a Fetch whose handler throws is answered per partition, at every Fetch version") {
  Fixture f;
  f.store->reads = true;
  f.store->offsets_fail = true;
  for (int16_t version : {4, 11, 13}) {
    auto req = fetch_request("t", 1, 0);
    if (version >= 13) {
      req.topics[0].topic_id = f.store->find_topic("t")->id;
    }
    auto resp = f.h.call<m::FetchResponse>(req, version);
    INFO("Fetch v" << version);
    CHECK(resp.error_code == (version >= 7 ? kUnknownServerError : 0));
    REQUIRE(resp.responses.size() == 1);
    REQUIRE(resp.responses[0].partitions.size() == 1);
    CHECK(resp.responses[0].partitions[0].partition_index == 1);
    CHECK(resp.responses[0].partitions[0].error_code == kUnknownServerError);
    CHECK(resp.responses[0].partitions[0].high_watermark == -1);
  }
}

TEST_CASE("Metadata and ListOffsets whose handlers throw name what was asked with the error") {
  Fixture f;
  f.store->lookups = true;
  f.store->offsets_fail = true;

  m::MetadataRequest metadata;
  metadata.topics = std::vector<m::MetadataRequest::MetadataRequestTopic>(1);
  (*metadata.topics)[0].name = "t";
  auto md = f.h.call<m::MetadataResponse>(metadata, 12);
  REQUIRE(md.topics.size() == 1);
  CHECK(md.topics[0].name == "t");
  CHECK(md.topics[0].error_code == kUnknownServerError);

  m::ListOffsetsRequest list;
  list.replica_id = -1;
  auto& topic = list.topics.emplace_back();
  topic.name = "t";
  topic.partitions.emplace_back().partition_index = 1;
  topic.partitions.back().timestamp = -1;
  auto lo = f.h.call<m::ListOffsetsResponse>(list, 7);
  REQUIRE(lo.topics.size() == 1);
  REQUIRE(lo.topics[0].partitions.size() == 1);
  CHECK(lo.topics[0].partitions[0].partition_index == 1);
  CHECK(lo.topics[0].partitions[0].error_code == kUnknownServerError);
  CHECK(lo.topics[0].partitions[0].offset == -1);
}
