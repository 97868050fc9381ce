#include "runtime/record/batch.h"

#include <algorithm>
#include <memory>
#include <string>

#include "runtime/record/errors.h"
#include "runtime/record/record_stream.h"

namespace chronik::record {
namespace {

[[noreturn]] void fail(RecordError error, const std::string& what) {
  throw RecordException(error, what);
}

}  // namespace

BatchHeader check_batch_frame(std::span<const uint8_t> batch) {
  if (batch.size() < kLogOverhead + 5) fail(RecordError::kTruncated, "record batch shorter than its header");
  int32_t length = load_be32(batch.data() + kBatchLengthOffset);
  int8_t magic = static_cast<int8_t>(batch[kMagicOffset]);
  if (magic != kMagicV2) fail(RecordError::kUnsupportedMagic, "record batch magic " + std::to_string(magic) + ", expected 2");
  if (length < static_cast<int32_t>(kBatchHeaderSize - kLogOverhead)) {
    fail(RecordError::kBadLength, "record batch length " + std::to_string(length) + " below the header size");
  }
  if (static_cast<size_t>(length) > batch.size() - kLogOverhead) {
    fail(RecordError::kTruncated, "record batch length " + std::to_string(length) + " beyond the " +
                                      std::to_string(batch.size()) + " bytes available");
  }
  BatchHeader header = read_batch_header(batch);
  uint32_t crc = compute_batch_crc(batch.first(header.size_in_bytes()));
  if (crc != header.crc) fail(RecordError::kCrcMismatch, "record batch CRC mismatch");
  if (!compression::codec_from_id(header.attributes.compression_id())) {
    fail(RecordError::kUnknownCompression,
         "unknown compression id " + std::to_string(header.attributes.compression_id()));
  }
  return header;
}

std::span<const uint8_t> stored_records(const BatchHeader& header, std::span<const uint8_t> batch) {
  return batch.subspan(kBatchHeaderSize, header.size_in_bytes() - kBatchHeaderSize);
}

namespace {

// The records section decompressed, into `plain` unless it is stored uncompressed.
std::span<const uint8_t> plain_records(const BatchHeader& header, std::span<const uint8_t> batch,
                                       size_t max_decompressed, std::vector<uint8_t>& plain) {
  std::span<const uint8_t> section = stored_records(header, batch);
  compression::Codec codec = header.attributes.compression();
  if (codec == compression::Codec::kNone) return section;
  try {
    plain = compression::decompress(codec, section, max_decompressed, std::move(plain));
  } catch (const compression::CompressionError& e) {
    fail(e.kind() == compression::CompressionError::Kind::kTooLarge ? RecordError::kDecompressedTooLarge
                                                                     : RecordError::kDecompressionFailed,
         e.what());
  }
  return plain;
}

}  // namespace

std::vector<Record> read_batch_records(const BatchHeader& header, std::span<const uint8_t> batch,
                                       size_t max_decompressed) {
  std::vector<uint8_t> plain;
  return read_records(plain_records(header, batch, max_decompressed, plain));
}

void scan_batch_records(const BatchHeader& header, std::span<const uint8_t> batch,
                        ScannedRecords& scanned, size_t max_decompressed) {
  wire::Reader reader(plain_records(header, batch, max_decompressed, scanned.plain));
  scanned.frames.clear();
  while (!reader.at_end()) scanned.frames.push_back(scan_record(reader));
}

namespace {

// The window a compressed section is read through: large enough that the codecs run at full
// speed (zstd's own output block is 128 KiB), small enough to stay in cache. One per thread,
// so that validating a batch allocates nothing.
constexpr size_t kStreamWindow = 256 * 1024;

std::span<uint8_t> stream_window() {
  thread_local std::unique_ptr<uint8_t[]> window(new uint8_t[kStreamWindow]);
  return {window.get(), kStreamWindow};
}

}  // namespace

void stream_batch_records(const BatchHeader& header, std::span<const uint8_t> batch, RecordSink& sink,
                          uint64_t max_decompressed) {
  std::span<const uint8_t> section = stored_records(header, batch);
  compression::Codec codec = header.attributes.compression();
  if (codec == compression::Codec::kNone) {
    wire::Reader reader(section);
    while (!reader.at_end()) sink.record(scan_record(reader));
    return;
  }
  try {
    auto source = compression::open_decompress_stream(codec, section, max_decompressed);
    RecordStream stream(*source, stream_window());
    try {
      while (!stream.at_end()) sink.record(scan_record(stream));
    } catch (const RecordException&) {
      // Decompressing the whole section first would have found its own errors first.
      stream.drain();
      throw;
    }
  } catch (const compression::CompressionError& e) {
    fail(e.kind() == compression::CompressionError::Kind::kTooLarge ? RecordError::kDecompressedTooLarge
                                                                     : RecordError::kDecompressionFailed,
         e.what());
  }
}

Batch decode_batch(std::span<const uint8_t> batch, size_t max_decompressed) {
  Batch out;
  out.header = check_batch_frame(batch);
  out.records = read_batch_records(out.header, batch, max_decompressed);
  return out;
}

std::vector<uint8_t> build_batch(const BatchOptions& options, std::span<const Record> records) {
  wire::Writer body;
  int64_t max_delta = 0;
  for (const Record& r : records) {
    write_record(body, r);
    max_delta = std::max(max_delta, r.timestamp_delta);
  }
  std::vector<uint8_t> plain = std::move(body).take_bytes();
  std::vector<uint8_t> section =
      options.codec == compression::Codec::kNone
          ? std::move(plain)
          : compression::compress(options.codec, plain, options.compress_options);

  BatchHeader h;
  h.base_offset = options.base_offset;
  h.batch_length = static_cast<int32_t>(kBatchHeaderSize - kLogOverhead + section.size());
  h.partition_leader_epoch = options.partition_leader_epoch;
  h.attributes = Attributes::make(options.codec, options.timestamp_type, options.transactional,
                                  options.control);
  h.last_offset_delta = records.empty() ? 0 : records.back().offset_delta;
  h.base_timestamp = options.base_timestamp;
  h.max_timestamp = options.max_timestamp.value_or(
      options.base_timestamp == kNoTimestamp ? kNoTimestamp : wrapping_add(options.base_timestamp, max_delta));
  h.producer_id = options.producer_id;
  h.producer_epoch = options.producer_epoch;
  h.base_sequence = options.base_sequence;
  h.records_count = static_cast<int32_t>(records.size());

  std::vector<uint8_t> out(kBatchHeaderSize + section.size());
  std::copy(section.begin(), section.end(), out.begin() + kBatchHeaderSize);
  write_batch_header(out, h);
  h.crc = compute_batch_crc(out);
  store_be32(out.data() + kCrcOffset, static_cast<int32_t>(h.crc));
  return out;
}

}  // namespace chronik::record
