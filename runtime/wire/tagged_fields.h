// Tagged fields (KIP-482) that this build does not know. They are kept on decode and written
// back on encode, in tag order among the known ones, so that a newer peer's fields survive a
// round trip through Chronik.
#pragma once

#include <cstdint>
#include <vector>

namespace chronik::wire {

struct RawTaggedField {
  uint32_t tag = 0;
  std::vector<uint8_t> data;
  friend bool operator==(const RawTaggedField&, const RawTaggedField&) = default;
};

using UnknownTaggedFields = std::vector<RawTaggedField>;

}  // namespace chronik::wire
