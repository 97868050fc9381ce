// chronik-wire: decode, encode and round-trip single Kafka frames.
//
//   chronik-wire decode --request [FILE]
//   chronik-wire decode --response --api-key K --api-version V [FILE]
//   chronik-wire encode [FILE.json]
//   chronik-wire roundtrip --request [FILE]
//   chronik-wire roundtrip --response --api-key K --api-version V [FILE]
//   chronik-wire --help | --version
//
// Frames are size-prefixed, as on the wire. JSON is what `decode` prints and `encode` reads.
// Every failure is one line on stderr and exit status 1 (2 for usage errors).
#include <boost/program_options.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "generated/kafka/api_dispatch.h"
#include "runtime/json/message_json.h"
#include "runtime/protocol/header.h"
#include "runtime/record/batch_header.h"
#include "runtime/record/batch_iterator.h"
#include "runtime/wire/reader.h"
#include "runtime/wire/writer.h"

using namespace chronik;
using json::Json;

namespace {

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Options {
  std::string command;
  bool request = false;
  bool response = false;
  std::optional<int16_t> api_key;
  std::optional<int16_t> api_version;
  std::string file;  // empty: stdin
};

constexpr const char* kUsage =
    "usage: chronik-wire decode|roundtrip --request [FILE]\n"
    "       chronik-wire decode|roundtrip --response --api-key K --api-version V [FILE]\n"
    "       chronik-wire encode [FILE.json]\n\n"
    "Decodes, encodes and round-trips single size-prefixed Kafka frames (stdin without FILE).\n"
    "decode prints JSON, encode reads it. Options";

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "chronik-wire: " << why << "\n" << "try chronik-wire --help\n";
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  namespace po = boost::program_options;
  po::options_description visible(kUsage);
  int api_key = 0, api_version = 0;
  Options o;
  visible.add_options()
      ("request", "the frame is a request (its header names the API and version)")
      ("response", "the frame is a response (say which with --api-key and --api-version)")
      ("api-key", po::value(&api_key)->value_name("K"), "the response's API key")
      ("api-version", po::value(&api_version)->value_name("V"), "the response's API version")
      ("version", "print the version and exit")
      ("help,h", "print this help and exit");
  po::options_description hidden;
  hidden.add_options()("command", po::value(&o.command))("file", po::value(&o.file));
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional;
  positional.add("command", 1).add("file", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    usage(e.what());
  }
  if (vm.count("help")) {
    std::cout << visible << "\n";
    std::exit(0);
  }
  if (vm.count("version")) {
    std::cout << "chronik-wire 0.1.0\n";
    std::exit(0);
  }
  auto int16 = [&](const char* flag, int v) {
    if (v < -32768 || v > 32767) usage(std::string("--") + flag + " wants a 16-bit integer, got " + std::to_string(v));
    return static_cast<int16_t>(v);
  };
  o.request = vm.count("request") > 0;
  o.response = vm.count("response") > 0;
  if (vm.count("api-key")) o.api_key = int16("api-key", api_key);
  if (vm.count("api-version")) o.api_version = int16("api-version", api_version);
  if (o.command.empty()) usage("no command");
  if (o.command != "decode" && o.command != "encode" && o.command != "roundtrip")
    usage("unknown command " + o.command);
  if (o.command != "encode") {
    if (o.request == o.response) usage("say --request or --response");
    if (o.response && (!o.api_key || !o.api_version)) usage("--response needs --api-key and --api-version");
  }
  return o;
}

std::vector<uint8_t> read_input(const std::string& file) {
  if (file.empty() || file == "-") {
    return {std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Failure("cannot read " + file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The frame body after the 4-byte size, which must match the input exactly.
wire::Reader frame_body(const std::vector<uint8_t>& input) {
  if (input.size() < 4) throw Failure("input is " + std::to_string(input.size()) + " bytes, shorter than a frame size");
  wire::Reader r(input);
  int32_t size = r.read_int32();
  if (size < 0 || static_cast<size_t>(size) != r.remaining())
    throw Failure("frame size says " + std::to_string(size) + " bytes but " + std::to_string(r.remaining()) + " follow");
  return r;
}

const message::ApiInfo& api_or_fail(int16_t key) {
  const auto* api = message::find_api(key);
  if (!api) throw Failure("unknown API key " + std::to_string(key));
  return *api;
}

void check_version(const message::ApiInfo& api, int16_t version) {
  if (!api.is_valid_version(version))
    throw Failure(std::string(api.name) + " has no version " + std::to_string(version) + " (valid: " +
                  std::to_string(api.lowest_version) + "-" + std::to_string(api.highest_version) + ")");
}

// A summary of each entry of a records field: v2 batches from their headers (with a CRC
// check), legacy v0/v1 messages by offset and magic.
Json summarize_batches(const wire::SharedBytes& records) {
  static const char* kCodecs[] = {"none", "gzip", "snappy", "lz4", "zstd", "unknown", "unknown", "unknown"};
  Json batches = Json::array();
  record::BatchIterator it(records);
  try {
    while (auto batch = it.next()) {
      Json b;
      b["magic"] = batch->magic;
      b["offset"] = batch->offset_field();
      b["size"] = batch->bytes.size();
      if (const auto& h = batch->header) {
        b["last_offset_delta"] = h->last_offset_delta;
        b["records"] = h->records_count;
        b["compression"] = kCodecs[h->attributes.compression_id()];
        b["timestamp_type"] = h->attributes.timestamp_type() == record::TimestampType::kLogAppendTime
                                  ? "LogAppendTime" : "CreateTime";
        b["max_timestamp"] = h->max_timestamp;
        b["producer_id"] = h->producer_id;
        b["producer_epoch"] = h->producer_epoch;
        b["base_sequence"] = h->base_sequence;
        if (h->attributes.is_transactional()) b["transactional"] = true;
        if (h->attributes.is_control()) b["control"] = true;
        b["crc_valid"] = record::compute_batch_crc(batch->bytes.span()) == h->crc;
      }
      batches.push_back(std::move(b));
    }
    if (it.partial_tail()) batches.push_back({{"partial_batch_bytes", records.size() - it.position()}});
  } catch (const std::exception& e) {
    batches.push_back({{"error", e.what()}});
  }
  return batches;
}

const json::RecordsSummarizer kSummarizer = summarize_batches;

std::vector<uint8_t> finish_frame(wire::Writer&& w) {
  auto bytes = std::move(w).take_bytes();
  int32_t size = static_cast<int32_t>(bytes.size() - 4);
  for (int i = 0; i < 4; ++i) bytes[i] = static_cast<uint8_t>(static_cast<uint32_t>(size) >> (24 - 8 * i));
  return bytes;
}

Json decode_frame(const std::vector<uint8_t>& input, const Options& o) {
  wire::Reader body = frame_body(input);
  Json out;
  int16_t key, version, header_version;
  if (o.request) {
    auto kv = protocol::peek_api_key_and_version(body);
    const auto& api = api_or_fail(kv.api_key);
    check_version(api, kv.api_version);
    key = kv.api_key;
    version = kv.api_version;
    header_version = api.request_header_version(version);
  } else {
    const auto& api = api_or_fail(*o.api_key);
    check_version(api, *o.api_version);
    key = *o.api_key;
    version = *o.api_version;
    header_version = api.response_header_version(version);
  }
  out["direction"] = o.request ? "request" : "response";
  out["api_key"] = key;
  out["api_name"] = api_or_fail(key).name;
  out["api_version"] = version;
  out["header_version"] = header_version;
  Json header;
  wire::UnknownTaggedFields header_tags;
  if (o.request) {
    auto h = protocol::decode_request_header(body, header_version);
    header["correlation_id"] = h.correlation_id;
    if (header_version >= 1) header["client_id"] = h.client_id ? Json(*h.client_id) : Json(nullptr);
    header_tags = h.tagged_fields;
  } else {
    auto h = protocol::decode_response_header(body, header_version);
    header["correlation_id"] = h.correlation_id;
    header_tags = h.tagged_fields;
  }
  if (!header_tags.empty()) {
    Json tags = Json::array();
    for (const auto& t : header_tags) tags.push_back({{"tag", t.tag}, {"data", json::base64_encode(t.data)}});
    header["_unknown_tagged_fields"] = tags;
  }
  out["header"] = header;
  message::with_api(key, [&]<class Request, class Response>() {
    auto decode = [&]<class M>() {
      M m;
      m.decode(body, version);
      out["body"] = json::to_json(m, version, &kSummarizer);
      // Kafka ignores bytes after a request body, and some clients send them (librdkafka's
      // Metadata v12 with all topics): keep them so the frame still round-trips.
      if (!body.at_end()) out["trailing_bytes"] = json::base64_encode(body.rest());
    };
    if (o.request) decode.template operator()<Request>();
    else decode.template operator()<Response>();
  });
  return out;
}

std::vector<uint8_t> encode_frame(const Json& in) {
  if (!in.is_object()) throw Failure("expected a JSON object as chronik-wire decode prints it");
  auto int16_field = [&](const char* name) -> int16_t {
    if (!in.contains(name) || !in[name].is_number_integer()) throw Failure(std::string("missing integer field ") + name);
    auto v = in[name].get<int64_t>();
    if (v < -32768 || v > 32767) throw Failure(std::string(name) + " out of range");
    return static_cast<int16_t>(v);
  };
  std::string direction = in.value("direction", "");
  if (direction != "request" && direction != "response") throw Failure("direction must be \"request\" or \"response\"");
  const bool request = direction == "request";
  const int16_t key = int16_field("api_key");
  const int16_t version = int16_field("api_version");
  const auto& api = api_or_fail(key);
  check_version(api, version);
  const int16_t header_version = request ? api.request_header_version(version) : api.response_header_version(version);
  const Json header = in.value("header", Json::object());
  wire::UnknownTaggedFields header_tags;
  if (header.contains("_unknown_tagged_fields")) {
    for (const auto& t : header["_unknown_tagged_fields"]) {
      auto data = json::base64_decode(t.value("data", ""));
      if (!data) throw Failure("header tagged field data is not base64");
      header_tags.push_back({t.value("tag", 0u), *data});
    }
  }
  wire::Writer w;
  w.write_int32(0);  // size, patched below
  const int32_t correlation_id = header.value("correlation_id", 0);
  if (request) {
    protocol::RequestHeader h{key, version, correlation_id, std::nullopt, header_tags};
    if (header.contains("client_id") && !header["client_id"].is_null()) h.client_id = header["client_id"].get<std::string>();
    protocol::encode_request_header(w, h, header_version);
  } else {
    protocol::encode_response_header(w, protocol::ResponseHeader{correlation_id, header_tags}, header_version);
  }
  message::with_api(key, [&]<class Request, class Response>() {
    auto encode = [&]<class M>() {
      M m;
      json::from_json(in.value("body", Json::object()), m, version);
      m.encode(w, version);
      if (in.contains("trailing_bytes")) {
        auto extra = in["trailing_bytes"].is_string() ? json::base64_decode(in["trailing_bytes"].get<std::string>()) : std::nullopt;
        if (!extra) throw Failure("trailing_bytes is not base64");
        w.write_raw(*extra);
      }
    };
    if (request) encode.template operator()<Request>();
    else encode.template operator()<Response>();
  });
  return finish_frame(std::move(w));
}

int run(const Options& o) {
  if (o.command == "encode") {
    auto text = read_input(o.file);
    Json in;
    try {
      in = Json::parse(text.begin(), text.end());
    } catch (const Json::parse_error& e) {
      throw Failure(std::string("input is not JSON: ") + e.what());
    }
    auto frame = encode_frame(in);
    std::fwrite(frame.data(), 1, frame.size(), stdout);
    return 0;
  }
  auto input = read_input(o.file);
  Json decoded = decode_frame(input, o);
  if (o.command == "decode") {
    std::cout << decoded.dump(2) << "\n";
    return 0;
  }
  auto again = encode_frame(decoded);
  if (again == input) {
    std::cout << "roundtrip: " << input.size() << " bytes identical\n";
    return 0;
  }
  size_t i = 0;
  while (i < again.size() && i < input.size() && again[i] == input[i]) ++i;
  std::cerr << "chronik-wire: re-encoded frame differs at byte " << i << " (input " << input.size()
            << " bytes, re-encoded " << again.size() << ")\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_options(argc, argv);
  try {
    return run(o);
  } catch (const wire::DecodeError& e) {
    std::cerr << "chronik-wire: malformed frame: " << e.what() << "\n";
  } catch (const wire::UnsupportedVersionError& e) {
    std::cerr << "chronik-wire: " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "chronik-wire: " << e.what() << "\n";
  }
  return 1;
}
