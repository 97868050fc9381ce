#include "runtime/protocol/frame.h"

namespace chronik::protocol {

FrameSize check_frame_size(std::span<const uint8_t, kFrameSizeBytes> p, int32_t max_size) {
  FrameSize out;
  out.size = static_cast<int32_t>((uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
                                  (uint32_t{p[2]} << 8) | uint32_t{p[3]});
  if (out.size < 4) {
    out.error = "frame size " + std::to_string(out.size) + " is too small for a header";
  } else if (out.size > max_size) {
    out.error = "frame size " + std::to_string(out.size) + " exceeds the largest accepted (" +
                std::to_string(max_size) + ")";
  }
  return out;
}

}  // namespace chronik::protocol
