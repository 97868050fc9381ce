#include "runtime/record/timestamp_search.h"

#include "runtime/record/batch.h"

namespace chronik::record {
namespace {

// The first record, in offset order, for which f(offset, timestamp) holds.
template <class F>
std::optional<RecordTimestamp> find_record(const BatchHeader& header, std::span<const uint8_t> batch, F&& f) {
  if (header.attributes.timestamp_type() == TimestampType::kLogAppendTime) {
    if (f(header.base_offset, header.max_timestamp)) return RecordTimestamp{header.base_offset, header.max_timestamp};
    return std::nullopt;
  }
  ScannedRecords scanned;
  scan_batch_records(header, batch, scanned);
  for (const RecordFrame& r : scanned.frames) {
    // Wraps like Java's long arithmetic on client-chosen values.
    const int64_t ts = static_cast<int64_t>(static_cast<uint64_t>(header.base_timestamp) +
                                            static_cast<uint64_t>(r.timestamp_delta));
    const int64_t offset = header.base_offset + r.offset_delta;
    if (f(offset, ts)) return RecordTimestamp{offset, ts};
  }
  return std::nullopt;
}

}  // namespace

std::optional<RecordTimestamp> first_record_at_or_after(std::span<const uint8_t> batch, int64_t target) {
  const BatchHeader header = check_batch_frame(batch);
  return find_record(header, batch, [&](int64_t, int64_t ts) { return ts >= target; });
}

RecordTimestamp record_with_max_timestamp(std::span<const uint8_t> batch) {
  const BatchHeader header = check_batch_frame(batch);
  const int64_t max_ts = header.max_timestamp;
  if (auto r = find_record(header, batch, [&](int64_t, int64_t ts) { return ts == max_ts; })) return *r;
  // A producer may write a max timestamp no record carries: answer with the batch's end.
  return {header.last_offset(), max_ts};
}

}  // namespace chronik::record
