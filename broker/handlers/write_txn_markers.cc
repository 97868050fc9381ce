// WriteTxnMarkers: the transaction coordinator's request that ends a transaction on each of its
// partitions with a COMMIT or ABORT marker (LogStore::write_txn_marker). Kafka answers it on
// the broker listener too (its coordinator sends it to the partitions' leaders), so any client
// may send it, as to a Kafka without an authorizer; with one, it needs CLUSTER_ACTION on the
// cluster (else CLUSTER_AUTHORIZATION_FAILED on every partition). Errors are per partition, as Kafka's:
// UNKNOWN_TOPIC_OR_PARTITION, INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED,
// KAFKA_STORAGE_ERROR. Each written marker wakes the partition's waiting fetches: the last
// stable offset may have moved for read_committed consumers. v2 names each marker's
// transaction version (KIP-890); a v2 marker carries the epoch its end bumped to, which the
// partition checks as any other (never below the producer's epoch there), as Kafka 4.x does.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::WriteTxnMarkersResponse handle(Broker& broker, const Ctx& ctx, m::WriteTxnMarkersRequest& req) {
  m::WriteTxnMarkersResponse resp;
  const bool may_write = authorized_cluster(broker, ctx, AclOperation::kClusterAction);
  for (const auto& marker : req.markers) {
    auto& result = resp.markers.emplace_back();
    result.producer_id = marker.producer_id;
    for (const auto& topic : marker.topics) {
      auto& topic_out = result.topics.emplace_back();
      topic_out.name = topic.name;
      for (int32_t index : topic.partition_indexes) {
        auto& p = topic_out.partitions.emplace_back();
        p.partition_index = index;
        if (!may_write) {
          p.error_code = err(ErrorCode::CLUSTER_AUTHORIZATION_FAILED);
          continue;
        }
        // Kafka's transaction_result: true is COMMIT.
        p.error_code = broker.store->write_txn_marker(topic.name, index, marker.producer_id, marker.producer_epoch,
                                                      marker.coordinator_epoch, marker.transaction_result);
        if (p.error_code == 0) broker.notify_append(topic.name, index);
      }
    }
  }
  return resp;
}

}  // namespace chronik::broker::handlers
