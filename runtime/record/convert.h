// Conversion between message formats, as Kafka does for clients that predate magic v2:
// up-conversion of v0/v1 message sets from old producers into one v2 batch, and
// down-conversion of stored v2 batches into v0/v1 message sets for Fetch v0-3.
// Keys, values, offsets, timestamps (where the target has them) and compression are kept;
// record headers and control batches have no v0/v1 form and are dropped.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "runtime/record/legacy.h"

namespace chronik::record {

struct UpConvertOptions {
  size_t max_decompressed_bytes = kDefaultMaxDecompressedBytes;
  // The v2 batch's codec; by default that of the first compressed wrapper (else none).
  std::optional<compression::Codec> codec;
};

// One v2 batch holding every record of `message_set`: baseOffset = the first record's
// offset, offset deltas 0, 1, 2, ... (a producer's offsets are placeholders; stored sets
// are consecutive), baseTimestamp = the first record's
// timestamp (kNoTimestamp for v0). A LogAppendTime wrapper makes a LogAppendTime batch.
// Throws RecordException.
std::vector<uint8_t> up_convert(std::span<const uint8_t> message_set, const UpConvertOptions& options = {});

struct DownConvertOptions {
  int8_t magic = kMagicV1;
  size_t max_decompressed_bytes = kDefaultMaxDecompressedBytes;
};

// The batches of `records` as a v0/v1 message set: an uncompressed batch gives one message
// per record, a compressed batch one wrapper with its codec. Entries already in a legacy
// format are checked as read_message_set does (magic 0 or 1: kUnsupportedMagic, CRC:
// kCrcMismatch, sizes, a wrapper's inner messages) and copied when their magic is not above
// the target; a partial batch at the end is dropped (as a fetch response may end with one).
// Throws RecordException, with kUnsupportedConversion for zstd or a v1 entry for a v0 target.
std::vector<uint8_t> down_convert(std::span<const uint8_t> records, const DownConvertOptions& options = {});

}  // namespace chronik::record
