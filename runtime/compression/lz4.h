// LZ4 in the frame format (what Kafka calls lz4 since magic v1), through liblz4's lz4frame.
//
// Kafka 0.8/0.9 computed the frame header checksum over the magic number as well as the
// frame descriptor; magic v0 message sets keep that broken checksum. Compression can write
// either; decompression accepts both, repairing the broken one before liblz4 sees it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "runtime/compression/codec.h"

namespace chronik::compression {

// Frames as Kafka's Java client writes them: 64 KiB independent blocks, no content size,
// no checksums beyond the header's.
std::vector<uint8_t> lz4_compress(std::span<const uint8_t> input, std::optional<int> level,
                                  bool broken_header_checksum);
// One or more concatenated frames, with either header checksum.
std::unique_ptr<DecompressStream> lz4_stream(std::span<const uint8_t> input, uint64_t max_output);

}  // namespace chronik::compression
