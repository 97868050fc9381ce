// One record inside a v2 batch, and its encoding:
//
//   length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
//   keyLength varint | key | valueLength varint | value | headerCount varint |
//   (headerKeyLength varint | headerKey | headerValueLength varint | headerValue)*
//
// All varints are zigzag-encoded; a length of -1 is null (header keys may not be null).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "runtime/wire/reader.h"
#include "runtime/wire/writer.h"

namespace chronik::record {

using Bytes = std::vector<uint8_t>;

struct RecordHeader {
  std::string key;
  std::optional<Bytes> value;
  friend bool operator==(const RecordHeader&, const RecordHeader&) = default;
};

struct Record {
  int8_t attributes = 0;  // unused by Kafka; kept as read
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  std::optional<Bytes> key;
  std::optional<Bytes> value;
  std::vector<RecordHeader> headers;
  friend bool operator==(const Record&, const Record&) = default;
};

// Reads one length-prefixed record; throws RecordException(kMalformedRecord) when the
// record is truncated or its fields do not fill exactly its length.
Record read_record(wire::Reader& reader);
// What the broker checks of a record: read_record's checks without copying key, value or
// headers, so validating a produce request costs no allocation per record.
struct RecordFrame {
  int8_t attributes = 0;
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  bool has_key = false;
};
RecordFrame scan_record(wire::Reader& reader);
// The same over a section read through a window as it is decompressed.
class RecordStream;
RecordFrame scan_record(RecordStream& stream);
// Appends `record` with its length prefix.
void write_record(wire::Writer& writer, const Record& record);
// The bytes write_record() appends.
size_t record_size(const Record& record);

// Every record of a (decompressed) records section, in order.
std::vector<Record> read_records(std::span<const uint8_t> section);

}  // namespace chronik::record
