// /v1/groups: list, describe (members, assignments, committed offsets, lag), delete, and
// offset resets for groups without members. Served through GroupView.
#include <algorithm>

#include "broker/admin/api.h"
#include "broker/core/broker.h"

namespace chronik::broker::admin {
namespace {

GroupView& view(AdminContext& ctx) {
  if (!ctx.groups) throw HttpError(503, "this broker runs no group coordinator");
  return *ctx.groups;
}

Json describe_json(const GroupDescription& d) {
  Json members = Json::array();
  for (const auto& m : d.members) {
    Json assignment = Json::array();
    for (const auto& [t, p] : m.assignment) assignment.push_back({{"topic", t}, {"partition", p}});
    members.push_back({{"member_id", m.member_id},
                       {"instance_id", m.instance_id ? Json(*m.instance_id) : Json(nullptr)},
                       {"client_id", m.client_id},
                       {"client_host", m.client_host},
                       {"assignment", assignment}});
  }
  Json offsets = Json::array();
  for (const auto& o : d.offsets)
    offsets.push_back({{"topic", o.topic}, {"partition", o.partition},
                       {"committed_offset", o.committed_offset}, {"log_end_offset", o.log_end_offset},
                       {"lag", o.lag}, {"metadata", o.metadata ? Json(*o.metadata) : Json(nullptr)}});
  return {{"group_id", d.listing.group_id}, {"state", d.listing.state}, {"type", d.listing.type},
          {"protocol_type", d.listing.protocol_type}, {"protocol", d.protocol},
          {"generation", d.generation}, {"members", members}, {"offsets", offsets},
          {"total_lag", d.total_lag}};
}

}  // namespace

void add_group_routes(Router& router, AdminContext& ctx) {
  router.add("GET", "/v1/groups", [&ctx](HttpRequest&) {
    auto& groups = view(ctx);
    Json out = Json::array();
    for (const auto& g : groups.list()) {
      Json j = {{"group_id", g.group_id}, {"state", g.state}, {"type", g.type},
                {"protocol_type", g.protocol_type}};
      if (auto d = groups.describe(g.group_id)) {
        j["members"] = d->members.size();
        j["total_lag"] = d->total_lag;
      }
      out.push_back(std::move(j));
    }
    return json_response({{"groups", out}});
  });

  // The groups that consume a topic: those with a member assigned one of its partitions or
  // an offset committed on it, with their lag on this topic alone.
  router.add("GET", "/v1/topics/{topic}/consumers", [&ctx](HttpRequest& req) {
    const auto& topic = req.params.at("topic");
    if (!ctx.broker.store->find_topic(topic)) throw HttpError(404, "no such topic: " + topic, "topic");
    auto& groups = view(ctx);
    Json out = Json::array();
    for (const auto& g : groups.list()) {
      auto d = groups.describe(g.group_id);
      if (!d) continue;
      int64_t members = 0, lag = 0;
      Json partitions = Json::array();
      for (const auto& m : d->members)
        if (std::any_of(m.assignment.begin(), m.assignment.end(), [&](const auto& a) { return a.first == topic; }))
          ++members;
      for (const auto& o : d->offsets) {
        if (o.topic != topic) continue;
        if (o.lag > 0) lag += o.lag;
        partitions.push_back({{"partition", o.partition}, {"committed_offset", o.committed_offset},
                              {"log_end_offset", o.log_end_offset}, {"lag", o.lag}});
      }
      if (members == 0 && partitions.empty()) continue;
      out.push_back({{"group_id", g.group_id}, {"state", g.state}, {"members", members},
                     {"lag", lag}, {"partitions", partitions}});
    }
    return json_response({{"topic", topic}, {"groups", out}});
  });

  router.add("GET", "/v1/groups/{group}", [&ctx](HttpRequest& req) {
    auto d = view(ctx).describe(req.params.at("group"));
    if (!d) throw HttpError(404, "no such group: " + req.params.at("group"), "group");
    return json_response(describe_json(*d));
  });

  router.add("DELETE", "/v1/groups/{group}", [&ctx](HttpRequest& req) {
    const auto& id = req.params.at("group");
    switch (view(ctx).delete_group(id)) {
      case GroupView::Result::kOk: return json_response({{"deleted", id}});
      case GroupView::Result::kNotEmpty: throw HttpError(409, "group " + id + " has members", "group");
      default: throw HttpError(404, "no such group: " + id, "group");
    }
  });

  // {"to": "earliest"|"latest"|"timestamp"|"offset", "timestamp": ms, "offset": n,
  //  "topic": optional, only this topic's committed partitions}
  router.add("POST", "/v1/groups/{group}/reset-offsets", [&ctx](HttpRequest& req) {
    const auto& id = req.params.at("group");
    const Json body = parse_json_body(req);
    const std::string to = require_string(body, "to");
    if (to != "earliest" && to != "latest" && to != "timestamp" && to != "offset")
      throw HttpError(400, "field 'to' must be earliest, latest, timestamp or offset", "to");
    std::optional<std::string> only_topic;
    if (body.contains("topic")) only_topic = require_string(body, "topic");
    const int64_t ts = to == "timestamp" ? get_int(body, "timestamp", -1, 0, INT64_MAX) : 0;
    if (to == "timestamp" && ts < 0) throw HttpError(400, "missing field 'timestamp'", "timestamp");
    const int64_t fixed = to == "offset" ? get_int(body, "offset", -1, 0, INT64_MAX) : 0;
    if (to == "offset" && fixed < 0) throw HttpError(400, "missing field 'offset'", "offset");

    auto& groups = view(ctx);
    auto d = groups.describe(id);
    if (!d) throw HttpError(404, "no such group: " + id, "group");
    if (!d->members.empty()) throw HttpError(409, "group " + id + " has members; stop its consumers first", "group");
    Broker& broker = ctx.broker;
    std::vector<GroupPartition> reset;
    for (const auto& o : d->offsets) {
      if (only_topic && o.topic != *only_topic) continue;
      auto offs = broker.store->offsets(o.topic, o.partition);
      if (!offs) continue;
      GroupPartition p = o;
      if (to == "earliest") p.committed_offset = offs->log_start_offset;
      else if (to == "latest") p.committed_offset = offs->high_watermark;
      else if (to == "offset") p.committed_offset = std::clamp(fixed, offs->log_start_offset, offs->high_watermark);
      else {
        auto found = broker.store->offset_for_timestamp(o.topic, o.partition, ts);
        p.committed_offset = found && !found->error ? found->offset : offs->high_watermark;
      }
      reset.push_back(std::move(p));
    }
    if (only_topic && reset.empty())
      throw HttpError(404, "group " + id + " has no committed offsets for topic " + *only_topic, "topic");
    switch (groups.reset_offsets(id, reset)) {
      case GroupView::Result::kOk: break;
      case GroupView::Result::kNotEmpty: throw HttpError(409, "group " + id + " has members", "group");
      case GroupView::Result::kNotFound: throw HttpError(404, "no such group: " + id, "group");
      default: throw HttpError(400, "the coordinator refused the reset", "group");
    }
    auto after = groups.describe(id);
    return json_response(after ? describe_json(*after) : Json::object());
  });
}

}  // namespace chronik::broker::admin
