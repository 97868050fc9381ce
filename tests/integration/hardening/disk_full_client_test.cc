// A full disk as a librdkafka producer sees it: a producer without retries is told
// KAFKA_STORAGE_ERROR in its delivery report, an idempotent one keeps retrying (the error is
// retriable) and delivers every message exactly once when space returns; the refused
// message is nowhere in the log. The raw-frame checks of the same disk are in
// disk_full_test.cc.
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/integration/hardening/small_filesystem.h"
#include "tests/integration/hardening/target_broker.h"
#include "tests/integration/rdkafka_client.h"

using namespace chronik::testing;

namespace {

// Produces one message and waits for its delivery report: the error it carries.
rd_kafka_resp_err_t produce_one(rd_kafka_t* rk, Delivered& delivered, const std::string& topic,
                                const std::string& value) {
  const int failed_before = delivered.failed;
  REQUIRE(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                            RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR);
  REQUIRE(rd_kafka_flush(rk, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  if (delivered.failed == failed_before) return RD_KAFKA_RESP_ERR_NO_ERROR;
  std::lock_guard lock(delivered.mu);
  return delivered.errors.back();
}

}  // namespace

TEST_CASE("a full disk seen by librdkafka: KAFKA_STORAGE_ERROR, then every message once when space returns",
          "[disk-full]") {
  if (against_kafka()) {
    SUCCEED("a small file system of its own: chronik only");
    return;
  }
  SmallFilesystem small(48);
  if (!small.mounted()) {
    WARN("skipped: cannot mount a small tmpfs (" << small.why_not() << ")");
    return;
  }
  const std::string filler = small.dir() + "/filler";
  fill(filler, 16 << 20);
  BrokerProcess broker({{"log.dirs", small.dir() + "/data"}});
  broker.start();
  const std::string topic = "rdkafka-disk-full";
  create_topic(broker.bootstrap(), topic, 1);
  fill(filler);  // what is left is the room the broker had set aside for its log

  // Without retries, the first message that finds no room comes back with the broker's error.
  Delivered plain;
  auto once = make_producer(broker.bootstrap(), &plain,
                            {{"acks", "all"}, {"enable.idempotence", "false"}, {"retries", "0"},
                             {"linger.ms", "0"}, {"message.timeout.ms", "30000"}});
  std::string refused;
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
  for (int i = 0; i < 2000 && error == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
    std::string value = "plain-" + std::to_string(i) + "-";
    value.resize(64 << 10, 'p');
    error = produce_one(once->rk, plain, topic, value);
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) refused = value;
  }
  INFO("librdkafka said: " << rd_kafka_err2str(error));
  REQUIRE(error == RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR);

  // An idempotent producer retries the storage error until there is room again.
  Delivered idempotent;
  auto retrying = make_producer(broker.bootstrap(), &idempotent,
                                {{"acks", "all"}, {"enable.idempotence", "true"}, {"linger.ms", "5"},
                                 {"retry.backoff.ms", "100"}, {"message.timeout.ms", "120000"}});
  constexpr int kRetried = 10;
  for (int i = 0; i < kRetried; ++i) {
    std::string value = "idempotent-" + std::to_string(i) + "-";
    value.resize(16 << 10, 'i');
    REQUIRE(rd_kafka_producev(retrying->rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                              RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < until) rd_kafka_poll(retrying->rk, 100);
  REQUIRE(idempotent.ok == 0);
  REQUIRE(idempotent.failed == 0);

  std::filesystem::remove(filler);
  REQUIRE(rd_kafka_flush(retrying->rk, 60000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  REQUIRE(idempotent.ok == kRetried);
  REQUIRE(idempotent.failed == 0);

  // The log holds every acknowledged message once, at its offset, and not the refused one.
  Delivered all;
  for (const auto* d : {&plain, &idempotent}) all.by_offset.insert(d->by_offset.begin(), d->by_offset.end());
  const auto consumed = consume_all(broker.bootstrap(), topic, 1, all.by_offset.size());
  REQUIRE(consumed.size() == all.by_offset.size());
  std::set<int64_t> offsets;
  for (const auto& c : consumed) {
    INFO("offset " << c.offset);
    auto it = all.by_offset.find({c.partition, c.offset});
    REQUIRE(it != all.by_offset.end());
    REQUIRE(it->second == c.value);
    REQUIRE(c.value != refused);
    REQUIRE(offsets.insert(c.offset).second);
  }
  REQUIRE(broker.stop() == 0);
}
