#include "runtime/record/convert.h"

#include <limits>
#include <string>

#include "runtime/record/batch_iterator.h"
#include "runtime/record/errors.h"

namespace chronik::record {
namespace {

[[noreturn]] void fail(RecordError error, const std::string& what) { throw RecordException(error, what); }

}  // namespace

std::vector<uint8_t> up_convert(std::span<const uint8_t> message_set, const UpConvertOptions& options) {
  std::vector<LegacyEntry> entries = read_message_set(message_set, options.max_decompressed_bytes);
  std::vector<LegacyRecord> flat;
  std::optional<compression::Codec> source_codec;
  bool log_append = false;
  int64_t log_append_time = kNoTimestamp;
  for (LegacyEntry& e : entries) {
    if (e.codec != compression::Codec::kNone && !source_codec) source_codec = e.codec;
    if (e.timestamp_type == TimestampType::kLogAppendTime) {
      log_append = true;
      log_append_time = std::max(log_append_time, e.timestamp);
    }
    for (LegacyRecord& r : e.records) flat.push_back(std::move(r));
  }
  if (flat.empty()) fail(RecordError::kEmptyBatch, "message set with no messages");

  BatchOptions batch;
  batch.base_offset = flat.front().offset;
  batch.codec = options.codec.value_or(source_codec.value_or(compression::Codec::kNone));
  batch.base_timestamp = flat.front().timestamp;
  if (log_append) {
    batch.timestamp_type = TimestampType::kLogAppendTime;
    batch.max_timestamp = log_append_time;
  }
  std::vector<Record> records;
  records.reserve(flat.size());
  if (flat.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    fail(RecordError::kRecordCountMismatch, "too many messages for one batch");
  }
  for (size_t i = 0; i < flat.size(); ++i) {
    LegacyRecord& r = flat[i];
    Record out;
    // Consecutive deltas, as v2 requires: producers' offsets mean nothing (the broker
    // assigns them), and stored sets are consecutive already.
    out.offset_delta = static_cast<int32_t>(i);
    out.timestamp_delta = batch.base_timestamp == kNoTimestamp || r.timestamp == kNoTimestamp
                              ? 0
                              : wrapping_sub(r.timestamp, batch.base_timestamp);
    out.key = std::move(r.key);
    out.value = std::move(r.value);
    records.push_back(std::move(out));
  }
  return build_batch(batch, records);
}

std::vector<uint8_t> down_convert(std::span<const uint8_t> records, const DownConvertOptions& options) {
  if (options.magic != kMagicV0 && options.magic != kMagicV1) {
    fail(RecordError::kUnsupportedConversion, "down-conversion targets magic 0 or 1");
  }
  std::vector<uint8_t> out;
  // The iterator only frames entries; each one's CRC is checked as it is decoded.
  BatchIterator it(wire::SharedBytes(nullptr, records.data(), records.size()));
  while (auto entry = it.next()) {
    std::span<const uint8_t> bytes = entry->bytes.span();
    if (entry->magic != kMagicV2) {
      if (entry->magic != kMagicV0 && entry->magic != kMagicV1) {
        fail(RecordError::kUnsupportedMagic, "entry magic " + std::to_string(entry->magic));
      }
      if (entry->magic > options.magic) {
        fail(RecordError::kUnsupportedConversion, "cannot down-convert a v1 message set to v0");
      }
      // Copied as it is, but only once it reads as a message set does (CRC, sizes, a
      // wrapper's inner messages): the output must be what an old client can read.
      read_message_set(bytes, options.max_decompressed_bytes);
      out.insert(out.end(), bytes.begin(), bytes.end());
      continue;
    }
    Batch batch = decode_batch(bytes, options.max_decompressed_bytes);
    const BatchHeader& h = batch.header;
    if (h.attributes.is_control()) continue;
    LegacyBuildOptions legacy;
    legacy.magic = options.magic;
    legacy.codec = h.attributes.compression();
    legacy.timestamp_type = h.attributes.timestamp_type();
    legacy.log_append_time = h.max_timestamp;
    std::vector<LegacyRecord> converted;
    converted.reserve(batch.records.size());
    for (Record& r : batch.records) {
      LegacyRecord lr;
      lr.offset = wrapping_add(h.base_offset, r.offset_delta);
      if (options.magic == kMagicV1) {
        lr.timestamp = h.attributes.timestamp_type() == TimestampType::kLogAppendTime
                           ? h.max_timestamp
                           : wrapping_add(h.base_timestamp, r.timestamp_delta);
      }
      lr.key = std::move(r.key);
      lr.value = std::move(r.value);
      converted.push_back(std::move(lr));
    }
    std::vector<uint8_t> set = build_message_set(legacy, converted);
    out.insert(out.end(), set.begin(), set.end());
  }
  return out;
}

}  // namespace chronik::record
