// What can be wrong with record batches and message sets, in Kafka's two categories:
// CORRUPT_MESSAGE when the bytes are damaged (sizes, CRC, magic, compressed data) and
// INVALID_RECORD when they are intact but break the log's rules (counts, offsets, control
// batches from clients, malformed records inside a valid batch).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "runtime/protocol/error_codes.h"

namespace chronik::record {

enum class RecordError : uint8_t {
  kNone = 0,
  // CORRUPT_MESSAGE
  kTruncated,             // fewer bytes than the batch's length field says
  kBadLength,             // a length field below the smallest batch/message
  kUnsupportedMagic,      // magic other than 0, 1, 2 (or not the one expected)
  kCrcMismatch,           // stored CRC differs from the computed one
  kUnknownCompression,    // compression id 5..7
  kDecompressionFailed,   // compressed data is not a valid stream of its codec
  kDecompressedTooLarge,  // decompressed data exceeds the configured bound
  // INVALID_RECORD
  kEmptyBatch,             // records count (or last offset delta + 1) is not positive
  kRecordCountMismatch,    // records count differs from the records decoded
  kOffsetDeltaMismatch,    // offset deltas are not 0, 1, 2, ... up to last offset delta
  kMalformedRecord,        // a record's own length or fields do not add up
  kControlBatchNotAllowed, // a client may not write control batches
  kInvalidProducerState,   // a producer id without a base sequence, or transactional without an id
  kBadControlRecord,       // a control batch whose record is not a valid marker
  kRejectedRecords,        // records the topic refuses (a record without key on a compacted topic)
  // INVALID_TIMESTAMP
  kInvalidTimestamp,       // records whose timestamps lie outside the topic's bounds
  // Conversion only
  kUnsupportedConversion,  // e.g. zstd cannot be written in magic v0/v1
};

std::string_view record_error_name(RecordError error);
// The error code a produce response carries for `error`.
protocol::ErrorCode to_error_code(RecordError error);

class RecordException : public std::runtime_error {
 public:
  RecordException(RecordError error, const std::string& what)
      : std::runtime_error(what), error_(error) {}
  RecordError error() const { return error_; }

 private:
  RecordError error_;
};

}  // namespace chronik::record
