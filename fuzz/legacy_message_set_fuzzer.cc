// Legacy message sets, magic v0/v1 (runtime/record/legacy.h), and their up-conversion to v2.
// The input is a message set after one mode byte; with bit 0 of the mode set, the harness
// first writes the correct CRC-32 into every top-level message it can frame.
//
// Properties: nothing crashes; every entry that reads, rebuilt by build_message_set with its
// own magic and codec, reads back to the same records; an up-conversion that succeeds yields
// a v2 batch that validate_records accepts, holding as many records as the message set.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "runtime/record/batch.h"
#include "runtime/record/convert.h"
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
  while (pos + 12 <= b.size()) {
    const int32_t length = static_cast<int32_t>(be32(&b[pos + 8]));
    if (length < 14) return;
    const size_t end = pos + 12 + static_cast<size_t>(length);
    if (end > b.size()) return;
    const uint32_t crc = crc32_ieee({b.data() + pos + 16, end - pos - 16});
    for (int i = 0; i < 4; ++i) b[pos + 12 + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
    pos = end;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::vector<uint8_t> buffer(data + 1, data + size);
  if (data[0] & 1) fix_crcs(buffer);

  std::vector<LegacyEntry> entries;
  try {
    entries = read_message_set(buffer, kMaxDecompressed);
  } catch (const RecordException&) {
  }
  size_t record_count = 0;
  for (const auto& entry : entries) {
    record_count += entry.records.size();
    if (entry.records.empty() || entry.codec == compression::Codec::kZstd ||
        entry.timestamp_type != TimestampType::kCreateTime)
      continue;
    // A v1 wrapper stores its first inner offset only as a non-negative base (a negative one
    // reads as "producer placeholder"), so inner offsets that wrapped below zero while being
    // made absolute cannot be written back as they were read.
    if (entry.magic == kMagicV1 && entry.codec != compression::Codec::kNone && entry.records.front().offset < 0)
      continue;
    std::vector<uint8_t> rebuilt;
    try {
      rebuilt = build_message_set({.magic = entry.magic, .codec = entry.codec}, entry.records);
    } catch (const RecordException& e) {
      std::fprintf(stderr, "%s\n", e.what());
      failed("an entry that reads must rebuild");
    }
    std::vector<LegacyRecord> again;
    try {
      for (auto& e : read_message_set(rebuilt, kMaxDecompressed))
        again.insert(again.end(), e.records.begin(), e.records.end());
    } catch (const RecordException& e) {
      std::fprintf(stderr, "%s\n", e.what());
      failed("a rebuilt message set must read back");
    }
    if (again != entry.records) failed("a rebuilt message set must read back to the same records");
  }

  std::vector<uint8_t> batch;
  try {
    batch = up_convert(buffer, {.max_decompressed_bytes = kMaxDecompressed});
  } catch (const RecordException&) {
    return 0;
  }
  const ValidationResult v = validate_records(batch, {.max_decompressed_bytes = kMaxDecompressed});
  if (!v.ok()) {
    std::fprintf(stderr, "%s\n", v.message.c_str());
    failed("an up-converted batch must validate");
  }
  if (!entries.empty() && static_cast<size_t>(v.record_count) != record_count)
    failed("up-conversion must keep every record");
  return 0;
}
