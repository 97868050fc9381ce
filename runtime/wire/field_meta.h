// What the spec says about one field, for code that walks messages generically (the
// chronik-wire JSON printer, randomized round-trip tests, fuzz harnesses).
#pragma once

#include <cstdint>

namespace chronik::wire {

// An inclusive range of versions; `none()` is empty. Mirrors the spec's "3+", "1-4", "none".
struct VersionRange {
  int16_t lowest = 0;
  int16_t highest = -1;

  static constexpr VersionRange none() { return {0, -1}; }
  constexpr bool empty() const { return highest < lowest; }
  constexpr bool contains(int16_t version) const {
    return version >= lowest && version <= highest;
  }
};

struct FieldMeta {
  const char* name;         // as in the spec, e.g. "TransactionalId"
  VersionRange versions;    // versions in which the field exists
  VersionRange nullable;    // versions in which it may be null
  VersionRange tagged;      // versions in which it is a tagged field
  int32_t tag;              // its tag, or -1
  VersionRange flexible;    // versions using compact encodings for this field
  bool ignorable;           // may be dropped silently when the version lacks it
  const char* entity_type;  // e.g. "topicName", or "" when the spec names none
};

}  // namespace chronik::wire
