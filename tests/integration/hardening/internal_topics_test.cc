// Finding 6: Kafka's internal topics. Metadata did not list __consumer_offsets (franz-go's
// regex consumer waits for it), and a Metadata request naming __consumer_offsets or
// __transaction_state made an ordinary one-partition topic of that name.
#include <chrono>
#include <string>
#include <thread>

#include "generated/kafka/create_partitions_request.h"
#include "generated/kafka/create_partitions_response.h"
#include "generated/kafka/delete_topics_request.h"
#include "generated/kafka/delete_topics_response.h"
#include "generated/kafka/find_coordinator_request.h"
#include "generated/kafka/find_coordinator_response.h"
#include "generated/kafka/metadata_request.h"
#include "generated/kafka/metadata_response.h"
#include "runtime/record/batch.h"
#include "tests/integration/hardening/requests.h"

using namespace chronik::testing;
namespace m = chronik::message;
namespace record = chronik::record;

namespace {

constexpr const char* kOffsets = "__consumer_offsets";
constexpr const char* kTxnState = "__transaction_state";

std::optional<m::MetadataResponse::MetadataResponseTopic> listed(const std::string& name) {
  m::MetadataRequest req;
  req.topics = std::nullopt;  // every topic
  auto resp = call<m::MetadataResponse>(target_port(), req, 12);
  for (const auto& t : resp.topics)
    if (t.name == name) return t;
  return std::nullopt;
}

// Kafka creates __consumer_offsets when a group coordinator is first looked up.
m::MetadataResponse::MetadataResponseTopic consumer_offsets() {
  m::FindCoordinatorRequest find;
  find.key_type = 0;
  find.coordinator_keys = {"hardening-group"};
  call<m::FindCoordinatorResponse>(target_port(), find, 4);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto t = listed(kOffsets)) return *t;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  FAIL("__consumer_offsets is not listed");
  return {};
}

}  // namespace

TEST_CASE("__consumer_offsets is listed as internal, with offsets.topic.num.partitions partitions",
          "[kafka][internal]") {
  const auto t = consumer_offsets();
  CHECK(t.is_internal);
  CHECK(t.error_code == 0);
  CHECK(t.partitions.size() == 3);  // offsets.topic.num.partitions on both brokers
  // An ordinary topic is not internal.
  const std::string ordinary = unique_name("ordinary");
  create_topic(ordinary);
  REQUIRE(listed(ordinary));
  CHECK_FALSE(listed(ordinary)->is_internal);
}

TEST_CASE("a Metadata request naming an internal topic never makes an ordinary topic of it", "[kafka][internal]") {
  consumer_offsets();
  for (const char* name : {kOffsets, kTxnState}) {
    m::MetadataRequest req;
    m::MetadataRequest::MetadataRequestTopic rt;
    rt.name = name;
    req.topics = std::vector{rt};
    req.allow_auto_topic_creation = true;
    call<m::MetadataResponse>(target_port(), req, 12);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    // Absent, or internal: Kafka makes __transaction_state its own way.
    if (auto t = listed(name)) {
      INFO(name);
      CHECK(t->is_internal);
      CHECK(t->partitions.size() == 3);
    }
  }
}

TEST_CASE("internal topics cannot be created or written by hand", "[kafka][internal]") {
  consumer_offsets();
  m::CreateTopicsRequest create;
  create.timeout_ms = 10000;
  m::CreateTopicsRequest::CreatableTopic ct;
  ct.name = kOffsets;
  ct.num_partitions = 1;
  ct.replication_factor = 1;
  create.topics.push_back(ct);
  auto created = call<m::CreateTopicsResponse>(target_port(), create, 7);
  CHECK(created.topics.at(0).error_code == 36);  // TOPIC_ALREADY_EXISTS

  record::BatchOptions o;
  o.base_timestamp = wall_clock_ms();
  record::Record r;
  r.value = record::Bytes{'x'};
  auto p = produce(kOffsets, record::build_batch(o, std::vector{r}));
  INFO("Produce: " << p.error_code << " " << p.error_message.value_or(""));
  CHECK(p.error_code == 17);  // INVALID_TOPIC_EXCEPTION
}

// Last: they change __consumer_offsets, which Kafka lets an operator do.
TEST_CASE("__consumer_offsets can be grown, and deleted, and comes back at the next group lookup",
          "[kafka][internal]") {
  consumer_offsets();
  m::CreatePartitionsRequest grow;
  grow.timeout_ms = 10000;
  m::CreatePartitionsRequest::CreatePartitionsTopic gt;
  gt.name = kOffsets;
  gt.count = 5;
  gt.assignments = std::nullopt;
  grow.topics.push_back(gt);
  auto grown = call<m::CreatePartitionsResponse>(target_port(), grow, 3);
  CHECK(grown.results.at(0).error_code == 0);
  REQUIRE(listed(kOffsets));
  CHECK(listed(kOffsets)->partitions.size() == 5);

  m::DeleteTopicsRequest del;
  del.timeout_ms = 10000;
  del.topic_names = {kOffsets};
  auto deleted = call<m::DeleteTopicsResponse>(target_port(), del, 5);
  CHECK(deleted.responses.at(0).error_code == 0);
  // Kafka answers before its metadata cache has dropped the topic: a lookup until then
  // would find the five partitions still there.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (listed(kOffsets) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto back = consumer_offsets();
  CHECK(back.is_internal);
  CHECK(back.partitions.size() == 3);
}
