// AddOffsetsToTxn: the group's offsets join the producer's transaction (as the
// __consumer_offsets partition Kafka keeps the group in), so that TxnOffsetCommit may
// commit them in it.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::AddOffsetsToTxnResponse handle(Broker& broker, const Ctx& ctx, m::AddOffsetsToTxnRequest& req) {
  m::AddOffsetsToTxnResponse resp;
  // WRITE on the transactional id, then READ on the group (Kafka's order).
  if (!authorized_transactional_id(broker, ctx, AclOperation::kWrite, req.transactional_id)) {
    resp.error_code = err(ErrorCode::TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    return resp;
  }
  if (!authorized_group(broker, ctx, AclOperation::kRead, req.group_id)) {
    resp.error_code = err(ErrorCode::GROUP_AUTHORIZATION_FAILED);
    return resp;
  }
  if (req.transactional_id.empty()) {
    resp.error_code = err(ErrorCode::INVALID_REQUEST);
    return resp;
  }
  resp.error_code = fenced_error(
      broker.transactions->add_offsets(req.transactional_id, req.producer_id, req.producer_epoch, req.group_id, now_ms()),
      ctx.api_version < 2);
  return resp;
}

}  // namespace chronik::broker::handlers
