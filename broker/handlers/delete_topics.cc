// DeleteTopics: by name (all versions) or by topic id (v6+); needs DELETE on the cluster, which
// covers every topic, or else DESCRIBE and DELETE on each topic (Kafka's controller's order).
#include <spdlog/spdlog.h>

#include "broker/handlers/controller_mutation_quota.h"
#include "broker/handlers/handlers.h"
#include "broker/config/loggers.h"

namespace chronik::broker::handlers {
namespace {

m::DeleteTopicsResponse::DeletableTopicResult delete_one(Broker& broker, const Ctx& ctx, bool cluster_delete,
                                                         const std::optional<std::string>& name,
                                                         const wire::Uuid& id, ControllerMutationQuota& quota) {
  const int16_t v = ctx.api_version;
  m::DeleteTopicsResponse::DeletableTopicResult out;
  std::optional<TopicInfo> topic = name ? broker.store->find_topic(*name) : broker.store->find_topic(id);
  out.name = name ? *name : (topic ? topic->name : std::optional<std::string>());
  if (v >= 6) out.topic_id = topic ? topic->id : id;
  // Kafka's order: DESCRIBE (a topic named by id stays unnamed without it), then DELETE, both
  // before the topic's existence for a name.
  if (!cluster_delete && (name || topic)) {
    const std::string& topic_name = name ? *name : topic->name;
    if (!authorized_topic(broker, ctx, AclOperation::kDescribe, topic_name)) {
      out.error_code = err(ErrorCode::TOPIC_AUTHORIZATION_FAILED);
      if (!name) out.name = std::nullopt;
      if (v < 6 && !out.name) out.name = "";
      return out;
    }
    if (!authorized_topic(broker, ctx, AclOperation::kDelete, topic_name)) {
      out.error_code = err(ErrorCode::TOPIC_AUTHORIZATION_FAILED);
      return out;
    }
  }
  if (!topic) {
    out.error_code = name ? err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION) : err(ErrorCode::UNKNOWN_TOPIC_ID);
    if (v < 6 && !out.name) out.name = "";
    return out;
  }
  if (quota.refuses_next()) {
    out.error_code = err(ErrorCode::THROTTLING_QUOTA_EXCEEDED);
    return out;
  }
  out.error_code = broker.store->delete_topic(topic->name);
  if (out.error_code == 0) {
    quota.record(topic->partitions);
    broker.forget_topic(*topic);
    ::chronik::config::named_logger("chronik.handlers").info("deleted topic {}", topic->name);
  }
  return out;
}

}  // namespace

m::DeleteTopicsResponse handle(Broker& broker, const Ctx& ctx, m::DeleteTopicsRequest& req) {
  m::DeleteTopicsResponse resp;
  const bool cluster_delete = authorized_cluster(broker, ctx, AclOperation::kDelete);
  ControllerMutationQuota quota(broker, ctx, 5);
  if (ctx.api_version >= 6) {
    for (const auto& t : req.topics)
      resp.responses.push_back(delete_one(broker, ctx, cluster_delete, t.name, t.topic_id, quota));
  } else {
    for (const auto& n : req.topic_names)
      resp.responses.push_back(delete_one(broker, ctx, cluster_delete, n, {}, quota));
  }
  resp.throttle_time_ms = quota.throttle_ms();
  return resp;
}

}  // namespace chronik::broker::handlers
