// /v1/acls: the authorizer's ACLs, listed, added and removed with Kafka's names (TOPIC,
// PREFIXED, READ, ALLOW), as kafka-acls shows them. Changes here are the operator's, with the
// admin endpoint's own authentication: they are logged like CreateAcls and DeleteAcls.
#include <algorithm>
#include <cctype>

#include "broker/admin/api.h"
#include "broker/config/loggers.h"
#include "broker/core/broker.h"
#include "broker/security/acl.h"

namespace chronik::broker::admin {
namespace {

using security::AclBinding;
using security::AclBindingFilter;

// Kafka's enum name -> the enum, or a 400 naming the field. `codes` are the wire codes a
// request may name (UNKNOWN and, unless a filter, ANY/MATCH are not).
template <typename Enum>
Enum parse_name(const std::string& text, const std::string& field, int first, int last) {
  std::string upper = text;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  std::string choices;
  for (int code = first; code <= last; ++code) {
    const auto value = static_cast<Enum>(code);
    const auto name = security::name_of(value);
    if (name == upper) return value;
    choices += (choices.empty() ? "" : ", ") + std::string(name);
  }
  throw HttpError(400, field + " must be one of " + choices, field);
}

auto resource_type(const std::string& t, const std::string& f, bool filter) {
  return parse_name<security::ResourceType>(t, f, filter ? 1 : 2, 7);
}
auto pattern_type(const std::string& t, const std::string& f, bool filter) {
  // Filters: ANY, MATCH, LITERAL, PREFIXED; new ACLs: LITERAL, PREFIXED.
  return parse_name<security::PatternType>(t, f, filter ? 1 : 3, 4);
}
auto operation(const std::string& t, const std::string& f, bool filter) {
  return parse_name<security::AclOperation>(t, f, filter ? 1 : 2, 14);
}
auto permission(const std::string& t, const std::string& f, bool filter) {
  return parse_name<security::AclPermissionType>(t, f, filter ? 1 : 2, 3);
}

Json acl_json(const AclBinding& a) {
  return {{"resource_type", std::string(security::name_of(a.resource_type))},
          {"name", a.name},
          {"pattern_type", std::string(security::name_of(a.pattern_type))},
          {"principal", a.principal},
          {"host", a.host},
          {"operation", std::string(security::name_of(a.operation))},
          {"permission", std::string(security::name_of(a.permission))}};
}

// The query of a list or a delete: each parameter narrows, as the fields of DescribeAcls'
// filter do.
AclBindingFilter read_filter(const HttpRequest& req) {
  AclBindingFilter f;
  if (auto v = req.arg("resource_type")) f.resource_type = resource_type(*v, "resource_type", true);
  if (auto v = req.arg("pattern_type")) f.pattern_type = pattern_type(*v, "pattern_type", true);
  if (auto v = req.arg("operation")) f.operation = operation(*v, "operation", true);
  if (auto v = req.arg("permission")) f.permission = permission(*v, "permission", true);
  f.name = req.arg("name");
  f.principal = req.arg("principal");
  f.host = req.arg("host");
  return f;
}

security::Authorizer& authorizer(Broker& broker) {
  if (!broker.authorizer)
    throw HttpError(409, "no authorizer is configured (authorizer.class.name): there are no ACLs to change");
  return *broker.authorizer;
}

}  // namespace

void add_acl_routes(Router& router, AdminContext& ctx) {
  Broker& broker = ctx.broker;

  router.add("GET", "/v1/acls", [&broker](HttpRequest& req) {
    const AclBindingFilter filter = read_filter(req);
    Json acls = Json::array();
    if (broker.authorizer)
      for (const auto& a : broker.authorizer->acls(filter)) acls.push_back(acl_json(a));
    return json_response({{"enabled", broker.authorizer != nullptr}, {"acls", acls}});
  });

  router.add("POST", "/v1/acls", [&broker](HttpRequest& req) {
    auto& auth = authorizer(broker);
    const Json body = parse_json_body(req);
    AclBinding acl;
    acl.resource_type = resource_type(require_string(body, "resource_type"), "resource_type", false);
    acl.name = require_string(body, "name");
    acl.pattern_type = pattern_type(body.value("pattern_type", "LITERAL"), "pattern_type", false);
    acl.principal = require_string(body, "principal");
    acl.host = body.value("host", "*");
    acl.operation = operation(require_string(body, "operation"), "operation", false);
    acl.permission = permission(body.value("permission", "ALLOW"), "permission", false);
    if (auto why = security::validate_new_acl(acl)) throw HttpError(400, *why, "body");
    if (const int16_t e = auth.create({acl}))
      throw HttpError(500, "cannot store the ACL (Kafka error " + std::to_string(e) + ")");
    ::chronik::config::named_logger("chronik.admin").info("ACL added (admin endpoint): {}", security::describe(acl));
    return json_response(acl_json(acl), 201);
  });

  // Removes what the query matches; at least the resource type is named, so that a bare
  // DELETE /v1/acls cannot remove every ACL by accident.
  router.add("DELETE", "/v1/acls", [&broker](HttpRequest& req) {
    auto& auth = authorizer(broker);
    if (!req.arg("resource_type"))
      throw HttpError(400, "name the ACLs to remove: resource_type is required (ANY for all types)", "resource_type");
    std::vector<std::vector<AclBinding>> removed;
    if (const int16_t e = auth.remove({read_filter(req)}, removed))
      throw HttpError(500, "cannot remove ACLs (Kafka error " + std::to_string(e) + ")");
    Json out = Json::array();
    for (const auto& a : removed.front()) {
      ::chronik::config::named_logger("chronik.admin").info("ACL removed (admin endpoint): {}", security::describe(a));
      out.push_back(acl_json(a));
    }
    return json_response({{"removed", out}});
  });
}

}  // namespace chronik::broker::admin
