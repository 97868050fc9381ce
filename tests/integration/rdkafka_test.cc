// The real chronik binary against librdkafka (C API) and kcat.
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/integration/broker_process.h"
#include "tests/integration/rdkafka_client.h"

using namespace chronik::testing;
using Clock = std::chrono::steady_clock;

namespace {

// One broker for the whole suite (started on first use).
BrokerProcess& shared_broker() {
  static std::unique_ptr<BrokerProcess> broker = [] {
    auto b = std::make_unique<BrokerProcess>();
    b->start();
    return b;
  }();
  return *broker;
}

}  // namespace

TEST_CASE("librdkafka: 10,000 keyed messages with headers, idempotent acks=all, back in order",
          "[rdkafka]") {
  auto& broker = shared_broker();
  create_topic(broker.bootstrap(), "it-keyed", 3);
  Delivered d;
  {
    auto p = make_producer(broker.bootstrap(), &d,
                           {{"enable.idempotence", "true"}, {"acks", "all"}, {"linger.ms", "5"}});
    produce(p->rk, d, "it-keyed", 10000);
  }
  CHECK(d.failed == 0);
  REQUIRE(d.ok == 10000);
  std::set<int32_t> partitions;
  for (const auto& [k, v] : d.by_offset) partitions.insert(k.first);
  CHECK(partitions.size() == 3);

  auto got = consume_all(broker.bootstrap(), "it-keyed", 3, 10000);
  check_round_trip(d, got);
  for (const auto& c : got) {
    const int i = std::stoi(c.value.substr(1));
    CHECK(c.key == "key-" + std::to_string(i % 97));
    CHECK(c.headers.at("idx") == "h" + std::to_string(i));
  }

  SECTION("list offsets: watermarks and by timestamp") {
    Delivered unused;
    auto h = make_producer(broker.bootstrap(), &unused);
    int64_t total = 0;
    for (int p = 0; p < 3; ++p) {
      int64_t low = -1, high = -1;
      REQUIRE(rd_kafka_query_watermark_offsets(h->rk, "it-keyed", p, &low, &high, 10000) ==
              RD_KAFKA_RESP_ERR_NO_ERROR);
      CHECK(low == 0);
      total += high;
    }
    CHECK(total == 10000);
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(3);
    for (int p = 0; p < 3; ++p) rd_kafka_topic_partition_list_add(list, "it-keyed", p)->offset = 0;
    REQUIRE(rd_kafka_offsets_for_times(h->rk, list, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR);
    for (int i = 0; i < list->cnt; ++i) CHECK(list->elems[i].offset == 0);
    rd_kafka_topic_partition_list_destroy(list);
  }
}

TEST_CASE("librdkafka: every compression codec", "[rdkafka]") {
  auto& broker = shared_broker();
  for (std::string codec : {"gzip", "snappy", "lz4", "zstd"}) {
    DYNAMIC_SECTION(codec) {
      const std::string topic = "it-codec-" + codec;
      create_topic(broker.bootstrap(), topic, 3);
      Delivered d;
      {
        auto p = make_producer(broker.bootstrap(), &d,
                               {{"compression.codec", codec}, {"linger.ms", "20"}});
        produce(p->rk, d, topic, 2000, codec + "-");
      }
      REQUIRE(d.ok == 2000);
      check_round_trip(d, consume_all(broker.bootstrap(), topic, 3, 2000));
    }
  }
}

TEST_CASE("librdkafka: delete topic", "[rdkafka]") {
  auto& broker = shared_broker();
  create_topic(broker.bootstrap(), "it-doomed", 2);
  Delivered unused;
  auto h = make_producer(broker.bootstrap(), &unused);
  rd_kafka_DeleteTopic_t* t = rd_kafka_DeleteTopic_new("it-doomed");
  rd_kafka_queue_t* q = rd_kafka_queue_new(h->rk);
  rd_kafka_DeleteTopics(h->rk, &t, 1, nullptr, q);
  rd_kafka_event_t* ev = wait_event(q);
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
  REQUIRE(n == 1);
  CHECK(rd_kafka_topic_result_error(results[0]) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_event_destroy(ev);

  // Deleting it again: unknown topic.
  rd_kafka_DeleteTopics(h->rk, &t, 1, nullptr, q);
  ev = wait_event(q);
  results = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
  REQUIRE(n == 1);
  CHECK(rd_kafka_topic_result_error(results[0]) == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
  rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_DeleteTopic_destroy(t);
}

TEST_CASE("librdkafka: describe configs of a topic", "[rdkafka]") {
  auto& broker = shared_broker();
  create_topic(broker.bootstrap(), "it-configs", 1, {{"retention.ms", "123456"}});
  Delivered unused;
  auto h = make_producer(broker.bootstrap(), &unused);
  rd_kafka_ConfigResource_t* r = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, "it-configs");
  rd_kafka_queue_t* q = rd_kafka_queue_new(h->rk);
  rd_kafka_DescribeConfigs(h->rk, &r, 1, nullptr, q);
  rd_kafka_event_t* ev = wait_event(q);
  const rd_kafka_DescribeConfigs_result_t* res = rd_kafka_event_DescribeConfigs_result(ev);
  REQUIRE(res != nullptr);
  size_t n = 0;
  const rd_kafka_ConfigResource_t** resources = rd_kafka_DescribeConfigs_result_resources(res, &n);
  REQUIRE(n == 1);
  CHECK(rd_kafka_ConfigResource_error(resources[0]) == RD_KAFKA_RESP_ERR_NO_ERROR);
  size_t count = 0;
  const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(resources[0], &count);
  std::map<std::string, std::pair<std::string, int>> seen;
  for (size_t i = 0; i < count; ++i) {
    const char* v = rd_kafka_ConfigEntry_value(entries[i]);
    seen[rd_kafka_ConfigEntry_name(entries[i])] = {v ? v : "", rd_kafka_ConfigEntry_source(entries[i])};
  }
  CHECK(seen.size() > 10);
  CHECK(seen["retention.ms"].first == "123456");
  CHECK(seen["retention.ms"].second == RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);
  CHECK(seen["cleanup.policy"].first == "delete");
  CHECK(seen["cleanup.policy"].second == RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG);
  rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_ConfigResource_destroy(r);
}

TEST_CASE("kcat: produce and consume keyed messages, list metadata", "[kcat]") {
  auto& broker = shared_broker();
  const std::string b = broker.bootstrap();
  std::string cmd = "seq 1 500 | sed 's/.*/k&:v&/' | kcat -b " + b +
                    " -P -t it-kcat -K: -H origin=kcat -z lz4 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::string out;
  {
    FILE* f = ::popen(("kcat -b " + b + " -C -t it-kcat -e -q -f '%k=%s;%h\\n' 2>&1").c_str(), "r");
    REQUIRE(f != nullptr);
    char buf[4096];
    while (size_t n = std::fread(buf, 1, sizeof buf, f)) out.append(buf, n);
    CHECK(::pclose(f) == 0);
  }
  size_t lines = 0;
  for (char c : out) lines += c == '\n';
  CHECK(lines == 500);
  CHECK(out.find("k1=v1;origin=kcat\n") != std::string::npos);
  CHECK(out.find("k500=v500;origin=kcat\n") != std::string::npos);

  FILE* f = ::popen(("kcat -b " + b + " -L -t it-kcat 2>&1").c_str(), "r");
  std::string meta;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, f)) meta.append(buf, n);
  ::pclose(f);
  CHECK(meta.find("topic \"it-kcat\" with 1 partitions") != std::string::npos);
}

TEST_CASE("kill -9 during acks=all produce: every acknowledged message survives", "[rdkafka][crash]") {
  BrokerProcess broker(std::map<std::string, std::string>{{"log.flush.interval.messages", "1"}});
  broker.start();
  create_topic(broker.bootstrap(), "it-crash", 3);
  Delivered d;
  std::atomic<bool> stop{false};
  std::vector<std::thread> producers;
  std::vector<std::unique_ptr<Delivered>> per(4);
  for (int t = 0; t < 4; ++t) {
    per[t] = std::make_unique<Delivered>();
    producers.emplace_back([&, t] {
      auto p = make_producer(broker.bootstrap(), per[t].get(),
                             {{"acks", "all"}, {"enable.idempotence", "true"}, {"linger.ms", "2"},
                              {"message.timeout.ms", "5000"}});
      for (int i = 0; !stop; ++i) {
        std::string v = "p" + std::to_string(t) + "-" + std::to_string(i);
        rd_kafka_producev(p->rk, RD_KAFKA_V_TOPIC("it-crash"),
                          RD_KAFKA_V_VALUE(v.data(), v.size()),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        rd_kafka_poll(p->rk, i % 50 == 0 ? 1 : 0);
      }
      rd_kafka_flush(p->rk, 6000);
    });
  }
  // Let some acknowledgements accumulate, then crash the broker mid-stream.
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline) {
    int acked = 0;
    for (auto& x : per) acked += x->ok;
    if (acked > 3000) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  broker.kill9();
  stop = true;
  for (auto& t : producers) t.join();
  for (auto& x : per)
    for (auto& [k, v] : x->by_offset) d.by_offset[k] = v;
  REQUIRE(d.by_offset.size() > 3000);

  broker.restart();
  Delivered unused;
  auto h = make_producer(broker.bootstrap(), &unused);
  int64_t total = 0;
  for (int p = 0; p < 3; ++p) {
    int64_t low = -1, high = -1;
    REQUIRE(rd_kafka_query_watermark_offsets(h->rk, "it-crash", p, &low, &high, 10000) ==
            RD_KAFKA_RESP_ERR_NO_ERROR);
    total += high;
  }
  CHECK(total >= static_cast<int64_t>(d.by_offset.size()));
  auto got = consume_all(broker.bootstrap(), "it-crash", 3, static_cast<size_t>(total));
  CHECK(got.size() == static_cast<size_t>(total));
  std::map<std::pair<int32_t, int64_t>, std::string> stored;
  for (const auto& c : got) stored[{c.partition, c.offset}] = c.value;
  size_t missing = 0;
  for (const auto& [k, v] : d.by_offset) {
    auto it = stored.find(k);
    if (it == stored.end() || it->second != v) ++missing;
  }
  CHECK(missing == 0);
  // Once each: no value appears twice.
  std::set<std::string> values;
  for (const auto& c : got) CHECK(values.insert(c.value).second);
  CHECK(broker.stop() == 0);
}
