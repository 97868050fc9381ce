// KIP-890 part 1 in raw frames: with transaction.partition.verification.enable (Kafka's
// default), a transactional Produce before v12 is appended only to partitions in the
// producer's ongoing transaction, so that a late batch of a transaction that has ended cannot
// open one that no coordinator knows (a hanging transaction, which holds the last stable
// offset for good). broker.properties turns verification off for the other checks; these turn
// it on as a dynamic cluster default and back off. Tagged [kafka]: they pass against Kafka
// 3.9.1 (`against-kafka build "[txn-verify]"`).
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "generated/kafka/add_partitions_to_txn_request.h"
#include "generated/kafka/add_partitions_to_txn_response.h"
#include "generated/kafka/describe_configs_request.h"
#include "generated/kafka/describe_configs_response.h"
#include "generated/kafka/end_txn_request.h"
#include "generated/kafka/end_txn_response.h"
#include "generated/kafka/find_coordinator_request.h"
#include "generated/kafka/find_coordinator_response.h"
#include "generated/kafka/incremental_alter_configs_request.h"
#include "generated/kafka/incremental_alter_configs_response.h"
#include "generated/kafka/init_producer_id_request.h"
#include "generated/kafka/init_producer_id_response.h"
#include "generated/kafka/list_transactions_request.h"
#include "generated/kafka/list_transactions_response.h"
#include "runtime/record/batch.h"
#include "tests/integration/hardening/requests.h"

using namespace chronik::testing;
namespace m = chronik::message;
namespace record = chronik::record;

namespace {

constexpr int8_t kBrokerResource = 4;
constexpr int16_t kInvalidTxnState = 48;
constexpr int16_t kTransactionAbortable = 120;
constexpr const char* kVerification = "transaction.partition.verification.enable";

// The cluster-wide default of verification: "true", or nullopt to fall back to the static
// configuration (false here).
void set_verification(std::optional<std::string> value) {
  m::IncrementalAlterConfigsRequest req;
  auto& r = req.resources.emplace_back();
  r.resource_type = kBrokerResource;
  r.resource_name = "";
  r.configs.push_back({kVerification, static_cast<int8_t>(value ? 0 : 1), value, {}});
  auto resp = call<m::IncrementalAlterConfigsResponse>(target_port(), req, 1);
  REQUIRE(resp.responses.size() == 1);
  INFO(resp.responses[0].error_message.value_or(""));
  REQUIRE(resp.responses[0].error_code == 0);
}

// What the broker says verification is: Kafka applies a dynamic default through its metadata
// log after answering, so the caller polls this.
std::string verification_in_force() {
  m::DescribeConfigsRequest req;
  auto& r = req.resources.emplace_back();
  r.resource_type = kBrokerResource;
  r.resource_name = "1";  // node.id of both brokers under test
  r.configuration_keys = std::vector<std::string>{kVerification};
  auto resp = call<m::DescribeConfigsResponse>(target_port(), req, 4);
  REQUIRE(resp.results.size() == 1);
  for (const auto& c : resp.results[0].configs)
    if (c.name == kVerification) return c.value.value_or("");
  return "";
}

void await_verification(const std::string& value) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (verification_in_force() != value && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  REQUIRE(verification_in_force() == value);
}

// Verification on for one check, off again however it ends.
struct VerificationOn {
  VerificationOn() {
    set_verification("true");
    await_verification("true");
  }
  ~VerificationOn() { set_verification(std::nullopt); }
};

struct Producer {
  int64_t id = -1;
  int16_t epoch = -1;
};

Producer init_transactional(const std::string& id) {
  // As a producer does: find the coordinator first (Kafka creates __transaction_state then,
  // and answers NOT_COORDINATOR until it has).
  m::FindCoordinatorRequest find;
  find.key = id;
  find.key_type = 1;
  REQUIRE(until_settled([&] { return call<m::FindCoordinatorResponse>(target_port(), find, 3).error_code; },
                        {14, 15, 16}) == 0);
  m::InitProducerIdRequest req;
  req.transactional_id = id;
  req.transaction_timeout_ms = 60000;
  m::InitProducerIdResponse resp;
  const int16_t e = until_settled(
      [&] {
        resp = call<m::InitProducerIdResponse>(target_port(), req, 4);
        return resp.error_code;
      },
      {14, 15, 16});
  REQUIRE(e == 0);
  return {resp.producer_id, resp.producer_epoch};
}

std::vector<uint8_t> txn_batch(const Producer& p, int32_t sequence) {
  std::vector<record::Record> rs(1);
  rs[0].value = record::Bytes{'t', 'x', 'n'};
  record::BatchOptions o;
  o.transactional = true;
  o.producer_id = p.id;
  o.producer_epoch = p.epoch;
  o.base_sequence = sequence;
  o.base_timestamp =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  return record::build_batch(o, rs);
}

m::ProduceResponse::PartitionProduceResponse produce_txn(const std::string& topic, const std::string& id,
                                                         const Producer& p, int32_t sequence, int16_t version) {
  auto req = produce_request(topic, txn_batch(p, sequence));
  req.transactional_id = id;
  auto resp = call<m::ProduceResponse>(target_port(), req, version);
  REQUIRE(resp.responses.size() == 1);
  REQUIRE(resp.responses[0].partition_responses.size() == 1);
  return resp.responses[0].partition_responses[0];
}

int16_t add_partition(const std::string& id, const Producer& p, const std::string& topic) {
  m::AddPartitionsToTxnRequest req;
  req.v3_and_below_transactional_id = id;
  req.v3_and_below_producer_id = p.id;
  req.v3_and_below_producer_epoch = p.epoch;
  m::AddPartitionsToTxnRequest::AddPartitionsToTxnTopic t;
  t.name = topic;
  t.partitions = {0};
  req.v3_and_below_topics.push_back(t);
  auto resp = call<m::AddPartitionsToTxnResponse>(target_port(), req, 3);
  REQUIRE(resp.results_by_topic_v3_and_below.size() == 1);
  REQUIRE(resp.results_by_topic_v3_and_below[0].results_by_partition.size() == 1);
  return resp.results_by_topic_v3_and_below[0].results_by_partition[0].partition_error_code;
}

int16_t end_txn(const std::string& id, const Producer& p, bool commit) {
  m::EndTxnRequest req;
  req.transactional_id = id;
  req.producer_id = p.id;
  req.producer_epoch = p.epoch;
  req.committed = commit;
  return call<m::EndTxnResponse>(target_port(), req, 3).error_code;
}

// Whether ListTransactions still shows `id` open (its markers follow EndTxn's answer).
bool open(const std::string& id) {
  auto resp = call<m::ListTransactionsResponse>(target_port(), m::ListTransactionsRequest{}, 0);
  for (const auto& t : resp.transaction_states)
    if (t.transactional_id == id) return t.transaction_state == "Ongoing" || t.transaction_state.rfind("Prepare", 0) == 0;
  return false;
}

}  // namespace

TEST_CASE("verification: a transactional batch for a partition not in the transaction is refused",
          "[kafka][txn-verify]") {
  const std::string topic = unique_name("txn-verify");
  const std::string id = unique_name("txn-verify-id");
  create_topic(topic);
  const Producer p = init_transactional(id);
  VerificationOn on;

  // No AddPartitionsToTxn: refused, by the error each version knows.
  auto refused = produce_txn(topic, id, p, 0, 9);
  CHECK(refused.error_code == kInvalidTxnState);
  CHECK(refused.error_message.value_or("") == "Partition was not added to the transaction");
  CHECK(produce_txn(topic, id, p, 0, 11).error_code == kTransactionAbortable);
  CHECK(list_offset(topic, -1).offset == 0);  // nothing was appended

  // Added: appended.
  REQUIRE(add_partition(id, p, topic) == 0);
  auto appended = produce_txn(topic, id, p, 0, 9);
  CHECK(appended.error_code == 0);
  CHECK(appended.base_offset == 0);
  CHECK(produce_txn(topic, id, p, 1, 11).error_code == 0);

  // Aborted: a late batch of the same producer and epoch is refused, not a new transaction.
  REQUIRE(end_txn(id, p, false) == 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (open(id) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE_FALSE(open(id));
  const int64_t end = list_offset(topic, -1).offset;  // the two records and the ABORT marker
  CHECK(end == 3);
  CHECK(produce_txn(topic, id, p, 2, 9).error_code == kInvalidTxnState);
  CHECK(list_offset(topic, -1).offset == end);
}
