// FindCoordinator: this node coordinates every group and transactional id. v4+ asks for
// several keys at once.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {
namespace {

constexpr int8_t kGroupKey = 0;
constexpr int8_t kTransactionKey = 1;

// The key's problem: an unknown type, or a requester without DESCRIBE on the group or
// transactional id (Kafka's messages).
int16_t check_key(const Broker& broker, const Ctx& ctx, int8_t key_type, const std::string& key,
                  std::string* message) {
  if (key_type != kGroupKey && key_type != kTransactionKey) {
    *message = "unknown coordinator key type " + std::to_string(key_type);
    return err(ErrorCode::INVALID_REQUEST);
  }
  if (key_type == kGroupKey && !authorized_group(broker, ctx, AclOperation::kDescribe, key)) {
    *message = "Group authorization failed.";
    return err(ErrorCode::GROUP_AUTHORIZATION_FAILED);
  }
  if (key_type == kTransactionKey && !authorized_transactional_id(broker, ctx, AclOperation::kDescribe, key)) {
    *message = "Transactional Id authorization failed.";
    return err(ErrorCode::TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  }
  return 0;
}

}  // namespace

m::FindCoordinatorResponse handle(Broker& broker, const Ctx& ctx, m::FindCoordinatorRequest& req) {
  m::FindCoordinatorResponse resp;
  // As Kafka, looking up a group coordinator makes __consumer_offsets if it is missing (an
  // operator deleted it).
  if (req.key_type == kGroupKey) broker.ensure_internal_topics();
  const Broker& self = broker;
  const Endpoint advertised = self.advertised_for(ctx.listener);
  if (ctx.api_version < 4) {
    std::string message;
    resp.error_code = check_key(broker, ctx, req.key_type, req.key, &message);
    if (resp.error_code != 0) {
      resp.node_id = -1;
      resp.host = "";
      resp.port = -1;
      if (ctx.api_version >= 1) resp.error_message = message;
      return resp;
    }
    resp.node_id = self.node_id;
    resp.host = advertised.host;
    resp.port = advertised.port;
    if (ctx.api_version >= 1) resp.error_message = std::nullopt;
    return resp;
  }
  for (const auto& key : req.coordinator_keys) {
    m::FindCoordinatorResponse::Coordinator c;
    c.key = key;
    std::string message;
    c.error_code = check_key(broker, ctx, req.key_type, key, &message);
    if (c.error_code != 0) {
      c.node_id = -1;
      c.host = "";
      c.port = -1;
      c.error_message = message;
    } else {
      c.node_id = self.node_id;
      c.host = advertised.host;
      c.port = advertised.port;
      c.error_message = std::nullopt;
    }
    resp.coordinators.push_back(std::move(c));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
