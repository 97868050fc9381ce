#include "runtime/record/validator.h"

#include <algorithm>

namespace chronik::record {
namespace {

// What the rules need of a batch's records, gathered as they stream past: nothing is kept
// per record, so a batch of millions costs no more memory than one of a few.
class RecordTally final : public RecordSink {
 public:
  explicit RecordTally(int64_t base_timestamp) : base_timestamp_(base_timestamp) {}

  void record(const RecordFrame& frame) override {
    if (first_bad_delta_ < 0 && frame.offset_delta != count_) {
      first_bad_delta_ = count_;
      bad_delta_ = frame.offset_delta;
    }
    max_timestamp_ = std::max(max_timestamp_, wrapping_add(base_timestamp_, frame.timestamp_delta));
    ++count_;
  }

  int64_t count() const { return count_; }
  // The index of the first record whose offset delta is not its index, or -1; and its delta.
  int64_t first_bad_delta() const { return first_bad_delta_; }
  int32_t bad_delta() const { return bad_delta_; }
  int64_t max_timestamp() const { return max_timestamp_; }

 private:
  int64_t base_timestamp_;
  int64_t count_ = 0;
  int64_t first_bad_delta_ = -1;
  int32_t bad_delta_ = 0;
  int64_t max_timestamp_ = kNoTimestamp;
};

void check_rules(const BatchHeader& h, const RecordTally& records, const ValidateOptions& options,
                 BatchSummary& summary) {
  if (h.records_count <= 0) throw RecordException(RecordError::kEmptyBatch, "record batch with no records");
  if (h.last_offset_delta < 0 || int64_t{h.last_offset_delta} + 1 != h.records_count) {
    throw RecordException(RecordError::kRecordCountMismatch,
                          "records count " + std::to_string(h.records_count) +
                              " does not match last offset delta " + std::to_string(h.last_offset_delta));
  }
  if (records.count() != h.records_count) {
    throw RecordException(RecordError::kRecordCountMismatch,
                          "records count " + std::to_string(h.records_count) + " but " +
                              std::to_string(records.count()) + " records decoded");
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
  if (records.first_bad_delta() >= 0) {
    throw RecordException(RecordError::kOffsetDeltaMismatch,
                          "record " + std::to_string(records.first_bad_delta()) + " has offset delta " +
                              std::to_string(records.bad_delta()));
  }
  summary.records = h.records_count;
  summary.max_timestamp = records.max_timestamp();
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
  while (position < records.size()) {
    BatchSummary summary;
    summary.position = position;
    try {
      std::span<const uint8_t> rest = records.subspan(position);
      summary.header = check_batch_frame(rest);
      RecordTally tally(summary.header.base_timestamp);
      stream_batch_records(summary.header, rest, tally, options.max_decompressed_bytes);
      check_rules(summary.header, tally, options, summary);
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
