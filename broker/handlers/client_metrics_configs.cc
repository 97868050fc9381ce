// CLIENT_METRICS (resource type 16): client-metrics subscriptions as config resources
// (`kafka-client-metrics`, `kafka-configs --entity-type client-metrics`), over
// core/client_telemetry.h, with Kafka 3.9's answers.
#include <algorithm>
#include <map>

#include "broker/handlers/config_resources.h"

namespace chronik::broker::handlers {
namespace {

constexpr int8_t kClientMetricsSource = 7;  // DescribeConfigs' CLIENT_METRICS_CONFIG

ResourceStatus apply(Broker& broker, const std::string& name, const std::map<std::string, std::string>& configs,
                     bool validate_only) {
  int16_t storage_error = 0;
  if (auto bad = broker.telemetry.set_subscription(*broker.store, name, configs, validate_only, &storage_error))
    return {err(bad->invalid_request ? ErrorCode::INVALID_REQUEST : ErrorCode::INVALID_CONFIG), bad->message};
  if (storage_error)
    return {storage_error, "cannot store client-metrics subscription " + name + ": the log dir cannot be written"};
  return {0, ""};
}

}  // namespace

void describe_client_metrics(const Broker& broker, int16_t version,
                             const m::DescribeConfigsRequest::DescribeConfigsResource& r,
                             m::DescribeConfigsResponse::DescribeConfigsResult& out) {
  if (r.resource_name.empty()) {
    out.error_code = err(ErrorCode::INVALID_REQUEST);
    out.error_message = "Client metrics subscription name must not be empty";
    return;
  }
  // An unknown subscription has no configs, and no error.
  for (const auto& [name, value] : broker.telemetry.subscription_configs(r.resource_name)) {
    if (r.configuration_keys &&
        std::find(r.configuration_keys->begin(), r.configuration_keys->end(), name) == r.configuration_keys->end())
      continue;
    m::DescribeConfigsResponse::DescribeConfigsResourceResult row;
    row.name = name;
    row.value = value;
    row.read_only = false;
    row.is_sensitive = false;
    if (version == 0) row.is_default = false;
    else row.config_source = kClientMetricsSource;
    if (version >= 3) {
      row.config_type = 0;  // UNKNOWN, as Kafka 3.9 gives them
      row.documentation = "";
    }
    out.configs.push_back(std::move(row));
  }
}

ResourceStatus alter_client_metrics(Broker& broker,
                                    const m::IncrementalAlterConfigsRequest::AlterConfigsResource& r,
                                    bool validate_only) {
  auto configs = broker.telemetry.subscription_configs(r.resource_name);
  for (const auto& c : r.configs) {
    switch (c.config_operation) {
      case 0:
        configs[c.name] = c.value.value_or("");
        break;
      case 1:
        configs.erase(c.name);
        break;
      case 2:
      case 3:
        // Kafka 3.9 takes none of these configs for a list here.
        return {err(ErrorCode::INVALID_CONFIG), std::string("Can't ") + (c.config_operation == 2 ? "APPEND" : "SUBTRACT") +
                                                    " to key " + c.name + " because its type is not LIST."};
      default:
        return {err(ErrorCode::INVALID_REQUEST), "Unknown config operation " + std::to_string(c.config_operation)};
    }
  }
  return apply(broker, r.resource_name, configs, validate_only);
}

ResourceStatus replace_client_metrics(Broker& broker, const m::AlterConfigsRequest::AlterConfigsResource& r,
                                      bool validate_only) {
  std::map<std::string, std::string> configs;
  for (const auto& c : r.configs)
    if (c.value) configs[c.name] = *c.value;
  return apply(broker, r.resource_name, configs, validate_only);
}

}  // namespace chronik::broker::handlers
