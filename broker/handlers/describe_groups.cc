// DescribeGroups: state, protocol and members (with metadata and assignment once Stable).
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {
namespace {

// READ, DELETE and DESCRIBE: what a group allows (Kafka's AclOperation bit numbers), as Kafka
// 3.9 answers without an authorizer.
constexpr int32_t kGroupOperations = (1 << 3) | (1 << 6) | (1 << 8);

}  // namespace

m::DescribeGroupsResponse handle(Broker& broker, const Ctx& ctx, m::DescribeGroupsRequest& req) {
  m::DescribeGroupsResponse resp;
  for (const auto& id : req.groups) {
    m::DescribeGroupsResponse::DescribedGroup g;
    g.group_id = id;
    if (!authorized_group(broker, ctx, AclOperation::kDescribe, id)) {  // DESCRIBE on the group
      g.error_code = err(ErrorCode::GROUP_AUTHORIZATION_FAILED);
      g.group_state = "";
      g.protocol_type = "";
      g.protocol_data = "";
      resp.groups.push_back(std::move(g));
      continue;
    }
    const auto s = broker.groups->describe(id);
    // v6 (Kafka 4.x) says why a group is Dead: absent, or a KIP-848 consumer group that only
    // ConsumerGroupDescribe describes. Earlier versions answer Dead without an error.
    if (ctx.api_version >= 6 && !s.exists) {
      g.group_state = s.state;
      g.error_code = err(ErrorCode::GROUP_ID_NOT_FOUND);
      g.error_message = broker.groups->describe_consumer_group(id) ? "Group " + id + " is not a classic group."
                                                                  : "Group " + id + " not found.";
      resp.groups.push_back(std::move(g));
      continue;
    }
    g.group_state = s.state;
    g.protocol_type = s.protocol_type;
    g.protocol_data = s.protocol_name;
    for (const auto& mem : s.members) {
      m::DescribeGroupsResponse::DescribedGroupMember out;
      out.member_id = mem.member_id;
      if (ctx.api_version >= 4) out.group_instance_id = mem.instance_id;
      out.client_id = mem.client_id;
      out.client_host = mem.client_host;
      out.member_metadata = mem.metadata;
      out.member_assignment = mem.assignment;
      g.members.push_back(std::move(out));
    }
    if (ctx.api_version >= 3 && req.include_authorized_operations)
      g.authorized_operations = broker.authorizer ? authorized_operations(broker, ctx, ResourceType::kGroup, id)
                                                  : kGroupOperations;
    resp.groups.push_back(std::move(g));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
