// Who a client quota measures: the requester's user (its principal's name, ANONYMOUS on a
// listener without authentication) and client id, as Kafka's quota entities name them.
#pragma once

#include <string>

#include "broker/core/broker.h"

namespace chronik::broker::handlers {

inline std::string quota_user(const RequestContext& ctx) {
  const auto colon = ctx.principal.find(':');
  return colon == std::string::npos ? ctx.principal : ctx.principal.substr(colon + 1);
}

inline std::string quota_client_id(const RequestContext& ctx) { return ctx.client_id.value_or(""); }

}  // namespace chronik::broker::handlers
