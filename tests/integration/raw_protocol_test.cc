// The broker at the frame level: long-poll timing, pipelining, error paths. Requests are
// built with the generated messages and sent over a plain socket.
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "generated/kafka/api_table.h"
#include "generated/kafka/api_versions_request.h"
#include "generated/kafka/api_versions_response.h"
#include "generated/kafka/create_topics_request.h"
#include "generated/kafka/create_topics_response.h"
#include "generated/kafka/fetch_request.h"
#include "generated/kafka/fetch_response.h"
#include "generated/kafka/metadata_request.h"
#include "generated/kafka/metadata_response.h"
#include "generated/kafka/sasl_authenticate_request.h"
#include "generated/kafka/sasl_authenticate_response.h"
#include "generated/kafka/sasl_handshake_request.h"
#include "generated/kafka/sasl_handshake_response.h"
#include "runtime/protocol/header.h"
#include "tests/integration/broker_process.h"
#include "tests/integration/kafka_frames.h"

using chronik::testing::BrokerProcess;
using chronik::testing::RawConnection;
using chronik::testing::api_versions_request;
using chronik::testing::parse_response;
using chronik::testing::request_bytes;
namespace m = chronik::message;
namespace wire = chronik::wire;
namespace protocol = chronik::protocol;
using Clock = std::chrono::steady_clock;

namespace {

BrokerProcess& shared_broker() {
  static std::unique_ptr<BrokerProcess> broker = [] {
    auto b = std::make_unique<BrokerProcess>();
    b->start();
    return b;
  }();
  return *broker;
}

void create_topic(uint16_t port, const std::string& name, int partitions) {
  RawConnection c(port);
  m::CreateTopicsRequest req;
  m::CreateTopicsRequest::CreatableTopic t;
  t.name = name;
  t.num_partitions = partitions;
  t.replication_factor = 1;
  req.topics.push_back(t);
  c.send_frame(request_bytes(req, 7, 1));
  auto resp = parse_response<m::CreateTopicsResponse>(c.read_frame(), 7);
  REQUIRE(resp.topics.size() == 1);
  REQUIRE(resp.topics[0].error_code == 0);
}

m::FetchRequest fetch_request(const std::string& topic, int32_t max_wait_ms) {
  m::FetchRequest req;
  req.max_wait_ms = max_wait_ms;
  req.min_bytes = 1;
  req.max_bytes = 1 << 20;
  m::FetchRequest::FetchTopic t;
  t.topic = topic;
  m::FetchRequest::FetchPartition p;
  p.partition = 0;
  p.fetch_offset = 0;
  p.partition_max_bytes = 1 << 20;
  t.partitions.push_back(p);
  req.topics.push_back(t);
  return req;
}

// A fetch waits on partition 0 of a new topic; kcat produces to it 200 ms later, on a
// connection of its own.
void check_long_poll_woken_by_append(BrokerProcess& broker, const std::string& topic) {
  create_topic(broker.port(), topic, 1);
  RawConnection c(broker.port());
  const auto start = Clock::now();
  c.send_frame(request_bytes(fetch_request(topic, 10000), 12, 7));
  std::thread producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::string cmd = "echo hello | kcat -b " + broker.bootstrap() + " -P -t " + topic + " -p 0 2>/dev/null";
    CHECK(std::system(cmd.c_str()) == 0);
  });
  const std::string frame = c.read_frame(15000);
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  producer.join();
  REQUIRE(!frame.empty());
  int32_t corr = 0;
  auto resp = parse_response<m::FetchResponse>(frame, 12, &corr);
  CHECK(corr == 7);
  REQUIRE(resp.responses.size() == 1);
  REQUIRE(resp.responses[0].partitions.size() == 1);
  CHECK(resp.responses[0].partitions[0].records->size() > 0);
  CHECK(resp.responses[0].partitions[0].high_watermark == 1);
  INFO("fetch returned after " << elapsed << " ms");
  CHECK(elapsed >= 150);
  CHECK(elapsed < 2000);  // kcat start-up included; far below max_wait_ms=10000
}

}  // namespace

TEST_CASE("fetch long poll is woken by an append, not by a timer", "[raw][longpoll]") {
  check_long_poll_woken_by_append(shared_broker(), "lp-woken");
}

// Produce and Fetch are handled on the network thread that reads them (unless a produce may
// fsync): with a single network thread, the waiting fetch and the producer's requests share
// it, and the fetch's wait must not hold that thread.
TEST_CASE("with one network thread, a waiting fetch does not hold up the produce that wakes it",
          "[raw][longpoll]") {
  BrokerProcess broker(std::map<std::string, std::string>{{"num.network.threads", "1"}});
  broker.start();
  check_long_poll_woken_by_append(broker, "lp-one-thread");
}

TEST_CASE("with an fsync per message, produce runs on the workers and still wakes the fetch",
          "[raw][longpoll]") {
  BrokerProcess broker(
      std::map<std::string, std::string>{{"num.network.threads", "1"}, {"log.flush.interval.messages", "1"}});
  broker.start();
  check_long_poll_woken_by_append(broker, "lp-fsync");
}

TEST_CASE("fetch long poll with nothing produced returns empty at max_wait_ms", "[raw][longpoll]") {
  auto& broker = shared_broker();
  create_topic(broker.port(), "lp-empty", 1);
  RawConnection c(broker.port());
  const auto start = Clock::now();
  c.send_frame(request_bytes(fetch_request("lp-empty", 10000), 12, 8));
  const std::string frame = c.read_frame(20000);
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  REQUIRE(!frame.empty());
  auto resp = parse_response<m::FetchResponse>(frame, 12);
  REQUIRE(resp.responses.size() == 1);
  CHECK(resp.responses[0].partitions[0].records->size() == 0);
  INFO("fetch returned after " << elapsed << " ms");
  CHECK(elapsed >= 9900);
  CHECK(elapsed < 11000);
}

TEST_CASE("pipelined requests are answered in request order", "[raw]") {
  auto& broker = shared_broker();
  RawConnection c(broker.port());
  std::string burst;
  for (int i = 0; i < 50; ++i) {
    if (i % 2 == 0) {
      c.send_frame(request_bytes(api_versions_request(), 3, 100 + i));
    } else {
      m::MetadataRequest req;
      req.topics = std::nullopt;
      c.send_frame(request_bytes(req, 12, 100 + i));
    }
  }
  for (int i = 0; i < 50; ++i) {
    const std::string frame = c.read_frame();
    REQUIRE(!frame.empty());
    int32_t corr = 0;
    if (i % 2 == 0) {
      auto r = parse_response<m::ApiVersionsResponse>(frame, 3, &corr);
      CHECK(r.error_code == 0);
    } else {
      auto r = parse_response<m::MetadataResponse>(frame, 12, &corr);
      CHECK(r.brokers.size() == 1);
    }
    CHECK(corr == 100 + i);
  }
}

TEST_CASE("ApiVersions at an unknown version: v0 answer with UNSUPPORTED_VERSION", "[raw]") {
  auto& broker = shared_broker();
  RawConnection c(broker.port());
  // An ApiVersions v99 header (header v2 layout) with an empty body.
  std::string req;
  auto put16 = [&](int16_t v) { req += static_cast<char>(v >> 8); req += static_cast<char>(v); };
  put16(18);
  put16(99);
  req += std::string("\x00\x00\x00\x2a", 4);  // correlation id 42
  put16(-1);                                 // null client id
  req += '\0';                               // no tagged fields
  c.send_frame(req);
  int32_t corr = 0;
  auto resp = parse_response<m::ApiVersionsResponse>(c.read_frame(), 0, &corr);
  CHECK(corr == 42);
  CHECK(resp.error_code == 35);
  bool has_produce = false, has_fetch = false;
  for (const auto& k : resp.api_keys) {
    has_produce |= k.api_key == 0;
    has_fetch |= k.api_key == 1;
  }
  CHECK(has_produce);
  CHECK(has_fetch);
}

TEST_CASE("unknown API key and oversized frames close only that connection", "[raw]") {
  auto& broker = shared_broker();
  RawConnection other(broker.port());
  {
    RawConnection c(broker.port());
    c.send_frame(std::string("\x03\xe7\x00\x00\x00\x00\x00\x01\xff\xff", 10));  // api key 999
    CHECK(c.closed_by_peer());
  }
  {
    RawConnection c(broker.port());
    c.send_frame(std::string());                      // 4 zero bytes: too small a frame
    CHECK(c.closed_by_peer());
  }
  other.send_frame(request_bytes(api_versions_request(), 3, 5));
  int32_t corr = 0;
  parse_response<m::ApiVersionsResponse>(other.read_frame(), 3, &corr);
  CHECK(corr == 5);
}

TEST_CASE("SASL requests on a PLAINTEXT listener: ILLEGAL_SASL_STATE, connection kept", "[raw]") {
  auto& broker = shared_broker();
  RawConnection c(broker.port());
  m::SaslHandshakeRequest handshake;
  handshake.mechanism = "PLAIN";
  for (int16_t v : {0, 1}) {
    c.send_frame(request_bytes(handshake, v, 11 + v));
    int32_t corr = 0;
    auto resp = parse_response<m::SaslHandshakeResponse>(c.read_frame(), v, &corr);
    CHECK(corr == 11 + v);
    CHECK(resp.error_code == 34);
  }
  m::SaslAuthenticateRequest auth;
  auth.auth_bytes = {0, 'u', 0, 'p'};
  for (int16_t v : {0, 1, 2}) {
    c.send_frame(request_bytes(auth, v, 20 + v));
    auto resp = parse_response<m::SaslAuthenticateResponse>(c.read_frame(), v);
    CHECK(resp.error_code == 34);
    // Kafka's words, the same on a PLAINTEXT listener as after authentication.
    CHECK(resp.error_message == "SaslAuthenticate request received after successful authentication");
  }
  // Still usable afterwards.
  c.send_frame(request_bytes(api_versions_request(), 3, 30));
  auto versions = parse_response<m::ApiVersionsResponse>(c.read_frame(), 3);
  bool advertises_handshake = false;
  for (const auto& k : versions.api_keys) advertises_handshake |= k.api_key == 17;
  CHECK(advertises_handshake);
}

TEST_CASE("SIGTERM stops the broker cleanly with exit code 0", "[raw]") {
  BrokerProcess b;
  b.start();
  RawConnection c(b.port());
  c.send_frame(request_bytes(api_versions_request(), 3, 1));
  CHECK(!c.read_frame().empty());
  CHECK(b.stop() == 0);
}

TEST_CASE("a second broker on the same data dir fails clearly", "[raw]") {
  auto& broker = shared_broker();
  std::string cmd = std::string(CHRONIK_BINARY) + " --override listeners=PLAINTEXT://127.0.0.1:" +
                    std::to_string(BrokerProcess::free_port()) + " --override log.dirs=" +
                    broker.data_dir() + " 2>&1 | grep -q 'already in use'";
  CHECK(std::system(cmd.c_str()) == 0);
}
