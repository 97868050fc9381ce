// The one way a handler asks whether its requester may act (Kafka's AuthHelper): every
// check goes through here, so that without an authorizer every action is allowed and the
// authorized-operations fields list everything, as in Kafka without authorizer.class.name.
#pragma once

#include <string_view>

#include "broker/core/broker.h"
#include "broker/security/acl.h"
#include "runtime/protocol/error_codes.h"

namespace chronik::broker::handlers {

using security::AclOperation;
using security::ResourceType;

// The client's address without its port ("127.0.0.1:5000" -> "127.0.0.1"), what ACL hosts name.
inline std::string_view acl_host(const RequestContext& ctx) {
  std::string_view peer = ctx.peer;
  const auto colon = peer.rfind(':');
  return colon == std::string_view::npos ? peer : peer.substr(0, colon);
}

inline security::Requester requester(const RequestContext& ctx) { return {ctx.principal, acl_host(ctx)}; }

// May the requester do `op` on the resource (type, name)?
inline bool authorized(const Broker& broker, const RequestContext& ctx, AclOperation op, ResourceType type,
                       std::string_view name) {
  return !broker.authorizer || broker.authorizer->authorize(requester(ctx), op, type, name);
}
inline bool authorized_cluster(const Broker& broker, const RequestContext& ctx, AclOperation op) {
  return authorized(broker, ctx, op, ResourceType::kCluster, security::kClusterName);
}
inline bool authorized_topic(const Broker& broker, const RequestContext& ctx, AclOperation op, std::string_view topic) {
  return authorized(broker, ctx, op, ResourceType::kTopic, topic);
}
inline bool authorized_group(const Broker& broker, const RequestContext& ctx, AclOperation op, std::string_view group) {
  return authorized(broker, ctx, op, ResourceType::kGroup, group);
}
inline bool authorized_transactional_id(const Broker& broker, const RequestContext& ctx, AclOperation op,
                                        std::string_view id) {
  return authorized(broker, ctx, op, ResourceType::kTransactionalId, id);
}
// Refuses the whole request (RequestRefused, CLUSTER_AUTHORIZATION_FAILED) unless the
// requester may do `op` on the cluster: the APIs that act on the cluster as a whole.
inline void require_cluster(const Broker& broker, const RequestContext& ctx, AclOperation op) {
  if (!authorized_cluster(broker, ctx, op))
    throw RequestRefused(protocol::to_int16(protocol::ErrorCode::CLUSTER_AUTHORIZATION_FAILED));
}
// May the requester do `op` on some resource of `type` (Kafka's authorizeByResourceType)?
inline bool authorized_any(const Broker& broker, const RequestContext& ctx, AclOperation op, ResourceType type) {
  return !broker.authorizer || broker.authorizer->authorize_any(requester(ctx), op, type);
}
// The authorized-operations field of a resource: the operations Kafka defines for its type
// that the requester may do, one bit per operation code.
inline int32_t authorized_operations(const Broker& broker, const RequestContext& ctx, ResourceType type,
                                     std::string_view name) {
  if (broker.authorizer) return broker.authorizer->authorized_operations(requester(ctx), type, name);
  int32_t bits = 0;
  for (auto op : security::supported_operations(type)) bits |= int32_t{1} << static_cast<int>(op);
  return bits;
}

}  // namespace chronik::broker::handlers
