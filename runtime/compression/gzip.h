// gzip (RFC 1952) through zlib, as Kafka's GZIPOutputStream writes it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "runtime/compression/codec.h"

namespace chronik::compression {

// One gzip member; `level` defaults to zlib's default (Java's Deflater uses the same).
std::vector<uint8_t> gzip_compress(std::span<const uint8_t> input, std::optional<int> level);
// Accepts concatenated gzip members (Java's GZIPInputStream does too) and zlib streams.
std::unique_ptr<DecompressStream> gzip_stream(std::span<const uint8_t> input, uint64_t max_output);

}  // namespace chronik::compression
