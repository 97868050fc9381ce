// Tagged fields (KIP-482) that this build does not know. They are kept on decode and written
// back on encode, in tag order among the known ones, so that a newer peer's fields survive a
// round trip through Chronik.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace chronik::wire {

struct RawTaggedField {
  uint32_t tag = 0;
  std::vector<uint8_t> data;
  friend bool operator==(const RawTaggedField&, const RawTaggedField&) = default;
};

using UnknownTaggedFields = std::vector<RawTaggedField>;

// Writes the unknown fields from `next` on whose tag is below `before_tag`, advancing `next`:
// called before each known tagged field so that the section stays in tag order.
template <class Sink>
void write_unknown_tagged_fields(Sink& out, const UnknownTaggedFields& fields, size_t& next,
                                 uint64_t before_tag) {
  for (; next < fields.size() && fields[next].tag < before_tag; ++next) {
    out.write_unsigned_varint(fields[next].tag);
    out.write_unsigned_varint(static_cast<uint32_t>(fields[next].data.size()));
    out.write_raw(fields[next].data);
  }
}

}  // namespace chronik::wire
