#include "runtime/record/validator.h"

#include <algorithm>

namespace chronik::record {
namespace {

void check_rules(const BatchHeader& h, const std::vector<RecordFrame>& records,
                 const ValidateOptions& options, BatchSummary& summary) {
  if (h.records_count <= 0) throw RecordException(RecordError::kEmptyBatch, "record batch with no records");
  if (h.last_offset_delta < 0 || int64_t{h.last_offset_delta} + 1 != h.records_count) {
    throw RecordException(RecordError::kRecordCountMismatch,
                          "records count " + std::to_string(h.records_count) +
                              " does not match last offset delta " + std::to_string(h.last_offset_delta));
  }
  if (records.size() != static_cast<size_t>(h.records_count)) {
    throw RecordException(RecordError::kRecordCountMismatch,
                          "records count " + std::to_string(h.records_count) + " but " +
                              std::to_string(records.size()) + " records decoded");
  }
  if (h.attributes.is_control() && !options.allow_control_batches) {
    throw RecordException(RecordError::kControlBatchNotAllowed, "clients may not write control batches");
  }
  // Control batches carry the producer's id but no sequence.
  if (h.has_producer_id() && h.base_sequence < 0 && !h.attributes.is_control()) {
    throw RecordException(RecordError::kInvalidProducerState, "producer id without a base sequence");
  }
  if (h.attributes.is_transactional() && !h.has_producer_id()) {
    throw RecordException(RecordError::kInvalidProducerState, "transactional batch without a producer id");
  }
  int64_t max_ts = kNoTimestamp;
  for (size_t i = 0; i < records.size(); ++i) {
    if (records[i].offset_delta != static_cast<int32_t>(i)) {
      throw RecordException(RecordError::kOffsetDeltaMismatch,
                            "record " + std::to_string(i) + " has offset delta " +
                                std::to_string(records[i].offset_delta));
    }
    max_ts = std::max(max_ts, wrapping_add(h.base_timestamp, records[i].timestamp_delta));
  }
  summary.records = h.records_count;
  summary.max_timestamp = max_ts;
}

}  // namespace

size_t largest_batch_size(std::span<const uint8_t> records) {
  size_t largest = 0, position = 0;
  while (position + kLogOverhead <= records.size()) {
    const int32_t length = load_be32(records.data() + position + kBatchLengthOffset);
    if (length < 0) break;
    const size_t size = kLogOverhead + static_cast<size_t>(length);
    largest = std::max(largest, size);
    position += size;
  }
  return largest;
}

int8_t records_magic(std::span<const uint8_t> records) {
  if (records.size() <= kMagicOffset) return -1;
  return static_cast<int8_t>(records[kMagicOffset]);
}

ValidationResult validate_records(std::span<const uint8_t> records, const ValidateOptions& options) {
  ValidationResult result;
  size_t position = 0;
  if (records.empty()) {
    result.error = RecordError::kEmptyBatch;
    result.message = "no record batches";
    return result;
  }
  // Reused by every request this thread validates; released when a huge batch grew it.
  thread_local ScannedRecords scanned;
  struct ReleaseHuge {
    ~ReleaseHuge() {
      if (scanned.plain.capacity() > (8 << 20)) scanned.plain = {};
      if (scanned.frames.capacity() > (1 << 16)) scanned.frames = {};
    }
  } release_huge;
  while (position < records.size()) {
    BatchSummary summary;
    summary.position = position;
    try {
      std::span<const uint8_t> rest = records.subspan(position);
      summary.header = check_batch_frame(rest);
      scan_batch_records(summary.header, rest, scanned, options.max_decompressed_bytes);
      check_rules(summary.header, scanned.frames, options, summary);
    } catch (const RecordException& e) {
      result.error = e.error();
      result.message = e.what();
      result.error_batch = result.batches.size();
      return result;
    }
    position += summary.header.size_in_bytes();
    result.record_count += summary.records;
    result.max_timestamp = std::max(result.max_timestamp, summary.max_timestamp);
    result.batches.push_back(summary);
  }
  const BatchHeader& first = result.batches.front().header;
  result.first_offset_delta = 0;
  result.last_offset_delta = result.batches.back().header.last_offset_delta;
  result.producer_id = first.producer_id;
  result.producer_epoch = first.producer_epoch;
  result.base_sequence = first.base_sequence;
  result.last_sequence = first.last_sequence();
  result.transactional = first.attributes.is_transactional();
  result.compression = first.attributes.compression();
  return result;
}

}  // namespace chronik::record
