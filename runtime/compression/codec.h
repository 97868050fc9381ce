// Compression codecs of Kafka record batches and message sets.
//
// The bytes written are those Kafka clients write (gzip streams, xerial-framed snappy, LZ4
// frames, zstd frames) so that any client can read what the broker produces, e.g. when it
// down-converts a batch. Decompression is always bounded: the caller names the largest
// output it accepts, and input that would exceed it fails with kTooLarge before the memory
// is allocated, so a small "compression bomb" cannot exhaust the broker's memory.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace chronik::compression {

// The ids Kafka stores in the low three bits of batch/message attributes.
enum class Codec : uint8_t {
  kNone = 0,
  kGzip = 1,
  kSnappy = 2,
  kLz4 = 3,
  kZstd = 4,
};

// The codec with Kafka id `id`, or nullopt for ids Kafka does not define (5..7).
std::optional<Codec> codec_from_id(int id);
// Kafka's name: "none", "gzip", "snappy", "lz4", "zstd".
std::string_view codec_name(Codec codec);

class CompressionError : public std::runtime_error {
 public:
  enum class Kind {
    kCorrupt,   // the input is not a valid stream of the codec
    kTooLarge,  // the output would exceed the caller's limit
    kInternal,  // the library failed for another reason (out of memory, ...)
  };
  CompressionError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

struct CompressOptions {
  // Codec-specific level; nullopt takes the level Kafka's Java client uses by default.
  std::optional<int> level;
  // LZ4 only: write the header checksum the way Kafka 0.8/0.9 did (over the magic number
  // too), as magic v0 message sets require.
  bool lz4_broken_header_checksum = false;
};

// Compresses `input` with `codec` (kNone returns a copy).
std::vector<uint8_t> compress(Codec codec, std::span<const uint8_t> input,
                              const CompressOptions& options = {});

// Decompression a piece at a time, for a reader that goes through the output once, front
// to back, and must not hold all of it: a batch of a few KiB may inflate to GiBs. Memory
// stays at the codec's own state (a zlib window, one LZ4 block, a zstd window, one snappy
// block) whatever the output's size. Raw (non-framed) snappy is one block that can only be
// decoded whole; it is held whole, as Kafka's own reader does, and may not claim more than
// its input could hold (snappy expands at most 64 bytes per 3 read).
class DecompressStream {
 public:
  virtual ~DecompressStream() = default;
  // Fills `out` with the next output and returns how much it wrote: less than out.size()
  // only when the stream is over (0 from then on), after checking that it ended properly.
  // Throws CompressionError: kCorrupt for input that is invalid or ends too early,
  // kTooLarge as soon as the output would pass the stream's limit.
  size_t read(std::span<uint8_t> out);
  // The bytes produced so far.
  uint64_t produced() const { return produced_; }

 protected:
  DecompressStream(uint64_t limit, const char* codec) : limit_(limit), codec_(codec) {}
  // read() without the limit: the codec's part.
  virtual size_t fill(std::span<uint8_t> out) = 0;
  uint64_t limit() const { return limit_; }
  [[noreturn]] void overflow() const;

 private:
  uint64_t produced_ = 0;
  uint64_t limit_;
  const char* codec_;
};

// A stream over `input` (kept by the caller until the stream is gone) producing at most
// `max_output` bytes. Throws CompressionError (kCorrupt) when the input cannot start a
// stream of the codec (empty, bad magic).
std::unique_ptr<DecompressStream> open_decompress_stream(Codec codec, std::span<const uint8_t> input,
                                                         uint64_t max_output);

// Decompresses `input`; throws CompressionError when the input is not valid or the output
// would be larger than `max_output` bytes. LZ4 input with either header checksum (correct,
// or Kafka 0.8's broken one) is accepted; snappy input may be raw or xerial-framed.
// The output goes into `buffer` (its contents replaced): a caller that decompresses batch
// after batch passes the previous output back, so its memory is reused instead of
// allocated and page-faulted in again for every batch.
std::vector<uint8_t> decompress(Codec codec, std::span<const uint8_t> input, size_t max_output,
                                std::vector<uint8_t> buffer = {});

}  // namespace chronik::compression
