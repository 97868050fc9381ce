// max.connections.per.ip.overrides, "address:count,address:count": one reading of it for the
// validator (config_tables.cc) and for the connection count (core/connection_quotas.cc).
#pragma once

#include <string_view>
#include <vector>

namespace chronik::config {

struct ConnectionOverride {
  std::string_view entry;  // as written, trimmed (for messages)
  // Before the last colon (an IPv6 address keeps its own); empty without one.
  std::string_view address;
  std::string_view count;  // after it, unparsed
};

// The non-empty entries of `text`, views into it.
std::vector<ConnectionOverride> split_connection_overrides(std::string_view text);

}  // namespace chronik::config
