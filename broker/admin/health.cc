// Liveness (the process answers) and readiness (storage open, Kafka listener accepting).
#include "broker/admin/api.h"
#include "broker/core/broker.h"

namespace chronik::broker::admin {

void add_health_routes(Router& router, AdminContext& ctx) {
  router.add("GET", "/v1/health/live", [](HttpRequest&) {
    return json_response({{"status", "live"}});
  });
  router.add("GET", "/v1/health/ready", [&ctx](HttpRequest&) {
    // Storage that cannot be written (a full disk) makes the broker not ready: every write
    // answers KAFKA_STORAGE_ERROR until the log dir is reopened.
    auto store = ctx.broker.store;
    const std::optional<std::string> storage_error = store ? store->storage_error() : std::nullopt;
    const bool storage = store != nullptr && !storage_error;
    const bool kafka = ctx.kafka_accepting && ctx.kafka_accepting();
    const bool ready = storage && kafka;
    Json body{{"status", ready ? "ready" : "not ready"},
              {"checks", {{"storage", storage}, {"kafka_listener", kafka}}}};
    if (storage_error) body["storage_error"] = *storage_error;
    return json_response(body, ready ? 200 : 503);
  });
}

Router build_router(AdminContext& ctx) {
  Router router;
  add_health_routes(router, ctx);
  add_metrics_routes(router, ctx);
  add_topic_routes(router, ctx);
  add_broker_routes(router, ctx);
  add_message_routes(router, ctx);
  add_produce_routes(router, ctx);
  add_group_routes(router, ctx);
  add_transaction_routes(router, ctx);
  add_acl_routes(router, ctx);
  add_cluster_routes(router, ctx);
  add_static_routes(router);
  return router;
}

}  // namespace chronik::broker::admin
