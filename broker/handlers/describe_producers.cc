// DescribeProducers (KIP-664): each partition's producers with state there (id, epoch, last
// sequence, last timestamp, coordinator epoch of the last marker, first offset of the open
// transaction), as Kafka's kafka-transactions.sh describe-producers shows them. An unknown
// topic answers UNKNOWN_TOPIC_OR_PARTITION with Kafka's message on each of its partitions; an
// invalid name INVALID_TOPIC_EXCEPTION.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::DescribeProducersResponse handle(Broker& broker, const Ctx& ctx, m::DescribeProducersRequest& req) {
  m::DescribeProducersResponse resp;
  for (const auto& t : req.topics) {
    auto& topic_out = resp.topics.emplace_back();
    topic_out.name = t.name;
    std::string invalid;
    const bool valid = valid_topic_name(t.name, &invalid);
    const auto topic = valid ? broker.store->find_topic(t.name) : std::nullopt;
    const bool may_read = authorized_topic(broker, ctx, AclOperation::kRead, t.name);
    for (int32_t index : t.partition_indexes) {
      auto& p = topic_out.partitions.emplace_back();
      p.partition_index = index;
      if (!may_read) {  // READ on the topic, before anything else (Kafka's order)
        p.error_code = err(ErrorCode::TOPIC_AUTHORIZATION_FAILED);
        continue;
      }
      if (!valid) {
        p.error_code = err(ErrorCode::INVALID_TOPIC_EXCEPTION);
        p.error_message = invalid;
        continue;
      }
      if (!topic) {
        p.error_code = err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
        p.error_message = "This server does not host this topic-partition.";
        continue;
      }
      if (index < 0 || index >= topic->partitions) {
        p.error_code = err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);  // Kafka: no message here
        continue;
      }
      auto described = broker.store->describe_producers(t.name, index);
      p.error_code = described.error;
      for (const auto& d : described.producers) {
        auto& s = p.active_producers.emplace_back();
        s.producer_id = d.producer_id;
        s.producer_epoch = d.producer_epoch;
        s.last_sequence = d.last_sequence;
        s.last_timestamp = d.last_timestamp;
        s.coordinator_epoch = d.coordinator_epoch;
        s.current_txn_start_offset = d.current_txn_start_offset;
      }
    }
  }
  return resp;
}

}  // namespace chronik::broker::handlers
