// What the group handlers share: the client's host as Kafka reports it.
#pragma once

#include <string>

#include "broker/server/broker.h"

namespace chronik::broker::handlers {

// "/127.0.0.1", the form Kafka shows in DescribeGroups, from the peer "127.0.0.1:port".
inline std::string client_host(const RequestContext& ctx) {
  const auto colon = ctx.peer.rfind(':');
  return "/" + (colon == std::string::npos ? ctx.peer : ctx.peer.substr(0, colon));
}

}  // namespace chronik::broker::handlers
