#include "runtime/record/validator.h"

#include <algorithm>

namespace chronik::record {
namespace {

// What the rules need of a batch's records, gathered as they stream past: nothing is kept
// per record, so a batch of millions costs no more memory than one of a few.
class RecordTally final : public RecordSink {
 public:
  RecordTally(const BatchHeader& header, const RecordRules* rules)
      : base_offset_(header.base_offset), base_timestamp_(header.base_timestamp), rules_(rules) {}

  void record(const RecordFrame& frame) override {
    if (first_bad_delta_ < 0 && frame.offset_delta != count_) {
      first_bad_delta_ = count_;
      bad_delta_ = frame.offset_delta;
    }
    const int64_t timestamp = wrapping_add(base_timestamp_, frame.timestamp_delta);
    max_timestamp_ = std::max(max_timestamp_, timestamp);
    if (rules_) apply_rules(frame, timestamp);
    ++count_;
  }

  // Refused records: how many, whether any for its timestamp, and the first of them.
  int64_t rejected() const { return rejected_; }
  bool any_invalid_timestamp() const { return invalid_timestamp_; }
  std::vector<RejectedRecord> take_rejected() { return std::move(rejected_records_); }

  int64_t count() const { return count_; }
  // The index of the first record whose offset delta is not its index, or -1; and its delta.
  int64_t first_bad_delta() const { return first_bad_delta_; }
  int32_t bad_delta() const { return bad_delta_; }
  int64_t max_timestamp() const { return max_timestamp_; }

 private:
  // Kafka's arithmetic is Java's: long sums wrap, and so do the bounds its message names.
  static int64_t wrapping_sub(int64_t a, int64_t b) {
    return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
  }

  void apply_rules(const RecordFrame& frame, int64_t timestamp) {
    const RecordRules& r = *rules_;
    if (r.require_key && !frame.has_key) {
      reject("Compacted topic cannot accept message without key in topic partition " + r.partition);
      return;
    }
    if (!r.create_time || timestamp == kNoTimestamp) return;
    const int64_t behind = wrapping_sub(r.now_ms, timestamp);
    if (behind > r.timestamp_before_max_ms || wrapping_sub(0, behind) > r.timestamp_after_max_ms) {
      invalid_timestamp_ = true;
      reject("Timestamp " + std::to_string(timestamp) + " of message with offset " +
             std::to_string(wrapping_add(base_offset_, frame.offset_delta)) +
             " is out of range. The timestamp should be within [" +
             std::to_string(wrapping_sub(r.now_ms, r.timestamp_before_max_ms)) + ", " +
             std::to_string(wrapping_add(r.now_ms, r.timestamp_after_max_ms)) + "]");
    }
  }

  void reject(std::string message) {
    ++rejected_;
    if (rejected_records_.size() < ValidationResult::kMaxRejectedRecords)
      rejected_records_.push_back({static_cast<int32_t>(count_), std::move(message)});
  }

  int64_t base_offset_;
  int64_t base_timestamp_;
  const RecordRules* rules_;
  int64_t rejected_ = 0;
  bool invalid_timestamp_ = false;
  std::vector<RejectedRecord> rejected_records_;
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

// Kafka's summary of a batch's refused records, which a produce response carries as its
// error message beside the records themselves.
std::string rejection_message(bool invalid_timestamp, int64_t rejected, const std::vector<RejectedRecord>& records) {
  if (invalid_timestamp) return "One or more records have been rejected due to invalid timestamp";
  std::string shown;
  for (size_t i = 0; i < records.size() && i < 3; ++i) {
    if (i > 0) shown += ", ";
    shown += "RecordError(batchIndex=" + std::to_string(records[i].batch_index) + ", message='" + records[i].message + "')";
  }
  return "One or more records have been rejected due to " + std::to_string(rejected) +
         " record errors in total, and only showing the first three errors at most: [" + shown + "]";
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
      RecordTally tally(summary.header, options.record_rules ? &*options.record_rules : nullptr);
      stream_batch_records(summary.header, rest, tally, options.max_decompressed_bytes);
      check_rules(summary.header, tally, options, summary);
      if (tally.rejected() > 0) {
        result.rejected_records = tally.take_rejected();
        throw RecordException(tally.any_invalid_timestamp() ? RecordError::kInvalidTimestamp : RecordError::kRejectedRecords,
                              rejection_message(tally.any_invalid_timestamp(), tally.rejected(), result.rejected_records));
      }
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
