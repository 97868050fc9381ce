// Zstandard frames through libzstd.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "runtime/compression/codec.h"

namespace chronik::compression {

// `level` defaults to 3, Kafka's default zstd level.
std::vector<uint8_t> zstd_compress(std::span<const uint8_t> input, std::optional<int> level);
// One or more concatenated frames.
std::unique_ptr<DecompressStream> zstd_stream(std::span<const uint8_t> input, uint64_t max_output);

}  // namespace chronik::compression
