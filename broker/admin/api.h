// The admin endpoint's resources, each file adding its routes to the router.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "broker/admin/group_view.h"
#include "broker/admin/router.h"

namespace chronik::broker {
struct Broker;
}

namespace chronik::broker::admin {

struct AdminContext {
  Broker& broker;
  std::string version;
  // Whether the Kafka listener accepts connections (readiness).
  std::function<bool()> kafka_accepting;
  // nullptr when the broker runs no group coordinator.
  std::unique_ptr<GroupView> groups;
};

void add_health_routes(Router& router, AdminContext& ctx);     // health.cc
void add_metrics_routes(Router& router, AdminContext& ctx);    // prometheus.cc
void add_topic_routes(Router& router, AdminContext& ctx);      // topics_api.cc
void add_broker_routes(Router& router, AdminContext& ctx);     // broker_api.cc
void add_message_routes(Router& router, AdminContext& ctx);    // messages_api.cc
void add_produce_routes(Router& router, AdminContext& ctx);    // produce_api.cc
void add_group_routes(Router& router, AdminContext& ctx);      // groups_api.cc
void add_transaction_routes(Router& router, AdminContext& ctx);  // transactions_api.cc
void add_acl_routes(Router& router, AdminContext& ctx);        // acls_api.cc
void add_cluster_routes(Router& router, AdminContext& ctx);    // cluster_api.cc
void add_static_routes(Router& router);                        // static_assets.cc

// Every route above.
Router build_router(AdminContext& ctx);

// The Prometheus text exposition of everything the broker measures (prometheus.cc).
std::string render_metrics(AdminContext& ctx);

}  // namespace chronik::broker::admin
