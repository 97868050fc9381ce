// Metadata: brokers (this node), the cluster id, and topics with their partitions, which
// this node leads at epoch 0. Unknown topics are created when the request and
// auto.create.topics.enable allow it.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {
namespace {

m::MetadataResponse::MetadataResponseTopic describe(const Broker& broker, const Ctx& ctx, const TopicInfo& t,
                                                    bool with_operations) {
  m::MetadataResponse::MetadataResponseTopic out;
  out.name = t.name;
  out.topic_id = t.id;
  out.is_internal = is_internal_topic(t.name);
  for (int32_t i = 0; i < t.partitions; ++i) {
    m::MetadataResponse::MetadataResponsePartition p;
    p.partition_index = i;
    p.leader_id = broker.node_id;
    p.leader_epoch = 0;
    p.replica_nodes = {broker.node_id};
    p.isr_nodes = {broker.node_id};
    out.partitions.push_back(std::move(p));
  }
  if (with_operations) out.topic_authorized_operations = authorized_operations(broker, ctx, ResourceType::kTopic, t.name);
  return out;
}

}  // namespace

m::MetadataResponse handle(Broker& broker, const Ctx& ctx, m::MetadataRequest& req) {
  const int16_t v = ctx.api_version;
  m::MetadataResponse resp;
  m::MetadataResponse::MetadataResponseBroker self;
  self.node_id = broker.node_id;
  const Endpoint advertised = broker.advertised_for(ctx.listener);
  self.host = advertised.host;
  self.port = advertised.port;
  resp.brokers.push_back(self);
  resp.cluster_id = broker.cluster_id;
  resp.controller_id = broker.node_id;
  // v13's top-level ErrorCode (KIP-1102) lets a broker tell a client to rebootstrap
  // (REBOOTSTRAP_REQUIRED). Kafka 4.4 leaves it NONE for a request it answers, and Chronik,
  // a single broker the client is bootstrapped to, has no other cluster to send it to: it
  // stays at its default, NONE.
  const bool with_ops = v >= 8 && req.include_topic_authorized_operations;
  if (v >= 8 && v <= 10 && req.include_cluster_authorized_operations &&
      authorized_cluster(broker, ctx, AclOperation::kDescribe))
    resp.cluster_authorized_operations = authorized_operations(broker, ctx, ResourceType::kCluster, security::kClusterName);

  // v0: an empty list means every topic; v1+: null means every topic.
  const bool all = !req.topics || (v == 0 && req.topics->empty());
  if (all) {
    // Only what the requester may describe; the others' existence is not disclosed.
    for (const auto& t : broker.store->list_topics())
      if (authorized_topic(broker, ctx, AclOperation::kDescribe, t.name))
        resp.topics.push_back(describe(broker, ctx, t, with_ops));
    return resp;
  }
  // Before v4 the request cannot say no: creation is up to the broker's config.
  const bool may_create =
      broker.config()->get_bool("auto.create.topics.enable") && (v < 4 || req.allow_auto_topic_creation);
  for (const auto& rt : *req.topics) {
    std::optional<TopicInfo> topic;
    m::MetadataResponse::MetadataResponseTopic out;
    // By id (v10+): the Java AdminClient sends an empty name, not a null one, with the id.
    if (!rt.name || (rt.name->empty() && !rt.topic_id.is_zero())) {
      topic = broker.store->find_topic(rt.topic_id);
      if (!topic) {
        out.error_code = err(ErrorCode::UNKNOWN_TOPIC_ID);
        out.name = v >= 12 ? std::nullopt : std::optional<std::string>("");
        out.topic_id = rt.topic_id;
        resp.topics.push_back(std::move(out));
        continue;
      }
    } else {
      // Not allowed to describe: TOPIC_AUTHORIZATION_FAILED whether or not the topic exists.
      if (!authorized_topic(broker, ctx, AclOperation::kDescribe, *rt.name)) {
        out.error_code = err(ErrorCode::TOPIC_AUTHORIZATION_FAILED);
        out.name = *rt.name;
        resp.topics.push_back(std::move(out));
        continue;
      }
      topic = broker.store->find_topic(*rt.name);
      if (!topic) {
        std::string why;
        if (!valid_topic_name(*rt.name, &why)) {
          out.error_code = err(ErrorCode::INVALID_TOPIC_EXCEPTION);
        } else if (may_create && !authorized_cluster(broker, ctx, AclOperation::kCreate) &&
                   !authorized_topic(broker, ctx, AclOperation::kCreate, *rt.name)) {
          out.error_code = err(ErrorCode::TOPIC_AUTHORIZATION_FAILED);
        } else if (may_create) {
          out.error_code = auto_create_topic(broker, *rt.name, &topic);
        } else {
          out.error_code = err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
        }
      }
      if (!topic) {
        out.name = *rt.name;
        resp.topics.push_back(std::move(out));
        continue;
      }
    }
    if (!rt.name || rt.name->empty()) {
      // By id: the id is not secret, the name is.
      if (!authorized_topic(broker, ctx, AclOperation::kDescribe, topic->name)) {
        out.error_code = err(ErrorCode::TOPIC_AUTHORIZATION_FAILED);
        out.name = v >= 12 ? std::nullopt : std::optional<std::string>("");
        out.topic_id = rt.topic_id;
        resp.topics.push_back(std::move(out));
        continue;
      }
    }
    resp.topics.push_back(describe(broker, ctx, *topic, with_ops));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
