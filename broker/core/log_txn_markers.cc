#include "broker/core/log_txn_markers.h"

#include "broker/core/broker.h"

namespace chronik::broker {

int16_t LogTxnMarkers::write_txn_marker(const std::string& topic, int32_t partition, int64_t producer_id,
                                        int16_t producer_epoch, int32_t coordinator_epoch, bool commit) {
  const int16_t e =
      broker_.store->write_txn_marker(topic, partition, producer_id, producer_epoch, coordinator_epoch, commit);
  if (e == 0) broker_.notify_append(topic, partition);
  return e;
}

}  // namespace chronik::broker
