// Transactions v2 (KIP-890 part 2) in raw frames, as a Kafka 4.x producer speaks it once the
// broker finalizes transaction.version 2: Produce v12 adds its partition to the transaction
// itself (no AddPartitionsToTxn), TxnOffsetCommit v5 its group (no AddOffsetsToTxn), and
// EndTxn v5 bumps the producer's epoch at every end and answers it; the epoch before the bump
// is fenced, but names a retry of the end. Tagged [kafka][kafka4]: the expected answers are
// Kafka 4.4.0's (`KAFKA_VERSION=4.4.0 against-kafka build "[kafka4]"`); against Kafka 3.9.1,
// which serves none of these versions, each check passes with a note.
#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>

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
#include "generated/kafka/offset_fetch_request.h"
#include "generated/kafka/offset_fetch_response.h"
#include "generated/kafka/txn_offset_commit_request.h"
#include "generated/kafka/txn_offset_commit_response.h"
#include "runtime/record/batch.h"
#include "tests/integration/hardening/requests.h"
#include "tests/integration/hardening/served.h"

using namespace chronik::testing;
namespace m = chronik::message;
namespace record = chronik::record;

namespace {

constexpr int16_t kNone = 0;
constexpr int16_t kInvalidProducerEpoch = 47;
constexpr int16_t kInvalidTxnState = 48;
constexpr int16_t kConcurrentTransactions = 51;
constexpr int16_t kProducerFenced = 90;
const std::initializer_list<int16_t> kCoordinatorStarting = {14, 15, 16};

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Producer {
  std::string id;
  int64_t producer_id = -1;
  int16_t epoch = -1;
};

Producer init_producer(const std::string& id) {
  // As producers do: the coordinator lookup first (Kafka makes __transaction_state on it).
  m::FindCoordinatorRequest find;
  find.key = id;
  find.key_type = 1;
  REQUIRE(until_settled([&] { return call<m::FindCoordinatorResponse>(target_port(), find, 3).error_code; },
                        kCoordinatorStarting) == kNone);
  m::InitProducerIdRequest req;
  req.transactional_id = id;
  req.transaction_timeout_ms = 60000;
  req.producer_id = -1;
  req.producer_epoch = -1;
  m::InitProducerIdResponse resp;
  const int16_t e = until_settled(
      [&] {
        resp = call<m::InitProducerIdResponse>(target_port(), req, 5);
        return resp.error_code;
      },
      kCoordinatorStarting);
  REQUIRE(e == kNone);
  return {id, resp.producer_id, resp.producer_epoch};
}

// Produce v12 of one transactional batch to `topic`-0 at `epoch`, once: the partition's answer.
m::ProduceResponse::PartitionProduceResponse produce_v12_once(const Producer& p, int16_t epoch,
                                                              const std::string& topic, int32_t sequence) {
  std::vector<record::Record> rs(1);
  rs[0].value = record::Bytes{'v'};
  record::BatchOptions o;
  o.transactional = true;
  o.producer_id = p.producer_id;
  o.producer_epoch = epoch;
  o.base_sequence = sequence;
  o.base_timestamp = wall_ms();
  auto req = produce_request(topic, record::build_batch(o, rs));
  req.transactional_id = p.id;
  auto resp = call<m::ProduceResponse>(target_port(), req, 12);
  REQUIRE(resp.responses.size() == 1);
  REQUIRE(resp.responses[0].partition_responses.size() == 1);
  return resp.responses[0].partition_responses[0];
}

// The same, with CONCURRENT_TRANSACTIONS (the previous transaction still writing its markers)
// retried, as producers do.
m::ProduceResponse::PartitionProduceResponse produce_v12(const Producer& p, int16_t epoch, const std::string& topic,
                                                         int32_t sequence) {
  m::ProduceResponse::PartitionProduceResponse out;
  until_settled(
      [&] {
        out = produce_v12_once(p, epoch, topic, sequence);
        return out.error_code;
      },
      // NOT_LEADER_OR_FOLLOWER: Kafka's new topic has no leader yet; producers retry both.
      {kConcurrentTransactions, 6});
  return out;
}

m::EndTxnResponse end_txn(const Producer& p, int64_t producer_id, int16_t epoch, bool commit, int16_t version = 5) {
  m::EndTxnRequest req;
  req.transactional_id = p.id;
  req.producer_id = producer_id;
  req.producer_epoch = epoch;
  req.committed = commit;
  return call<m::EndTxnResponse>(target_port(), req, version);
}

std::string state_of(const std::string& id) {
  m::DescribeTransactionsRequest req;
  req.transactional_ids = {id};
  auto resp = call<m::DescribeTransactionsResponse>(target_port(), req, 0);
  REQUIRE(resp.transaction_states.size() == 1);
  return resp.transaction_states[0].transaction_state;
}

std::string await_state(const std::string& id, const std::string& state) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::string now = state_of(id);
  while (now != state && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    now = state_of(id);
  }
  return now;
}

}  // namespace

TEST_CASE("transactions v2: Produce v12 joins the transaction, EndTxn v5 bumps the epoch and fences the old one",
          "[kafka][kafka4][transactions]") {
  REQUIRE_SERVED_OR_SKIP(m::EndTxnRequest::kApiKey, 5);
  const std::string topic = unique_name("txn2-topic");
  create_topic(topic);
  auto p = init_producer(unique_name("txn2-produce"));
  const int16_t e0 = p.epoch;

  // No AddPartitionsToTxn: the produce starts the transaction.
  auto first = produce_v12(p, e0, topic, 0);
  REQUIRE(first.error_code == kNone);
  CHECK(state_of(p.id) == "Ongoing");

  auto commit = end_txn(p, p.producer_id, e0, true);
  REQUIRE(commit.error_code == kNone);
  CHECK(commit.producer_id == p.producer_id);
  CHECK(commit.producer_epoch == e0 + 1);
  CHECK(await_state(p.id, "CompleteCommit") == "CompleteCommit");
  // A retry names the epoch before the bump: the same answer again.
  auto retry = end_txn(p, p.producer_id, e0, true);
  CHECK(retry.error_code == kNone);
  CHECK(retry.producer_epoch == e0 + 1);
  // ... but the other outcome is not a retry of it.
  CHECK(end_txn(p, p.producer_id, e0, false).error_code == kInvalidTxnState);
  // Nothing was begun at the new epoch: no commit to make.
  CHECK(end_txn(p, p.producer_id, e0 + 1, true).error_code == kInvalidTxnState);

  // The old epoch is fenced, at the partition (the commit marker carries the new epoch).
  CHECK(produce_v12(p, e0, topic, 1).error_code == kInvalidProducerEpoch);
  // The new epoch starts its sequence at 0 and its own transaction.
  REQUIRE(produce_v12(p, e0 + 1, topic, 0).error_code == kNone);
  auto abort = end_txn(p, p.producer_id, e0 + 1, false);
  REQUIRE(abort.error_code == kNone);
  CHECK(abort.producer_epoch == e0 + 2);
  CHECK(await_state(p.id, "CompleteAbort") == "CompleteAbort");
  CHECK(end_txn(p, p.producer_id, e0, true).error_code == kProducerFenced);
  // An abort with nothing in the transaction still bumps the epoch (a producer aborting after
  // an error it cannot tell from a lost write).
  auto empty_abort = end_txn(p, p.producer_id, e0 + 2, false);
  CHECK(empty_abort.error_code == kNone);
  CHECK(empty_abort.producer_epoch == e0 + 3);
}

TEST_CASE("transactions v2: a Produce v12 right after a commit waits for its markers, not CONCURRENT_TRANSACTIONS",
          "[kafka][kafka4][transactions]") {
  REQUIRE_SERVED_OR_SKIP(m::EndTxnRequest::kApiKey, 5);
  const std::string topic = unique_name("txn2-next");
  create_topic(topic);
  auto p = init_producer(unique_name("txn2-next"));
  int16_t epoch = p.epoch;
  REQUIRE(produce_v12(p, epoch, topic, 0).error_code == kNone);
  // Commit, then at once the next transaction's first batch, as a producer sends it: the broker
  // lets it wait for the commit's markers (Kafka 4.x: up to add.partitions.to.txn.retry.backoff.max.ms).
  for (int i = 0; i < 5; ++i) {
    auto commit = end_txn(p, p.producer_id, epoch, true);
    REQUIRE(commit.error_code == kNone);
    epoch = commit.producer_epoch;
    const auto next = produce_v12_once(p, epoch, topic, 0);
    INFO("transaction " << i + 2);
    CHECK(next.error_code == kNone);
  }
}

TEST_CASE("transactions v2: an EndTxn v4 of a v1 producer keeps its epoch on the same broker",
          "[kafka][kafka4][transactions]") {
  REQUIRE_SERVED_OR_SKIP(m::EndTxnRequest::kApiKey, 5);
  const std::string topic = unique_name("txn2-v1-topic");
  create_topic(topic);
  auto p = init_producer(unique_name("txn2-v1"));
  REQUIRE(produce_v12(p, p.epoch, topic, 0).error_code == kNone);
  REQUIRE(end_txn(p, p.producer_id, p.epoch, true, 4).error_code == kNone);
  CHECK(await_state(p.id, "CompleteCommit") == "CompleteCommit");
  CHECK(end_txn(p, p.producer_id, p.epoch, true, 4).error_code == kNone);  // the v1 retry
}

TEST_CASE("transactions v2: TxnOffsetCommit v5 joins the transaction without AddOffsetsToTxn",
          "[kafka][kafka4][transactions]") {
  REQUIRE_SERVED_OR_SKIP(m::TxnOffsetCommitRequest::kApiKey, 5);
  const std::string topic = unique_name("txn2-offsets-topic");
  const std::string group = unique_name("txn2-group");
  create_topic(topic);
  {
    m::FindCoordinatorRequest req;
    req.key = group;
    req.key_type = 0;
    REQUIRE(until_settled([&] { return call<m::FindCoordinatorResponse>(target_port(), req, 3).error_code; },
                          kCoordinatorStarting) == kNone);
  }
  auto p = init_producer(unique_name("txn2-offsets"));
  auto commit_offset = [&](int16_t epoch, int64_t offset) {
    m::TxnOffsetCommitRequest req;
    req.transactional_id = p.id;
    req.group_id = group;
    req.producer_id = p.producer_id;
    req.producer_epoch = epoch;
    req.generation_id_or_member_epoch = -1;
    auto& t = req.topics.emplace_back();
    t.name = topic;
    auto& part = t.partitions.emplace_back();
    part.partition_index = 0;
    part.committed_offset = offset;
    int16_t e = until_settled(
        [&] {
          auto resp = call<m::TxnOffsetCommitResponse>(target_port(), req, 5);
          REQUIRE(resp.topics.size() == 1);
          REQUIRE(resp.topics[0].partitions.size() == 1);
          return resp.topics[0].partitions[0].error_code;
        },
        // Kafka answers COORDINATOR_LOAD_IN_PROGRESS while it adds the group's partition to
        // the transaction for the first time.
        {kConcurrentTransactions, 14, 15, 16});
    return e;
  };
  REQUIRE(commit_offset(p.epoch, 42) == kNone);
  CHECK(state_of(p.id) == "Ongoing");
  auto end = end_txn(p, p.producer_id, p.epoch, true);
  REQUIRE(end.error_code == kNone);
  CHECK(await_state(p.id, "CompleteCommit") == "CompleteCommit");
  m::OffsetFetchRequest req;
  req.group_id = group;
  m::OffsetFetchRequest::OffsetFetchRequestTopic t;
  t.name = topic;
  t.partition_indexes = {0};
  req.topics = std::vector{t};
  req.require_stable = true;
  int64_t committed = -1;
  until_settled(
      [&] {
        auto resp = call<m::OffsetFetchResponse>(target_port(), req, 7);
        REQUIRE(resp.topics.size() == 1);
        committed = resp.topics[0].partitions[0].committed_offset;
        return resp.topics[0].partitions[0].error_code;
      },
      {88});  // UNSTABLE_OFFSET_COMMIT while the commit's markers are written
  CHECK(committed == 42);
  // The epoch before the bump is fenced (INVALID_PRODUCER_EPOCH, as Kafka answers a failed
  // verification).
  CHECK(commit_offset(p.epoch, 43) == kInvalidProducerEpoch);
}

TEST_CASE("AddPartitionsToTxn v5 batches transactions: verify_only tells what is in each, else adds",
          "[kafka][kafka4][transactions]") {
  REQUIRE_SERVED_OR_SKIP(m::AddPartitionsToTxnRequest::kApiKey, 5);
  const std::string topic = unique_name("txn2-verify-topic");
  create_topic(topic, 2);
  auto p = init_producer(unique_name("txn2-verify"));
  auto request = [&](bool verify_only, int64_t producer_id, int16_t epoch, std::vector<int32_t> partitions) {
    m::AddPartitionsToTxnRequest req;
    auto& t = req.transactions.emplace_back();
    t.transactional_id = p.id;
    t.producer_id = producer_id;
    t.producer_epoch = epoch;
    t.verify_only = verify_only;
    auto& topic_req = t.topics.emplace_back();
    topic_req.name = topic;
    topic_req.partitions = std::move(partitions);
    std::map<int32_t, int16_t> out;
    auto resp = call<m::AddPartitionsToTxnResponse>(target_port(), req, 5);
    CHECK(resp.error_code == kNone);
    REQUIRE(resp.results_by_transaction.size() == 1);
    CHECK(resp.results_by_transaction[0].transactional_id == p.id);
    for (const auto& tr : resp.results_by_transaction[0].topic_results)
      for (const auto& r : tr.results_by_partition) out[r.partition_index] = r.partition_error_code;
    return out;
  };
  constexpr int16_t kTransactionAbortable = 120;
  constexpr int16_t kInvalidProducerIdMapping = 49;
  // Nothing added yet.
  CHECK(request(true, p.producer_id, p.epoch, {0, 1}) ==
        std::map<int32_t, int16_t>{{0, kTransactionAbortable}, {1, kTransactionAbortable}});
  REQUIRE(request(false, p.producer_id, p.epoch, {0}) == std::map<int32_t, int16_t>{{0, kNone}});
  CHECK(state_of(p.id) == "Ongoing");
  CHECK(request(true, p.producer_id, p.epoch, {0, 1}) ==
        std::map<int32_t, int16_t>{{0, kNone}, {1, kTransactionAbortable}});
  CHECK(request(true, p.producer_id, static_cast<int16_t>(p.epoch + 1), {0}) ==
        std::map<int32_t, int16_t>{{0, kProducerFenced}});
  CHECK(request(true, p.producer_id + 1, p.epoch, {0}) == std::map<int32_t, int16_t>{{0, kInvalidProducerIdMapping}});
  // (EndTxn v3: Kafka 3.9.1 serves AddPartitionsToTxn v5 but not EndTxn v5.)
  REQUIRE(end_txn(p, p.producer_id, p.epoch, false, 3).error_code == kNone);
}
