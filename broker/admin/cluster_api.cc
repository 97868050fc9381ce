// /v1/cluster: the cluster as Kafka clients see it (DescribeCluster, ApiVersions): its id,
// its brokers with the listeners each advertises, the controller, the feature levels, and
// whether requests are authorized. Chronik runs one node today, which is its own controller.
#include "broker/admin/api.h"
#include "broker/core/broker.h"
#include "broker/core/features.h"

namespace chronik::broker::admin {

void add_cluster_routes(Router& router, AdminContext& ctx) {
  Broker& broker = ctx.broker;

  router.add("GET", "/v1/cluster", [&broker](HttpRequest&) {
    Json listeners = Json::array();
    for (const auto& l : broker.listeners)
      listeners.push_back({{"name", l.name}, {"security_protocol", l.security_protocol},
                           {"host", l.advertised.host}, {"port", l.advertised.port}});
    const auto cfg = broker.config();
    const Json brokers = Json::array({{{"node_id", broker.node_id},
                                       {"listeners", listeners},
                                       {"rack", nullptr},
                                       {"is_controller", true},
                                       {"topics", broker.store->list_topics().size()}}});
    const auto levels = broker.features.levels();
    Json features = Json::array();
    for (const auto& f : supported_features()) {
      const auto it = levels.levels.find(std::string(f.name));
      const int16_t finalized = it == levels.levels.end() ? 0 : it->second;
      features.push_back({{"name", f.name}, {"min_version", f.min_version}, {"max_version", f.max_version},
                          {"finalized", finalized}});
    }
    Json authorizer = {{"enabled", broker.authorizer != nullptr},
                       {"class_name", cfg->get_string("authorizer.class.name").value_or("")}};
    if (broker.authorizer) {
      authorizer["super_users"] = broker.authorizer->super_users();
      authorizer["allow_everyone_if_no_acl_found"] = broker.authorizer->allow_if_no_acl();
    }
    return json_response({{"cluster_id", broker.cluster_id},
                          {"controller_id", broker.node_id},
                          {"brokers", brokers},
                          {"features", features},
                          {"features_epoch", levels.epoch},
                          {"authorizer", authorizer}});
  });
}

}  // namespace chronik::broker::admin
