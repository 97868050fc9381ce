// Reading compressed batches as a stream (stream_batch_records, RecordStream), as the
// produce validation does: batches that inflate far past any whole-batch bound are accepted
// with memory bounded by the window, and every batch is accepted or refused exactly as
// inflating it whole (scan_batch_records) does.
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "runtime/compression/codec.h"
#include "runtime/record/batch.h"
#include "runtime/record/errors.h"
#include "runtime/record/record_stream.h"
#include "runtime/record/validator.h"
#include "tests/unit/record/test_data.h"

using namespace chronik::record;
using chronik::compression::Codec;
using chronik::testdata::bytes;

namespace {

constexpr Codec kCodecs[] = {Codec::kGzip, Codec::kSnappy, Codec::kLz4, Codec::kZstd};

// A field of /proc/self/status, in KiB.
size_t status_kib(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::stoul(line.substr(key.size() + 1));
  }
  FAIL("no " << key << " in /proc/self/status");
  return 0;
}

// Peak resident memory (VmHWM) starts again from the current resident size.
void reset_peak_memory() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  REQUIRE(out.good());
}

struct Collect final : RecordSink {
  std::vector<RecordFrame> frames;
  void record(const RecordFrame& frame) override { frames.push_back(frame); }
};

// How reading a batch's records ended: the error, or the frames read.
struct Outcome {
  RecordError error = RecordError::kNone;
  std::vector<RecordFrame> frames;
};

Outcome whole(std::span<const uint8_t> batch, uint64_t limit) {
  Outcome out;
  try {
    const BatchHeader h = check_batch_frame(batch);
    ScannedRecords scanned;
    scan_batch_records(h, batch, scanned, limit);
    out.frames = scanned.frames;
  } catch (const RecordException& e) {
    out.error = e.error();
  }
  return out;
}

Outcome streamed(std::span<const uint8_t> batch, uint64_t limit) {
  Outcome out;
  Collect collect;
  try {
    const BatchHeader h = check_batch_frame(batch);
    stream_batch_records(h, batch, collect, limit);
    out.frames = collect.frames;
  } catch (const RecordException& e) {
    out.error = e.error();
  }
  return out;
}

void check_same_frames(const std::vector<RecordFrame>& a, const std::vector<RecordFrame>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].attributes == b[i].attributes);
    CHECK(a[i].timestamp_delta == b[i].timestamp_delta);
    CHECK(a[i].offset_delta == b[i].offset_delta);
  }
}

// Streaming must decide as inflating whole did: same error kind, or same records.
void check_same(std::span<const uint8_t> batch, uint64_t limit = kDefaultMaxDecompressedBytes) {
  const Outcome a = whole(batch, limit), b = streamed(batch, limit);
  REQUIRE(static_cast<int>(a.error) == static_cast<int>(b.error));
  check_same_frames(a.frames, b.frames);
}

// Records whose fields take 1- and 2-byte varints, null and present keys, headers.
std::vector<Record> varied_records(int n) {
  std::vector<Record> out;
  for (int i = 0; i < n; ++i) {
    Record r;
    r.offset_delta = i;
    r.timestamp_delta = (i * 7919) % 1000;
    if (i % 3) r.key = bytes("key-" + std::to_string(i));
    r.value = Bytes(static_cast<size_t>((i * 37) % 300), static_cast<uint8_t>('a' + i % 26));
    if (i % 4 == 1) r.headers.push_back({"h" + std::to_string(i), bytes("v")});
    if (i % 5 == 2) r.headers.push_back({"null-value", std::nullopt});
    out.push_back(r);
  }
  return out;
}

std::vector<uint8_t> section_of(const std::vector<Record>& records) {
  chronik::wire::Writer w;
  for (const Record& r : records) write_record(w, r);
  return std::move(w).take_bytes();
}

std::vector<uint8_t> batch_of(Codec codec, std::span<const Record> records, int64_t base_timestamp = 1'700'000'000'000) {
  BatchOptions o;
  o.codec = codec;
  o.base_timestamp = base_timestamp;
  return build_batch(o, records);
}

// `batch` with its records section replaced by `section`, length and CRC made to match.
std::vector<uint8_t> with_section(std::span<const uint8_t> batch, std::span<const uint8_t> section) {
  // memcpy rather than vector::insert: GCC 12 at -O2 reports a false -Wstringop-overread
  // for the insert of a span.
  std::vector<uint8_t> out(kBatchHeaderSize + section.size());
  std::memcpy(out.data(), batch.data(), kBatchHeaderSize);
  if (!section.empty()) std::memcpy(out.data() + kBatchHeaderSize, section.data(), section.size());
  store_be32(out.data() + kBatchLengthOffset, static_cast<int32_t>(out.size() - kLogOverhead));
  store_be32(out.data() + kCrcOffset, static_cast<int32_t>(compute_batch_crc(out)));
  return out;
}

std::vector<RecordFrame> stream_frames(std::span<const uint8_t> section, Codec codec, size_t window_size) {
  const auto packed = chronik::compression::compress(codec, section);
  auto source = chronik::compression::open_decompress_stream(codec, packed, UINT64_MAX);
  std::vector<uint8_t> window(window_size);
  RecordStream stream(*source, window);
  std::vector<RecordFrame> frames;
  while (!stream.at_end()) frames.push_back(scan_record(stream));
  return frames;
}

}  // namespace

TEST_CASE("a batch inflating far past 64 MiB validates with memory bounded by the window", "[stream]") {
  constexpr size_t kValue = 80 << 20;
  constexpr int64_t kBase = 1'700'000'000'000;
  for (Codec codec : kCodecs) {
    INFO(chronik::compression::codec_name(codec));
    std::vector<uint8_t> batch;
    {
      std::vector<Record> records(2);
      records[0].timestamp_delta = 9;
      records[0].key = bytes("big");
      records[0].value = Bytes(kValue, 0);
      records[1].offset_delta = 1;
      records[1].timestamp_delta = 4;
      records[1].value = bytes("after the big one");
      batch = batch_of(codec, records, kBase);
    }
    // Snappy's ratio is at most ~21; the others squeeze zeros far more.
    REQUIRE(batch.size() < kValue / 16);
    const size_t before = status_kib("VmRSS");
    reset_peak_memory();
    const ValidationResult r = validate_records(batch);
    const size_t peak = status_kib("VmHWM");
    CHECK(r.ok());
    CHECK(r.message.empty());
    CHECK(r.record_count == 2);
    CHECK(r.max_timestamp == kBase + 9);
    CHECK(r.compression == codec);
    // The window is 256 KiB and codecs keep a few MiB at most (zstd's window); inflating
    // whole would take 80 MiB.
    CHECK(peak - before < 16 * 1024);
  }
}

TEST_CASE("a batch of many records inflating past 64 MiB validates with the right count and max timestamp", "[stream]") {
  constexpr int kCount = 300'000;
  constexpr int64_t kBase = 1'700'000'000'000;
  std::vector<uint8_t> batch;
  {
    std::vector<Record> records(kCount);
    for (int i = 0; i < kCount; ++i) {
      records[i].offset_delta = i;
      records[i].timestamp_delta = i % 1000;
      records[i].value = Bytes(280, static_cast<uint8_t>(i * 31));
    }
    records[123'457].timestamp_delta = 5000;
    REQUIRE(section_of(records).size() > (64u << 20));
    batch = batch_of(Codec::kLz4, records, kBase);
  }
  const size_t before = status_kib("VmRSS");
  reset_peak_memory();
  const ValidationResult r = validate_records(batch);
  const size_t peak = status_kib("VmHWM");
  CHECK(r.ok());
  CHECK(r.record_count == kCount);
  CHECK(r.max_timestamp == kBase + 5000);
  CHECK(peak - before < 16 * 1024);
}

TEST_CASE("records split across window boundaries at every position read as in place", "[stream]") {
  const auto records = varied_records(12);
  const auto section = section_of(records);
  std::vector<RecordFrame> in_place;
  chronik::wire::Reader reader(section);
  while (!reader.at_end()) in_place.push_back(scan_record(reader));
  REQUIRE(in_place.size() == records.size());
  // The first window ends at its size; growing it a byte at a time moves that boundary over
  // every byte of every record after the first few, and the later boundaries with it.
  for (Codec codec : {Codec::kNone, Codec::kGzip, Codec::kSnappy, Codec::kLz4, Codec::kZstd}) {
    INFO(chronik::compression::codec_name(codec));
    for (size_t w = RecordStream::kMaxVarintBytes; w <= section.size() + 1; ++w) {
      INFO("window " << w);
      check_same_frames(in_place, stream_frames(section, codec, w));
    }
  }
}

TEST_CASE("malformed records are refused through a window as in place, wherever the boundary falls", "[stream]") {
  const auto section = section_of(varied_records(4));
  for (size_t i = 0; i < section.size(); ++i) {
    for (uint8_t v : {uint8_t{0x00}, uint8_t{0x01}, uint8_t{0x7f}, uint8_t{0x80}, uint8_t{0xfe}, uint8_t{0xff}}) {
      auto bad = section;
      bad[i] = v;
      std::optional<std::vector<RecordFrame>> in_place;
      try {
        chronik::wire::Reader reader(bad);
        std::vector<RecordFrame> frames;
        while (!reader.at_end()) frames.push_back(scan_record(reader));
        in_place = frames;
      } catch (const RecordException& e) {
        REQUIRE(e.error() == RecordError::kMalformedRecord);
      }
      for (size_t w : {size_t{10}, size_t{11}, size_t{13}, size_t{17}, size_t{64}, size_t{4096}}) {
        INFO("byte " << i << " = " << int{v} << ", window " << w);
        if (in_place) {
          check_same_frames(*in_place, stream_frames(bad, Codec::kNone, w));
        } else {
          try {
            stream_frames(bad, Codec::kNone, w);
            FAIL("accepted through the window");
          } catch (const RecordException& e) {
            CHECK(e.error() == RecordError::kMalformedRecord);
          }
        }
      }
    }
  }
}

TEST_CASE("compressed batches cut or corrupted anywhere are refused as when inflated whole", "[stream]") {
  const auto records = varied_records(40);
  for (Codec codec : kCodecs) {
    INFO(chronik::compression::codec_name(codec));
    const auto batch = batch_of(codec, records);
    const auto packed = stored_records(check_batch_frame(batch), batch);
    check_same(batch);
    // Truncated streams.
    for (size_t n = 0; n < packed.size(); ++n) {
      INFO("cut to " << n);
      check_same(with_section(batch, packed.first(n)));
    }
    // Corrupted streams.
    for (size_t i = 0; i < packed.size(); ++i) {
      for (uint8_t x : {uint8_t{0x01}, uint8_t{0xa5}, uint8_t{0xff}}) {
        INFO("byte " << i << " ^ " << int{x});
        std::vector<uint8_t> bad(packed.begin(), packed.end());
        bad[i] ^= x;
        check_same(with_section(batch, bad));
      }
    }
    // The bound, exactly where inflating whole puts it.
    const size_t plain = section_of(records).size();
    CHECK(streamed(batch, plain).error == RecordError::kNone);
    CHECK(streamed(batch, plain - 1).error == RecordError::kDecompressedTooLarge);
    check_same(batch, plain - 1);
  }
}

TEST_CASE("batches spanning many windows, cut or corrupted, are refused as when inflated whole", "[stream]") {
  const auto records = varied_records(6000);  // ~1 MiB inflated: four windows
  REQUIRE(section_of(records).size() > 3 * 256 * 1024);
  for (Codec codec : kCodecs) {
    INFO(chronik::compression::codec_name(codec));
    const auto batch = batch_of(codec, records);
    const auto packed = stored_records(check_batch_frame(batch), batch);
    check_same(batch);
    const size_t step = packed.size() / 40 + 1;
    for (size_t at = 1; at < packed.size(); at += step) {
      INFO("at " << at);
      check_same(with_section(batch, packed.first(at)));
      std::vector<uint8_t> bad(packed.begin(), packed.end());
      bad[at] ^= 0x5a;
      check_same(with_section(batch, bad));
    }
  }
}

TEST_CASE("a corrupt stream is a decompression error even after a malformed record", "[stream]") {
  // Inflating whole found the stream's error before reading any record; streaming reads the
  // records first and must still report the stream.
  auto section = section_of(varied_records(3));
  section.push_back(0x01);  // a record length of -1
  section.resize(section.size() + (4 << 20), 0x42);  // far past one window
  const auto batch = batch_of(Codec::kGzip, varied_records(1));
  auto packed = chronik::compression::compress(Codec::kGzip, section);
  packed[packed.size() - 6] ^= 0xff;  // the gzip trailer's CRC-32
  const auto bad = with_section(batch, packed);
  CHECK(whole(bad, kDefaultMaxDecompressedBytes).error == RecordError::kDecompressionFailed);
  CHECK(streamed(bad, kDefaultMaxDecompressedBytes).error == RecordError::kDecompressionFailed);
  // Without the corruption, the record is what is wrong.
  CHECK(streamed(with_section(batch, chronik::compression::compress(Codec::kGzip, section)),
                 kDefaultMaxDecompressedBytes)
            .error == RecordError::kMalformedRecord);
}

TEST_CASE("compressed batches keep their count, offset delta and timestamp rules", "[stream]") {
  for (Codec codec : kCodecs) {
    INFO(chronik::compression::codec_name(codec));
    auto records = varied_records(6);
    const auto good = batch_of(codec, records, 1000);
    const ValidationResult ok = validate_records(good);
    REQUIRE(ok.ok());
    CHECK(ok.record_count == 6);
    CHECK(ok.max_timestamp == 1000 + 919);  // record 1's delta, the largest
    // The header claims one record more or less than the section holds.
    for (int32_t claimed : {5, 7}) {
      auto bad = good;
      store_be32(bad.data() + kRecordsCountOffset, claimed);
      store_be32(bad.data() + kLastOffsetDeltaOffset, claimed - 1);
      store_be32(bad.data() + kCrcOffset, static_cast<int32_t>(compute_batch_crc(bad)));
      CHECK(validate_records(bad).error == RecordError::kRecordCountMismatch);
    }
    // A gap in the offset deltas.
    records[4].offset_delta = 9;
    CHECK(validate_records(batch_of(codec, records)).error == RecordError::kOffsetDeltaMismatch);
  }
}
