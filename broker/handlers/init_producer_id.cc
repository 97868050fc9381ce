// InitProducerId: a new producer id at epoch 0, or (KIP-360) the same id with its epoch
// bumped when the client names its current id and epoch. Transactional producers are
// refused until transactions are served, so that they fail at start-up instead of at their
// first transactional send: with TRANSACTIONAL_ID_AUTHORIZATION_FAILED, which every client
// treats as fatal at once (UNSUPPORTED_VERSION, say, librdkafka retries until its timeout).
#include <spdlog/spdlog.h>

#include "broker/handlers/handlers.h"
#include "broker/config/loggers.h"

namespace chronik::broker::handlers {

m::InitProducerIdResponse handle(Broker& broker, const Ctx& ctx, m::InitProducerIdRequest& req) {
  m::InitProducerIdResponse resp;
  if (req.transactional_id && !req.transactional_id->empty()) {
    ::chronik::config::named_logger("chronik.handlers").warn("refused transactional producer {} ({}): transactions are not supported yet",
                 *req.transactional_id, ctx.peer);
    resp.error_code = err(ErrorCode::TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
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
