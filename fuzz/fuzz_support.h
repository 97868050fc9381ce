// Shared pieces of the libFuzzer targets: the differential round-trip property of generated
// messages, and how a violated property is reported (an abort, which libFuzzer records as a
// crash with the input that caused it).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <type_traits>
#include <vector>

#include "runtime/wire/errors.h"
#include "runtime/wire/field_meta.h"
#include "runtime/wire/reader.h"
#include "runtime/wire/tagged_fields.h"
#include "runtime/wire/writer.h"

namespace chronik::fuzz {

// A property the code must hold was violated: print why and abort.
[[noreturn]] inline void property_failed(const char* what, const char* message, int16_t version) {
  std::fprintf(stderr, "PROPERTY VIOLATED: %s (%s v%d)\n", what, message, version);
  std::abort();
}

template <class T>
concept Visitable = requires(T& t) { T::visit_fields(t, [](const wire::FieldMeta&, auto&) {}); };

// Replaces every NaN float64 of a message with 0 so that operator== (where NaN != NaN) can
// compare two decodings; the byte comparison of their encodings still sees NaN payloads.
class NanCanonicalizer {
 public:
  template <Visitable T>
  void run(T& message) {
    T::visit_fields(message, *this);
  }
  template <class T>
  void operator()(const wire::FieldMeta&, T& value) {
    visit(value);
  }

 private:
  template <class T>
  void visit(T& v) {
    if constexpr (std::is_same_v<T, double>) {
      if (std::isnan(v)) v = 0.0;
    } else if constexpr (Visitable<T>) {
      run(v);
    } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::vector<uint8_t>> ||
                         std::is_same_v<T, wire::UnknownTaggedFields>) {
      // no floating point inside
    } else if constexpr (requires { typename T::value_type; v.begin(); }) {
      for (auto& e : v) visit(e);
    } else if constexpr (requires { v.has_value(); *v; }) {
      if (v) visit(*v);
    }
  }
};

template <class M>
std::vector<uint8_t> encode_or_die(const M& m, int16_t version) {
  wire::Writer w;
  try {
    m.encode(w, version);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "re-encode threw: %s\n", e.what());
    property_failed("a decoded message must re-encode", M::kName, version);
  }
  if (w.size() != m.size(version)) property_failed("size() must equal the encoded size", M::kName, version);
  return std::move(w).take_bytes();
}

// The differential property: `first` was decoded from fuzzer input; its encoding must decode
// back to an equal message, and encoding that one must give the same bytes.
template <class M>
void check_reencodes(const M& first, int16_t version) {
  std::vector<uint8_t> bytes = encode_or_die(first, version);
  M second;
  wire::Reader in(bytes);
  try {
    second.decode(in, version);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "decoding our own encoding threw: %s\n", e.what());
    property_failed("our own encoding must decode", M::kName, version);
  }
  if (!in.at_end()) property_failed("decoding our own encoding must consume it all", M::kName, version);
  if (encode_or_die(second, version) != bytes)
    property_failed("encode(decode(encode(m))) must equal encode(m)", M::kName, version);
  M a = first;
  M b = std::move(second);
  NanCanonicalizer().run(a);
  NanCanonicalizer().run(b);
  if (!(a == b)) property_failed("decode(encode(m)) must equal m", M::kName, version);
}

inline int16_t read_be16(const uint8_t* p) { return static_cast<int16_t>((p[0] << 8) | p[1]); }

}  // namespace chronik::fuzz
