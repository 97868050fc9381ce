// Where the coordinator writes the end of a transaction into each of its partitions (Kafka's
// WriteTxnMarkers, here a call into this broker's own log). The broker gives the coordinator
// one that writes a control batch through LogStore::write_txn_marker and wakes the fetches
// waiting on the partition; tests give it one that records what was asked.
#pragma once

#include <cstdint>
#include <string>

namespace chronik::broker::txn {

class TxnMarkerWriter {
 public:
  virtual ~TxnMarkerWriter() = default;
  // Writes the COMMIT (`commit`) or ABORT marker of `producer_id` at `producer_epoch` into
  // the partition, durably. A Kafka error code: NONE, UNKNOWN_TOPIC_OR_PARTITION (the topic
  // is gone: nothing to end there), INVALID_PRODUCER_EPOCH (the partition knows a newer
  // epoch), or KAFKA_STORAGE_ERROR (the coordinator tries again).
  virtual int16_t write_txn_marker(const std::string& topic, int32_t partition, int64_t producer_id,
                                   int16_t producer_epoch, int32_t coordinator_epoch, bool commit) = 0;
};

}  // namespace chronik::broker::txn
