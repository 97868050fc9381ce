// Every request and response of every API, and every other message of the spec set, at every
// valid version, with every field set to random non-default values.
#include <catch2/catch.hpp>

#include "generated/kafka/api_dispatch.h"
#include "tests/unit/protocol/roundtrip_check.h"

using namespace chronik;

TEST_CASE("every request and response round-trips at every version") {
  std::mt19937_64 rng(20261123);
  size_t apis = 0;
  message::for_each_api([&]<class Request, class Response>() {
    testing::check_round_trips<Request>(rng, 8);
    testing::check_round_trips<Response>(rng, 8);
    ++apis;
  });
  CHECK(apis == message::kApiCount);
}

TEST_CASE("headers and data messages round-trip at every version") {
  std::mt19937_64 rng(42);
  size_t count = 0;
  message::for_each_other_message([&]<class M>() {
    testing::check_round_trips<M>(rng, 8);
    ++count;
  });
  CHECK(count == 13);  // 4.4 added AbortedTxn, ControlRecordTypeSchema and EndTxnMarker
}

TEST_CASE("versions outside the valid range are refused") {
  message::with_api(0, []<class Request, class Response>() {
    Request r;
    wire::Writer w;
    CHECK_THROWS_AS(r.encode(w, Request::kHighestVersion + 1), wire::UnsupportedVersionError);
    CHECK_THROWS_AS(r.encode(w, -1), wire::UnsupportedVersionError);
    std::vector<uint8_t> empty;
    wire::Reader in(empty);
    CHECK_THROWS_AS(r.decode(in, Request::kHighestVersion + 1), wire::UnsupportedVersionError);
  });
}

TEST_CASE("a non-default field the version lacks cannot be encoded") {
  message::ProduceRequest produce;
  produce.transactional_id = "txn";  // exists from v3
  wire::Writer w;
  CHECK_THROWS_WITH(produce.encode(w, 2), Catch::Contains("TransactionalId"));
  CHECK_NOTHROW(produce.encode(w, 3));
}

TEST_CASE("ignorable fields are dropped silently by versions that lack them") {
  message::MetadataRequest metadata;
  auto& topic = metadata.topics.emplace().emplace_back();
  topic.name = "orders";
  topic.topic_id = wire::Uuid::random();  // ignorable, exists from v10
  wire::Writer w;
  CHECK_NOTHROW(metadata.encode(w, 9));
  metadata.include_cluster_authorized_operations = true;  // not ignorable, v8-v10 only
  CHECK_THROWS_AS(metadata.encode(w, 11), wire::EncodeError);
}

TEST_CASE("null where the version does not allow it") {
  SECTION("encoding") {
    message::MetadataRequest metadata;
    metadata.topics = std::nullopt;  // nullable from v1
    wire::Writer w;
    CHECK_THROWS_AS(metadata.encode(w, 0), wire::EncodeError);
    CHECK_NOTHROW(metadata.encode(w, 1));
  }
  SECTION("decoding") {
    // MetadataRequest v0 is one int32 array length; -1 (null) is only valid from v1.
    std::vector<uint8_t> null_topics{0xff, 0xff, 0xff, 0xff};
    message::MetadataRequest metadata;
    wire::Reader v0(null_topics);
    CHECK_THROWS_AS(metadata.decode(v0, 0), wire::DecodeError);
    wire::Reader v1(null_topics);
    metadata.decode(v1, 1);
    CHECK_FALSE(metadata.topics.has_value());
  }
}

TEST_CASE("unknown tagged fields survive decode and encode, in tag order") {
  message::ApiVersionsRequest request;
  request.client_software_name = "kcat";
  request.client_software_version = "1.7";
  request.unknown_tagged_fields = {{7, {1, 2, 3}}, {90, {}}};
  auto bytes = testing::encode_bytes(request, 3);
  message::ApiVersionsRequest decoded;
  wire::Reader in(bytes);
  decoded.decode(in, 3);
  CHECK(decoded.unknown_tagged_fields == request.unknown_tagged_fields);
  CHECK(testing::encode_bytes(decoded, 3) == bytes);
}

TEST_CASE("hostile lengths and varints are decode errors") {
  // ProduceRequest v9 (flexible): transactional_id compact string with a 5-byte varint that
  // overflows 32 bits, then arrays claiming billions of elements.
  std::vector<std::vector<uint8_t>> inputs = {
      {0xff, 0xff, 0xff, 0xff, 0xff},
      {0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0x7f},
      {0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x61, 0xff, 0xff, 0xff, 0xff, 0x0f},
  };
  for (const auto& input : inputs) {
    message::ProduceRequest produce;
    wire::Reader in(input);
    CHECK_THROWS_AS(produce.decode(in, 9), wire::DecodeError);
  }
}
