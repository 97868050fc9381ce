// Response decoding, any API at any version. A response frame does not name its API, so the
// input starts with 4 bytes (api key, api version, big-endian) that choose it, followed by
// the response frame without its size prefix: the header (runtime/protocol/header.h, whose
// version comes from the API table) and the body (generated decoder). A response that
// decodes must re-encode and decode again to equal values (fuzz_support.h).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "generated/kafka/api_dispatch.h"
#include "runtime/protocol/header.h"

using namespace chronik;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const message::ApiInfo* api = message::find_api(fuzz::read_be16(data));
  const int16_t version = fuzz::read_be16(data + 2);
  if (api == nullptr || !api->is_valid_version(version)) return 0;
  const int16_t header_version = api->response_header_version(version);

  auto frame = std::make_shared<std::vector<uint8_t>>(data + 4, data + size);
  wire::Reader in(frame->data(), frame->size(), frame);

  message::with_api(api->key, [&]<class Request, class Response>() {
    protocol::ResponseHeader header;
    Response response;
    try {
      header = protocol::decode_response_header(in, header_version);
      response.decode(in, version);
    } catch (const wire::DecodeError&) {
      return;
    }

    wire::Writer w;
    try {
      protocol::encode_response_header(w, header, header_version);
    } catch (const std::exception&) {
      fuzz::property_failed("a decoded response header must re-encode", Response::kName, version);
    }
    auto header_bytes = std::move(w).take_bytes();
    wire::Reader again(header_bytes);
    protocol::ResponseHeader header2;
    try {
      header2 = protocol::decode_response_header(again, header_version);
    } catch (const wire::DecodeError&) {
      fuzz::property_failed("our own response header must decode", Response::kName, version);
    }
    if (!again.at_end() || !(header2 == header))
      fuzz::property_failed("response header round trip", Response::kName, version);

    fuzz::check_reencodes(response, version);
  });
  return 0;
}
