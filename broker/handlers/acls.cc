// DescribeAcls, CreateAcls, DeleteAcls: no authorizer is configured (there is no security
// yet), so each answers SECURITY_DISABLED as Kafka does without `authorizer.class.name`;
// tools and UIs then report that ACLs are off instead of failing on an unknown API.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {
namespace {
// Kafka's two wordings: DescribeAcls says where (kafka-acls --list prints it), the others not.
constexpr const char* kNoAuthorizer = "No Authorizer is configured.";
constexpr const char* kNoAuthorizerOnBroker = "No Authorizer is configured on the broker";
}

m::DescribeAclsResponse handle(Broker&, const Ctx&, m::DescribeAclsRequest&) {
  m::DescribeAclsResponse resp;
  resp.error_code = err(ErrorCode::SECURITY_DISABLED);
  resp.error_message = kNoAuthorizerOnBroker;
  return resp;
}

m::CreateAclsResponse handle(Broker&, const Ctx&, m::CreateAclsRequest& req) {
  m::CreateAclsResponse resp;
  for (size_t i = 0; i < req.creations.size(); ++i) {
    m::CreateAclsResponse::AclCreationResult r;
    r.error_code = err(ErrorCode::SECURITY_DISABLED);
    r.error_message = kNoAuthorizer;
    resp.results.push_back(std::move(r));
  }
  return resp;
}

m::DeleteAclsResponse handle(Broker&, const Ctx&, m::DeleteAclsRequest& req) {
  m::DeleteAclsResponse resp;
  for (size_t i = 0; i < req.filters.size(); ++i) {
    m::DeleteAclsResponse::DeleteAclsFilterResult r;
    r.error_code = err(ErrorCode::SECURITY_DISABLED);
    r.error_message = kNoAuthorizer;
    resp.filter_results.push_back(std::move(r));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
