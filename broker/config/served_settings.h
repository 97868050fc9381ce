// Settings Kafka accepts that this broker cannot honour yet. Each is refused at start-up with
// a message naming it, never accepted and then ignored: a second log dir would sit unused, a
// TLS listener or a SASL mechanism Chronik does not serve would leave its clients failing
// their handshakes with no word on the broker's side. Compaction is warned about instead of
// refused: Kafka Streams, Connect and the internal topics ask for it, and a log that keeps
// every record loses nothing they rely on.
#pragma once

#include <string>
#include <vector>

#include "broker/config/broker_config.h"

namespace chronik::config {

struct UnservedSettings {
  std::vector<std::string> refused;   // the broker must not start
  std::vector<std::string> warnings;  // it starts, and says this once
};

UnservedSettings unserved_settings(const BrokerConfig& config);

}  // namespace chronik::config
