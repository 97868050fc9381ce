// Request decoding, any API at any version. The input is a request frame without its size
// prefix, exactly as the broker sees it: the first 4 bytes (api key, api version) choose the
// header version and the message; the header is decoded by runtime/protocol/header.h and
// the body by the generated decoder. A frame that decodes must re-encode, and the
// re-encoding must decode to an equal header and message (fuzz_support.h).
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
  if (api == nullptr || !api->is_valid_version(version)) return 0;  // refused before decoding
  const int16_t header_version = api->request_header_version(version);

  // Record batches are SharedBytes slices of the frame: give the reader an owner, as the
  // network layer does.
  auto frame = std::make_shared<std::vector<uint8_t>>(data, data + size);
  wire::Reader in(frame->data(), frame->size(), frame);

  message::with_api(api->key, [&]<class Request, class Response>() {
    protocol::RequestHeader header;
    Request request;
    try {
      header = protocol::decode_request_header(in, header_version);
      request.decode(in, version);
    } catch (const wire::DecodeError&) {
      return;  // malformed input is refused: fine
    }
    if (header.api_key != api->key || header.api_version != version)
      fuzz::property_failed("the header must carry the peeked key and version", Request::kName, version);

    wire::Writer w;
    try {
      protocol::encode_request_header(w, header, header_version);
    } catch (const std::exception&) {
      fuzz::property_failed("a decoded request header must re-encode", Request::kName, version);
    }
    auto header_bytes = std::move(w).take_bytes();
    wire::Reader again(header_bytes);
    protocol::RequestHeader header2;
    try {
      header2 = protocol::decode_request_header(again, header_version);
    } catch (const wire::DecodeError&) {
      fuzz::property_failed("our own request header must decode", Request::kName, version);
    }
    if (!again.at_end() || !(header2 == header))
      fuzz::property_failed("request header round trip", Request::kName, version);

    fuzz::check_reencodes(request, version);
  });
  return 0;
}
