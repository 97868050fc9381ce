// Kafka frames: a 4-byte big-endian size, then that many bytes (header + body).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace chronik::protocol {

inline constexpr size_t kFrameSizeBytes = 4;

// Outcome of reading a frame's size prefix, checked against the configured maximum
// (socket.request.max.bytes) before anything is allocated.
struct FrameSize {
  int32_t size = 0;
  std::optional<std::string> error;  // set when the frame must be refused
};

// REQUIRES: prefix.size() == 4.
FrameSize check_frame_size(std::span<const uint8_t, kFrameSizeBytes> prefix, int32_t max_size);

}  // namespace chronik::protocol
