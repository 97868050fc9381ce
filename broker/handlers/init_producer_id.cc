// InitProducerId. Without a transactional id: a new producer id at epoch 0, or (KIP-360) the
// same id with its epoch bumped when the client names its current id and epoch. With one:
// the transaction coordinator's (txn/txn_coordinator.h), which fences the id's previous
// producer. Authorization: WRITE on the transactional id; without one, IDEMPOTENT_WRITE on
// the cluster or WRITE on some topic.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::InitProducerIdResponse handle(Broker& broker, const Ctx& ctx, m::InitProducerIdRequest& req) {
  m::InitProducerIdResponse resp;
  if (req.transactional_id) {
    resp.producer_id = -1;
    resp.producer_epoch = -1;
    if (!authorized_transactional_id(broker, ctx, AclOperation::kWrite, *req.transactional_id)) {
      resp.error_code = err(ErrorCode::TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
      return resp;
    }
    // Kafka's checks, in its order: a producer id without an epoch (or the reverse), then an
    // empty id.
    if ((req.producer_id == -1) != (req.producer_epoch == -1) || req.transactional_id->empty()) {
      resp.error_code = err(ErrorCode::INVALID_REQUEST);
      return resp;
    }
    std::optional<txn::TxnCoordinator::ProducerIdAndEpoch> expected;
    if (req.producer_id != -1) expected = txn::TxnCoordinator::ProducerIdAndEpoch{req.producer_id, req.producer_epoch};
    const auto r = broker.transactions->init_producer_id(*req.transactional_id, req.transaction_timeout_ms,
                                                         expected, now_ms());
    resp.error_code = fenced_error(r.error, ctx.api_version < 4);
    if (r.error == 0) {
      resp.producer_id = r.producer_id;
      resp.producer_epoch = r.producer_epoch;
    }
    return resp;
  }
  // An idempotent producer needs IDEMPOTENT_WRITE on the cluster, or WRITE on some topic.
  if (!authorized_cluster(broker, ctx, AclOperation::kIdempotentWrite) &&
      !authorized_any(broker, ctx, AclOperation::kWrite, ResourceType::kTopic)) {
    resp.producer_id = -1;
    resp.producer_epoch = -1;
    resp.error_code = err(ErrorCode::CLUSTER_AUTHORIZATION_FAILED);
    return resp;
  }
  if (req.producer_id >= 0 && req.producer_epoch >= 0 && req.producer_epoch < INT16_MAX - 1) {
    resp.producer_id = req.producer_id;
    resp.producer_epoch = static_cast<int16_t>(req.producer_epoch + 1);
  } else {
    resp.producer_id = broker.allocate_producer_id();
    resp.producer_epoch = 0;
  }
  return resp;
}

}  // namespace chronik::broker::handlers
