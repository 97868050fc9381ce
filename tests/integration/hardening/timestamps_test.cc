// Finding 1: batches whose header carries no max timestamp. Sarama 1.22 producers never set
// it, and magic 0 message sets carry no timestamps at all; retention deleted their topics at
// its first check. Kafka stores the records' true max timestamp in the header, ages batches
// without timestamps from when they were written, and finds them by timestamp.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "runtime/record/batch.h"
#include "runtime/record/batch_header.h"
#include "tests/integration/hardening/requests.h"

using namespace chronik::testing;
namespace record = chronik::record;

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string run(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  REQUIRE(pipe);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe.get())) > 0) out.append(buf, n);
  return out;
}

// The Sarama 1.22 tool (sarama122/), built once per run with the Go toolchain.
const std::string& sarama122() {
  static const std::string binary = [] {
    const std::string out = std::string(CHRONIK_TEST_BINARY_DIR) + "/sarama122";
    const std::string cmd = "cd " CHRONIK_SOURCE_DIR "/tests/integration/hardening/sarama122 && "
                            "GOFLAGS=-mod=mod GOTOOLCHAIN=local go build -o " + out + " . >&2";
    REQUIRE(std::system(cmd.c_str()) == 0);
    return out;
  }();
  return binary;
}

void sarama_produce(const std::string& topic, const std::string& version, int n) {
  const std::string out = run(sarama122() + " -bootstrap " + target_bootstrap() + " -topic " + topic +
                              " -version " + version + " -n " + std::to_string(n) + " produce");
  INFO(out);
  REQUIRE(std::count(out.begin(), out.end(), '\n') == n);
}

// The first batch of partition 0 as stored.
record::BatchHeader first_batch(const std::string& topic) {
  auto p = fetch(topic, 0);
  REQUIRE(p.error_code == 0);
  REQUIRE(p.records);
  REQUIRE(p.records->size() >= 61);
  return record::read_batch_header(std::span<const uint8_t>(p.records->data(), p.records->size()));
}

}  // namespace

TEST_CASE("Sarama 1.22 batches get their records' max timestamp and are found by timestamp",
          "[kafka][timestamps]") {
  const std::string topic = unique_name("sarama122-v2");
  create_topic(topic);
  const int64_t before = now_ms();
  sarama_produce(topic, "1.0.0", 5);
  const int64_t after = now_ms();

  const auto header = first_batch(topic);
  CHECK(header.max_timestamp >= before - 1000);
  CHECK(header.max_timestamp <= after + 1000);
  CHECK(header.max_timestamp >= header.base_timestamp);

  // By timestamp: the first record at or after `before` is the first one produced.
  auto found = list_offset(topic, before - 1000);
  CHECK(found.error_code == 0);
  CHECK(found.offset == 0);
  const std::string sarama_offset = run(sarama122() + " -bootstrap " + target_bootstrap() + " -topic " + topic +
                                        " -version 1.0.0 -timestamp " + std::to_string(before - 1000) + " offset");
  CHECK(sarama_offset == "0\n");
  CHECK(list_offset(topic, after + 60000).offset == -1);
}

TEST_CASE("magic 0 message sets from Sarama 1.22 survive retention checks and are not found by timestamp",
          "[kafka][timestamps][retention]") {
  const std::string topic = unique_name("sarama122-v0");
  create_topic(topic);
  sarama_produce(topic, "0.8.2.0", 5);

  const auto header = first_batch(topic);
  CHECK(header.max_timestamp == -1);
  // Several retention checks (log.retention.check.interval.ms=1000 on both brokers).
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  CHECK(list_offset(topic, -2).offset == 0);
  CHECK(list_offset(topic, -1).offset == 5);
  // No record has a timestamp to find.
  auto found = list_offset(topic, 0);
  CHECK(found.error_code == 0);
  CHECK(found.offset == -1);
}

TEST_CASE("batches without timestamps still age from when they were written", "[kafka][timestamps][retention]") {
  const std::string topic = unique_name("sarama122-v0-expiring");
  create_topic(topic, 1, {{"retention.ms", "2000"}});
  sarama_produce(topic, "0.8.2.0", 3);
  CHECK(list_offset(topic, -2).offset == 0);
  // Expired 2 s after the append, deleted at one of the next checks.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int64_t start = 0;
  while (std::chrono::steady_clock::now() < deadline && (start = list_offset(topic, -2).offset) != 3)
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  CHECK(start == 3);
}

TEST_CASE("ListOffsets for the max timestamp (-3) answers the first record carrying it", "[kafka][timestamps]") {
  const std::string topic = unique_name("max-timestamp");
  create_topic(topic);
  // Two batches; the second holds the largest timestamp twice, at its offsets 2 and 4.
  const int64_t base = wall_clock_ms();
  auto batch = [base](std::vector<int64_t> deltas) {
    std::vector<record::Record> records;
    for (size_t i = 0; i < deltas.size(); ++i) {
      record::Record r;
      r.offset_delta = static_cast<int32_t>(i);
      r.timestamp_delta = deltas[i];
      r.value = record::Bytes{'v'};
      records.push_back(r);
    }
    record::BatchOptions o;
    o.base_timestamp = base;
    return record::build_batch(o, records);
  };
  REQUIRE(produce(topic, batch({0, 50})).error_code == 0);
  REQUIRE(produce(topic, batch({10, 300, 200, 300, 100})).error_code == 0);
  auto max = list_offset(topic, -3);
  CHECK(max.error_code == 0);
  CHECK(max.timestamp == base + 300);
  CHECK(max.offset == 3);
}
