// Fills any generated message with random, non-default values for the fields that exist at
// a version, leaving the others at their defaults: the input of the round-trip tests and of
// the C++ side of the Java oracle.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "runtime/wire/field_meta.h"
#include "runtime/wire/shared_bytes.h"
#include "runtime/wire/tagged_fields.h"
#include "runtime/wire/uuid.h"

namespace chronik::testing {

template <class T>
concept GeneratedStruct = requires(T& t) { T::visit_fields(t, [](const wire::FieldMeta&, auto&) {}); };

class RandomFiller {
 public:
  RandomFiller(std::mt19937_64& rng, int16_t version) : rng_(rng), version_(version) {}

  template <GeneratedStruct T>
  void fill(T& message) {
    T::visit_fields(message, *this);
  }

  template <class T>
  void operator()(const wire::FieldMeta& meta, T& value) {
    if (!meta.versions.contains(version_)) return;
    nullable_ = meta.nullable.contains(version_);
    fill_value(value);
  }

  void operator()(const wire::FieldMeta& meta, wire::UnknownTaggedFields& fields) {
    if (!meta.versions.contains(version_) || coin(3)) return;
    // Tags far above any known one keep the known/unknown order stable.
    uint32_t tag = 1000 + static_cast<uint32_t>(rng_() % 100);
    for (int n = static_cast<int>(rng_() % 3); n >= 0; --n) {
      wire::RawTaggedField f;
      f.tag = tag;
      tag += 1 + static_cast<uint32_t>(rng_() % 50);
      f.data = random_bytes(rng_() % 6);
      fields.push_back(std::move(f));
    }
  }

 private:
  bool coin(int one_in) { return rng_() % one_in != 0; }

  std::vector<uint8_t> random_bytes(size_t n) {
    std::vector<uint8_t> out(n);
    for (auto& b : out) b = static_cast<uint8_t>(rng_());
    return out;
  }

  template <class T>
  void fill_value(T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      v = !v;  // the only non-default value there is
    } else if constexpr (std::is_integral_v<T>) {
      do v = static_cast<T>(rng_() >> (rng_() % 64)); while (v == T{});
    } else if constexpr (std::is_same_v<T, double>) {
      v = std::uniform_real_distribution<double>(-1e12, 1e12)(rng_);
    } else if constexpr (std::is_same_v<T, std::string>) {
      static constexpr const char* kPieces[] = {"a", "topic", "-", "_", ".", "\xc3\xa9", "\xe2\x82\xac", "0", "Z"};
      v.clear();
      for (size_t n = 1 + rng_() % 6; n > 0; --n) v += kPieces[rng_() % std::size(kPieces)];
    } else if constexpr (std::is_same_v<T, std::vector<uint8_t>>) {
      v = random_bytes(1 + rng_() % 8);
    } else if constexpr (std::is_same_v<T, wire::SharedBytes>) {
      v = wire::SharedBytes::adopt(random_bytes(1 + rng_() % 64));
    } else if constexpr (std::is_same_v<T, wire::Uuid>) {
      v = wire::Uuid::random();
    } else if constexpr (GeneratedStruct<T>) {
      RandomFiller nested(rng_, version_);
      nested.depth_ = depth_ + 1;
      nested.fill(v);
    } else if constexpr (requires { typename T::value_type; v.emplace_back(); }) {
      const bool nullable = nullable_;
      v.clear();
      size_t n = depth_ > 3 ? 0 : rng_() % 4;
      for (size_t i = 0; i < n; ++i) {
        nullable_ = false;  // array elements are never null
        fill_value(v.emplace_back());
      }
      nullable_ = nullable;
    } else if constexpr (requires { v.has_value(); v.reset(); }) {
      if (nullable_ && rng_() % 4 == 0) {
        v.reset();
      } else {
        const bool nullable = nullable_;
        if (!v) v.emplace();
        fill_value(*v);
        nullable_ = nullable;
      }
    } else {
      static_assert(sizeof(T) == 0, "RandomFiller: unhandled field type");
    }
  }

  std::mt19937_64& rng_;
  int16_t version_;
  int depth_ = 0;
  bool nullable_ = false;
};

}  // namespace chronik::testing
