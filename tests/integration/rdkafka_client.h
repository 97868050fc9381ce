// librdkafka (C API) for the integration tests: configurations, a producer that records its
// delivery reports, topic creation through the admin API, and a consumer that reads
// partitions from the beginning.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace chronik::testing {

inline rd_kafka_conf_t* make_conf(const std::string& bootstrap, const std::map<std::string, std::string>& extra = {}) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  auto set = [&](const std::string& k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
      FAIL("conf " << k << ": " << err);
  };
  set("bootstrap.servers", bootstrap);
  set("log_level", "3");
  for (const auto& [k, v] : extra) set(k, v);
  return conf;
}

struct Handle {
  rd_kafka_t* rk = nullptr;
  ~Handle() {
    if (rk) rd_kafka_destroy(rk);
  }
};

struct Delivered {
  std::mutex mu;
  std::map<std::pair<int32_t, int64_t>, std::string> by_offset;  // (partition, offset) -> value
  std::vector<rd_kafka_resp_err_t> errors;  // of the failed deliveries, in order
  std::atomic<int> ok{0}, failed{0};
};

inline void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* d = static_cast<Delivered*>(opaque);
  std::lock_guard lock(d->mu);
  if (m->err) {
    d->errors.push_back(m->err);
    d->failed++;
    return;
  }
  d->by_offset[{m->partition, m->offset}] =
      std::string(static_cast<const char*>(m->payload), m->len);
  d->ok++;
}

inline std::unique_ptr<Handle> make_producer(const std::string& bootstrap, Delivered* delivered,
                                      std::map<std::string, std::string> extra = {}) {
  rd_kafka_conf_t* conf = make_conf(bootstrap, extra);
  rd_kafka_conf_set_opaque(conf, delivered);
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  char err[512];
  auto h = std::make_unique<Handle>();
  h->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  REQUIRE(h->rk != nullptr);
  return h;
}

// Runs an admin operation's result event loop; returns the event (caller destroys).
inline rd_kafka_event_t* wait_event(rd_kafka_queue_t* q, int timeout_ms = 15000) {
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, timeout_ms);
  REQUIRE(ev != nullptr);
  return ev;
}

inline void create_topic(const std::string& bootstrap, const std::string& name, int partitions,
                  const std::map<std::string, std::string>& configs = {}) {
  Delivered unused;
  auto h = make_producer(bootstrap, &unused);
  rd_kafka_NewTopic_t* t = rd_kafka_NewTopic_new(name.c_str(), partitions, 1, nullptr, 0);
  for (const auto& [k, v] : configs) rd_kafka_NewTopic_set_config(t, k.c_str(), v.c_str());
  rd_kafka_queue_t* q = rd_kafka_queue_new(h->rk);
  rd_kafka_CreateTopics(h->rk, &t, 1, nullptr, q);
  rd_kafka_event_t* ev = wait_event(q);
  const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
  REQUIRE(res != nullptr);
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(res, &n);
  REQUIRE(n == 1);
  const char* error_string = rd_kafka_topic_result_error_string(results[0]);
  INFO((error_string ? error_string : ""));
  CHECK(rd_kafka_topic_result_error(results[0]) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(t);
}

struct Consumed {
  int32_t partition;
  int64_t offset;
  std::string key, value;
  std::map<std::string, std::string> headers;
};

// Reads every partition of `topic` from the beginning until `expected` messages arrived.
inline std::vector<Consumed> consume_all(const std::string& bootstrap, const std::string& topic,
                                  int partitions, size_t expected, int timeout_ms = 60000) {
  rd_kafka_conf_t* conf = make_conf(bootstrap, {{"group.id", "chronik-it"},
                                                {"enable.auto.commit", "false"},
                                                {"enable.partition.eof", "false"}});
  char err[512];
  Handle h;
  h.rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  REQUIRE(h.rk != nullptr);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p)
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  REQUIRE(rd_kafka_assign(h.rk, list) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(list);
  std::vector<Consumed> out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (out.size() < expected && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(h.rk, 200);
    if (!m) continue;
    if (m->err) {
      INFO("consumer error: " << rd_kafka_message_errstr(m));
      CHECK(m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF);
    } else {
      Consumed c{m->partition, m->offset,
                 m->key ? std::string(static_cast<const char*>(m->key), m->key_len) : "",
                 std::string(static_cast<const char*>(m->payload), m->len), {}};
      rd_kafka_headers_t* hdrs = nullptr;
      if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* val;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i)
          c.headers[name] = std::string(static_cast<const char*>(val), size);
      }
      out.push_back(std::move(c));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(h.rk);
  return out;
}

// Produces `count` keyed messages with a header, waits for every delivery report.
inline void produce(rd_kafka_t* rk, Delivered& delivered, const std::string& topic, int count,
             const std::string& prefix = "v") {
  for (int i = 0; i < count; ++i) {
    std::string key = "key-" + std::to_string(i % 97);
    std::string value = prefix + std::to_string(i);
    std::string header = "h" + std::to_string(i);
    rd_kafka_resp_err_t e;
    do {
      e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()),
                            RD_KAFKA_V_KEY(key.data(), key.size()),
                            RD_KAFKA_V_VALUE(value.data(), value.size()),
                            RD_KAFKA_V_HEADER("idx", header.data(), static_cast<ssize_t>(header.size())),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) rd_kafka_poll(rk, 10);
    } while (e == RD_KAFKA_RESP_ERR__QUEUE_FULL);
    REQUIRE(e == RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_poll(rk, 0);
  }
  REQUIRE(rd_kafka_flush(rk, 60000) == RD_KAFKA_RESP_ERR_NO_ERROR);
}

// Every delivered message was consumed once, at its offset, in per-partition order.
inline void check_round_trip(const Delivered& d, const std::vector<Consumed>& got) {
  REQUIRE(got.size() == d.by_offset.size());
  std::map<int32_t, int64_t> last;
  for (const auto& c : got) {
    auto it = d.by_offset.find({c.partition, c.offset});
    REQUIRE(it != d.by_offset.end());
    CHECK(it->second == c.value);
    auto l = last.find(c.partition);
    if (l != last.end()) CHECK(c.offset > l->second);
    last[c.partition] = c.offset;
  }
}

}  // namespace chronik::testing
