// Request and response headers, hand-written because they decide how the rest of a frame is
// read. Kafka's exceptions are kept: client_id keeps its int16 length even in the flexible
// header v2, and which header version an API uses comes from the API table (ApiVersions
// responses always use v0, ControlledShutdown v0 requests use v0).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/wire/reader.h"
#include "runtime/wire/tagged_fields.h"
#include "runtime/wire/writer.h"

namespace chronik::protocol {

struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;  // absent in v0, nullable in v1+
  wire::UnknownTaggedFields tagged_fields;  // v2 only

  friend bool operator==(const RequestHeader&, const RequestHeader&) = default;
};

struct ResponseHeader {
  int32_t correlation_id = 0;
  wire::UnknownTaggedFields tagged_fields;  // v1 only

  friend bool operator==(const ResponseHeader&, const ResponseHeader&) = default;
};

// The API key and version of a request frame, read without consuming: they decide the
// header version. Throws wire::DecodeError when the frame is shorter than 4 bytes.
struct ApiKeyAndVersion {
  int16_t api_key;
  int16_t api_version;
};
ApiKeyAndVersion peek_api_key_and_version(const wire::Reader& frame);

// REQUIRES: 0 <= header_version <= 2. Throws wire::DecodeError on malformed input.
RequestHeader decode_request_header(wire::Reader& in, int16_t header_version);
template <class Sink>
void encode_request_header(Sink& out, const RequestHeader& header, int16_t header_version);

// REQUIRES: 0 <= header_version <= 1.
ResponseHeader decode_response_header(wire::Reader& in, int16_t header_version);
template <class Sink>
void encode_response_header(Sink& out, const ResponseHeader& header, int16_t header_version);

}  // namespace chronik::protocol
