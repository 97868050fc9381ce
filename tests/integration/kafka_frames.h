// Request and response frames built and read with the generated messages, for tests that
// speak to the broker below the client libraries.
#pragma once

#include <cstdint>
#include <string>

#include "generated/kafka/api_table.h"
#include "generated/kafka/api_versions_request.h"
#include "runtime/protocol/header.h"
#include "runtime/wire/reader.h"
#include "runtime/wire/writer.h"

namespace chronik::testing {

// An ApiVersions request with the client software name and version that v3+ must carry
// (KIP-511: a broker refuses an empty or malformed one with INVALID_REQUEST).
inline message::ApiVersionsRequest api_versions_request() {
  message::ApiVersionsRequest req;
  req.client_software_name = "chronik-tests";
  req.client_software_version = "1.0";
  return req;
}

// The frame (without its size prefix) of `req` at `version`, header included.
template <class Req>
std::string request_bytes(const Req& req, int16_t version, int32_t correlation_id,
                          const std::string& client_id = "raw-test") {
  const message::ApiInfo* api = message::find_api(Req::kApiKey);
  wire::Writer w;
  protocol::RequestHeader h;
  h.api_key = Req::kApiKey;
  h.api_version = version;
  h.correlation_id = correlation_id;
  h.client_id = client_id;
  protocol::encode_request_header(w, h, api->request_header_version(version));
  req.encode(w, version);
  auto bytes = std::move(w).take_bytes();
  return std::string(bytes.begin(), bytes.end());
}

// The response in `frame` (without its size prefix) at `version`.
template <class Resp>
Resp parse_response(const std::string& frame, int16_t version, int32_t* correlation_id = nullptr) {
  const message::ApiInfo* api = message::find_api(Resp::kApiKey);
  wire::Reader r(reinterpret_cast<const uint8_t*>(frame.data()), frame.size());
  auto h = protocol::decode_response_header(r, api->response_header_version(version));
  if (correlation_id) *correlation_id = h.correlation_id;
  Resp resp;
  resp.decode(r, version);
  return resp;
}

}  // namespace chronik::testing
