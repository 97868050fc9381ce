// The hand-written headers against the headers generated from Kafka's own header specs, and
// Kafka's header-version exceptions in the API table.
#include <catch2/catch.hpp>

#include "generated/kafka/api_table.h"
#include "generated/kafka/request_header.h"
#include "generated/kafka/response_header.h"
#include "runtime/protocol/frame.h"
#include "runtime/protocol/header.h"
#include "tests/unit/protocol/roundtrip_check.h"

using namespace chronik;

TEST_CASE("hand-written request header encodes exactly like the generated one") {
  std::mt19937_64 rng(3);
  for (int16_t v = 0; v <= 2; ++v) {
    for (int i = 0; i < 200; ++i) {
      message::RequestHeader generated;
      testing::RandomFiller(rng, v).fill(generated);
      protocol::RequestHeader hand{generated.request_api_key, generated.request_api_version,
                                   generated.correlation_id, generated.client_id,
                                   generated.unknown_tagged_fields};
      if (v == 0) hand.client_id.reset();
      auto generated_bytes = testing::encode_bytes(generated, v);
      wire::Writer w;
      protocol::encode_request_header(w, hand, v);
      REQUIRE(std::move(w).take_bytes() == generated_bytes);
      wire::Reader in(generated_bytes);
      REQUIRE(protocol::decode_request_header(in, v) == hand);
      REQUIRE(in.at_end());
    }
  }
}

TEST_CASE("client_id keeps its int16 length in the flexible header v2") {
  protocol::RequestHeader h{18, 3, 1, "ab", {}};
  wire::Writer w;
  protocol::encode_request_header(w, h, 2);
  CHECK(std::move(w).take_bytes() == std::vector<uint8_t>{0, 18, 0, 3, 0, 0, 0, 1, 0, 2, 'a', 'b', 0});
}

TEST_CASE("hand-written response header encodes exactly like the generated one") {
  std::mt19937_64 rng(4);
  for (int16_t v = 0; v <= 1; ++v) {
    for (int i = 0; i < 200; ++i) {
      message::ResponseHeader generated;
      testing::RandomFiller(rng, v).fill(generated);
      protocol::ResponseHeader hand{generated.correlation_id, generated.unknown_tagged_fields};
      auto generated_bytes = testing::encode_bytes(generated, v);
      wire::Writer w;
      protocol::encode_response_header(w, hand, v);
      REQUIRE(std::move(w).take_bytes() == generated_bytes);
      wire::Reader in(generated_bytes);
      REQUIRE(protocol::decode_response_header(in, v) == hand);
    }
  }
}

TEST_CASE("Kafka's header-version exceptions") {
  const auto* api_versions = message::find_api("ApiVersions");
  REQUIRE(api_versions);
  CHECK(api_versions->request_header_version(3) == 2);
  CHECK(api_versions->response_header_version(3) == 0);  // always v0
  const auto* shutdown = message::find_api("ControlledShutdown");
  REQUIRE(shutdown);
  CHECK(shutdown->request_header_version(0) == 0);
  CHECK(shutdown->request_header_version(1) == 1);
  const auto* produce = message::find_api(0);
  REQUIRE(produce);
  CHECK(produce->request_header_version(8) == 1);
  CHECK(produce->request_header_version(9) == 2);
  CHECK(produce->response_header_version(9) == 1);
  CHECK(message::find_api(int16_t{999}) == nullptr);
  CHECK(message::find_api(int16_t{-1}) == nullptr);
}

TEST_CASE("latestVersionUnstable versions are not advertised") {
  size_t unstable = 0;
  for (const auto& api : message::kApis) {
    CHECK(api.highest_stable_version <= api.highest_version);
    if (api.highest_stable_version < api.highest_version) ++unstable;
  }
  CHECK(unstable > 0);
}

TEST_CASE("frame sizes are checked before anything is allocated") {
  const std::array<uint8_t, 4> huge{0x7f, 0xff, 0xff, 0xff};
  auto size = protocol::check_frame_size(huge, 100 * 1024 * 1024);
  CHECK(size.error.has_value());
  const std::array<uint8_t, 4> negative{0xff, 0xff, 0xff, 0xff};
  CHECK(protocol::check_frame_size(negative, 1024).error.has_value());
  const std::array<uint8_t, 4> fine{0, 0, 1, 0};
  auto ok = protocol::check_frame_size(fine, 1024);
  CHECK_FALSE(ok.error.has_value());
  CHECK(ok.size == 256);
}
