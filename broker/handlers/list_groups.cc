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

m::ListGroupsResponse handle(Broker& broker, const Ctx&, m::ListGroupsRequest& req) {
  m::ListGroupsResponse resp;
  for (const auto& g : broker.groups->list()) {
    const std::string& type = g.type;
    if (!matches(req.states_filter, g.state) || !matches(req.types_filter, type)) continue;
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
