// The config resources besides topics and the broker, each in a file of its own:
// BROKER_LOGGER (8, broker_loggers.cc) and CLIENT_METRICS (16, client_metrics_configs.cc).
// configs.cc hands each resource of a DescribeConfigs / IncrementalAlterConfigs request to
// the function of its type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

inline constexpr int8_t kBrokerLoggerResource = 8;
inline constexpr int8_t kClientMetricsResource = 16;

// A resource's error code and message (0 and "" for none).
using ResourceStatus = std::pair<int16_t, std::string>;

void describe_broker_loggers(const Broker& broker, int16_t version,
                             const m::DescribeConfigsRequest::DescribeConfigsResource& resource,
                             m::DescribeConfigsResponse::DescribeConfigsResult& out);
ResourceStatus alter_broker_loggers(const Broker& broker,
                                    const m::IncrementalAlterConfigsRequest::AlterConfigsResource& resource,
                                    bool validate_only);

void describe_client_metrics(const Broker& broker, int16_t version,
                             const m::DescribeConfigsRequest::DescribeConfigsResource& resource,
                             m::DescribeConfigsResponse::DescribeConfigsResult& out);
// IncrementalAlterConfigs: the subscription's configs changed; AlterConfigs: replaced.
ResourceStatus alter_client_metrics(Broker& broker,
                                    const m::IncrementalAlterConfigsRequest::AlterConfigsResource& resource,
                                    bool validate_only);
ResourceStatus replace_client_metrics(Broker& broker, const m::AlterConfigsRequest::AlterConfigsResource& resource,
                                      bool validate_only);

}  // namespace chronik::broker::handlers
