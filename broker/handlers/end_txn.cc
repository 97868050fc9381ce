// EndTxn: commits or aborts the producer's transaction. Answered once PrepareCommit or
// PrepareAbort is stored; the markers follow on the coordinator's thread. v5+ comes from a
// producer on transactions v2 (KIP-890): the end bumps its epoch, and the answer names the
// producer id and epoch it continues with.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::EndTxnResponse handle(Broker& broker, const Ctx& ctx, m::EndTxnRequest& req) {
  m::EndTxnResponse resp;
  if (!authorized_transactional_id(broker, ctx, AclOperation::kWrite, req.transactional_id)) {
    resp.error_code = err(ErrorCode::TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    return resp;
  }
  if (req.transactional_id.empty()) {
    resp.error_code = err(ErrorCode::INVALID_REQUEST);
    return resp;
  }
  // As Kafka: a request above v4 tells that the client uses transactions v2.
  const int8_t client_txn_version = ctx.api_version > 4 ? txn::kTransactionsV2 : 0;
  const auto r = broker.transactions->end_transaction(req.transactional_id, req.producer_id, req.producer_epoch,
                                                      req.committed, now_ms(), client_txn_version);
  resp.error_code = fenced_error(r.error, ctx.api_version < 2);
  if (ctx.api_version >= 5) {
    resp.producer_id = r.producer_id;
    resp.producer_epoch = r.producer_epoch;
  }
  return resp;
}

}  // namespace chronik::broker::handlers
