// Record batches v2 (runtime/record): the input is a `records` field as a produce request
// carries it, after one mode byte. With bit 0 of the mode set, the harness first writes the
// correct CRC-32C into every batch it can frame, so that the fuzzer gets past the CRC check
// into the records themselves.
//
// Properties: nothing crashes; CRC-32C hardware == software; what validate_records accepts
// decodes batch by batch; every batch that decodes, rebuilt by build_batch with its own
// header's settings, decodes to the same records; a down-conversion that succeeds yields a
// message set that read_message_set accepts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

#include "runtime/record/batch.h"
#include "runtime/record/batch_iterator.h"
#include "runtime/record/convert.h"
#include "runtime/record/crc32c.h"
#include "runtime/record/legacy.h"
#include "runtime/record/validator.h"

using namespace chronik;
using namespace chronik::record;

namespace {

constexpr size_t kMaxDecompressed = 4 << 20;

[[noreturn]] void failed(const char* what) {
  std::fprintf(stderr, "PROPERTY VIOLATED: %s\n", what);
  std::abort();
}

uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

void fix_crcs(std::vector<uint8_t>& b) {
  size_t pos = 0;
  while (pos + kBatchHeaderSize <= b.size()) {
    const int32_t length = static_cast<int32_t>(be32(&b[pos + kBatchLengthOffset]));
    if (length < static_cast<int32_t>(kBatchHeaderSize - kLogOverhead)) return;
    const size_t end = pos + kLogOverhead + static_cast<size_t>(length);
    if (end > b.size()) return;
    if (b[pos + kMagicOffset] == kMagicV2) {
      const uint32_t crc = crc32c({b.data() + pos + kAttributesOffset, end - pos - kAttributesOffset});
      for (int i = 0; i < 4; ++i) b[pos + kCrcOffset + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
    }
    pos = end;
  }
}

void check_rebuild(const Batch& batch) {
  if (batch.records.empty()) return;
  const BatchHeader& h = batch.header;
  BatchOptions options;
  options.base_offset = h.base_offset;
  options.partition_leader_epoch = h.partition_leader_epoch;
  options.codec = h.attributes.compression();
  options.timestamp_type = h.attributes.timestamp_type();
  options.transactional = h.attributes.is_transactional();
  options.control = h.attributes.is_control();
  options.producer_id = h.producer_id;
  options.producer_epoch = h.producer_epoch;
  options.base_sequence = h.base_sequence;
  options.base_timestamp = h.base_timestamp;
  options.max_timestamp = h.max_timestamp;
  std::vector<uint8_t> rebuilt;
  try {
    rebuilt = build_batch(options, batch.records);
  } catch (const RecordException& e) {
    std::fprintf(stderr, "%s\n", e.what());
    failed("a decoded batch must rebuild");
  }
  Batch again;
  try {
    again = decode_batch(rebuilt, kMaxDecompressed);
  } catch (const RecordException& e) {
    std::fprintf(stderr, "%s\n", e.what());
    failed("a rebuilt batch must decode");
  }
  if (again.records != batch.records) failed("a rebuilt batch must decode to the same records");
  // Attribute bits above control (delete horizon, unused) are not BatchOptions: not compared.
  if (again.header.base_offset != h.base_offset || again.header.producer_id != h.producer_id ||
      again.header.base_sequence != h.base_sequence || (again.header.attributes.raw & 0x3f) != (h.attributes.raw & 0x3f))
    failed("a rebuilt batch must keep the header's settings");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  auto buffer = std::make_shared<std::vector<uint8_t>>(data + 1, data + size);
  if (mode & 1) fix_crcs(*buffer);
  std::span<const uint8_t> bytes(*buffer);

  if (crc32c_hardware_available() && crc32c_hardware(bytes) != crc32c_software(bytes))
    failed("CRC-32C: hardware and software differ");

  const ValidationResult validation = validate_records(bytes, {.max_decompressed_bytes = kMaxDecompressed});
  if (validation.ok()) {
    for (const auto& summary : validation.batches) {
      try {
        Batch b = decode_batch(bytes.subspan(summary.position), kMaxDecompressed);
        if (static_cast<int32_t>(b.records.size()) != summary.records)
          failed("validated record count differs from the decoded one");
      } catch (const RecordException& e) {
        std::fprintf(stderr, "%s\n", e.what());
        failed("a validated batch must decode");
      }
    }
  }

  BatchIterator it(wire::SharedBytes(buffer, buffer->data(), buffer->size()));
  try {
    while (auto view = it.next()) {
      if (view->magic != kMagicV2) continue;
      try {
        check_rebuild(decode_batch(view->bytes.span(), kMaxDecompressed));
      } catch (const RecordException&) {
      }
    }
  } catch (const RecordException&) {
  }

  for (int8_t magic : {kMagicV0, kMagicV1}) {
    std::vector<uint8_t> legacy;
    try {
      legacy = down_convert(bytes, {.magic = magic, .max_decompressed_bytes = kMaxDecompressed});
    } catch (const RecordException&) {
      continue;
    }
    try {
      read_message_set(legacy, kMaxDecompressed);
    } catch (const RecordException& e) {
      std::fprintf(stderr, "%s\n", e.what());
      failed("a down-converted message set must read back");
    }
  }
  return 0;
}
