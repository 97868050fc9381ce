#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <vector>

#include "runtime/wire/reader.h"
#include "runtime/wire/writer.h"

using chronik::wire::DecodeError;
using chronik::wire::EncodeError;
using chronik::wire::Reader;
using chronik::wire::SharedBytes;
using chronik::wire::SizeCounter;
using chronik::wire::Uuid;
using chronik::wire::Writer;

namespace {
std::vector<uint8_t> bytes_of(Writer&& w) { return std::move(w).take_bytes(); }
}  // namespace

TEST_CASE("fixed-width integers are big-endian") {
  Writer w;
  w.write_int16(0x0102);
  w.write_int32(-2);
  w.write_uint16(0xfffe);
  w.write_int64(0x0102030405060708);
  auto b = bytes_of(std::move(w));
  REQUIRE(b == std::vector<uint8_t>{1, 2, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xfe, 1, 2, 3, 4, 5, 6, 7, 8});
  Reader r(b);
  CHECK(r.read_int16() == 0x0102);
  CHECK(r.read_int32() == -2);
  CHECK(r.read_uint16() == 0xfffe);
  CHECK(r.read_int64() == 0x0102030405060708);
  CHECK(r.at_end());
}

TEST_CASE("varints round-trip at their boundaries and match Kafka's zigzag layout") {
  // Kafka: ByteUtils.writeVarint(-1) is 0x01, writeVarint(1) is 0x02, 300 -> 0xd8 0x04.
  Writer w;
  w.write_varint(-1);
  w.write_varint(1);
  w.write_varint(300);
  auto b = bytes_of(std::move(w));
  REQUIRE(b == std::vector<uint8_t>{0x01, 0x02, 0xd8, 0x04});

  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{63}, int64_t{-64}, int64_t{64},
                    std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}) {
    Writer out;
    out.write_varlong(v);
    CHECK(out.size() == chronik::wire::varlong_size(v));
    auto bytes = bytes_of(std::move(out));
    Reader r(bytes);
    CHECK(r.read_varlong() == v);
  }
  for (uint32_t v : {0u, 127u, 128u, 16383u, 16384u, 0xffffffffu}) {
    Writer out;
    out.write_unsigned_varint(v);
    CHECK(out.size() == chronik::wire::unsigned_varint_size(v));
    auto bytes = bytes_of(std::move(out));
    Reader r(bytes);
    CHECK(r.read_unsigned_varint() == v);
  }
}

TEST_CASE("malformed varints are errors, not loops") {
  std::vector<uint8_t> endless(64, 0xff);
  Reader r(endless);
  CHECK_THROWS_AS(r.read_unsigned_varint(), DecodeError);
  std::vector<uint8_t> too_big{0xff, 0xff, 0xff, 0xff, 0x1f};  // 35 bits
  Reader r2(too_big);
  CHECK_THROWS_AS(r2.read_unsigned_varint(), DecodeError);
  std::vector<uint8_t> truncated{0x80};
  Reader r3(truncated);
  CHECK_THROWS_AS(r3.read_unsigned_varint(), DecodeError);
}

TEST_CASE("strings: classic and compact, null handling") {
  Writer w;
  w.write_string("kafka", false, "s");
  w.write_string("kafka", true, "s");
  w.write_nullable_string(std::nullopt, false, "s");
  w.write_nullable_string(std::nullopt, true, "s");
  auto b = bytes_of(std::move(w));
  REQUIRE(b == std::vector<uint8_t>{0, 5, 'k', 'a', 'f', 'k', 'a', 6, 'k', 'a', 'f', 'k', 'a',
                                    0xff, 0xff, 0});
  Reader r(b);
  CHECK(r.read_string(false, "s") == "kafka");
  CHECK(r.read_string(true, "s") == "kafka");
  CHECK_THROWS_WITH(r.read_string(false, "TopicName"), Catch::Contains("TopicName"));
  CHECK_FALSE(r.read_nullable_string(true, "s").has_value());
  CHECK(r.at_end());
}

TEST_CASE("lengths beyond the frame are rejected before allocating") {
  std::vector<uint8_t> huge_bytes{0x7f, 0xff, 0xff, 0xff, 1, 2, 3};
  Reader r(huge_bytes);
  CHECK_THROWS_AS(r.read_bytes(false, "b"), DecodeError);
  Reader r2(huge_bytes);
  CHECK_THROWS_AS(r2.read_array_length(false, "a"), DecodeError);
  std::vector<uint8_t> negative{0xff, 0xff, 0xff, 0xfe};
  Reader r3(negative);
  CHECK_THROWS_AS(r3.read_array_length(false, "a"), DecodeError);
  std::vector<uint8_t> long_string{0x7f, 0xff};
  Reader r4(long_string);
  CHECK_THROWS_AS(r4.read_string(false, "s"), DecodeError);
}

TEST_CASE("strings longer than Kafka allows cannot be encoded") {
  Writer w;
  CHECK_THROWS_AS(w.write_string(std::string(0x8000, 'x'), false, "s"), EncodeError);
}

TEST_CASE("SizeCounter agrees with Writer") {
  auto write_all = [](auto& out) {
    out.write_int8(1);
    out.write_uuid(Uuid::random());
    out.write_string("topic", true, "s");
    out.write_bytes(std::vector<uint8_t>(300, 7), false);
    out.write_shared_bytes(SharedBytes::copy_of(std::vector<uint8_t>(10000, 1)), true);
  };
  Writer w;
  SizeCounter c;
  write_all(w);
  write_all(c);
  CHECK(w.size() == c.size());
  CHECK(bytes_of(std::move(w)).size() == c.size());
}

TEST_CASE("large shared bytes are referenced, not copied") {
  auto payload = SharedBytes::copy_of(std::vector<uint8_t>(1 << 20, 0xab));
  Writer w;
  w.write_int32(42);
  w.write_shared_bytes(payload, false);
  w.write_int16(7);
  auto chunks = w.chunks();
  REQUIRE(chunks.size() == 3);
  CHECK(chunks[1].data() == payload.data());
  CHECK(chunks[0].size() == 8);
  CHECK(chunks[2].size() == 2);
}

TEST_CASE("shared slices keep the frame alive") {
  auto frame = std::make_shared<std::vector<uint8_t>>(std::vector<uint8_t>{0, 0, 0, 3, 'a', 'b', 'c'});
  SharedBytes slice;
  {
    Reader r(frame->data(), frame->size(), frame);
    slice = r.read_shared_bytes(false, "records");
  }
  std::weak_ptr<std::vector<uint8_t>> weak = frame;
  frame.reset();
  CHECK_FALSE(weak.expired());
  CHECK(slice.size() == 3);
  CHECK(slice.data()[2] == 'c');
}

TEST_CASE("uuids print as Kafka prints them") {
  auto u = Uuid::from_base64("H3KKO4NTRPaCWtEmm3vW7A");
  REQUIRE(u.has_value());
  CHECK(u->to_base64() == "H3KKO4NTRPaCWtEmm3vW7A");
  CHECK(u->bytes[0] == 0x1f);
  CHECK_FALSE(Uuid::from_base64("too-short").has_value());
  CHECK_FALSE(Uuid::from_base64("H3KKO4NTRPaCWtEmm3vW7!").has_value());
  CHECK(Uuid{}.to_base64() == "AAAAAAAAAAAAAAAAAAAAAA");
}
