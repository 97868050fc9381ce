#include "runtime/protocol/header.h"

namespace chronik::protocol {
namespace {

void read_tagged_section(wire::Reader& in, wire::UnknownTaggedFields& out) {
  const uint32_t count = in.read_unsigned_varint();
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t tag = in.read_unsigned_varint();
    const uint32_t size = in.read_unsigned_varint();
    auto data = in.read_raw(size);
    out.push_back({tag, std::vector<uint8_t>(data.begin(), data.end())});
  }
}

template <class Sink>
void write_tagged_section(Sink& out, const wire::UnknownTaggedFields& fields) {
  out.write_unsigned_varint(static_cast<uint32_t>(fields.size()));
  size_t next = 0;
  wire::write_unknown_tagged_fields(out, fields, next, UINT64_MAX);
}

}  // namespace

ApiKeyAndVersion peek_api_key_and_version(const wire::Reader& frame) {
  wire::Reader copy = frame;
  ApiKeyAndVersion kv{};
  kv.api_key = copy.read_int16();
  kv.api_version = copy.read_int16();
  return kv;
}

RequestHeader decode_request_header(wire::Reader& in, int16_t header_version) {
  RequestHeader h;
  h.api_key = in.read_int16();
  h.api_version = in.read_int16();
  h.correlation_id = in.read_int32();
  if (header_version >= 1) h.client_id = in.read_nullable_string(/*compact=*/false, "ClientId");
  if (header_version >= 2) read_tagged_section(in, h.tagged_fields);
  return h;
}

template <class Sink>
void encode_request_header(Sink& out, const RequestHeader& h, int16_t header_version) {
  out.write_int16(h.api_key);
  out.write_int16(h.api_version);
  out.write_int32(h.correlation_id);
  if (header_version >= 1) out.write_nullable_string(h.client_id, /*compact=*/false, "ClientId");
  if (header_version >= 2) write_tagged_section(out, h.tagged_fields);
}

ResponseHeader decode_response_header(wire::Reader& in, int16_t header_version) {
  ResponseHeader h;
  h.correlation_id = in.read_int32();
  if (header_version >= 1) read_tagged_section(in, h.tagged_fields);
  return h;
}

template <class Sink>
void encode_response_header(Sink& out, const ResponseHeader& h, int16_t header_version) {
  out.write_int32(h.correlation_id);
  if (header_version >= 1) write_tagged_section(out, h.tagged_fields);
}

template void encode_request_header(wire::Writer&, const RequestHeader&, int16_t);
template void encode_request_header(wire::SizeCounter&, const RequestHeader&, int16_t);
template void encode_response_header(wire::Writer&, const ResponseHeader&, int16_t);
template void encode_response_header(wire::SizeCounter&, const ResponseHeader&, int16_t);

}  // namespace chronik::protocol
