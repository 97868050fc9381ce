// DeleteGroups: removes empty groups with their committed offsets (DELETE on each group). v3 (Kafka 4.x) adds an
// ErrorMessage that Kafka 4.4 leaves null (GROUP_ID_NOT_FOUND included), and so does Chronik.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::DeleteGroupsResponse handle(Broker& broker, const Ctx& ctx, m::DeleteGroupsRequest& req) {
  m::DeleteGroupsResponse resp;
  for (const auto& id : req.groups_names) {
    m::DeleteGroupsResponse::DeletableGroupResult r;
    r.group_id = id;
    r.error_code = authorized_group(broker, ctx, AclOperation::kDelete, id) ? broker.groups->delete_group(id)
                                                                           : err(ErrorCode::GROUP_AUTHORIZATION_FAILED);
    resp.results.push_back(std::move(r));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
