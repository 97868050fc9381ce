// TxnOffsetCommit: a transactional producer commits a group's offsets inside its transaction
// (KIP-98; KIP-447 adds the member and generation). The offsets wait in the group until the
// transaction ends, and are served by OffsetFetch only if it commits.
//
// Kafka's order: unknown partitions fail on their own; then the group id; then the
// transaction coordinator confirms the group was added to the producer's ongoing
// transaction (AddOffsetsToTxn; KIP-890's verification, which Kafka 3.9 does for every
// transactional commit); then the group checks the member and generation.
//
// v5+ comes from a producer on transactions v2 (KIP-890 part 2): it sends no AddOffsetsToTxn,
// and the commit adds the group's offsets partition to the transaction itself. v6 names topics
// by id (an id no topic has is UNKNOWN_TOPIC_ID).
#include "broker/handlers/group_common.h"
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {
namespace {

// What Kafka answers when its verification of the transaction fails: a fenced producer as
// INVALID_PRODUCER_EPOCH, and a group not in the transaction as INVALID_TXN_STATE to
// clients older than TransactionAbortableException (v4).
int16_t verification_error(int16_t e, int16_t version) {
  if (e == err(ErrorCode::PRODUCER_FENCED)) return err(ErrorCode::INVALID_PRODUCER_EPOCH);
  if (e == err(ErrorCode::TRANSACTION_ABORTABLE) && version < 4) return err(ErrorCode::INVALID_TXN_STATE);
  return e;
}

}  // namespace

m::TxnOffsetCommitResponse handle(Broker& broker, const Ctx& ctx, m::TxnOffsetCommitRequest& req) {
  const auto cfg = broker.config();
  const size_t max_metadata = static_cast<size_t>(std::max(0, cfg->get_int("offset.metadata.max.bytes")));
  const int64_t now = now_ms();

  group::GroupCoordinator::TxnCommitRequest c;
  c.group_id = req.group_id;
  c.producer_id = req.producer_id;
  c.generation = req.generation_id_or_member_epoch;
  c.member_id = req.member_id;
  c.instance_id = req.group_instance_id;

  m::TxnOffsetCommitResponse resp;
  // WRITE on the transactional id, then READ on the group, each refusing every partition;
  // then READ on each topic.
  int16_t refusal = 0;
  if (!authorized_transactional_id(broker, ctx, AclOperation::kWrite, req.transactional_id))
    refusal = err(ErrorCode::TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  else if (!authorized_group(broker, ctx, AclOperation::kRead, req.group_id))
    refusal = err(ErrorCode::GROUP_AUTHORIZATION_FAILED);
  std::vector<std::pair<size_t, size_t>> committed;  // (topic, partition) indexes into resp
  for (const auto& t : req.topics) {
    m::TxnOffsetCommitResponse::TxnOffsetCommitResponseTopic rt;
    rt.name = t.name;
    rt.topic_id = t.topic_id;
    const bool by_id = ctx.api_version >= 6;
    const auto topic = by_id ? broker.store->find_topic(t.topic_id) : broker.store->find_topic(t.name);
    for (const auto& p : t.partitions) {
      m::TxnOffsetCommitResponse::TxnOffsetCommitResponsePartition rp;
      rp.partition_index = p.partition_index;
      const std::string metadata = p.committed_metadata.value_or("");
      if (refusal) {
        rp.error_code = refusal;
      } else if (const int16_t refused = commit_refusal(broker, ctx, topic, by_id, t.name, p.partition_index,
                                                         metadata.size(), max_metadata)) {
        rp.error_code = refused;
      } else {
        group::CommittedOffset o;
        o.offset = p.committed_offset;
        o.leader_epoch = p.committed_leader_epoch;
        o.metadata = metadata;
        c.offsets.emplace_back(group::TopicPartition{topic->name, p.partition_index}, std::move(o));
        committed.emplace_back(resp.topics.size(), rt.partitions.size());
      }
      rt.partitions.push_back(rp);
    }
    resp.topics.push_back(std::move(rt));
  }
  if (committed.empty()) return resp;
  int16_t error = 0;
  if (req.group_id.empty()) error = err(ErrorCode::INVALID_GROUP_ID);
  if (!error) {
    int16_t group_error = 0;
    error = verification_error(broker.transactions->commit_offsets(req.transactional_id, req.producer_id,
                                                                  req.producer_epoch, req.group_id,
                                                                  [&] {
                                                                    group_error = broker.groups->txn_commit(c, now);
                                                                    return group_error;
                                                                  },
                                                                  ctx.api_version > 4 ? txn::kTransactionsV2 : 0, now),
                               ctx.api_version);
    if (group_error) error = group_error;  // the group's own answer, not a verification's
  }
  for (const auto& [ti, pi] : committed) resp.topics[ti].partitions[pi].error_code = error;
  return resp;
}

}  // namespace chronik::broker::handlers
