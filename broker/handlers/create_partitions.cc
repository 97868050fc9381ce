// CreatePartitions: grows a topic (every new partition on this node); needs ALTER on it.
//
// The partitions one request adds are bounded (broker/log/request_limits.h): topics are
// taken in request order, and one whose growth would take the request past the bound is
// refused whole with POLICY_VIOLATION, before anything of it is persisted.
#include <spdlog/spdlog.h>

#include "broker/handlers/handlers.h"
#include "broker/log/request_limits.h"
#include "broker/config/loggers.h"
#include "broker/handlers/controller_mutation_quota.h"

namespace chronik::broker::handlers {

m::CreatePartitionsResponse handle(Broker& broker, const Ctx& ctx, m::CreatePartitionsRequest& req) {
  m::CreatePartitionsResponse resp;
  int64_t added = 0;  // partitions this request adds so far
  ControllerMutationQuota quota(broker, ctx, 3);
  for (const auto& t : req.topics) {
    m::CreatePartitionsResponse::CreatePartitionsTopicResult out;
    out.name = t.name;
    auto fail = [&](int16_t code, std::string message) {
      out.error_code = code;
      out.error_message = std::move(message);
    };
    auto topic = broker.store->find_topic(t.name);
    if (!authorized_topic(broker, ctx, AclOperation::kAlter, t.name)) {
      fail(err(ErrorCode::TOPIC_AUTHORIZATION_FAILED), "The topic authorization is failed.");  // Kafka's words
    } else if (!topic) {
      fail(err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION), "Topic " + t.name + " does not exist");
    } else if (t.count < topic->partitions) {
      // Kafka's wording (kafka-topics --alter prints it).
      fail(err(ErrorCode::INVALID_PARTITIONS), "The topic " + t.name + " currently has " +
                                                   std::to_string(topic->partitions) + " partition(s); " +
                                                   std::to_string(t.count) + " would not be an increase.");
    } else if (t.count == topic->partitions) {
      fail(err(ErrorCode::INVALID_PARTITIONS),
           "Topic already has " + std::to_string(topic->partitions) + " partition(s).");
    } else if (t.assignments && static_cast<int32_t>(t.assignments->size()) != t.count - topic->partitions) {
      fail(err(ErrorCode::INVALID_REPLICA_ASSIGNMENT), "Assignments must name every new partition");
    } else if (added + (t.count - topic->partitions) > limits::kMaxRecordsPerRequest) {
      fail(err(ErrorCode::POLICY_VIOLATION), limits::kTooManyRecordsMessage);
    } else if (quota.refuses_next()) {
      out.error_code = err(ErrorCode::THROTTLING_QUOTA_EXCEEDED);
      out.error_message = std::nullopt;
    } else {
      added += t.count - topic->partitions;
      if (!req.validate_only) {
        const int16_t e = broker.store->create_partitions(t.name, t.count);
        if (e) {
          fail(e, e == err(ErrorCode::POLICY_VIOLATION) ? limits::kTooManyRecordsMessage : "");
        } else {
          quota.record(t.count - topic->partitions);
          ::chronik::config::named_logger("chronik.handlers").info("topic {} grown to {} partitions", t.name, t.count);
        }
      }
    }
    resp.results.push_back(std::move(out));
  }
  resp.throttle_time_ms = quota.throttle_ms();
  return resp;
}

}  // namespace chronik::broker::handlers
