#include "runtime/record/errors.h"

namespace chronik::record {

std::string_view record_error_name(RecordError error) {
  switch (error) {
    case RecordError::kNone: return "none";
    case RecordError::kTruncated: return "truncated";
    case RecordError::kBadLength: return "bad length";
    case RecordError::kUnsupportedMagic: return "unsupported magic";
    case RecordError::kCrcMismatch: return "CRC mismatch";
    case RecordError::kUnknownCompression: return "unknown compression";
    case RecordError::kDecompressionFailed: return "decompression failed";
    case RecordError::kDecompressedTooLarge: return "decompressed data too large";
    case RecordError::kEmptyBatch: return "empty batch";
    case RecordError::kRecordCountMismatch: return "record count mismatch";
    case RecordError::kOffsetDeltaMismatch: return "offset delta mismatch";
    case RecordError::kMalformedRecord: return "malformed record";
    case RecordError::kControlBatchNotAllowed: return "control batch not allowed";
    case RecordError::kInvalidProducerState: return "invalid producer state";
    case RecordError::kBadControlRecord: return "bad control record";
    case RecordError::kRejectedRecords: return "rejected records";
    case RecordError::kInvalidTimestamp: return "invalid timestamp";
    case RecordError::kUnsupportedConversion: return "unsupported conversion";
  }
  return "unknown";
}

protocol::ErrorCode to_error_code(RecordError error) {
  using protocol::ErrorCode;
  switch (error) {
    case RecordError::kNone: return ErrorCode::NONE;
    case RecordError::kTruncated:
    case RecordError::kBadLength:
    case RecordError::kUnsupportedMagic:
    case RecordError::kCrcMismatch:
    case RecordError::kUnknownCompression:
    case RecordError::kDecompressionFailed:
    case RecordError::kDecompressedTooLarge:
      return ErrorCode::CORRUPT_MESSAGE;
    case RecordError::kEmptyBatch:
    case RecordError::kRecordCountMismatch:
    case RecordError::kOffsetDeltaMismatch:
    case RecordError::kMalformedRecord:
    case RecordError::kControlBatchNotAllowed:
    case RecordError::kInvalidProducerState:
    case RecordError::kBadControlRecord:
    case RecordError::kRejectedRecords:
      return ErrorCode::INVALID_RECORD;
    case RecordError::kInvalidTimestamp: return ErrorCode::INVALID_TIMESTAMP;
    case RecordError::kUnsupportedConversion: return ErrorCode::UNSUPPORTED_COMPRESSION_TYPE;
  }
  return ErrorCode::UNKNOWN_SERVER_ERROR;
}

}  // namespace chronik::record
