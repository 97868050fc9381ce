// DeleteGroups: removes empty groups with their committed offsets.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

m::DeleteGroupsResponse handle(Broker& broker, const Ctx& ctx, m::DeleteGroupsRequest& req) {
  m::DeleteGroupsResponse resp;
  for (const auto& id : req.groups_names) {
    m::DeleteGroupsResponse::DeletableGroupResult r;
    r.group_id = id;
    r.error_code = broker.groups->delete_group(id);
    // v3 (Kafka 4.x) carries a message with the error.
    if (ctx.api_version >= 3 && r.error_code == err(ErrorCode::GROUP_ID_NOT_FOUND))
      r.error_message = "Group " + id + " not found.";
    else if (ctx.api_version >= 3 && r.error_code == err(ErrorCode::NON_EMPTY_GROUP))
      r.error_message = "The group is not empty.";
    resp.results.push_back(std::move(r));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
