// InitProducerId: a new producer id at epoch 0, or (KIP-360) the same id with its epoch
// bumped when the client names its current id and epoch.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::InitProducerIdResponse handle(Broker& broker, const Ctx&, m::InitProducerIdRequest& req) {
  m::InitProducerIdResponse resp;
  if (req.producer_id >= 0 && req.producer_epoch >= 0 && req.producer_epoch < INT16_MAX - 1) {
    resp.producer_id = req.producer_id;
    resp.producer_epoch = static_cast<int16_t>(req.producer_epoch + 1);
  } else {
    resp.producer_id = broker.producers.allocate_id();
    resp.producer_epoch = 0;
  }
  return resp;
}

}  // namespace chronik::broker::handlers
