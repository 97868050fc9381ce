// Waiting requests through dispatch, in process: a woken Fetch reads again only the
// partitions appended to (counted at the store), its response still has every partition and
// min_bytes counts what it kept; a retry that fails answers with an error; dispatch says where
// requests run. On the real LevelDB store in a temp dir, behind a counting wrapper.
#include <catch2/catch.hpp>

#include <map>
#include <mutex>
#include <stdexcept>

#include "broker/kafka/dispatch.h"
#include "generated/kafka/api_table.h"
#include "generated/kafka/fetch_request.h"
#include "generated/kafka/fetch_response.h"
#include "generated/kafka/metadata_request.h"
#include "generated/kafka/produce_request.h"
#include "runtime/protocol/header.h"
#include "tests/support/forwarding_log_store.h"
#include "tests/support/temp_log_store.h"
#include "tests/unit/log/test_batches.h"

using namespace chronik::broker;
namespace m = chronik::message;
namespace protocol = chronik::protocol;
namespace wire = chronik::wire;

namespace {

// Counts read() per partition and can make reads throw; everything else goes to the store.
class CountingStore final : public testing::ForwardingLogStore {
 public:
  using ForwardingLogStore::ForwardingLogStore;

  int reads(const std::string& topic, int32_t partition) {
    std::lock_guard lock(mu_);
    return reads_[{topic, partition}];
  }
  int total_reads() {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& [k, v] : reads_) n += v;
    return n;
  }
  bool fail_reads = false;

  ReadResult read(const std::string& topic, int32_t partition, int64_t offset, int32_t max_bytes,
                  bool min_one) override {
    {
      std::lock_guard lock(mu_);
      ++reads_[{topic, partition}];
    }
    if (fail_reads) throw std::runtime_error("injected read failure");
    return inner_->read(topic, partition, offset, max_bytes, min_one);
  }


 private:
  std::mutex mu_;
  std::map<std::pair<std::string, int32_t>, int> reads_;
};

struct Fixture {
  std::shared_ptr<CountingStore> store;
  Broker broker;
  static constexpr int32_t kPartitions = 4;

  Fixture() {
    store = std::make_shared<CountingStore>(testing::temp_log_store());
    broker.store = store;
    REQUIRE(store->create_topic("t", kPartitions, {}, false).error == 0);
  }

  // Appends one batch of `payload` bytes after its header, as Produce does, and notifies.
  size_t append(int32_t partition, size_t payload) {
    auto batch = chronik::log::test::make_batch({.payload = payload});
    std::vector<std::span<uint8_t>> batches{std::span<uint8_t>(batch)};
    REQUIRE(store->append("t", partition, batches, false).error == 0);
    broker.notify_append("t", partition);
    return batch.size();
  }

  template <class Req>
  wire::SharedBytes frame(const Req& req, int16_t version, int32_t correlation_id = 7) {
    wire::Writer w;
    protocol::RequestHeader h;
    h.api_key = Req::kApiKey;
    h.api_version = version;
    h.correlation_id = correlation_id;
    h.client_id = "test";
    protocol::encode_request_header(w, h, m::find_api(Req::kApiKey)->request_header_version(version));
    req.encode(w, version);
    return wire::SharedBytes::adopt(std::move(w).take_bytes());
  }

  m::FetchRequest fetch(int32_t min_bytes, int32_t max_wait_ms) {
    m::FetchRequest req;
    req.max_wait_ms = max_wait_ms;
    req.min_bytes = min_bytes;
    m::FetchRequest::FetchTopic t;
    t.topic = "t";
    for (int32_t p = 0; p < kPartitions; ++p) {
      m::FetchRequest::FetchPartition fp;
      fp.partition = p;
      fp.fetch_offset = 0;
      fp.partition_max_bytes = 1 << 20;
      t.partitions.push_back(fp);
    }
    req.topics.push_back(t);
    return req;
  }

  Outcome process(const wire::SharedBytes& f) {
    RequestContext ctx;
    ctx.peer = "127.0.0.1:1";
    return process_request(broker, ctx, f);
  }
};

m::FetchResponse decode_fetch(const std::shared_ptr<wire::Writer>& frame, int16_t version) {
  REQUIRE(frame);
  auto bytes = wire::Writer(*frame).take_bytes();
  wire::Reader r(bytes.data() + 4, bytes.size() - 4);
  protocol::decode_response_header(r, m::find_api(m::FetchRequest::kApiKey)->response_header_version(version));
  m::FetchResponse resp;
  resp.decode(r, version);
  return resp;
}

std::map<int32_t, m::FetchResponse::PartitionData> by_partition(const m::FetchResponse& resp) {
  std::map<int32_t, m::FetchResponse::PartitionData> out;
  for (const auto& t : resp.responses)
    for (const auto& p : t.partitions) out[p.partition_index] = p;
  return out;
}

}  // namespace

TEST_CASE("a woken fetch reads again only the partitions appended to, and answers with all") {
  Fixture f;
  constexpr int16_t v = 12;
  const size_t small = 61 + 100, large = 61 + 300;
  auto out = f.process(f.frame(f.fetch(static_cast<int32_t>(small + large), 30000), v));
  REQUIRE(out.kind == Outcome::Kind::kWait);
  CHECK(out.holds_fetched_records);
  auto& pending = *out.pending;
  CHECK(pending.wait_keys().size() == Fixture::kPartitions);
  CHECK(pending.run_on() == RunOn::kNetworkThread);
  CHECK(f.broker.metrics.waiting_fetches == 1);
  auto waiter = f.broker.waits.subscribe(pending.wait_keys(), nullptr);

  // First attempt: every partition read once, nothing there.
  CHECK(pending.retry({}, false) == nullptr);
  CHECK(f.store->total_reads() == Fixture::kPartitions);

  // An append to partition 1: only it is read again; below min_bytes, so still waiting.
  f.append(1, small - 61);
  REQUIRE(waiter->fired());
  auto fired = waiter->take_fired();
  CHECK(fired == std::vector<WaitKey>{PartitionAppended{"t", 1}});
  CHECK(pending.retry(fired, false) == nullptr);
  CHECK(f.store->reads("t", 1) == 2);
  CHECK(f.store->total_reads() == Fixture::kPartitions + 1);

  // An append to partition 2 that is below min_bytes alone, but not with what partition 1
  // had: satisfied, reading partition 2 only.
  f.append(2, large - 61);
  fired = waiter->take_fired();
  CHECK(fired == std::vector<WaitKey>{PartitionAppended{"t", 2}});
  auto frame = pending.retry(fired, false);
  REQUIRE(frame);
  CHECK_FALSE(pending.failed());
  CHECK(f.store->reads("t", 2) == 2);
  CHECK(f.store->reads("t", 0) == 1);
  CHECK(f.store->reads("t", 3) == 1);
  CHECK(f.store->total_reads() == Fixture::kPartitions + 2);

  auto parts = by_partition(decode_fetch(frame, v));
  REQUIRE(parts.size() == Fixture::kPartitions);
  CHECK(parts[0].records->empty());
  CHECK(parts[1].records->size() == small);
  CHECK(parts[1].high_watermark == 1);
  CHECK(parts[2].records->size() == large);
  CHECK(parts[2].high_watermark == 1);
  CHECK(parts[3].records->empty());
  CHECK(parts[3].high_watermark == 0);
  for (auto& [p, d] : parts) CHECK(d.error_code == 0);

  waiter.reset();
  out.pending.reset();
  CHECK(f.broker.metrics.waiting_fetches == 0);
  CHECK(f.broker.waits.waiters() == 0);
}

TEST_CASE("a fetch answering at its deadline reads nothing that was not appended to") {
  Fixture f;
  constexpr int16_t v = 11;
  f.append(3, 50);
  auto out = f.process(f.frame(f.fetch(1 << 20, 30000), v));
  REQUIRE(out.kind == Outcome::Kind::kWait);
  CHECK(out.pending->retry({}, false) == nullptr);
  CHECK(f.store->total_reads() == Fixture::kPartitions);
  auto frame = out.pending->retry({}, true);
  CHECK(f.store->total_reads() == Fixture::kPartitions);
  auto parts = by_partition(decode_fetch(frame, v));
  REQUIRE(parts.size() == Fixture::kPartitions);
  CHECK(parts[3].records->size() == 61 + 50);
  CHECK(parts[0].records->empty());
}

TEST_CASE("records kept between attempts count in queued.max.fetch.bytes until answered") {
  Fixture f;
  // Beyond the writer's zero-copy threshold, so that the response frame holds the records.
  const size_t bytes = f.append(0, 5000);
  auto out = f.process(f.frame(f.fetch(1 << 20, 30000), 12));
  REQUIRE(out.kind == Outcome::Kind::kWait);
  CHECK(out.pending->retry({}, false) == nullptr);
  CHECK(f.broker.fetch_memory.held() == static_cast<int64_t>(bytes));
  auto frame = out.pending->retry({}, true);
  out.pending.reset();
  CHECK(f.broker.fetch_memory.held() == static_cast<int64_t>(bytes));  // now the response's
  frame.reset();
  CHECK(f.broker.fetch_memory.held() == 0);
}

TEST_CASE("an incremental fetch woken by one partition reads and answers only that one") {
  Fixture f;
  constexpr int16_t v = 12;
  // A full fetch opens the session (epoch 0).
  auto open = f.fetch(0, 0);
  open.session_epoch = 0;
  auto first = f.process(f.frame(open, v));
  REQUIRE(first.kind == Outcome::Kind::kRespond);
  auto opened = decode_fetch(first.frame, v);
  REQUIRE(opened.session_id != 0);
  CHECK(by_partition(opened).size() == Fixture::kPartitions);

  m::FetchRequest next;
  next.session_id = opened.session_id;
  next.session_epoch = 1;
  next.min_bytes = 1;
  next.max_wait_ms = 30000;
  const int before = f.store->total_reads();
  auto out = f.process(f.frame(next, v));
  REQUIRE(out.kind == Outcome::Kind::kWait);
  CHECK(out.pending->wait_keys().size() == Fixture::kPartitions);
  auto waiter = f.broker.waits.subscribe(out.pending->wait_keys(), nullptr);
  CHECK(out.pending->retry({}, false) == nullptr);
  CHECK(f.store->total_reads() == before + Fixture::kPartitions);

  f.append(3, 10);
  auto frame = out.pending->retry(waiter->take_fired(), false);
  REQUIRE(frame);
  CHECK(f.store->total_reads() == before + Fixture::kPartitions + 1);
  auto resp = decode_fetch(frame, v);
  CHECK(resp.session_id == opened.session_id);
  auto parts = by_partition(resp);
  REQUIRE(parts.size() == 1);
  CHECK(parts.count(3) == 1);
  CHECK(parts[3].records->size() == 61 + 10);
}

TEST_CASE("a waiting fetch whose retry fails answers with an error, never silence") {
  Fixture f;
  SECTION("v12: the top-level error and every partition of the request") {
    auto out = f.process(f.frame(f.fetch(1 << 20, 30000), 12, 42));
    REQUIRE(out.kind == Outcome::Kind::kWait);
    CHECK(out.pending->retry({}, false) == nullptr);
    f.store->fail_reads = true;
    f.append(1, 10);
    auto frame = out.pending->retry({PartitionAppended{"t", 1}}, false);
    REQUIRE(frame);
    CHECK(out.pending->failed());
    auto bytes = wire::Writer(*frame).take_bytes();
    wire::Reader r(bytes.data() + 4, bytes.size() - 4);
    CHECK(protocol::decode_response_header(r, 1).correlation_id == 42);
    m::FetchResponse resp;
    resp.decode(r, 12);
    CHECK(resp.error_code == protocol::to_int16(ErrorCode::UNKNOWN_SERVER_ERROR));
    CHECK(resp.session_id == 0);
    auto parts = by_partition(resp);
    REQUIRE(parts.size() == Fixture::kPartitions);
    for (auto& [p, d] : parts) {
      CHECK(d.error_code == protocol::to_int16(ErrorCode::UNKNOWN_SERVER_ERROR));
      CHECK(d.high_watermark == -1);
    }
  }
  SECTION("v4, which has no top-level error: every partition carries it") {
    auto out = f.process(f.frame(f.fetch(1 << 20, 30000), 4));
    REQUIRE(out.kind == Outcome::Kind::kWait);
    f.store->fail_reads = true;
    auto frame = out.pending->retry({}, true);
    auto parts = by_partition(decode_fetch(frame, 4));
    REQUIRE(parts.size() == Fixture::kPartitions);
    for (auto& [p, d] : parts) CHECK(d.error_code == protocol::to_int16(ErrorCode::UNKNOWN_SERVER_ERROR));
  }
}

TEST_CASE("dispatch says where a request runs") {
  Fixture f;
  m::MetadataRequest metadata;
  m::ProduceRequest produce;
  const auto fetch_frame = f.frame(f.fetch(1, 100), 12);
  const auto produce_frame = f.frame(produce, 9);
  const auto metadata_frame = f.frame(metadata, 12);
  {
    RequestClassifier classify(f.broker);
    CHECK(classify.classify(fetch_frame) == RunOn::kNetworkThread);
    CHECK(classify.classify(produce_frame) == RunOn::kNetworkThread);
    CHECK(classify.classify(metadata_frame) == RunOn::kWorkers);
    CHECK(classify.classify(wire::SharedBytes::adopt({0, 1})) == RunOn::kWorkers);
  }
  f.broker.set_config(std::make_shared<chronik::config::BrokerConfig>(
      chronik::config::BrokerConfig::load(std::nullopt, {"log.flush.interval.messages=1"})));
  RequestClassifier classify(f.broker);
  CHECK(classify.classify(produce_frame) == RunOn::kWorkers);  // it may fsync
  CHECK(classify.classify(fetch_frame) == RunOn::kNetworkThread);
}
