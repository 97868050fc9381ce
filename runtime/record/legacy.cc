#include "runtime/record/legacy.h"

#include <zlib.h>

#include <algorithm>
#include <string>

#include "runtime/record/errors.h"

namespace chronik::record {
namespace {

[[noreturn]] void fail(RecordError error, const std::string& what) { throw RecordException(error, what); }

size_t header_size(int8_t magic) { return magic == kMagicV0 ? 18 : 26; }  // through attributes/timestamp
// CRC, magic, attributes, (timestamp), key length, value length.
int32_t min_message_size(int8_t magic) { return magic == kMagicV0 ? 14 : 22; }

struct Message {
  int64_t offset;
  int8_t magic;
  int8_t attributes;
  int64_t timestamp;
  std::optional<std::span<const uint8_t>> key;
  std::optional<std::span<const uint8_t>> value;
};

std::optional<std::span<const uint8_t>> read_bytes_field(std::span<const uint8_t>& rest) {
  if (rest.size() < 4) fail(RecordError::kMalformedRecord, "message key/value length truncated");
  int32_t length = load_be32(rest.data());
  rest = rest.subspan(4);
  if (length == -1) return std::nullopt;
  if (length < 0 || static_cast<size_t>(length) > rest.size()) {
    fail(RecordError::kMalformedRecord, "message key/value length " + std::to_string(length) + " out of bounds");
  }
  auto out = rest.first(static_cast<size_t>(length));
  rest = rest.subspan(static_cast<size_t>(length));
  return out;
}

// Reads the message at the start of `bytes`; returns its total size.
size_t read_message(std::span<const uint8_t> bytes, Message& m) {
  if (bytes.size() < kLogOverhead + 5) fail(RecordError::kTruncated, "message shorter than its header");
  int32_t size = load_be32(bytes.data() + kBatchLengthOffset);
  m.magic = static_cast<int8_t>(bytes[kMagicOffset]);
  if (m.magic != kMagicV0 && m.magic != kMagicV1) {
    fail(RecordError::kUnsupportedMagic, "message magic " + std::to_string(m.magic));
  }
  if (size < min_message_size(m.magic)) fail(RecordError::kBadLength, "message size " + std::to_string(size));
  if (static_cast<size_t>(size) > bytes.size() - kLogOverhead) fail(RecordError::kTruncated, "message cut short");
  std::span<const uint8_t> message = bytes.first(kLogOverhead + static_cast<size_t>(size));
  auto stored = static_cast<uint32_t>(load_be32(message.data() + kLegacyCrcOffset));
  if (crc32_ieee(message.subspan(kMagicOffset)) != stored) fail(RecordError::kCrcMismatch, "message CRC mismatch");
  m.offset = load_be64(message.data());
  m.attributes = static_cast<int8_t>(message[kLegacyAttributesOffset]);
  m.timestamp = m.magic == kMagicV0 ? kNoTimestamp : load_be64(message.data() + kLegacyTimestampOffset);
  std::span<const uint8_t> rest = message.subspan(header_size(m.magic));
  m.key = read_bytes_field(rest);
  m.value = read_bytes_field(rest);
  if (!rest.empty()) fail(RecordError::kMalformedRecord, "bytes left after the message value");
  return message.size();
}

std::optional<Bytes> to_bytes(const std::optional<std::span<const uint8_t>>& s) {
  if (!s) return std::nullopt;
  return Bytes(s->begin(), s->end());
}

LegacyEntry read_entry(const Message& m, size_t max_decompressed) {
  LegacyEntry entry;
  entry.magic = m.magic;
  entry.offset = m.offset;
  entry.timestamp = m.timestamp;
  entry.timestamp_type = m.magic == kMagicV0 ? TimestampType::kNoTimestamp
                         : (m.attributes & kLegacyTimestampTypeBit) ? TimestampType::kLogAppendTime
                                                                    : TimestampType::kCreateTime;
  auto codec = compression::codec_from_id(m.attributes & kLegacyCodecMask);
  if (!codec || *codec == compression::Codec::kZstd) {
    fail(RecordError::kUnknownCompression, "message compression id " + std::to_string(m.attributes & kLegacyCodecMask));
  }
  entry.codec = *codec;
  if (entry.codec == compression::Codec::kNone) {
    entry.records.push_back({m.offset, m.timestamp, to_bytes(m.key), to_bytes(m.value)});
    return entry;
  }
  if (!m.value) fail(RecordError::kMalformedRecord, "compressed wrapper without a value");
  std::vector<uint8_t> inner;
  try {
    inner = compression::decompress(entry.codec, *m.value, max_decompressed);
  } catch (const compression::CompressionError& e) {
    fail(e.kind() == compression::CompressionError::Kind::kTooLarge ? RecordError::kDecompressedTooLarge
                                                                     : RecordError::kDecompressionFailed,
         e.what());
  }
  std::span<const uint8_t> rest(inner);
  while (!rest.empty()) {
    Message im;
    rest = rest.subspan(read_message(rest, im));
    if (im.magic != m.magic) fail(RecordError::kMalformedRecord, "inner message magic differs from its wrapper's");
    if (im.attributes & kLegacyCodecMask) fail(RecordError::kMalformedRecord, "nested compressed message");
    int64_t ts = entry.timestamp_type == TimestampType::kLogAppendTime ? m.timestamp : im.timestamp;
    entry.records.push_back({im.offset, ts, to_bytes(im.key), to_bytes(im.value)});
  }
  if (entry.records.empty()) fail(RecordError::kEmptyBatch, "compressed wrapper with no messages");
  if (m.magic == kMagicV1) {
    // A producer's wrapper offset is a placeholder (often 0); only a broker-assigned one,
    // at least the last inner offset, turns the relative inner offsets into absolute ones.
    // Client values: the difference and the sums wrap like Java's longs (as in Kafka).
    int64_t base = wrapping_sub(m.offset, entry.records.back().offset);
    if (base >= 0) {
      for (LegacyRecord& r : entry.records) r.offset = wrapping_add(r.offset, base);
    }
  }
  return entry;
}

void write_message(std::vector<uint8_t>& out, int8_t magic, int64_t offset, int8_t attributes,
                   int64_t timestamp, const std::optional<std::span<const uint8_t>>& key,
                   const std::optional<std::span<const uint8_t>>& value) {
  size_t start = out.size();
  size_t size = header_size(magic) - kLogOverhead + 8 + (key ? key->size() : 0) + (value ? value->size() : 0);
  out.resize(start + kLogOverhead + size);
  uint8_t* p = out.data() + start;
  store_be64(p, offset);
  store_be32(p + kBatchLengthOffset, static_cast<int32_t>(size));
  p[kMagicOffset] = static_cast<uint8_t>(magic);
  p[kLegacyAttributesOffset] = static_cast<uint8_t>(attributes);
  size_t at = header_size(magic);
  if (magic == kMagicV1) store_be64(p + kLegacyTimestampOffset, timestamp);
  for (const auto& field : {key, value}) {
    store_be32(p + at, field ? static_cast<int32_t>(field->size()) : -1);
    at += 4;
    if (field) {
      std::copy(field->begin(), field->end(), p + at);
      at += field->size();
    }
  }
  uint32_t crc = crc32_ieee({p + kMagicOffset, kLogOverhead + size - kMagicOffset});
  store_be32(p + kLegacyCrcOffset, static_cast<int32_t>(crc));
}

std::optional<std::span<const uint8_t>> view(const std::optional<Bytes>& b) {
  if (!b) return std::nullopt;
  return std::span<const uint8_t>(*b);
}

}  // namespace

uint32_t crc32_ieee(std::span<const uint8_t> data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const uint8_t* p = data.data();
  size_t n = data.size();
  while (n > 0) {
    auto step = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    crc = crc32(crc, p, step);
    p += step;
    n -= step;
  }
  return static_cast<uint32_t>(crc);
}

std::vector<LegacyEntry> read_message_set(std::span<const uint8_t> bytes, size_t max_decompressed) {
  std::vector<LegacyEntry> entries;
  while (!bytes.empty()) {
    Message m;
    bytes = bytes.subspan(read_message(bytes, m));
    entries.push_back(read_entry(m, max_decompressed));
  }
  return entries;
}

std::vector<uint8_t> build_message_set(const LegacyBuildOptions& options, std::span<const LegacyRecord> records) {
  if (options.magic != kMagicV0 && options.magic != kMagicV1) {
    fail(RecordError::kUnsupportedConversion, "message sets have magic 0 or 1");
  }
  if (options.codec == compression::Codec::kZstd) {
    fail(RecordError::kUnsupportedConversion, "zstd cannot be written in magic v0/v1 message sets");
  }
  bool v1 = options.magic == kMagicV1;
  bool log_append = v1 && options.timestamp_type == TimestampType::kLogAppendTime;
  int8_t ts_bit = log_append ? kLegacyTimestampTypeBit : 0;
  auto timestamp_of = [&](const LegacyRecord& r) { return log_append ? options.log_append_time : r.timestamp; };

  std::vector<uint8_t> out;
  if (options.codec == compression::Codec::kNone) {
    for (const LegacyRecord& r : records) {
      write_message(out, options.magic, r.offset, ts_bit, timestamp_of(r), view(r.key), view(r.value));
    }
    return out;
  }
  if (records.empty()) return out;
  std::vector<uint8_t> inner;
  int64_t max_ts = kNoTimestamp;
  for (const LegacyRecord& r : records) {
    // v1 inner offsets are relative to the first; v0 keeps absolute ones.
    int64_t offset = v1 ? wrapping_sub(r.offset, records.front().offset) : r.offset;
    write_message(inner, options.magic, offset, 0, r.timestamp, view(r.key), view(r.value));
    max_ts = std::max(max_ts, r.timestamp);
  }
  compression::CompressOptions compress_options;
  compress_options.lz4_broken_header_checksum = options.magic == kMagicV0;
  std::vector<uint8_t> packed = compression::compress(options.codec, inner, compress_options);
  auto attributes = static_cast<int8_t>(static_cast<int8_t>(options.codec) | ts_bit);
  write_message(out, options.magic, records.back().offset, attributes,
                log_append ? options.log_append_time : max_ts, std::nullopt,
                std::span<const uint8_t>(packed));
  return out;
}

}  // namespace chronik::record
