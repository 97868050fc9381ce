// Hostile input on a live broker: requests whose counts and lengths promise far more than the
// frame holds. Each must cost the broker nothing but the connection it came on, as on Kafka.
#include <string>

#include "generated/kafka/metadata_request.h"
#include "generated/kafka/metadata_response.h"
#include "tests/integration/hardening/requests.h"

using namespace chronik::testing;
namespace m = chronik::message;

namespace {

// The request header of `api_key` v`version` (client id "hostile"; flexible versions end it
// with an empty tagged-field section).
std::string header(int16_t api_key, int16_t version, bool flexible) {
  std::string h;
  auto be16 = [&](int16_t v) { h += static_cast<char>(v >> 8); h += static_cast<char>(v & 0xff); };
  be16(api_key);
  be16(version);
  h += std::string("\x00\x00\x00\x2a", 4);  // correlation id 42
  be16(7);
  h += "hostile";
  if (flexible) h += '\x00';
  return h;
}

// The broker still answers a well-formed request on a new connection.
void broker_still_answers() {
  m::MetadataRequest req;
  req.topics = std::vector<m::MetadataRequest::MetadataRequestTopic>{};
  auto resp = call<m::MetadataResponse>(target_port(), req, 12);
  CHECK(resp.brokers.size() >= 1);
}

void expect_closed(const std::string& frame) {
  for (int i = 0; i < 20; ++i) {
    RawConnection c(target_port());
    c.send_frame(frame);
    CHECK(c.read_frame(5000).empty());
  }
  broker_still_answers();
}

}  // namespace

TEST_CASE("an array count of 2^31-1 in a frame of a few bytes closes the connection", "[kafka][hostile]") {
  // Metadata v12: a compact array of topics whose length varint says 2^31-1 entries.
  expect_closed(header(3, 12, true) + std::string("\xff\xff\xff\xff\x07", 5));
  // Metadata v4: an int32 array count of 2^31-1.
  expect_closed(header(3, 4, false) + std::string("\x7f\xff\xff\xff", 4) + std::string(1, '\x01'));
}

TEST_CASE("a string or bytes length past the end of the frame closes the connection", "[kafka][hostile]") {
  // Metadata v4: one topic whose name claims 32767 bytes.
  expect_closed(header(3, 4, false) + std::string("\x00\x00\x00\x01\x7f\xff", 6) + "abc");
  // Produce v7: acks, timeout, one topic "t", one partition whose records claim 2^31-1 bytes.
  std::string produce = header(0, 7, false);
  produce += std::string("\xff\xff", 2);                        // transactional id: null
  produce += std::string("\xff\xff\x00\x00\x13\x88", 6);        // acks -1, timeout 5000
  produce += std::string("\x00\x00\x00\x01\x00\x01t", 7);       // [topic "t"]
  produce += std::string("\x00\x00\x00\x01\x00\x00\x00\x00", 8);  // [partition 0]
  produce += std::string("\x7f\xff\xff\xff", 4) + "short";      // records
  expect_closed(produce);
}
