// DescribeAcls, CreateAcls, DeleteAcls over the ACL authorizer (security/authorizer.h).
// Without `authorizer.class.name` each answers SECURITY_DISABLED, as Kafka does; tools and
// UIs then report that ACLs are off instead of failing on an unknown API. Kafka checks the
// requester first: DESCRIBE on the cluster to list, ALTER to create or delete.
#include <map>
#include <tuple>

#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {
namespace {
// Kafka's two wordings: DescribeAcls says where (kafka-acls --list prints it), the others not.
constexpr const char* kNoAuthorizer = "No Authorizer is configured.";
constexpr const char* kNoAuthorizerOnBroker = "No Authorizer is configured on the broker";

template <class Filter>
security::AclBindingFilter filter_of(const Filter& f, int8_t resource_type, int8_t pattern_type) {
  security::AclBindingFilter out;
  out.resource_type = security::resource_type_of(resource_type);
  out.name = f.resource_name_filter;
  out.pattern_type = security::pattern_type_of(pattern_type);
  out.principal = f.principal_filter;
  out.host = f.host_filter;
  out.operation = security::operation_of(f.operation);
  out.permission = security::permission_of(f.permission_type);
  return out;
}

// Kafka refuses these while parsing the request, before any handler: the connection closes.
constexpr int8_t kLiteral = static_cast<int8_t>(security::PatternType::kLiteral);
constexpr int8_t kAnyPattern = static_cast<int8_t>(security::PatternType::kAny);

void refuse_unknown(const security::AclBindingFilter& f, const char* what) {
  if (f.pattern_unknown() || f.entry_unknown()) throw CloseConnection(std::string(what) + " contains UNKNOWN elements");
}

}  // namespace

m::DescribeAclsResponse handle(Broker& broker, const Ctx& ctx, m::DescribeAclsRequest& req) {
  // v0 knew no pattern types: ANY reads as LITERAL there, others are refused.
  if (ctx.api_version == 0 && req.pattern_type_filter == kAnyPattern) req.pattern_type_filter = kLiteral;
  if (ctx.api_version == 0 && req.pattern_type_filter != kLiteral)
    throw CloseConnection("DescribeAcls v0 only supports literal resource pattern types");
  refuse_unknown(filter_of(req, req.resource_type_filter, req.pattern_type_filter), "DescribeAclsRequest");
  m::DescribeAclsResponse resp;
  if (!authorized_cluster(broker, ctx, AclOperation::kDescribe)) {
    resp.error_code = err(ErrorCode::CLUSTER_AUTHORIZATION_FAILED);
    resp.error_message = std::nullopt;
    return resp;
  }
  if (!broker.authorizer) {
    resp.error_code = err(ErrorCode::SECURITY_DISABLED);
    resp.error_message = kNoAuthorizerOnBroker;
    return resp;
  }
  resp.error_message = std::nullopt;
  const auto filter = filter_of(req, req.resource_type_filter, req.pattern_type_filter);
  // One entry per resource pattern, its ACLs beneath, as Kafka's DescribeAclsResponse.aclsResources.
  std::map<std::tuple<int8_t, std::string, int8_t>, size_t> index;
  for (const auto& acl : broker.authorizer->acls(filter)) {
    const auto key = std::make_tuple(static_cast<int8_t>(acl.resource_type), acl.name,
                                     static_cast<int8_t>(acl.pattern_type));
    auto [it, fresh] = index.emplace(key, resp.resources.size());
    if (fresh) {
      m::DescribeAclsResponse::DescribeAclsResource r;
      r.resource_type = std::get<0>(key);
      r.resource_name = acl.name;
      r.pattern_type = std::get<2>(key);
      resp.resources.push_back(std::move(r));
    }
    m::DescribeAclsResponse::AclDescription d;
    d.principal = acl.principal;
    d.host = acl.host;
    d.operation = static_cast<int8_t>(acl.operation);
    d.permission_type = static_cast<int8_t>(acl.permission);
    resp.resources[it->second].acls.push_back(std::move(d));
  }
  return resp;
}

namespace {

// Why CreateAcls and DeleteAcls are refused whole: ALTER on the cluster is needed, and an
// authorizer to hold the ACLs.
std::optional<std::pair<ErrorCode, std::optional<std::string>>> alter_refusal(const Broker& broker, const Ctx& ctx) {
  if (!authorized_cluster(broker, ctx, AclOperation::kAlter))
    return std::make_pair(ErrorCode::CLUSTER_AUTHORIZATION_FAILED, std::optional<std::string>());
  if (!broker.authorizer) return std::make_pair(ErrorCode::SECURITY_DISABLED, std::optional<std::string>(kNoAuthorizer));
  return std::nullopt;
}

template <class Results>
void fail_each(Results& results, const std::pair<ErrorCode, std::optional<std::string>>& refusal) {
  for (auto& r : results) {
    r.error_code = err(refusal.first);
    r.error_message = refusal.second;
  }
}

}  // namespace

m::CreateAclsResponse handle(Broker& broker, const Ctx& ctx, m::CreateAclsRequest& req) {
  for (const auto& c : req.creations) {
    if (ctx.api_version == 0 && c.resource_pattern_type != kLiteral)
      throw CloseConnection("CreateAcls v0 only supports literal resource pattern types");
    if (c.resource_pattern_type == 0 || c.resource_type == 0 || c.permission_type == 0 || c.operation == 0)
      throw CloseConnection("CreatableAcls contain unknown elements");
  }
  m::CreateAclsResponse resp;
  resp.results.resize(req.creations.size());
  if (const auto refusal = alter_refusal(broker, ctx)) {
    fail_each(resp.results, *refusal);
    return resp;
  }
  std::vector<security::AclBinding> valid;
  std::vector<size_t> valid_index;
  for (size_t i = 0; i < req.creations.size(); ++i) {
    const auto& c = req.creations[i];
    security::AclBinding acl{security::resource_type_of(c.resource_type), c.resource_name,
                             security::pattern_type_of(c.resource_pattern_type), c.principal, c.host,
                             security::operation_of(c.operation), security::permission_of(c.permission_type)};
    resp.results[i].error_message = std::nullopt;
    if (auto why = security::validate_new_acl(acl)) {
      resp.results[i].error_code = err(ErrorCode::INVALID_REQUEST);
      resp.results[i].error_message = *why;
      continue;
    }
    valid.push_back(std::move(acl));
    valid_index.push_back(i);
  }
  if (const int16_t e = broker.authorizer->create(valid)) {
    for (size_t i : valid_index) resp.results[i].error_code = e;
  }
  return resp;
}

m::DeleteAclsResponse handle(Broker& broker, const Ctx& ctx, m::DeleteAclsRequest& req) {
  for (auto& f : req.filters) {
    if (ctx.api_version == 0 && f.pattern_type_filter == kAnyPattern) f.pattern_type_filter = kLiteral;
    if (ctx.api_version == 0 && f.pattern_type_filter != kLiteral)
      throw CloseConnection("DeleteAcls v0 only supports literal resource pattern types");
    refuse_unknown(filter_of(f, f.resource_type_filter, f.pattern_type_filter), "DeleteAclsRequest");
  }
  m::DeleteAclsResponse resp;
  resp.filter_results.resize(req.filters.size());
  if (const auto refusal = alter_refusal(broker, ctx)) {
    fail_each(resp.filter_results, *refusal);
    return resp;
  }
  std::vector<security::AclBindingFilter> filters;
  std::vector<size_t> filter_index;
  for (size_t i = 0; i < req.filters.size(); ++i) {
    const auto& f = req.filters[i];
    auto filter = filter_of(f, f.resource_type_filter, f.pattern_type_filter);
    resp.filter_results[i].error_message = std::nullopt;
    if (filter.pattern_unknown() || filter.entry_unknown()) {
      resp.filter_results[i].error_code = err(ErrorCode::INVALID_REQUEST);
      resp.filter_results[i].error_message =
          filter.pattern_unknown() ? "Unknown patternFilter." : "Unknown entryFilter.";
      continue;
    }
    filters.push_back(std::move(filter));
    filter_index.push_back(i);
  }
  std::vector<std::vector<security::AclBinding>> removed;
  if (const int16_t e = broker.authorizer->remove(filters, removed)) {
    for (size_t i : filter_index) resp.filter_results[i].error_code = e;
    return resp;
  }
  for (size_t k = 0; k < filter_index.size(); ++k) {
    auto& out = resp.filter_results[filter_index[k]];
    for (const auto& acl : removed[k]) {
      m::DeleteAclsResponse::DeleteAclsMatchingAcl a;
      a.error_message = std::nullopt;
      a.resource_type = static_cast<int8_t>(acl.resource_type);
      a.resource_name = acl.name;
      a.pattern_type = static_cast<int8_t>(acl.pattern_type);
      a.principal = acl.principal;
      a.host = acl.host;
      a.operation = static_cast<int8_t>(acl.operation);
      a.permission_type = static_cast<int8_t>(acl.permission);
      out.matching_acls.push_back(std::move(a));
    }
  }
  return resp;
}

}  // namespace chronik::broker::handlers
