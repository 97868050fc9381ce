// Builds LogManagerOptions from the broker configuration, so that retention and flushing
// follow Kafka's keys (log.retention.*, log.flush.*, topic overrides and their synonyms).
#pragma once

#include <functional>
#include <memory>

#include "broker/config/broker_config.h"
#include "broker/log/log_manager.h"

namespace chronik::log {

// `current` returns the configuration in force (it may change through dynamic configs);
// retention is resolved through it on every retention run.
LogManagerOptions log_manager_options(
    std::function<std::shared_ptr<const config::BrokerConfig>()> current);

}  // namespace chronik::log
