// The controller_mutation_rate (KIP-599) of one CreateTopics, CreatePartitions or DeleteTopics
// request: before each topic, whether the client's bucket is overdrawn (a strict request, at
// or past `strict_since` of its API, then refuses that topic with THROTTLING_QUOTA_EXCEEDED;
// an older one goes on, as Kafka lets it); after each, the partitions it created or deleted;
// at the end, how long the client must back off.
#pragma once

#include "broker/core/broker.h"
#include "broker/handlers/quota_client.h"

namespace chronik::broker::handlers {

class ControllerMutationQuota {
 public:
  ControllerMutationQuota(Broker& broker, const RequestContext& ctx, int16_t strict_since)
      : broker_(broker), user_(quota_user(ctx)), client_id_(quota_client_id(ctx)),
        strict_(ctx.api_version >= strict_since) {}

  bool refuses_next() { return strict_ && broker_.quotas.mutations_exceeded(user_, client_id_, now_ms()); }
  void record(int64_t partitions) {
    broker_.quotas.record_mutations(user_, client_id_, static_cast<double>(partitions), now_ms());
  }
  int32_t throttle_ms() { return broker_.quotas.mutation_throttle_ms(user_, client_id_, now_ms()); }

 private:
  Broker& broker_;
  std::string user_, client_id_;
  bool strict_;
};

}  // namespace chronik::broker::handlers
