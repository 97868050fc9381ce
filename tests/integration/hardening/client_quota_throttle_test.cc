// Byte-rate quotas enforced (KIP-13, KIP-219): a client over its producer_byte_rate or
// consumer_byte_rate is told to back off (throttle_time_ms) and its connection is not read
// for that long; a throttled fetch is answered empty; a fetch takes no more than the quota
// lets through at once. The expected answers are Kafka 3.9.1's (against-kafka). Rates are
// measured over quota.window.num (11) windows of one second, the first ten counted whole,
// so a client may burst ten seconds' worth before it is throttled.
#include <chrono>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "generated/kafka/alter_client_quotas_request.h"
#include "generated/kafka/alter_client_quotas_response.h"
#include "generated/kafka/create_topics_request.h"
#include "generated/kafka/create_topics_response.h"
#include "generated/kafka/delete_topics_request.h"
#include "generated/kafka/delete_topics_response.h"
#include "generated/kafka/describe_client_quotas_request.h"
#include "generated/kafka/describe_client_quotas_response.h"
#include "generated/kafka/fetch_request.h"
#include "generated/kafka/fetch_response.h"
#include "generated/kafka/metadata_request.h"
#include "generated/kafka/metadata_response.h"
#include "generated/kafka/produce_request.h"
#include "generated/kafka/produce_response.h"
#include "runtime/record/batch.h"
#include "runtime/record/batch_header.h"
#include "tests/integration/hardening/requests.h"

using namespace chronik::testing;
namespace m = chronik::message;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kRate = 51200;  // bytes per second: ten seconds' worth is 512,000 bytes

std::vector<uint8_t> batch(size_t value_bytes) {
  chronik::record::Record r;
  r.value = chronik::record::Bytes(value_bytes, 'q');
  chronik::record::BatchOptions o;
  o.base_timestamp = wall_clock_ms();
  return chronik::record::build_batch(o, std::span<const chronik::record::Record>(&r, 1));
}

// Sets `key` of the client id's quota and waits until the broker describes it (Kafka applies
// it from its metadata log a moment later: a second more).
void set_client_quota(const std::string& client_id, const std::string& key, double value) {
  m::AlterClientQuotasRequest req;
  auto& e = req.entries.emplace_back();
  e.entity.push_back({"client-id", client_id, {}});
  e.ops.push_back({key, value, false, {}});
  const auto resp = call<m::AlterClientQuotasResponse>(target_port(), req, 1);
  REQUIRE(resp.entries.at(0).error_code == 0);
  m::DescribeClientQuotasRequest d;
  d.components.push_back({"client-id", 0, client_id, {}});
  for (int i = 0;; ++i) {
    const auto r = call<m::DescribeClientQuotasResponse>(target_port(), d, 1);
    if (r.entries && !r.entries->empty()) break;
    REQUIRE(i < 50);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (against_kafka()) std::this_thread::sleep_for(std::chrono::seconds(1));
}

void remove_client_quota(const std::string& client_id, const std::string& key) {
  m::AlterClientQuotasRequest req;
  auto& e = req.entries.emplace_back();
  e.entity.push_back({"client-id", client_id, {}});
  e.ops.push_back({key, 0, true, {}});
  call<m::AlterClientQuotasResponse>(target_port(), req, 1);
}

// Waits until a new topic takes records (Kafka's leader needs a moment), with one small batch.
void writable(const std::string& topic) {
  for (int i = 0; produce(topic, batch(10)).error_code != 0; ++i) {
    REQUIRE(i < 50);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// One request on `c` as `client_id`; the response and how long it took.
template <class Resp, class Req>
std::pair<Resp, int64_t> exchange(RawConnection& c, const Req& req, int16_t version, const std::string& client_id,
                                  int32_t correlation_id) {
  const auto start = Clock::now();
  c.send_frame(request_bytes(req, version, correlation_id, client_id));
  const std::string frame = c.read_frame(30000);
  REQUIRE(!frame.empty());
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  return {parse_response<Resp>(frame, version), ms};
}

m::FetchRequest fetch_request(const std::string& topic, int64_t offset) {
  m::FetchRequest req;
  req.max_wait_ms = 0;
  req.min_bytes = 0;
  req.max_bytes = 1048576;
  req.isolation_level = 0;
  auto& t = req.topics.emplace_back();
  t.topic = topic;
  auto& p = t.partitions.emplace_back();
  p.partition = 0;
  p.fetch_offset = offset;
  p.partition_max_bytes = 1048576;
  return req;
}

struct Fetched {
  int64_t bytes = 0;
  int64_t next_offset = 0;
  int32_t throttle_ms = 0;
};

Fetched fetched(const m::FetchResponse& r, int64_t from) {
  Fetched f;
  f.throttle_ms = r.throttle_time_ms;
  f.next_offset = from;
  REQUIRE(r.error_code == 0);
  for (const auto& t : r.responses)
    for (const auto& p : t.partitions) {
      REQUIRE(p.error_code == 0);
      if (!p.records || p.records->empty()) continue;
      f.bytes += static_cast<int64_t>(p.records->size());
      size_t at = 0;
      // Whole batches only: Kafka may end a response with part of one.
      while (at + chronik::record::kBatchHeaderSize <= p.records->size()) {
        const auto header = chronik::record::read_batch_header({p.records->data() + at, p.records->size() - at});
        if (at + header.size_in_bytes() > p.records->size()) break;
        f.next_offset = header.last_offset() + 1;
        at += header.size_in_bytes();
      }
    }
  return f;
}

}  // namespace

TEST_CASE("A producer over producer_byte_rate is throttled and its connection waits", "[kafka][quotas]") {
  const std::string topic = unique_name("quota-produce");
  const std::string client = unique_name("quota-producer");
  create_topic(topic);
  writable(topic);
  set_client_quota(client, "producer_byte_rate", kRate);

  RawConnection c(target_port());
  // 600 KB at once: 61,440 bytes/s over the ten seconds counted, about 20% over.
  const auto [first, first_ms] =
      exchange<m::ProduceResponse>(c, produce_request(topic, batch(600 * 1024)), 9, client, 1);
  REQUIRE(first.responses.at(0).partition_responses.at(0).error_code == 0);
  const int32_t throttle = first.throttle_time_ms;
  INFO("throttle_time_ms " << throttle);
  CHECK(throttle >= 1000);
  CHECK(throttle <= 4000);
  // The connection reads nothing more until the back-off is over.
  m::MetadataRequest md;
  md.topics = std::vector<m::MetadataRequest::MetadataRequestTopic>{};
  const auto [meta, meta_ms] = exchange<m::MetadataResponse>(c, md, 9, client, 2);
  INFO("the next request took " << meta_ms << " ms");
  CHECK(meta_ms >= throttle - 250);

  // Another client id has no quota and is not throttled.
  RawConnection other(target_port());
  const auto [free_resp, free_ms] = exchange<m::ProduceResponse>(other, produce_request(topic, batch(600 * 1024)), 9,
                                                                 client + "-other", 1);
  CHECK(free_resp.throttle_time_ms == 0);
  remove_client_quota(client, "producer_byte_rate");
}

TEST_CASE("An acks=0 producer over producer_byte_rate has its connection muted, with no answer to carry it",
          "[kafka][quotas]") {
  const std::string topic = unique_name("quota-acks0");
  const std::string client = unique_name("quota-acks0-producer");
  create_topic(topic);
  writable(topic);
  set_client_quota(client, "producer_byte_rate", kRate);

  RawConnection c(target_port());
  // 600 KB with acks=0, about 20% over ten seconds' worth: nothing answers it, so the next
  // request on the connection is what waits (KIP-219), about the throttle an acks=1 produce
  // would be told (1-4 s above).
  auto req = produce_request(topic, batch(600 * 1024));
  req.acks = 0;
  const auto start = Clock::now();
  c.send_frame(request_bytes(req, 9, 1, client));
  m::MetadataRequest md;
  md.topics = std::vector<m::MetadataRequest::MetadataRequestTopic>{};
  const auto [meta, meta_ms] = exchange<m::MetadataResponse>(c, md, 9, client, 2);
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  INFO("the request after the acks=0 produce was answered after " << waited << " ms");
  CHECK(waited >= 750);
  CHECK(waited <= 5000);
  CHECK(meta.throttle_time_ms == 0);  // Metadata itself is not over any quota

  // Within its quota again, an acks=0 producer is not held.
  remove_client_quota(client, "producer_byte_rate");
  if (against_kafka()) std::this_thread::sleep_for(std::chrono::seconds(1));  // applied from its metadata log
  RawConnection fresh(target_port());
  auto small = produce_request(topic, batch(100));
  small.acks = 0;
  const auto again = Clock::now();
  fresh.send_frame(request_bytes(small, 9, 1, client));
  exchange<m::MetadataResponse>(fresh, md, 9, client, 2);
  CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - again).count() < 750);
}

TEST_CASE("A consumer over consumer_byte_rate gets an empty throttled answer; one fetch takes at most its quota's worth",
          "[kafka][quotas]") {
  const std::string topic = unique_name("quota-fetch");
  const std::string client = unique_name("quota-consumer");
  create_topic(topic);
  writable(topic);
  for (int i = 0; i < 16; ++i) REQUIRE(produce(topic, batch(25 * 1024)).error_code == 0);  // about 410 KB
  set_client_quota(client, "consumer_byte_rate", kRate);

  RawConnection c(target_port());
  const auto [r1, ms1] = exchange<m::FetchResponse>(c, fetch_request(topic, 0), 12, client, 1);
  const auto f1 = fetched(r1, 0);
  INFO("first fetch: " << f1.bytes << " bytes, throttle " << f1.throttle_ms);
  // Everything, 41 KB/s over the ten seconds counted: within the quota.
  CHECK(f1.bytes > 400 * 1000);
  CHECK(f1.throttle_ms == 0);

  for (int i = 0; i < 14; ++i) REQUIRE(produce(topic, batch(25 * 1024)).error_code == 0);  // 360 KB more
  const auto [r2, ms2] = exchange<m::FetchResponse>(c, fetch_request(topic, f1.next_offset), 12, client, 2);
  const auto f2 = fetched(r2, f1.next_offset);
  INFO("second fetch: " << f2.bytes << " bytes, throttle " << f2.throttle_ms);
  // 770 KB in ten seconds is 50% over: throttled for seconds, and answered without records.
  CHECK(f2.throttle_ms > 1000);
  CHECK(f2.bytes == 0);

  // A client of the same quota with nothing measured yet: one fetch is capped at ten
  // seconds' worth, 512,000 bytes, though 770 KB are there. (Kafka counts the response's own
  // bytes too, so at the cap it may already throttle that fetch, by a few milliseconds.)
  const std::string fresh = client + "-fresh";
  set_client_quota(fresh, "consumer_byte_rate", kRate);
  RawConnection c2(target_port());
  const auto [r3, ms3] = exchange<m::FetchResponse>(c2, fetch_request(topic, 0), 12, fresh, 1);
  const auto f3 = fetched(r3, 0);
  INFO("capped fetch: " << f3.bytes << " bytes, throttle " << f3.throttle_ms);
  CHECK(f3.bytes <= 512000);
  CHECK((f3.bytes > 400 * 1000 || (f3.bytes == 0 && f3.throttle_ms > 0 && f3.throttle_ms < 100)));
  remove_client_quota(client, "consumer_byte_rate");
  remove_client_quota(fresh, "consumer_byte_rate");
}

TEST_CASE("A client over request_percentage is throttled for at most one window, and waits", "[kafka][quotas]") {
  // 0.01% of one thread over the ten seconds counted: a millisecond of request time. Metadata
  // requests, one after another, pass it within a few thousand; the first answer over it
  // says how long to back off, which Kafka bounds by one window (quota.window.size.seconds).
  const std::string client = unique_name("quota-requests");
  set_client_quota(client, "request_percentage", 0.01);
  RawConnection c(target_port());
  m::MetadataRequest md;
  md.topics = std::vector<m::MetadataRequest::MetadataRequestTopic>{};
  int32_t throttle = 0;
  int requests = 0;
  while (throttle == 0 && requests < 20000) {
    const auto [resp, ms] = exchange<m::MetadataResponse>(c, md, 9, client, ++requests);
    throttle = resp.throttle_time_ms;
  }
  INFO("throttled after " << requests << " requests for " << throttle << " ms");
  REQUIRE(throttle > 0);
  CHECK(throttle <= 1000);
  // The connection reads nothing more until the back-off is over.
  const auto [next, next_ms] = exchange<m::MetadataResponse>(c, md, 9, client, ++requests);
  INFO("the next request took " << next_ms << " ms");
  CHECK(next_ms >= throttle - 250);

  // Another client id has no quota and is not throttled.
  RawConnection other(target_port());
  const auto [free_resp, free_ms] = exchange<m::MetadataResponse>(other, md, 9, client + "-other", 1);
  CHECK(free_resp.throttle_time_ms == 0);
  remove_client_quota(client, "request_percentage");
}

namespace {

// CreateTopics of `topics` (name, partitions) as `client_id` at `version`.
m::CreateTopicsResponse create_topics(RawConnection& c, const std::vector<std::pair<std::string, int32_t>>& topics,
                                      int16_t version, const std::string& client_id, int32_t correlation_id) {
  m::CreateTopicsRequest req;
  req.timeout_ms = 30000;
  for (const auto& [name, partitions] : topics) {
    auto& t = req.topics.emplace_back();
    t.name = name;
    t.num_partitions = partitions;
    t.replication_factor = 1;
  }
  return exchange<m::CreateTopicsResponse>(c, req, version, client_id, correlation_id).first;
}

}  // namespace

TEST_CASE("controller_mutation_rate: a topic past the quota is refused with THROTTLING_QUOTA_EXCEEDED (v6+), "
          "older versions are only throttled", "[kafka][quotas]") {
  // One partition a second, measured as a bucket of eleven (quota.window.num windows of a
  // second): a first topic of 20 partitions passes and overdraws it, the next is refused.
  const std::string client = unique_name("quota-mutations");
  set_client_quota(client, "controller_mutation_rate", 1);
  RawConnection c(target_port());
  const std::string big = unique_name("mutations-big"), small = unique_name("mutations-small");
  const auto first = create_topics(c, {{big, 20}, {small, 1}}, 6, client, 1);
  REQUIRE(first.topics.size() == 2);
  INFO("throttle_time_ms " << first.throttle_time_ms << "; " << first.topics[1].error_message.value_or(""));
  CHECK(first.topics[0].error_code == 0);
  CHECK(first.topics[1].error_code == 89);  // THROTTLING_QUOTA_EXCEEDED
  CHECK(first.topics[1].error_message.value_or("").empty());
  CHECK(first.throttle_time_ms >= 8000);
  CHECK(first.throttle_time_ms <= 10000);
  // Kafka's older versions (v5 and before) are never refused for it, only throttled.
  RawConnection old(target_port());
  const auto second = create_topics(old, {{small, 1}}, 5, client, 1);
  REQUIRE(second.topics.size() == 1);
  CHECK(second.topics[0].error_code == 0);
  INFO("v5 throttle_time_ms " << second.throttle_time_ms);
  CHECK(second.throttle_time_ms >= 8000);
  // Deleting counts too: while overdrawn, a DeleteTopics v6 is refused the same way.
  m::DeleteTopicsRequest del;
  del.timeout_ms = 30000;
  auto& d = del.topics.emplace_back();
  d.name = big;
  RawConnection third(target_port());
  const auto deleted = exchange<m::DeleteTopicsResponse>(third, del, 6, client, 1).first;
  REQUIRE(deleted.responses.size() == 1);
  CHECK(deleted.responses[0].error_code == 89);
  CHECK(deleted.throttle_time_ms >= 8000);
  remove_client_quota(client, "controller_mutation_rate");
}
