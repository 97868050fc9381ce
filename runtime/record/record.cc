#include "runtime/record/record.h"

#include "runtime/record/errors.h"

namespace chronik::record {
namespace {

[[noreturn]] void malformed(const std::string& what) {
  throw RecordException(RecordError::kMalformedRecord, "malformed record: " + what);
}

// The bytes of a nullable field, in place; nullopt for null.
std::optional<std::span<const uint8_t>> nullable_field(wire::Reader& r, const char* what) {
  int32_t length = r.read_varint();
  if (length < -1) malformed(std::string("negative ") + what + " length");
  if (length == -1) return std::nullopt;
  if (static_cast<size_t>(length) > r.remaining()) malformed(std::string(what) + " longer than the record");
  return r.read_raw(static_cast<size_t>(length));
}

std::optional<Bytes> read_nullable(wire::Reader& r, const char* what) {
  auto field = nullable_field(r, what);
  if (!field) return std::nullopt;
  return Bytes(field->begin(), field->end());
}

// The record's own reader, after checking its length prefix.
wire::Reader record_body(wire::Reader& reader) {
  int32_t length = reader.read_varint();
  if (length < 0) malformed("negative length");
  if (static_cast<size_t>(length) > reader.remaining()) malformed("length beyond the batch");
  return reader.sub_reader(static_cast<size_t>(length));
}

// Every header takes at least two bytes: a bound that stops huge counts early.
int32_t header_count(wire::Reader& r) {
  int32_t count = r.read_varint();
  if (count < 0 || static_cast<size_t>(count) > r.remaining() / 2) malformed("bad header count");
  return count;
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
  try {
    wire::Reader r = record_body(reader);
    Record record;
    record.attributes = r.read_int8();
    record.timestamp_delta = r.read_varlong();
    record.offset_delta = r.read_varint();
    record.key = read_nullable(r, "key");
    record.value = read_nullable(r, "value");
    int32_t count = header_count(r);
    record.headers.reserve(static_cast<size_t>(count));
    for (int32_t i = 0; i < count; ++i) {
      RecordHeader h;
      auto key = nullable_field(r, "header key");
      if (!key) malformed("null header key");
      h.key.assign(key->begin(), key->end());
      h.value = read_nullable(r, "header value");
      record.headers.push_back(std::move(h));
    }
    if (!r.at_end()) malformed("bytes left after the headers");
    return record;
  } catch (const wire::DecodeError& e) {
    malformed(e.what());
  }
}

RecordFrame scan_record(wire::Reader& reader) {
  try {
    wire::Reader r = record_body(reader);
    RecordFrame frame;
    r.read_int8();  // attributes
    frame.timestamp_delta = r.read_varlong();
    frame.offset_delta = r.read_varint();
    nullable_field(r, "key");
    nullable_field(r, "value");
    int32_t count = header_count(r);
    for (int32_t i = 0; i < count; ++i) {
      if (!nullable_field(r, "header key")) malformed("null header key");
      nullable_field(r, "header value");
    }
    if (!r.at_end()) malformed("bytes left after the headers");
    return frame;
  } catch (const wire::DecodeError& e) {
    malformed(e.what());
  }
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
