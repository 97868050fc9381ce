// AddPartitionsToTxn. v0-3 come from producers: the partitions join the producer's
// transaction. v4+ batch several transactions and come, in Kafka, from other brokers: each
// transaction either joins its partitions (at transactions v2, as a Produce v12+ does) or,
// with verify_only, only learns whether they are in its ongoing transaction (KIP-890 part 1);
// each transaction has its own result. As Kafka, a partition that does not exist (v0-3 also:
// of an internal topic) fails its whole transaction: those partitions carry their error and
// the others OPERATION_NOT_ATTEMPTED.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {
namespace {

using Topics = std::vector<m::AddPartitionsToTxnRequest::AddPartitionsToTxnTopic>;
using TopicResults = std::vector<m::AddPartitionsToTxnResponse::AddPartitionsToTxnTopicResult>;

struct Transaction {
  const std::string& id;
  int64_t producer_id;
  int16_t producer_epoch;
  bool verify_only;
  const Topics& topics;
};

TopicResults add_or_verify(Broker& broker, const Ctx& ctx, const Transaction& txn) {
  const int16_t version = ctx.api_version;
  std::vector<std::pair<group::TopicPartition, int16_t>> checked;
  bool refused = false;
  // A producer (v0-3) needs WRITE on its transactional id, then on each topic.
  const bool id_allowed = version >= 4 || authorized_transactional_id(broker, ctx, AclOperation::kWrite, txn.id);
  for (const auto& t : txn.topics) {
    // Producers (v0-3) may never write to an internal topic; brokers (v4+) verify the
    // transactional offset commits of __consumer_offsets.
    const bool forbidden = version < 4 && is_internal_topic(t.name);
    const bool may_write = version >= 4 || authorized_topic(broker, ctx, AclOperation::kWrite, t.name);
    const auto topic = forbidden ? std::nullopt : broker.store->find_topic(t.name);
    for (int32_t p : t.partitions) {
      int16_t e = 0;
      if (!id_allowed) e = err(ErrorCode::TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
      else if (forbidden || !may_write) e = err(ErrorCode::TOPIC_AUTHORIZATION_FAILED);  // internal: never writable
      else if (!topic || p < 0 || p >= topic->partitions) e = err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
      refused |= e != 0;
      checked.push_back({group::TopicPartition{t.name, p}, e});
    }
  }
  std::vector<int16_t> errors(checked.size(), err(ErrorCode::OPERATION_NOT_ATTEMPTED));
  if (!refused) {
    std::vector<group::TopicPartition> partitions;
    for (const auto& [tp, _] : checked) partitions.push_back(tp);
    if (txn.id.empty()) {
      errors.assign(checked.size(), err(ErrorCode::INVALID_REQUEST));
    } else if (txn.verify_only && version >= 4) {
      errors = broker.transactions->verify_partitions(txn.id, txn.producer_id, txn.producer_epoch, partitions);
    } else {
      // As Kafka: a request above v3 tells that the sender uses transactions v2.
      const int16_t e = fenced_error(
          broker.transactions->add_partitions(txn.id, txn.producer_id, txn.producer_epoch, partitions, now_ms(),
                                              version > 3 ? txn::kTransactionsV2 : int8_t{0}),
          version < 2);
      errors.assign(checked.size(), e);
    }
  }
  TopicResults results;
  for (size_t i = 0; i < checked.size(); ++i) {
    const auto& [tp, e] = checked[i];
    if (results.empty() || results.back().name != tp.topic) results.emplace_back().name = tp.topic;
    auto& r = results.back().results_by_partition.emplace_back();
    r.partition_index = tp.partition;
    r.partition_error_code = e ? e : errors[i];
  }
  return results;
}

}  // namespace

m::AddPartitionsToTxnResponse handle(Broker& broker, const Ctx& ctx, m::AddPartitionsToTxnRequest& req) {
  m::AddPartitionsToTxnResponse resp;
  if (ctx.api_version < 4) {
    resp.results_by_topic_v3_and_below =
        add_or_verify(broker, ctx,
                      {req.v3_and_below_transactional_id, req.v3_and_below_producer_id,
                       req.v3_and_below_producer_epoch, false, req.v3_and_below_topics});
    return resp;
  }
  require_cluster(broker, ctx, AclOperation::kClusterAction);  // v4+: a broker's request
  for (const auto& t : req.transactions) {
    auto& result = resp.results_by_transaction.emplace_back();
    result.transactional_id = t.transactional_id;
    result.topic_results =
        add_or_verify(broker, ctx, {t.transactional_id, t.producer_id, t.producer_epoch, t.verify_only, t.topics});
  }
  return resp;
}

}  // namespace chronik::broker::handlers
