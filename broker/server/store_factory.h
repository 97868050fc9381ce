// Opens the LogStore the broker runs on (chosen here, so main and the tests agree).
#pragma once

#include <memory>

#include "broker/server/broker.h"

namespace chronik::broker {

// Throws std::runtime_error when the log dir cannot be opened.
std::shared_ptr<LogStore> open_store(Broker& broker);

}  // namespace chronik::broker
