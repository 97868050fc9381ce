// Snappy, raw and in the xerial block framing that Kafka's Java client writes.
//
// xerial framing: a 16-byte header (0x82 "SNAPPY" 0x00, then big-endian int32 version and
// compatible-version, both 1), followed by blocks, each a big-endian int32 length and a raw
// snappy block of at most 32 KiB uncompressed.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "runtime/compression/codec.h"

namespace chronik::compression {

std::vector<uint8_t> snappy_compress_raw(std::span<const uint8_t> input);
std::vector<uint8_t> snappy_compress_xerial(std::span<const uint8_t> input);
// True when `input` starts with the xerial magic. Version and compat are not checked: some
// producers write them little-endian, and readers that accept them lose nothing.
bool is_xerial_snappy(std::span<const uint8_t> input);
// Raw or xerial-framed input, detected by the magic.
std::vector<uint8_t> snappy_decompress(std::span<const uint8_t> input, size_t max_output,
                                       std::vector<uint8_t> buffer = {});
// The same, a block at a time: memory is one xerial block, or all of raw input's output.
std::unique_ptr<DecompressStream> snappy_stream(std::span<const uint8_t> input, uint64_t max_output);

}  // namespace chronik::compression
