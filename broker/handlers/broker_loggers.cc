// BROKER_LOGGER (resource type 8): the broker's loggers and their levels
// (config/loggers.h), described and changed at run time as Kafka 3.9 does, with its errors.
#include <algorithm>

#include "broker/config/loggers.h"
#include "broker/handlers/config_resources.h"

namespace chronik::broker::handlers {

void describe_broker_loggers(const Broker& broker, int16_t version,
                             const m::DescribeConfigsRequest::DescribeConfigsResource& r,
                             m::DescribeConfigsResponse::DescribeConfigsResult& out) {
  if (r.resource_name.empty()) {
    out.error_code = err(ErrorCode::INVALID_REQUEST);
    out.error_message = "Broker id must not be empty";
    return;
  }
  if (r.resource_name != std::to_string(broker.node_id)) {
    out.error_code = err(ErrorCode::INVALID_REQUEST);
    out.error_message =
        "Unexpected broker id, expected " + std::to_string(broker.node_id) + " but received " + r.resource_name;
    return;
  }
  for (const auto& [name, level] : config::logger_levels()) {
    // Names asked for that are no logger are left out, without an error.
    if (r.configuration_keys &&
        std::find(r.configuration_keys->begin(), r.configuration_keys->end(), name) == r.configuration_keys->end())
      continue;
    m::DescribeConfigsResponse::DescribeConfigsResourceResult row;
    row.name = name;
    row.value = level;
    row.read_only = false;
    row.is_sensitive = false;
    if (version == 0) row.is_default = false;
    else row.config_source = wire_config_source(config::ConfigSource::kDynamicBrokerLogger);
    if (version >= 3) {
      row.config_type = 0;     // UNKNOWN, as Kafka gives loggers
      row.documentation = "";  // Kafka sends an empty text, asked for or not
    }
    out.configs.push_back(std::move(row));
  }
}

ResourceStatus alter_broker_loggers(const Broker& broker,
                                    const m::IncrementalAlterConfigsRequest::AlterConfigsResource& r,
                                    bool validate_only) {
  const auto invalid_request = [](std::string why) { return ResourceStatus{err(ErrorCode::INVALID_REQUEST), why}; };
  const auto invalid_config = [](std::string why) { return ResourceStatus{err(ErrorCode::INVALID_CONFIG), why}; };
  const bool numeric = !r.resource_name.empty() &&
                       std::all_of(r.resource_name.begin(), r.resource_name.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!numeric) return invalid_request("Node id must be an integer, but it is: " + r.resource_name);
  // Kafka 3.9.1 names its own id twice here; its words are kept so that tools see the same.
  if (r.resource_name != std::to_string(broker.node_id))
    return invalid_request("Unexpected node id. Expected " + std::to_string(broker.node_id) + ", but received " +
                           std::to_string(broker.node_id));
  // Every change is checked before any is made: one bad change fails the whole resource.
  for (const auto& c : r.configs) {
    switch (c.config_operation) {
      case 0:  // SET
        if (!c.value) return invalid_request("Null value not supported for : " + c.name);
        if (!config::logger_exists(c.name)) return invalid_config("Logger " + c.name + " does not exist!");
        if (auto why = config::logger_level_refusal(c.name, *c.value)) return invalid_config(*why);
        break;
      case 1:  // DELETE
        if (c.name == config::kRootLogger)
          return invalid_request("Removing the log level of the root logger is not allowed");
        if (!config::logger_exists(c.name)) return invalid_config("Logger " + c.name + " does not exist!");
        break;
      case 2:
        return invalid_request("APPEND operation is not allowed for the BROKER_LOGGER resource");
      case 3:
        return invalid_request("SUBTRACT operation is not allowed for the BROKER_LOGGER resource");
      default:
        return invalid_request("Unknown config operation " + std::to_string(c.config_operation));
    }
  }
  if (validate_only) return {0, ""};
  for (const auto& c : r.configs) {
    if (c.config_operation == 0) {
      config::set_logger_level(c.name, *c.value);
      config::named_logger("chronik.handlers").info("logger {} set to {}", c.name, *c.value);
    } else {
      config::unset_logger_level(c.name);
      config::named_logger("chronik.handlers").info("logger {} follows root's level again", c.name);
    }
  }
  return {0, ""};
}

}  // namespace chronik::broker::handlers
