#include "runtime/record/record.h"

#include "runtime/record/errors.h"
#include "runtime/record/record_stream.h"

namespace chronik::record {
namespace {

[[noreturn]] void malformed(const std::string& what) {
  throw RecordException(RecordError::kMalformedRecord, "malformed record: " + what);
}

// The bytes of a nullable field, in place; nullopt for null.
using Field = std::optional<std::span<const uint8_t>>;

// A nullable field from `r`: in place from a wire::Reader (a Field), skipped from a
// RecordStream::Record. Either way the same checks.
template <class Body>
auto nullable_field(Body& r, const char* what) -> std::optional<decltype(r.read_raw(0))> {
  int32_t length = r.read_varint();
  if (length < -1) malformed(std::string("negative ") + what + " length");
  if (length == -1) return std::nullopt;
  if (static_cast<size_t>(length) > r.remaining()) malformed(std::string(what) + " longer than the record");
  return r.read_raw(static_cast<size_t>(length));
}

std::optional<Bytes> copy_of(const Field& field) {
  if (!field) return std::nullopt;
  return Bytes(field->begin(), field->end());
}

// Reads one length-prefixed record with every check, handing key and value, then each
// header, to the callbacks (as spans of the input when reading in place): the one parser
// behind read_record (which copies them) and both scan_records (which do not), so all
// refuse the same records. A RecordStream does not know the section's size in advance:
// a length beyond it is found when the section ends inside the record.
template <class In, class OnKeyValue, class OnHeader>
RecordFrame walk_record(In& reader, OnKeyValue&& on_key_value, OnHeader&& on_header) {
  try {
    int32_t length = reader.read_varint();
    if (length < 0) malformed("negative length");
    if (static_cast<size_t>(length) > reader.remaining()) malformed("length beyond the batch");
    auto r = reader.sub_reader(static_cast<size_t>(length));
    RecordFrame frame;
    frame.attributes = r.read_int8();
    frame.timestamp_delta = r.read_varlong();
    frame.offset_delta = r.read_varint();
    auto key = nullable_field(r, "key");
    frame.has_key = key.has_value();
    on_key_value(key, nullable_field(r, "value"));
    int32_t count = r.read_varint();
    // Every header takes at least two bytes: a bound that stops huge counts early.
    if (count < 0 || static_cast<size_t>(count) > r.remaining() / 2) malformed("bad header count");
    for (int32_t i = 0; i < count; ++i) {
      auto header_key = nullable_field(r, "header key");
      if (!header_key) malformed("null header key");
      on_header(*header_key, nullable_field(r, "header value"));
    }
    if (!r.at_end()) malformed("bytes left after the headers");
    return frame;
  } catch (const wire::DecodeError& e) {
    malformed(e.what());
  }
}

template <class Sink>
void write_nullable(Sink& w, const std::optional<Bytes>& bytes) {
  if (!bytes) {
    w.write_varint(-1);
    return;
  }
  w.write_varint(static_cast<int32_t>(bytes->size()));
  w.write_raw(*bytes);
}

template <class Sink>
void write_body(Sink& w, const Record& record) {
  w.write_int8(record.attributes);
  w.write_varlong(record.timestamp_delta);
  w.write_varint(record.offset_delta);
  write_nullable(w, record.key);
  write_nullable(w, record.value);
  w.write_varint(static_cast<int32_t>(record.headers.size()));
  for (const RecordHeader& h : record.headers) {
    w.write_varint(static_cast<int32_t>(h.key.size()));
    w.write_raw({reinterpret_cast<const uint8_t*>(h.key.data()), h.key.size()});
    write_nullable(w, h.value);
  }
}

size_t body_size(const Record& record) {
  wire::SizeCounter counter;
  write_body(counter, record);
  return counter.size();
}

}  // namespace

Record read_record(wire::Reader& reader) {
  Record record;
  const RecordFrame frame = walk_record(
      reader,
      [&](const Field& key, const Field& value) {
        record.key = copy_of(key);
        record.value = copy_of(value);
      },
      [&](std::span<const uint8_t> key, const Field& value) {
        record.headers.push_back({std::string(key.begin(), key.end()), copy_of(value)});
      });
  record.attributes = frame.attributes;
  record.timestamp_delta = frame.timestamp_delta;
  record.offset_delta = frame.offset_delta;
  return record;
}

RecordFrame scan_record(wire::Reader& reader) {
  return walk_record(reader, [](const auto&, const auto&) {}, [](const auto&, const auto&) {});
}

RecordFrame scan_record(RecordStream& stream) {
  return walk_record(stream, [](const auto&, const auto&) {}, [](const auto&, const auto&) {});
}

void write_record(wire::Writer& writer, const Record& record) {
  writer.write_varint(static_cast<int32_t>(body_size(record)));
  write_body(writer, record);
}

size_t record_size(const Record& record) {
  size_t body = body_size(record);
  return wire::varint_size(static_cast<int32_t>(body)) + body;
}

std::vector<Record> read_records(std::span<const uint8_t> section) {
  wire::Reader reader(section);
  std::vector<Record> records;
  while (!reader.at_end()) records.push_back(read_record(reader));
  return records;
}

}  // namespace chronik::record
