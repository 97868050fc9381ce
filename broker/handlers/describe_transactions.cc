// DescribeTransactions: each transactional id's producer, state, timeout, start time and
// partitions (TRANSACTIONAL_ID_NOT_FOUND for an id the coordinator does not know); DESCRIBE on
// each id.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::DescribeTransactionsResponse handle(Broker& broker, const Ctx& ctx, m::DescribeTransactionsRequest& req) {
  m::DescribeTransactionsResponse resp;
  for (const auto& id : req.transactional_ids) {
    auto& s = resp.transaction_states.emplace_back();
    s.transactional_id = id;
    if (id.empty()) {
      s.error_code = err(ErrorCode::INVALID_REQUEST);
      continue;
    }
    if (!authorized_transactional_id(broker, ctx, AclOperation::kDescribe, id)) {
      s.error_code = err(ErrorCode::TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
      continue;
    }
    const auto m = broker.transactions->describe(id);
    if (!m || m->state == txn::TxnState::kDead) {
      s.error_code = err(ErrorCode::TRANSACTIONAL_ID_NOT_FOUND);
      continue;
    }
    s.transaction_state = std::string(txn::state_name(m->state));
    s.transaction_timeout_ms = m->timeout_ms;
    s.transaction_start_time_ms = m->start_ms;
    s.producer_id = m->producer_id;
    s.producer_epoch = m->producer_epoch;
    for (const auto& tp : m->partitions) {
      if (s.topics.empty() || s.topics.back().topic != tp.topic) s.topics.emplace_back().topic = tp.topic;
      s.topics.back().partitions.push_back(tp.partition);
    }
  }
  return resp;
}

}  // namespace chronik::broker::handlers
