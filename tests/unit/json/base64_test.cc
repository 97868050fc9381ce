// base64 and base64url against RFC 4648's vectors (section 10), and the inputs a JWT's
// reader must refuse.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "runtime/json/base64.h"

using chronik::json::base64_decode;
using chronik::json::base64_encode;
using chronik::json::base64url_decode;
using chronik::json::base64url_encode;

namespace {

std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

}  // namespace

TEST_CASE("base64: RFC 4648 vectors, padded") {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    INFO(plain);
    CHECK(base64_encode(bytes_of(plain)) == encoded);
    CHECK(base64_decode(encoded) == bytes_of(plain));
  }
}

TEST_CASE("base64url: the same vectors without padding, - and _ for + and /") {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},       {"f", "Zg"},         {"fo", "Zm8"},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "-_8"}};
  for (const auto& [plain, encoded] : vectors) {
    INFO(encoded);
    CHECK(base64url_encode(plain) == encoded);
    CHECK(base64url_decode(encoded) == plain);
  }
  CHECK(base64_encode(bytes_of("\xfb\xff")) == "+/8=");
}

TEST_CASE("base64url: padding, the standard alphabet's + and /, and impossible lengths are refused") {
  for (const char* text : {"Zg==", "Zm8=", "+/8", "-/8", "Z", "Zm9vY", "Zm9v!", "Zm 9"}) {
    INFO(text);
    CHECK_FALSE(base64url_decode(text).has_value());
  }
}
