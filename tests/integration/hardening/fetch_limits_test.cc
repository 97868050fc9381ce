// How much one Fetch returns, and how much the broker holds for clients that do not read.
//
// [kafka] checks: a fetch asking for more than fetch.max.bytes (1 MiB on both brokers, see
// shared_overrides()) gets about that much, its first batch whatever its size; min_bytes is
// capped by it; max_bytes 0 still returns one batch; a negative max_bytes or
// partition_max_bytes is refused by the log read (UNKNOWN_SERVER_ERROR). Chronik only: eight
// clients that ask for a large partition and never read hold the broker's memory to
// queued.max.fetch.bytes, while another client keeps producing and fetching.
#include <sys/socket.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "generated/kafka/create_topics_request.h"
#include "generated/kafka/create_topics_response.h"
#include "generated/kafka/fetch_request.h"
#include "generated/kafka/fetch_response.h"
#include "generated/kafka/produce_request.h"
#include "generated/kafka/produce_response.h"
#include "runtime/record/batch.h"
#include "tests/integration/hardening/requests.h"

namespace chronik::testing {
namespace {

namespace m = chronik::message;
using Clock = std::chrono::steady_clock;

constexpr int32_t kFetchMaxBytes = 1048576;  // shared_overrides() and against-kafka
constexpr size_t kValueBytes = 100 * 1024;
constexpr int kBatches = 30;  // about 3 MiB, three times fetch.max.bytes

// One batch of one record whose value is `value_bytes` bytes.
std::vector<uint8_t> batch(size_t value_bytes, uint8_t fill = 'v') {
  record::Record r;
  r.value = record::Bytes(value_bytes, fill);
  record::BatchOptions o;
  o.base_timestamp = wall_clock_ms();
  return record::build_batch(o, std::span<const record::Record>(&r, 1));
}

// Appends `records` (one batch); retries while a new topic's leader is not ready (Kafka).
int64_t produce(uint16_t port, const std::string& topic, int32_t partition, const std::vector<uint8_t>& records) {
  m::ProduceRequest req;
  req.acks = -1;
  req.timeout_ms = 10000;
  m::ProduceRequest::TopicProduceData td;
  td.name = topic;
  m::ProduceRequest::PartitionProduceData pd;
  pd.index = partition;
  pd.records = wire::SharedBytes::copy_of(records);
  td.partition_data.push_back(pd);
  req.topic_data.push_back(td);
  for (int attempt = 0;; ++attempt) {
    auto resp = call<m::ProduceResponse>(port, req, 9);
    const auto& p = resp.responses.at(0).partition_responses.at(0);
    if (p.error_code == 0) return p.base_offset;
    REQUIRE(attempt < 50);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

struct Part {
  int32_t partition = 0;
  int64_t offset = 0;
  int32_t max_bytes = INT32_MAX;
};

m::FetchRequest fetch_request(const std::string& topic, std::vector<Part> parts, int32_t max_bytes,
                              int32_t min_bytes = 0, int32_t max_wait_ms = 0) {
  m::FetchRequest req;
  req.max_wait_ms = max_wait_ms;
  req.min_bytes = min_bytes;
  req.max_bytes = max_bytes;
  m::FetchRequest::FetchTopic t;
  t.topic = topic;
  for (const auto& p : parts) {
    m::FetchRequest::FetchPartition fp;
    fp.partition = p.partition;
    fp.fetch_offset = p.offset;
    fp.partition_max_bytes = p.max_bytes;
    t.partitions.push_back(fp);
  }
  req.topics.push_back(t);
  return req;
}

std::vector<m::FetchResponse::PartitionData> fetch(uint16_t port, const std::string& topic, std::vector<Part> parts,
                                                   int32_t max_bytes, int16_t version = 12, int32_t min_bytes = 0,
                                                   int32_t max_wait_ms = 0) {
  auto resp = call<m::FetchResponse>(port, fetch_request(topic, parts, max_bytes, min_bytes, max_wait_ms), version);
  REQUIRE(resp.error_code == 0);
  REQUIRE(resp.responses.size() == 1);
  REQUIRE(resp.responses[0].partitions.size() == parts.size());
  return resp.responses[0].partitions;
}

size_t records_size(const m::FetchResponse::PartitionData& d) { return d.records ? d.records->size() : 0; }

// A topic of two partitions: kBatches batches of kValueBytes in partition 0, two in 1.
struct Filled {
  std::string topic;
  size_t batch_bytes = 0;
};
const Filled& filled() {
  static const Filled f = [] {
    Filled out;
    out.topic = unique_name("fetch-limits");
    const uint16_t port = target_port();
    create_topic(port, out.topic, 2);
    const auto b = batch(kValueBytes);
    out.batch_bytes = b.size();
    for (int i = 0; i < kBatches; ++i) REQUIRE(produce(port, out.topic, 0, b) == i);
    for (int i = 0; i < 2; ++i) REQUIRE(produce(port, out.topic, 1, b) == i);
    return out;
  }();
  return f;
}

TEST_CASE("a fetch asking for more than fetch.max.bytes gets fetch.max.bytes", "[kafka][fetch]") {
  const auto& f = filled();
  const uint16_t port = target_port();
  // Kafka cuts the last batch short at the limit; whole batches stop below it.
  auto near_limit = [&](size_t size, size_t limit) {
    INFO("records " << size << " limit " << limit << " batch " << f.batch_bytes);
    CHECK(size <= limit);
    CHECK(size > limit - f.batch_bytes);
  };
  for (int16_t version : {4, 12}) {
    INFO("version " << version);
    auto d = fetch(port, f.topic, {{0, 0}}, INT32_MAX, version);
    CHECK(d[0].error_code == 0);
    CHECK(d[0].high_watermark == kBatches);
    near_limit(records_size(d[0]), kFetchMaxBytes);
  }
  // Below the cap, the request's own limit holds.
  auto d = fetch(port, f.topic, {{0, 0}}, 300000);
  near_limit(records_size(d[0]), 300000);
  d = fetch(port, f.topic, {{0, 0, 250000}}, INT32_MAX);
  near_limit(records_size(d[0]), 250000);
  // What the first partition takes, the second does not get.
  d = fetch(port, f.topic, {{0, 0}, {1, 0}}, INT32_MAX);
  near_limit(records_size(d[0]), kFetchMaxBytes);
  CHECK(records_size(d[1]) < f.batch_bytes);
}

TEST_CASE("min_bytes above fetch.max.bytes is capped by it", "[kafka][fetch]") {
  const auto& f = filled();
  const auto started = Clock::now();
  auto d = fetch(target_port(), f.topic, {{0, 0}}, INT32_MAX, 12, INT32_MAX, 20000);
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  CHECK(d[0].error_code == 0);
  CHECK(records_size(d[0]) > kFetchMaxBytes - f.batch_bytes);
  // With min_bytes taken as asked, the broker would wait the whole 20 s.
  CHECK(waited < 5000);
}

TEST_CASE("max_bytes 0 or partition_max_bytes 0 still return the first batch", "[kafka][fetch]") {
  const auto& f = filled();
  const uint16_t port = target_port();
  auto d = fetch(port, f.topic, {{0, 5}}, 0);
  CHECK(d[0].error_code == 0);
  CHECK(records_size(d[0]) == f.batch_bytes);
  d = fetch(port, f.topic, {{0, 5, 0}}, INT32_MAX);
  CHECK(d[0].error_code == 0);
  CHECK(records_size(d[0]) == f.batch_bytes);
  // Only the response's first batch is exempt: the next partition gets nothing.
  d = fetch(port, f.topic, {{0, 5}, {1, 0}}, 0);
  CHECK(records_size(d[0]) == f.batch_bytes);
  CHECK(d[1].error_code == 0);
  CHECK(records_size(d[1]) == 0);
  CHECK(d[1].high_watermark == 2);
}

TEST_CASE("a negative max_bytes or partition_max_bytes fails the partition's read", "[kafka][fetch]") {
  const auto& f = filled();
  const uint16_t port = target_port();
  auto d = fetch(port, f.topic, {{0, 0}}, -1);
  CHECK(d[0].error_code == -1);  // UNKNOWN_SERVER_ERROR
  CHECK(records_size(d[0]) == 0);
  CHECK(d[0].high_watermark == -1);
  CHECK(d[0].log_start_offset == -1);
  d = fetch(port, f.topic, {{0, 0, -1}}, INT32_MAX);
  CHECK(d[0].error_code == -1);
  CHECK(records_size(d[0]) == 0);
  // At the high watermark there is nothing to read, and no error.
  d = fetch(port, f.topic, {{0, kBatches}}, -1);
  CHECK(d[0].error_code == 0);
  CHECK(records_size(d[0]) == 0);
  CHECK(d[0].high_watermark == kBatches);
  // The failed read took nothing: the response's limit is 0 from there on, and the next
  // partition still gets its first batch.
  d = fetch(port, f.topic, {{0, 0}, {1, 0}}, -1);
  CHECK(d[0].error_code == -1);
  CHECK(d[1].error_code == 0);
  CHECK(records_size(d[1]) == f.batch_bytes);
}

// --- chronik only -------------------------------------------------------------------------

int64_t rss_bytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  FAIL("no VmRSS for " << pid);
  return 0;
}

TEST_CASE("clients that fetch much and read nothing hold no more than queued.max.fetch.bytes",
          "[fetch][memory]") {
  if (against_kafka()) {
    SUCCEED("chronik only: Kafka sends fetched data from the page cache");
    return;
  }
  constexpr int64_t kBudget = 64 << 20;
  BrokerProcess broker({{"queued.max.fetch.bytes", std::to_string(kBudget)}});
  broker.start();
  const uint16_t port = broker.port();
  create_topic(port, "big", 1);
  const auto big_batch = batch(1000000);
  for (int i = 0; i < 120; ++i) produce(port, "big", 0, big_batch);  // 115 MiB
  create_topic(port, "small", 1);

  // One client that reads: fetch.max.bytes' 55 MiB (Kafka's default), so that the broker's
  // allocator and caches have seen a large fetch before the baseline.
  auto d = fetch(port, "big", {{0, 0}}, INT32_MAX);
  CHECK(records_size(d[0]) > 50 * 1000000);
  CHECK(records_size(d[0]) <= 57671680);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const int64_t baseline = rss_bytes(broker.pid());

  // Eight clients each ask for everything, twenty times, and read nothing.
  std::vector<std::unique_ptr<RawConnection>> hostile;
  for (int c = 0; c < 8; ++c) {
    hostile.push_back(std::make_unique<RawConnection>(port));
    for (int i = 0; i < 20; ++i)
      hostile.back()->send_frame(request_bytes(fetch_request("big", {{0, 0}}, INT32_MAX), 12, i, "hostile"));
  }

  // Meanwhile another client produces and fetches, as quickly as ever; the broker's memory
  // stays within the budget, the first batches of one response per client and some slack.
  int64_t peak = 0;
  const auto until = Clock::now() + std::chrono::seconds(3);
  for (int round = 0; Clock::now() < until; ++round) {
    const auto started = Clock::now();
    const int64_t offset = produce(port, "small", 0, batch(100, static_cast<uint8_t>('a' + round % 26)));
    auto got = fetch(port, "small", {{0, offset}}, INT32_MAX);
    CHECK(got[0].error_code == 0);
    CHECK(records_size(got[0]) > 0);
    CHECK(Clock::now() - started < std::chrono::seconds(2));
    peak = std::max(peak, rss_bytes(broker.pid()));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  INFO("baseline " << (baseline >> 20) << " MiB, peak " << (peak >> 20) << " MiB");
  CHECK(peak - baseline < kBudget + (64 << 20));

  // Closing them returns what their responses held: a large fetch is whole again.
  hostile.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  d = fetch(port, "big", {{0, 0}}, INT32_MAX);
  CHECK(records_size(d[0]) > 50 * 1000000);
}

}  // namespace
}  // namespace chronik::testing
