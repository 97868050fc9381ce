// /v1/broker: what this broker is and the configuration in force (secrets redacted).
#include "broker/admin/api.h"
#include "broker/admin/json_util.h"
#include "broker/core/broker.h"

namespace chronik::broker::admin {

void add_broker_routes(Router& router, AdminContext& ctx) {
  router.add("GET", "/v1/broker", [&ctx](HttpRequest&) {
    Broker& b = ctx.broker;
    const auto cfg = b.config();
    Json listeners = Json::array();
    for (const auto& l : cfg->listeners())
      listeners.push_back({{"name", l.name}, {"host", l.host}, {"port", l.port}});
    Json admin = Json::array();
    for (const auto& l : cfg->get_list("admin.listeners")) admin.push_back(l);
    const int64_t now = now_ms();
    return json_response({{"version", ctx.version},
                          {"node_id", b.node_id},
                          {"cluster_id", b.cluster_id},
                          {"uptime_ms", now - b.start_time_ms},
                          {"start_time_ms", b.start_time_ms},
                          {"listeners", listeners},
                          {"advertised", {{"host", b.advertised.host}, {"port", b.advertised.port}}},
                          {"admin_listeners", admin},
                          {"log_dir", b.log_dir},
                          {"config_source", b.config_source},
                          {"topics", b.store->list_topics().size()}});
  });
  router.add("GET", "/v1/broker/config", [&ctx](HttpRequest&) {
    Json configs = Json::array();
    for (const auto& e : ctx.broker.config()->describe()) configs.push_back(config_entry_json(e));
    return json_response({{"configs", configs}});
  });
}

}  // namespace chronik::broker::admin
