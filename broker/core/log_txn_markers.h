// The transaction coordinator's markers, written into this broker's own log: what Kafka's
// coordinator sends other brokers as WriteTxnMarkers. A written marker may advance the
// partition's last stable offset, so that read_committed fetches waiting on it wake up.
#pragma once

#include "broker/txn/txn_markers.h"

namespace chronik::broker {

struct Broker;

class LogTxnMarkers final : public txn::TxnMarkerWriter {
 public:
  explicit LogTxnMarkers(Broker& broker) : broker_(broker) {}
  int16_t write_txn_marker(const std::string& topic, int32_t partition, int64_t producer_id, int16_t producer_epoch,
                           int32_t coordinator_epoch, bool commit) override;

 private:
  Broker& broker_;
};

}  // namespace chronik::broker
