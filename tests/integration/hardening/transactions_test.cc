// The transaction coordinator in raw frames (issue 22): InitProducerId with a transactional
// id, fencing (KIP-360), AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit (KIP-447),
// EndTxn, OffsetFetch's require_stable, ListTransactions and DescribeTransactions. Every
// expected error code is Kafka's: the checks are tagged [kafka] and pass against Kafka 3.9.1
// (`against-kafka build "[transactions]"`).
#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include "generated/kafka/add_offsets_to_txn_request.h"
#include "generated/kafka/add_offsets_to_txn_response.h"
#include "generated/kafka/add_partitions_to_txn_request.h"
#include "generated/kafka/add_partitions_to_txn_response.h"
#include "generated/kafka/describe_transactions_request.h"
#include "generated/kafka/describe_transactions_response.h"
#include "generated/kafka/end_txn_request.h"
#include "generated/kafka/end_txn_response.h"
#include "generated/kafka/find_coordinator_request.h"
#include "generated/kafka/find_coordinator_response.h"
#include "generated/kafka/init_producer_id_request.h"
#include "generated/kafka/init_producer_id_response.h"
#include "generated/kafka/list_transactions_request.h"
#include "generated/kafka/list_transactions_response.h"
#include "generated/kafka/offset_fetch_request.h"
#include "generated/kafka/offset_fetch_response.h"
#include "generated/kafka/txn_offset_commit_request.h"
#include "generated/kafka/txn_offset_commit_response.h"
#include "tests/integration/hardening/requests.h"

using namespace chronik::testing;
namespace m = chronik::message;

namespace {

constexpr int16_t kNone = 0;
constexpr int16_t kUnknownTopicOrPartition = 3;
constexpr int16_t kCoordinatorLoadInProgress = 14;
constexpr int16_t kCoordinatorNotAvailable = 15;
constexpr int16_t kNotCoordinator = 16;
constexpr int16_t kInvalidProducerEpoch = 47;
constexpr int16_t kInvalidTxnState = 48;
constexpr int16_t kInvalidProducerIdMapping = 49;
constexpr int16_t kInvalidTransactionTimeout = 50;
constexpr int16_t kConcurrentTransactions = 51;
constexpr int16_t kOperationNotAttempted = 55;
constexpr int16_t kUnstableOffsetCommit = 88;
constexpr int16_t kProducerFenced = 90;
constexpr int16_t kTransactionalIdNotFound = 105;

constexpr std::initializer_list<int16_t> kCoordinatorStarting = {kCoordinatorLoadInProgress, kCoordinatorNotAvailable,
                                                                 kNotCoordinator};

m::InitProducerIdResponse init_producer(const std::string& id, int32_t timeout_ms = 60000, int16_t version = 4,
                                        int64_t producer_id = -1, int16_t epoch = -1,
                                        std::initializer_list<int16_t> retry_on = kCoordinatorStarting) {
  m::InitProducerIdRequest req;
  req.transactional_id = id;
  req.transaction_timeout_ms = timeout_ms;
  req.producer_id = producer_id;
  req.producer_epoch = epoch;
  m::InitProducerIdResponse resp;
  until_settled(
      [&] {
        resp = call<m::InitProducerIdResponse>(target_port(), req, version);
        return resp.error_code;
      },
      retry_on);
  return resp;
}

// AddPartitionsToTxn v`version` of `topic`'s `partitions`: each partition's error by index.
std::map<std::pair<std::string, int32_t>, int16_t> add_partitions(const std::string& id, int64_t producer_id,
                                                                  int16_t epoch,
                                                                  const std::map<std::string, std::vector<int32_t>>& topics,
                                                                  int16_t version = 3) {
  m::AddPartitionsToTxnRequest req;
  req.v3_and_below_transactional_id = id;
  req.v3_and_below_producer_id = producer_id;
  req.v3_and_below_producer_epoch = epoch;
  for (const auto& [name, partitions] : topics) {
    m::AddPartitionsToTxnRequest::AddPartitionsToTxnTopic t;
    t.name = name;
    t.partitions = partitions;
    req.v3_and_below_topics.push_back(t);
  }
  std::map<std::pair<std::string, int32_t>, int16_t> out;
  auto resp = call<m::AddPartitionsToTxnResponse>(target_port(), req, version);
  for (const auto& t : resp.results_by_topic_v3_and_below)
    for (const auto& p : t.results_by_partition) out[{t.name, p.partition_index}] = p.partition_error_code;
  return out;
}

int16_t add_partition(const std::string& id, int64_t producer_id, int16_t epoch, const std::string& topic,
                      int16_t version = 3) {
  auto r = add_partitions(id, producer_id, epoch, {{topic, {0}}}, version);
  REQUIRE(r.size() == 1);
  return r.begin()->second;
}

int16_t end_txn(const std::string& id, int64_t producer_id, int16_t epoch, bool commit, int16_t version = 3) {
  m::EndTxnRequest req;
  req.transactional_id = id;
  req.producer_id = producer_id;
  req.producer_epoch = epoch;
  req.committed = commit;
  return call<m::EndTxnResponse>(target_port(), req, version).error_code;
}

int16_t add_offsets(const std::string& id, int64_t producer_id, int16_t epoch, const std::string& group,
                    int16_t version = 3) {
  m::AddOffsetsToTxnRequest req;
  req.transactional_id = id;
  req.producer_id = producer_id;
  req.producer_epoch = epoch;
  req.group_id = group;
  return call<m::AddOffsetsToTxnResponse>(target_port(), req, version).error_code;
}

// TxnOffsetCommit v`version` of `topic`-0 at `offset`: the partition's error.
int16_t txn_offset_commit(const std::string& id, int64_t producer_id, int16_t epoch, const std::string& group,
                          const std::string& topic, int64_t offset, int16_t version = 3,
                          const std::string& member = "", int32_t generation = -1) {
  m::TxnOffsetCommitRequest req;
  req.transactional_id = id;
  req.group_id = group;
  req.producer_id = producer_id;
  req.producer_epoch = epoch;
  req.member_id = member;
  req.generation_id_or_member_epoch = generation;
  m::TxnOffsetCommitRequest::TxnOffsetCommitRequestTopic t;
  t.name = topic;
  m::TxnOffsetCommitRequest::TxnOffsetCommitRequestPartition p;
  p.partition_index = 0;
  p.committed_offset = offset;
  t.partitions.push_back(p);
  req.topics.push_back(t);
  auto resp = call<m::TxnOffsetCommitResponse>(target_port(), req, version);
  REQUIRE(resp.topics.size() == 1);
  REQUIRE(resp.topics[0].partitions.size() == 1);
  return resp.topics[0].partitions[0].error_code;
}

// OffsetFetch v7 of `topic`-0: (error, offset).
std::pair<int16_t, int64_t> fetch_offset(const std::string& group, const std::string& topic, bool require_stable) {
  m::OffsetFetchRequest req;
  req.group_id = group;
  m::OffsetFetchRequest::OffsetFetchRequestTopic t;
  t.name = topic;
  t.partition_indexes = {0};
  req.topics = std::vector{t};
  req.require_stable = require_stable;
  auto resp = call<m::OffsetFetchResponse>(target_port(), req, 7);
  REQUIRE(resp.error_code == kNone);
  REQUIRE(resp.topics.size() == 1);
  REQUIRE(resp.topics[0].partitions.size() == 1);
  return {resp.topics[0].partitions[0].error_code, resp.topics[0].partitions[0].committed_offset};
}

// The group's coordinator, as a client finds it before TxnOffsetCommit (Kafka makes
// __consumer_offsets on the first lookup and loads the group's partition).
void find_group_coordinator(const std::string& group) {
  m::FindCoordinatorRequest req;
  req.key = group;
  req.key_type = 0;
  const int16_t e = until_settled(
      [&] { return call<m::FindCoordinatorResponse>(target_port(), req, 3).error_code; }, kCoordinatorStarting);
  REQUIRE(e == kNone);
}

m::DescribeTransactionsResponse::TransactionState describe(const std::string& id) {
  m::DescribeTransactionsRequest req;
  req.transactional_ids = {id};
  auto resp = call<m::DescribeTransactionsResponse>(target_port(), req, 0);
  REQUIRE(resp.transaction_states.size() == 1);
  return resp.transaction_states[0];
}

// Waits until DescribeTransactions says `state` (markers are written after EndTxn answers).
std::string await_state(const std::string& id, const std::string& state) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::string now = describe(id).transaction_state;
  while (now != state && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    now = describe(id).transaction_state;
  }
  return now;
}

}  // namespace

TEST_CASE("FindCoordinator for a transactional id answers this broker", "[kafka][transactions]") {
  m::FindCoordinatorRequest req;
  req.key = unique_name("txn-find");
  req.key_type = 1;
  m::FindCoordinatorResponse resp;
  const int16_t e = until_settled(
      [&] {
        resp = call<m::FindCoordinatorResponse>(target_port(), req, 3);
        return resp.error_code;
      },
      kCoordinatorStarting);
  REQUIRE(e == kNone);
  CHECK(resp.port == target_port());
}

TEST_CASE("InitProducerId: epoch 0 for a new transactional id, bumped on each re-init", "[kafka][transactions]") {
  const std::string id = unique_name("txn-init");
  auto first = init_producer(id);
  REQUIRE(first.error_code == kNone);
  CHECK(first.producer_id >= 0);
  CHECK(first.producer_epoch == 0);
  auto second = init_producer(id);
  REQUIRE(second.error_code == kNone);
  CHECK(second.producer_id == first.producer_id);
  CHECK(second.producer_epoch == 1);
  // The fenced epoch: PRODUCER_FENCED from v2 (AddPartitionsToTxn) and INVALID_PRODUCER_EPOCH
  // to older clients.
  const std::string topic = unique_name("txn-init-topic");
  create_topic(topic);
  CHECK(add_partition(id, first.producer_id, 0, topic, 3) == kProducerFenced);
  CHECK(add_partition(id, first.producer_id, 0, topic, 1) == kInvalidProducerEpoch);
  CHECK(end_txn(id, first.producer_id, 0, false, 3) == kProducerFenced);
  CHECK(end_txn(id, first.producer_id, 0, false, 1) == kInvalidProducerEpoch);
  CHECK(add_offsets(id, first.producer_id, 0, "g", 3) == kProducerFenced);
  CHECK(add_offsets(id, first.producer_id, 0, "g", 1) == kInvalidProducerEpoch);
}

TEST_CASE("InitProducerId: a transaction timeout over transaction.max.timeout.ms is refused",
          "[kafka][transactions]") {
  const std::string id = unique_name("txn-timeout");
  auto zero = init_producer(id, 0);
  CHECK(zero.error_code == kInvalidTransactionTimeout);
  CHECK(zero.producer_id == -1);
  CHECK(init_producer(id, 900001).error_code == kInvalidTransactionTimeout);  // the default max is 15 minutes
  CHECK(init_producer(id, 900000).error_code == kNone);
}

TEST_CASE("InitProducerId (KIP-360): the current id and epoch bump it, another id is fenced", "[kafka][transactions]") {
  const std::string id = unique_name("txn-kip360");
  auto p = init_producer(id);
  REQUIRE(p.error_code == kNone);
  auto bumped = init_producer(id, 60000, 4, p.producer_id, p.producer_epoch);
  REQUIRE(bumped.error_code == kNone);
  CHECK(bumped.producer_id == p.producer_id);
  CHECK(bumped.producer_epoch == p.producer_epoch + 1);
  CHECK(init_producer(id, 60000, 4, p.producer_id + 1000, 0).error_code == kProducerFenced);
  CHECK(init_producer(id, 60000, 3, p.producer_id + 1000, 0).error_code == kInvalidProducerEpoch);
}

TEST_CASE("EndTxn without a transaction, and for an unknown id or producer", "[kafka][transactions]") {
  const std::string id = unique_name("txn-end");
  CHECK(end_txn(id, 1234, 0, true) == kInvalidProducerIdMapping);
  auto p = init_producer(id);
  REQUIRE(p.error_code == kNone);
  CHECK(end_txn(id, p.producer_id, p.producer_epoch, true) == kInvalidTxnState);
  CHECK(end_txn(id, p.producer_id, p.producer_epoch, false) == kInvalidTxnState);
  CHECK(end_txn(id, p.producer_id + 1, p.producer_epoch, true) == kInvalidProducerIdMapping);
}

TEST_CASE("AddPartitionsToTxn: an unknown partition fails the request, the others are not attempted",
          "[kafka][transactions]") {
  const std::string id = unique_name("txn-add");
  const std::string topic = unique_name("txn-add-topic");
  create_topic(topic, 2);
  CHECK(add_partition(unique_name("txn-nobody"), 1234, 0, topic) == kInvalidProducerIdMapping);
  auto p = init_producer(id);
  REQUIRE(p.error_code == kNone);
  auto r = add_partitions(id, p.producer_id, p.producer_epoch, {{topic, {0, 7}}, {unique_name("txn-missing"), {0}}});
  REQUIRE(r.size() == 3);
  CHECK(r[{topic, 0}] == kOperationNotAttempted);
  CHECK(r[{topic, 7}] == kUnknownTopicOrPartition);
  CHECK(add_partition(id, p.producer_id + 1, p.producer_epoch, topic) == kInvalidProducerIdMapping);
  // Nothing was added: there is no transaction to end.
  CHECK(end_txn(id, p.producer_id, p.producer_epoch, true) == kInvalidTxnState);
  CHECK(add_partition(id, p.producer_id, p.producer_epoch, topic) == kNone);
  CHECK(add_partition(id, p.producer_id, p.producer_epoch, topic) == kNone);  // again: already in
  CHECK(end_txn(id, p.producer_id, p.producer_epoch, true) == kNone);
}

TEST_CASE("EndTxn commits; a retry is answered the same, the other outcome is INVALID_TXN_STATE",
          "[kafka][transactions]") {
  const std::string id = unique_name("txn-commit");
  const std::string topic = unique_name("txn-commit-topic");
  create_topic(topic);
  auto p = init_producer(id);
  REQUIRE(p.error_code == kNone);
  REQUIRE(add_partition(id, p.producer_id, p.producer_epoch, topic) == kNone);
  auto ongoing = describe(id);
  CHECK(ongoing.transaction_state == "Ongoing");
  CHECK(ongoing.transaction_start_time_ms > 0);
  REQUIRE(ongoing.topics.size() == 1);
  CHECK(ongoing.topics[0].topic == topic);
  REQUIRE(end_txn(id, p.producer_id, p.producer_epoch, true) == kNone);
  CHECK(await_state(id, "CompleteCommit") == "CompleteCommit");
  CHECK(describe(id).topics.empty());
  CHECK(end_txn(id, p.producer_id, p.producer_epoch, true) == kNone);
  CHECK(end_txn(id, p.producer_id, p.producer_epoch, false) == kInvalidTxnState);
  // And an abort.
  REQUIRE(add_partition(id, p.producer_id, p.producer_epoch, topic) == kNone);
  REQUIRE(end_txn(id, p.producer_id, p.producer_epoch, false) == kNone);
  CHECK(await_state(id, "CompleteAbort") == "CompleteAbort");
  CHECK(end_txn(id, p.producer_id, p.producer_epoch, true) == kInvalidTxnState);
}

TEST_CASE("a second producer of a transactional id fences the first and aborts its transaction",
          "[kafka][transactions]") {
  const std::string id = unique_name("txn-fence");
  const std::string topic = unique_name("txn-fence-topic");
  create_topic(topic);
  auto zombie = init_producer(id);
  REQUIRE(zombie.error_code == kNone);
  REQUIRE(add_partition(id, zombie.producer_id, zombie.producer_epoch, topic) == kNone);
  // The new producer is told to retry while the old transaction aborts.
  auto first_try = init_producer(id, 60000, 4, -1, -1, {});
  CHECK(first_try.error_code == kConcurrentTransactions);
  auto fresh = init_producer(id, 60000, 4, -1, -1, {kConcurrentTransactions});
  REQUIRE(fresh.error_code == kNone);
  CHECK(fresh.producer_id == zombie.producer_id);
  CHECK(fresh.producer_epoch == zombie.producer_epoch + 2);  // one bump fenced, one is the new producer's
  CHECK(describe(id).transaction_state == "Empty");
  CHECK(end_txn(id, zombie.producer_id, zombie.producer_epoch, true) == kProducerFenced);
  CHECK(add_partition(id, zombie.producer_id, zombie.producer_epoch, topic) == kProducerFenced);
}

TEST_CASE("TxnOffsetCommit: pending until the transaction commits, dropped if it aborts",
          "[kafka][transactions]") {
  const std::string id = unique_name("txn-offsets");
  const std::string topic = unique_name("txn-offsets-topic");
  const std::string group = unique_name("txn-offsets-group");
  create_topic(topic);
  auto p = init_producer(id);
  REQUIRE(p.error_code == kNone);
  find_group_coordinator(group);
  CHECK(add_offsets(id, p.producer_id + 1, p.producer_epoch, group) == kInvalidProducerIdMapping);
  REQUIRE(add_offsets(id, p.producer_id, p.producer_epoch, group) == kNone);
  // The group's partition may still be loading right after the lookup.
  CHECK(until_settled([&] { return txn_offset_commit(id, p.producer_id, p.producer_epoch, group,
                                                     unique_name("txn-missing"), 5); },
                      kCoordinatorStarting) == kUnknownTopicOrPartition);
  REQUIRE(txn_offset_commit(id, p.producer_id, p.producer_epoch, group, topic, 5) == kNone);
  // Pending: require_stable says so, a plain fetch sees nothing committed yet.
  CHECK(fetch_offset(group, topic, true).first == kUnstableOffsetCommit);
  CHECK(fetch_offset(group, topic, false) == std::pair<int16_t, int64_t>{kNone, -1});
  REQUIRE(end_txn(id, p.producer_id, p.producer_epoch, true) == kNone);
  REQUIRE(await_state(id, "CompleteCommit") == "CompleteCommit");
  CHECK(fetch_offset(group, topic, true) == std::pair<int16_t, int64_t>{kNone, 5});

  // An aborted transaction's offsets never show.
  REQUIRE(add_offsets(id, p.producer_id, p.producer_epoch, group) == kNone);
  REQUIRE(txn_offset_commit(id, p.producer_id, p.producer_epoch, group, topic, 9) == kNone);
  REQUIRE(end_txn(id, p.producer_id, p.producer_epoch, false) == kNone);
  REQUIRE(await_state(id, "CompleteAbort") == "CompleteAbort");
  CHECK(fetch_offset(group, topic, true) == std::pair<int16_t, int64_t>{kNone, 5});
}

// Kafka 3.9.1 does not verify a TxnOffsetCommit against the transaction coordinator (with the
// hardening configuration, v3 and v4 alike): it stores offsets of an unknown transactional
// id, of a group never added with AddOffsetsToTxn, or at another epoch, as pending in
// __consumer_offsets, where nothing ever ends them (a hanging transaction: require_stable
// fetches of those partitions answer UNSTABLE_OFFSET_COMMIT from then on). Chronik refuses
// them with the errors of Kafka's own verification (KIP-890 part 1) instead. Chronik only.
TEST_CASE("TxnOffsetCommit outside the producer's transaction is refused, not left hanging", "[transactions]") {
  if (against_kafka()) return;  // accepted there, see above
  const std::string id = unique_name("txn-verify");
  const std::string topic = unique_name("txn-verify-topic");
  const std::string group = unique_name("txn-verify-group");
  create_topic(topic);
  auto p = init_producer(id);
  REQUIRE(p.error_code == kNone);
  CHECK(txn_offset_commit(unique_name("txn-nobody"), 99, 0, group, topic, 5) == kInvalidProducerIdMapping);
  CHECK(txn_offset_commit(id, p.producer_id, p.producer_epoch, group, topic, 5) == kInvalidTxnState);
  CHECK(txn_offset_commit(id, p.producer_id, p.producer_epoch, group, topic, 5, 4) == 120);  // TRANSACTION_ABORTABLE
  REQUIRE(add_offsets(id, p.producer_id, p.producer_epoch, group) == kNone);
  CHECK(txn_offset_commit(id, p.producer_id, p.producer_epoch + 1, group, topic, 5) == kInvalidProducerEpoch);
  CHECK(fetch_offset(group, topic, true) == std::pair<int16_t, int64_t>{kNone, -1});  // nothing pending
  REQUIRE(end_txn(id, p.producer_id, p.producer_epoch, false) == kNone);
}

TEST_CASE("TxnOffsetCommit (KIP-447): a generation must be a current member's", "[kafka][transactions]") {
  const std::string id = unique_name("txn-447");
  const std::string topic = unique_name("txn-447-topic");
  const std::string group = unique_name("txn-447-group");
  create_topic(topic);
  auto p = init_producer(id);
  REQUIRE(p.error_code == kNone);
  find_group_coordinator(group);
  REQUIRE(add_offsets(id, p.producer_id, p.producer_epoch, group) == kNone);
  // The group is empty: a producer without a generation commits whatever member id it names.
  CHECK(until_settled([&] { return txn_offset_commit(id, p.producer_id, p.producer_epoch, group, topic, 1, 3,
                                                    "no-such-member", -1); },
                      kCoordinatorStarting) == kNone);
  // A generation is a member's: there is none.
  CHECK(txn_offset_commit(id, p.producer_id, p.producer_epoch, group, topic, 1, 3, "no-such-member", 4) ==
        25);  // UNKNOWN_MEMBER_ID
  CHECK(txn_offset_commit(id, p.producer_id, p.producer_epoch, group, topic, 1, 3, "", 4) == 25);
  CHECK(end_txn(id, p.producer_id, p.producer_epoch, false) == kNone);
}

TEST_CASE("ListTransactions and DescribeTransactions filter and describe as Kafka", "[kafka][transactions]") {
  const std::string id = unique_name("txn-list");
  const std::string topic = unique_name("txn-list-topic");
  create_topic(topic);
  auto p = init_producer(id, 45000);
  REQUIRE(p.error_code == kNone);
  REQUIRE(add_partition(id, p.producer_id, p.producer_epoch, topic) == kNone);
  auto d = describe(id);
  CHECK(d.error_code == kNone);
  CHECK(d.producer_id == p.producer_id);
  CHECK(d.producer_epoch == p.producer_epoch);
  CHECK(d.transaction_timeout_ms == 45000);
  CHECK(describe(unique_name("txn-unknown")).error_code == kTransactionalIdNotFound);

  m::ListTransactionsRequest req;
  req.state_filters = {"Ongoing", "NoSuchState"};
  req.producer_id_filters = {p.producer_id};
  auto listed = call<m::ListTransactionsResponse>(target_port(), req, 1);
  CHECK(listed.error_code == kNone);
  CHECK(listed.unknown_state_filters == std::vector<std::string>{"NoSuchState"});
  REQUIRE(listed.transaction_states.size() == 1);
  CHECK(listed.transaction_states[0].transactional_id == id);
  CHECK(listed.transaction_states[0].transaction_state == "Ongoing");
  // v1's duration: only transactions running longer than it.
  req.state_filters = {};
  req.duration_filter = 3'600'000;
  CHECK(call<m::ListTransactionsResponse>(target_port(), req, 1).transaction_states.empty());
  req.state_filters = {"CompleteCommit"};
  req.duration_filter = -1;
  CHECK(call<m::ListTransactionsResponse>(target_port(), req, 1).transaction_states.empty());
  REQUIRE(end_txn(id, p.producer_id, p.producer_epoch, true) == kNone);
  REQUIRE(await_state(id, "CompleteCommit") == "CompleteCommit");
  CHECK(call<m::ListTransactionsResponse>(target_port(), req, 1).transaction_states.size() == 1);
}

TEST_CASE("InitProducerId without a transactional id still gives an idempotent producer id", "[kafka][transactions]") {
  m::InitProducerIdRequest req;
  req.transactional_id = std::nullopt;
  req.transaction_timeout_ms = -1;  // not checked without a transactional id
  auto resp = call<m::InitProducerIdResponse>(target_port(), req, 4);
  CHECK(resp.error_code == kNone);
  CHECK(resp.producer_id >= 0);
  CHECK(resp.producer_epoch == 0);
  // An empty transactional id is not "none": Kafka refuses it.
  req.transactional_id = "";
  req.transaction_timeout_ms = 60000;
  CHECK(call<m::InitProducerIdResponse>(target_port(), req, 4).error_code == 42);  // INVALID_REQUEST
}
