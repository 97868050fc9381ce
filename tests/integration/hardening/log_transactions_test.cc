// Transactions as a partition sees them (KIP-98), in raw frames: transactional batches hold the
// last stable offset, WriteTxnMarkers ends them with a marker, read_committed fetches stop at
// the LSO and name the aborted transactions, ListOffsets answers by isolation level, and
// DescribeProducers shows each producer's state. The producers are idempotent ones
// (InitProducerId without a transactional id) whose Produce requests name a transactional id,
// as Kafka requires of transactional records; broker.properties turns off Kafka's partition
// verification (KIP-890), which would ask its coordinator about a transaction it never began.
// Tagged [kafka]: against-kafka build "[txn-log]" runs them against Apache Kafka. (The file's
// name puts these checks before topic_limits_test.cc's in a full run: Kafka then spends longer
// creating thousands of partitions than create_topic waits for a new topic.)
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "generated/kafka/describe_producers_request.h"
#include "generated/kafka/describe_producers_response.h"
#include "generated/kafka/init_producer_id_request.h"
#include "generated/kafka/init_producer_id_response.h"
#include "generated/kafka/write_txn_markers_request.h"
#include "generated/kafka/write_txn_markers_response.h"
#include "runtime/record/batch.h"
#include "runtime/record/control.h"
#include "tests/integration/hardening/requests.h"

using namespace chronik::testing;
namespace m = chronik::message;
namespace record = chronik::record;

namespace {

constexpr int16_t kInvalidProducerEpoch = 47;
constexpr int16_t kCoordinatorFenced = 52;
constexpr int16_t kTransactionalIdAuthorizationFailed = 53;
constexpr int16_t kUnknownTopicOrPartition = 3;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Producer {
  int64_t id = -1;
  int16_t epoch = -1;
};

Producer init_producer(uint16_t port) {
  m::InitProducerIdRequest req;
  req.transactional_id = std::nullopt;
  req.transaction_timeout_ms = -1;
  // Kafka answers COORDINATOR_LOAD_IN_PROGRESS until its producer id manager has a block.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    auto resp = call<m::InitProducerIdResponse>(port, req, 4);
    if (resp.error_code == 0) return {resp.producer_id, resp.producer_epoch};
    INFO("InitProducerId error " << resp.error_code);
    REQUIRE((resp.error_code == 14 || resp.error_code == 15));
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// Values `prefix` + the record's index.
std::vector<uint8_t> batch(const Producer& p, int32_t sequence, int32_t records, bool transactional,
                           char prefix = 'v') {
  std::vector<record::Record> rs(static_cast<size_t>(records));
  for (int32_t i = 0; i < records; ++i) {
    rs[i].offset_delta = i;
    rs[i].value = record::Bytes{static_cast<uint8_t>(prefix), static_cast<uint8_t>('0' + i)};
  }
  record::BatchOptions o;
  o.transactional = transactional;
  o.producer_id = p.id;
  o.producer_epoch = p.epoch;
  o.base_sequence = sequence;
  o.base_timestamp = now_ms();
  return record::build_batch(o, rs);
}

// Produce v9 to partition 0, the request naming `transactional_id`: the partition's answer.
m::ProduceResponse::PartitionProduceResponse produce_to(uint16_t port, const std::string& topic,
                                                        std::vector<uint8_t> records,
                                                        std::optional<std::string> transactional_id) {
  auto req = produce_request(topic, std::move(records));
  req.transactional_id = std::move(transactional_id);
  auto resp = call<m::ProduceResponse>(port, req, 9);
  REQUIRE(resp.responses.size() == 1);
  REQUIRE(resp.responses[0].partition_responses.size() == 1);
  return resp.responses[0].partition_responses[0];
}

int64_t produce_txn(uint16_t port, const std::string& topic, const Producer& p, int32_t sequence, int32_t records = 1,
                    char prefix = 'v') {
  auto r = produce_to(port, topic, batch(p, sequence, records, true, prefix), "txn-log-check");
  INFO("produce error " << r.error_code);
  REQUIRE(r.error_code == 0);
  return r.base_offset;
}

m::WriteTxnMarkersRequest markers_request(const std::string& topic, const Producer& p, bool commit,
                                          int32_t coordinator_epoch) {
  m::WriteTxnMarkersRequest req;
  auto& marker = req.markers.emplace_back();
  marker.producer_id = p.id;
  marker.producer_epoch = p.epoch;
  marker.transaction_result = commit;
  marker.coordinator_epoch = coordinator_epoch;
  auto& t = marker.topics.emplace_back();
  t.name = topic;
  t.partition_indexes = {0};
  return req;
}

// WriteTxnMarkers v1 of one marker on partition 0: the partition's error.
int16_t write_marker(uint16_t port, const std::string& topic, const Producer& p, bool commit,
                     int32_t coordinator_epoch = 0) {
  auto resp = call<m::WriteTxnMarkersResponse>(port, markers_request(topic, p, commit, coordinator_epoch), 1);
  REQUIRE(resp.markers.size() == 1);
  CHECK(resp.markers[0].producer_id == p.id);
  REQUIRE(resp.markers[0].topics.size() == 1);
  CHECK(resp.markers[0].topics[0].name == topic);
  REQUIRE(resp.markers[0].topics[0].partitions.size() == 1);
  CHECK(resp.markers[0].topics[0].partitions[0].partition_index == 0);
  return resp.markers[0].topics[0].partitions[0].error_code;
}

m::FetchRequest fetch_request(const std::string& topic, int64_t offset, int8_t isolation, int32_t max_wait_ms = 0,
                              int32_t min_bytes = 0) {
  m::FetchRequest req;
  req.replica_id = -1;
  req.max_wait_ms = max_wait_ms;
  req.min_bytes = min_bytes;
  req.max_bytes = 1 << 20;
  req.isolation_level = isolation;
  auto& t = req.topics.emplace_back();
  t.topic = topic;
  auto& p = t.partitions.emplace_back();
  p.partition = 0;
  p.fetch_offset = offset;
  p.partition_max_bytes = 1 << 20;
  return req;
}

m::FetchResponse::PartitionData only_partition(const m::FetchResponse& resp) {
  REQUIRE(resp.error_code == 0);
  REQUIRE(resp.responses.size() == 1);
  REQUIRE(resp.responses[0].partitions.size() == 1);
  return resp.responses[0].partitions[0];
}

m::FetchResponse::PartitionData fetch_isolated(uint16_t port, const std::string& topic, int64_t offset,
                                               int8_t isolation, int16_t version = 12) {
  return only_partition(call<m::FetchResponse>(port, fetch_request(topic, offset, isolation), version));
}

// ListOffsets v7 of partition 0 at `timestamp`, with `isolation`: the offset.
int64_t list_offset_isolated(uint16_t port, const std::string& topic, int64_t timestamp, int8_t isolation) {
  m::ListOffsetsRequest req;
  req.replica_id = -1;
  req.isolation_level = isolation;
  auto& t = req.topics.emplace_back();
  t.name = topic;
  auto& p = t.partitions.emplace_back();
  p.partition_index = 0;
  p.timestamp = timestamp;
  auto resp = call<m::ListOffsetsResponse>(port, req, 7);
  REQUIRE(resp.topics.size() == 1);
  REQUIRE(resp.topics[0].partitions.size() == 1);
  REQUIRE(resp.topics[0].partitions[0].error_code == 0);
  return resp.topics[0].partitions[0].offset;
}

int64_t lso(uint16_t port, const std::string& topic) { return list_offset_isolated(port, topic, -1, 1); }
int64_t high_watermark(uint16_t port, const std::string& topic) { return list_offset_isolated(port, topic, -1, 0); }

m::DescribeProducersResponse::PartitionResponse describe(uint16_t port, const std::string& topic) {
  m::DescribeProducersRequest req;
  auto& t = req.topics.emplace_back();
  t.name = topic;
  t.partition_indexes = {0};
  auto resp = call<m::DescribeProducersResponse>(port, req, 0);
  REQUIRE(resp.topics.size() == 1);
  CHECK(resp.topics[0].name == topic);
  REQUIRE(resp.topics[0].partitions.size() == 1);
  return resp.topics[0].partitions[0];
}

const m::DescribeProducersResponse::ProducerState& producer_in(
    const m::DescribeProducersResponse::PartitionResponse& p, int64_t id) {
  for (const auto& s : p.active_producers)
    if (s.producer_id == id) return s;
  FAIL("producer " << id << " not described");
  return p.active_producers.front();
}

// The batches of a fetch response, decoded.
std::vector<record::Batch> batches_of(const m::FetchResponse::PartitionData& p) {
  std::vector<record::Batch> out;
  if (!p.records) return out;
  std::span<const uint8_t> rest(p.records->data(), p.records->size());
  while (rest.size() >= record::kBatchHeaderSize) {
    const auto header = record::read_batch_header(rest);
    const size_t size = header.size_in_bytes();
    REQUIRE(size <= rest.size());
    out.push_back(record::decode_batch(rest.first(size)));
    rest = rest.subspan(size);
  }
  return out;
}

std::vector<int64_t> bases(const std::vector<record::Batch>& batches) {
  std::vector<int64_t> out;
  for (const auto& b : batches) out.push_back(b.header.base_offset);
  return out;
}

std::vector<std::pair<int64_t, int64_t>> aborted(const m::FetchResponse::PartitionData& p) {
  REQUIRE(p.aborted_transactions.has_value());
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const auto& a : *p.aborted_transactions) out.emplace_back(a.producer_id, a.first_offset);
  return out;
}

// What a real client reads of partition 0 from offset 0 up to `end` at `isolation`
// ("read_committed" or "read_uncommitted"): the values, comma-separated, from confluent-kafka
// (librdkafka) and from kafka-python, one line each.
std::string consumed(const std::string& topic, int64_t end, const std::string& isolation) {
  const std::string script =
      "import sys, time, confluent_kafka, kafka\n"
      "b, t, end, iso = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]\n"
      "c = confluent_kafka.Consumer({'bootstrap.servers': b, 'group.id': 'txn-log-check', 'isolation.level': iso,\n"
      "                              'enable.auto.commit': False})\n"
      "c.assign([confluent_kafka.TopicPartition(t, 0, 0)])\n"
      "got, deadline = [], time.time() + 30\n"
      "while time.time() < deadline and c.position([confluent_kafka.TopicPartition(t, 0)])[0].offset < end:\n"
      "    m = c.poll(0.2)\n"
      "    if m is not None and m.error() is None: got.append(m.value().decode())\n"
      "c.close()\n"
      "print(','.join(got))\n"
      "tp = kafka.TopicPartition(t, 0)\n"
      "k = kafka.KafkaConsumer(bootstrap_servers=b, isolation_level=iso, enable_auto_commit=False)\n"
      "k.assign([tp])\n"
      "k.seek(tp, 0)\n"
      "got, deadline = [], time.time() + 30\n"
      "while time.time() < deadline and k.position(tp) < end:\n"
      "    for rs in k.poll(200).values(): got += [r.value.decode() for r in rs]\n"
      "k.close()\n"
      "print(','.join(got))\n";
  const std::string cmd = "python3 -c \"$(cat <<'PY'\n" + script + "PY\n)\" " + target_bootstrap() + " " + topic + " " +
                          std::to_string(end) + " " + isolation + " 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(cmd.c_str(), "r"), ::pclose);
  REQUIRE(pipe);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe.get())) > 0) out.append(buf, n);
  return out;
}

using Offsets = std::vector<int64_t>;
using Aborted = std::vector<std::pair<int64_t, int64_t>>;

}  // namespace

TEST_CASE("a committed transaction: the LSO, read_committed fetches, the marker's bytes, DescribeProducers",
          "[kafka][txn-log]") {
  const uint16_t port = target_port();
  const std::string topic = unique_name("txn-log-commit");
  create_topic(topic);
  const Producer p = init_producer(port);

  // Transactional records need a transactional id in the Produce request (Kafka refuses them
  // without one, whatever the producer).
  CHECK(produce_to(port, topic, batch(p, 0, 2, true), std::nullopt).error_code ==
        kTransactionalIdAuthorizationFailed);
  CHECK(produce_txn(port, topic, p, 0, 2) == 0);  // offsets 0-1
  CHECK(high_watermark(port, topic) == 2);
  CHECK(lso(port, topic) == 0);

  auto committed = fetch_isolated(port, topic, 0, 1);
  CHECK(committed.error_code == 0);
  CHECK(committed.high_watermark == 2);
  CHECK(committed.last_stable_offset == 0);
  CHECK((!committed.records || committed.records->empty()));
  CHECK(aborted(committed).empty());  // an empty list, not null
  auto uncommitted = fetch_isolated(port, topic, 0, 0);
  CHECK(uncommitted.last_stable_offset == 0);
  CHECK(bases(batches_of(uncommitted)) == Offsets{0});
  CHECK_FALSE(uncommitted.aborted_transactions.has_value());  // null for read_uncommitted
  // The same at a version before flexible encoding.
  CHECK_FALSE(fetch_isolated(port, topic, 0, 0, 11).aborted_transactions.has_value());
  CHECK(aborted(fetch_isolated(port, topic, 0, 1, 11)).empty());

  auto described = describe(port, topic);
  CHECK(described.error_code == 0);
  {
    const auto& s = producer_in(described, p.id);
    CHECK(s.producer_epoch == p.epoch);
    CHECK(s.last_sequence == 1);
    CHECK(s.coordinator_epoch == -1);
    CHECK(s.current_txn_start_offset == 0);
    CHECK(s.last_timestamp == batches_of(uncommitted).at(0).header.max_timestamp);
  }

  const int64_t before = now_ms();
  REQUIRE(write_marker(port, topic, p, true, 3) == 0);
  const int64_t after = now_ms();
  CHECK(high_watermark(port, topic) == 3);
  CHECK(lso(port, topic) == 3);
  committed = fetch_isolated(port, topic, 0, 1);
  CHECK(committed.last_stable_offset == 3);
  CHECK(aborted(committed).empty());
  const auto read = batches_of(committed);
  REQUIRE(bases(read) == Offsets{0, 2});

  // The marker, field by field, as Kafka's MemoryRecords.withEndTransactionMarker writes it.
  const auto& marker = read[1].header;
  CHECK(marker.batch_length == 66);
  CHECK(marker.partition_leader_epoch == 0);
  CHECK(marker.magic == 2);
  CHECK(marker.attributes.raw == 0x30);  // transactional | control, no compression, CreateTime
  CHECK(marker.last_offset_delta == 0);
  CHECK(marker.base_timestamp == marker.max_timestamp);
  CHECK(marker.base_timestamp >= before - 1000);
  CHECK(marker.base_timestamp <= after + 1000);
  CHECK(marker.producer_id == p.id);
  CHECK(marker.producer_epoch == p.epoch);
  CHECK(marker.base_sequence == -1);
  CHECK(marker.records_count == 1);
  REQUIRE(read[1].records.size() == 1);
  const auto& control = read[1].records[0];
  CHECK(control.attributes == 0);
  CHECK(control.timestamp_delta == 0);
  CHECK(control.offset_delta == 0);
  CHECK(*control.key == record::Bytes{0, 0, 0, 1});           // version 0, COMMIT
  CHECK(*control.value == record::Bytes{0, 0, 0, 0, 0, 3});   // version 0, coordinator epoch 3
  CHECK(control.headers.empty());
  // And byte for byte (the CRC included) what the runtime builds from those fields.
  record::ControlBatchOptions o;
  o.base_offset = 2;
  o.partition_leader_epoch = 0;
  o.producer_id = p.id;
  o.producer_epoch = p.epoch;
  o.timestamp = marker.base_timestamp;
  const auto expected = record::build_control_batch(o, {record::ControlType::kCommit, 3});
  const std::span<const uint8_t> all(committed.records->data(), committed.records->size());
  CHECK(std::vector<uint8_t>(all.end() - static_cast<std::ptrdiff_t>(expected.size()), all.end()) == expected);

  described = describe(port, topic);
  {
    const auto& s = producer_in(described, p.id);
    CHECK(s.producer_epoch == p.epoch);
    CHECK(s.last_sequence == 1);
    CHECK(s.coordinator_epoch == 3);
    CHECK(s.current_txn_start_offset == -1);
    CHECK(s.last_timestamp == marker.max_timestamp);
  }
}

TEST_CASE("interleaved transactions: an abort, the LSO of the other, aborted_transactions, fencing",
          "[kafka][txn-log]") {
  const uint16_t port = target_port();
  const std::string topic = unique_name("txn-log-abort");
  create_topic(topic);
  const Producer a = init_producer(port);
  const Producer b = init_producer(port);

  // Apart in time, so that a lookup by B's timestamp lands on B's batch.
  CHECK(produce_txn(port, topic, a, 0, 1, 'a') == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(produce_txn(port, topic, b, 0, 1, 'b') == 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(produce_txn(port, topic, a, 1, 1, 'c') == 2);
  CHECK(lso(port, topic) == 0);

  REQUIRE(write_marker(port, topic, a, false) == 0);  // offset 3
  CHECK(lso(port, topic) == 1);
  CHECK(high_watermark(port, topic) == 4);
  auto r = fetch_isolated(port, topic, 0, 1);
  CHECK(r.last_stable_offset == 1);
  CHECK(bases(batches_of(r)) == Offsets{0});
  CHECK(aborted(r) == Aborted{{a.id, 0}});
  // A lookup by timestamp that lands past the LSO answers nothing for read_committed.
  const int64_t b_time = batches_of(fetch_isolated(port, topic, 1, 0)).at(0).header.max_timestamp;
  CHECK(list_offset_isolated(port, topic, b_time, 0) == 1);
  CHECK(list_offset_isolated(port, topic, b_time, 1) == -1);
  CHECK(list_offset_isolated(port, topic, 0, 1) == 0);

  REQUIRE(write_marker(port, topic, b, true) == 0);  // offset 4
  CHECK(lso(port, topic) == 5);
  r = fetch_isolated(port, topic, 0, 1);
  CHECK(bases(batches_of(r)) == Offsets{0, 1, 2, 3, 4});
  CHECK(aborted(r) == Aborted{{a.id, 0}});
  CHECK(aborted(fetch_isolated(port, topic, 3, 1)) == Aborted{{a.id, 0}});
  CHECK(aborted(fetch_isolated(port, topic, 4, 1)).empty());

  // Fencing: a newer epoch's marker becomes the producer's epoch; older ones are refused.
  const Producer a1{a.id, static_cast<int16_t>(a.epoch + 1)};
  REQUIRE(write_marker(port, topic, a1, false, 5) == 0);  // offset 5, no open transaction
  CHECK(write_marker(port, topic, a, true, 5) == kInvalidProducerEpoch);
  CHECK(produce_to(port, topic, batch(a, 2, 1, true), "txn-log-check").error_code == kInvalidProducerEpoch);
  CHECK(write_marker(port, topic, a1, true, 4) == kCoordinatorFenced);
  CHECK(high_watermark(port, topic) == 6);
  CHECK(lso(port, topic) == 6);
  // The new epoch starts its sequences again at 0.
  CHECK(produce_txn(port, topic, a1, 0, 1, 'd') == 6);
  CHECK(lso(port, topic) == 6);
  auto described = describe(port, topic);
  CHECK(producer_in(described, a.id).producer_epoch == a1.epoch);
  CHECK(producer_in(described, a.id).coordinator_epoch == 5);
  CHECK(producer_in(described, a.id).current_txn_start_offset == 6);
  CHECK(producer_in(described, a.id).last_sequence == 0);
  CHECK(producer_in(described, b.id).current_txn_start_offset == -1);
  REQUIRE(write_marker(port, topic, a1, false, 5) == 0);  // offset 7
  CHECK(lso(port, topic) == 8);
  CHECK(aborted(fetch_isolated(port, topic, 4, 1)) == Aborted{{a.id, 6}});

  // Real consumers skip the markers, and with read_committed the aborted records.
  CHECK(consumed(topic, 8, "read_committed") == "b0\nb0\n");
  CHECK(consumed(topic, 8, "read_uncommitted") == "a0,b0,c0,d0\na0,b0,c0,d0\n");

  // Partitions that do not exist.
  CHECK(write_marker(port, topic + "-none", a1, true, 5) == kUnknownTopicOrPartition);
  const auto none = describe(port, topic + "-none");
  CHECK(none.error_code == kUnknownTopicOrPartition);
  CHECK(none.active_producers.empty());
}

TEST_CASE("a read_committed fetch waiting at the LSO wakes when a marker moves it", "[kafka][txn-log]") {
  const uint16_t port = target_port();
  const std::string topic = unique_name("txn-log-wait");
  create_topic(topic);
  const Producer p = init_producer(port);
  CHECK(produce_txn(port, topic, p, 0, 3) == 0);

  RawConnection waiting(port);
  waiting.send_frame(request_bytes(fetch_request(topic, 0, 1, 20000, 1), 12, 7, "hardening"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto started = std::chrono::steady_clock::now();
  REQUIRE(write_marker(port, topic, p, true) == 0);
  const std::string frame = waiting.read_frame(15000);
  REQUIRE(!frame.empty());
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  const auto r = only_partition(parse_response<m::FetchResponse>(frame, 12));
  CHECK(r.last_stable_offset == 4);
  CHECK(bases(batches_of(r)) == Offsets{0, 3});
}

TEST_CASE("an open transaction holds the LSO across kill -9", "[txn-log]") {
  if (against_kafka()) return;  // restarts chronik
  BrokerProcess broker(shared_overrides());
  broker.start();
  const uint16_t port = broker.port();
  const std::string topic = "txn-log-crash";
  create_topic(port, topic);
  const Producer p = init_producer(port);
  const Producer q = init_producer(port);
  CHECK(produce_to(port, topic, batch({-1, -1}, -1, 1, false), std::nullopt).base_offset == 0);
  CHECK(produce_txn(port, topic, p, 0, 2) == 1);
  CHECK(produce_txn(port, topic, q, 0) == 3);
  REQUIRE(write_marker(port, topic, q, false, 2) == 0);  // offset 4
  CHECK(lso(port, topic) == 1);

  broker.kill9();
  broker.start();
  CHECK(high_watermark(port, topic) == 5);
  CHECK(lso(port, topic) == 1);
  auto r = fetch_isolated(port, topic, 0, 1);
  CHECK(bases(batches_of(r)) == Offsets{0});
  CHECK(aborted(r) == Aborted{{q.id, 3}});
  CHECK(producer_in(describe(port, topic), q.id).coordinator_epoch == 2);
  CHECK(producer_in(describe(port, topic), p.id).current_txn_start_offset == 1);
  // The producer's sequence goes on where it was; then its commit moves the LSO.
  CHECK(produce_txn(port, topic, p, 2) == 5);
  REQUIRE(write_marker(port, topic, p, true) == 0);  // offset 6
  CHECK(lso(port, topic) == 7);
  r = fetch_isolated(port, topic, 0, 1);
  CHECK(bases(batches_of(r)) == Offsets{0, 1, 3, 4, 5, 6});
  CHECK(aborted(r) == Aborted{{q.id, 3}});
  REQUIRE(broker.stop() == 0);
}
