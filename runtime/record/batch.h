// Whole v2 record batches: checking one, decoding its records, building one.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "runtime/compression/codec.h"
#include "runtime/record/batch_header.h"
#include "runtime/record/record.h"

namespace chronik::record {

// Decompressed records sections larger than this are refused unless the caller says
// otherwise (Kafka's default max.message.bytes is 1 MiB; 64 MiB leaves ample room).
constexpr size_t kDefaultMaxDecompressedBytes = 64 * 1024 * 1024;

// Checks what must hold before anything else of a batch is trusted: at least a header,
// batchLength covering the header and not beyond `batch`, magic 2, a matching CRC, a known
// codec. Returns the header. Throws RecordException. `batch` may extend past the batch.
BatchHeader check_batch_frame(std::span<const uint8_t> batch);

// The records section as stored (compressed or not). REQUIRES: check_batch_frame passed.
std::span<const uint8_t> stored_records(const BatchHeader& header, std::span<const uint8_t> batch);

// The decoded records of a checked batch, decompressing at most `max_decompressed` bytes.
// Throws RecordException (kDecompressionFailed, kDecompressedTooLarge, kMalformedRecord).
std::vector<Record> read_batch_records(const BatchHeader& header, std::span<const uint8_t> batch,
                                       size_t max_decompressed = kDefaultMaxDecompressedBytes);

// What scan_batch_records fills: the frames of a batch's records, and the decompressed
// section they were read from. Kept by callers that scan batch after batch, so that scanning
// allocates nothing once their capacity has grown to the batches seen.
struct ScannedRecords {
  std::vector<RecordFrame> frames;
  std::vector<uint8_t> plain;
};
// read_batch_records without copying records: their frames, into `scanned` (replacing what
// it held). The same checks and exceptions.
void scan_batch_records(const BatchHeader& header, std::span<const uint8_t> batch,
                        ScannedRecords& scanned,
                        size_t max_decompressed = kDefaultMaxDecompressedBytes);

// Receives the records of a batch one at a time, in order.
class RecordSink {
 public:
  virtual void record(const RecordFrame& frame) = 0;

 protected:
  ~RecordSink() = default;
};

// How far stream_batch_records lets a batch inflate by default. Memory does not grow with
// the size of the records section, only time does: this bounds a pathological batch to a
// few seconds of one thread (codecs inflate at 1-10 GB/s), and no client sends more (a
// record's length is an int32, and producers keep a batch to a few records that large).
constexpr uint64_t kMaxStreamedBytes = uint64_t{4} << 30;

// scan_batch_records without holding the decompressed section: the records are read through
// a window as they are decompressed and handed to `sink` one by one, so memory stays at the
// window and the codec's state however far the batch inflates. (Raw, non-framed snappy is
// the exception: one block that only decodes whole, at most ~21 times its stored size.)
// The same checks and exceptions as scan_batch_records, in the same precedence: an error of
// decompression anywhere in the section wins over a malformed record before it.
void stream_batch_records(const BatchHeader& header, std::span<const uint8_t> batch, RecordSink& sink,
                          uint64_t max_decompressed = kMaxStreamedBytes);

struct Batch {
  BatchHeader header;
  std::vector<Record> records;
};
// check_batch_frame + read_batch_records.
Batch decode_batch(std::span<const uint8_t> batch,
                   size_t max_decompressed = kDefaultMaxDecompressedBytes);

struct BatchOptions {
  int64_t base_offset = 0;
  int32_t partition_leader_epoch = kNoPartitionLeaderEpoch;
  compression::Codec codec = compression::Codec::kNone;
  compression::CompressOptions compress_options;
  TimestampType timestamp_type = TimestampType::kCreateTime;
  bool transactional = false;
  bool control = false;
  int64_t producer_id = kNoProducerId;
  int16_t producer_epoch = kNoProducerEpoch;
  int32_t base_sequence = kNoSequence;
  int64_t base_timestamp = kNoTimestamp;
  // Defaults to base_timestamp + the largest timestamp delta (as producers write it);
  // LogAppendTime batches carry the broker's time here.
  std::optional<int64_t> max_timestamp;
};

// A complete batch with CRC. lastOffsetDelta and recordsCount come from `records`
// (lastOffsetDelta: the last record's offset delta). REQUIRES: records is not empty.
std::vector<uint8_t> build_batch(const BatchOptions& options, std::span<const Record> records);

}  // namespace chronik::record
