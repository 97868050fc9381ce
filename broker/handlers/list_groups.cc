// ListGroups: every group this coordinator knows, filtered by state (v4+) and type (v5+).
#include <algorithm>
#include <cctype>

#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {
namespace {

bool matches(const std::vector<std::string>& filter, const std::string& value) {
  if (filter.empty()) return true;
  auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  return std::any_of(filter.begin(), filter.end(),
                     [&](const std::string& f) { return lower(f) == lower(value); });
}

}  // namespace

m::ListGroupsResponse handle(Broker& broker, const Ctx& ctx, m::ListGroupsRequest& req) {
  m::ListGroupsResponse resp;
  // DESCRIBE on the cluster lists every group; without it, the groups the requester may describe.
  const bool all = authorized_cluster(broker, ctx, AclOperation::kDescribe);
  for (const auto& g : broker.groups->list()) {
    const std::string& type = g.type;
    if (!matches(req.states_filter, g.state) || !matches(req.types_filter, type)) continue;
    if (!all && !authorized_group(broker, ctx, AclOperation::kDescribe, g.group_id)) continue;
    m::ListGroupsResponse::ListedGroup out;
    out.group_id = g.group_id;
    out.protocol_type = g.protocol_type;
    out.group_state = g.state;
    out.group_type = type;
    resp.groups.push_back(std::move(out));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
