// What the telemetry handlers share: the identity of the client asking.
#pragma once

#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

inline ClientIdentity client_identity(const Ctx& ctx) {
  ClientIdentity who;
  who.client_id = ctx.client_id.value_or("");
  const auto colon = ctx.peer.rfind(':');
  who.source_address = colon == std::string::npos ? ctx.peer : ctx.peer.substr(0, colon);
  who.source_port = colon == std::string::npos ? "" : ctx.peer.substr(colon + 1);
  return who;
}

}  // namespace chronik::broker::handlers
