// Zstandard frames through libzstd.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace chronik::compression {

// `level` defaults to 3, Kafka's default zstd level.
std::vector<uint8_t> zstd_compress(std::span<const uint8_t> input, std::optional<int> level);
// One or more concatenated frames.
std::vector<uint8_t> zstd_decompress(std::span<const uint8_t> input, size_t max_output,
                                     std::vector<uint8_t> buffer = {});

}  // namespace chronik::compression
