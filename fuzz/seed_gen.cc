// Writes the seed corpora of the fuzz targets: one random instance (tests/support's
// RandomFiller) of every request and response at every version, of every data message, and
// the frames captured from real clients (tests/data/captures/<client>/*.bin, as written by
// tests/captures/split_frames.py) converted to each target's input format.
//
// usage: fuzz_seed_gen OUT_DIR [CAPTURES_DIR]
//   writes OUT_DIR/request/, OUT_DIR/response/, OUT_DIR/data_message/, and for the record
//   and compression targets OUT_DIR/record_batch/, OUT_DIR/legacy_message_set/,
//   OUT_DIR/decompress_<codec>/: batches built by runtime/record with every codec, and the
//   records fields of captured Produce requests and Fetch responses, and OUT_DIR/sasl/:
//   client messages of each SASL mechanism.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <fstream>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "generated/kafka/api_dispatch.h"
#include "runtime/compression/codec.h"
#include "runtime/protocol/header.h"
#include "runtime/record/batch.h"
#include "runtime/record/legacy.h"
#include "runtime/wire/writer.h"
#include "tests/support/random_message.h"

using namespace chronik;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, const std::vector<uint8_t>& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void put16(std::vector<uint8_t>& out, int16_t v) {
  out.push_back(static_cast<uint8_t>(static_cast<uint16_t>(v) >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

std::string name_of(int key, int version, const char* what) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "k%02d-v%02d-%s", key, version, what);
  return buf;
}

std::vector<uint8_t> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

constexpr compression::Codec kCodecs[] = {compression::Codec::kGzip, compression::Codec::kSnappy,
                                          compression::Codec::kLz4, compression::Codec::kZstd};

// Seeds of the record targets from one `records` field (mode byte 0: CRCs as they are).
void record_seeds(const fs::path& out, const std::string& name, const wire::SharedBytes& records,
                  size_t& written) {
  if (records.size() <= record::kMagicOffset) return;
  std::vector<uint8_t> input{0};
  input.insert(input.end(), records.data(), records.data() + records.size());
  const int8_t magic = static_cast<int8_t>(records.data()[record::kMagicOffset]);
  write_file(out / (magic == record::kMagicV2 ? "record_batch" : "legacy_message_set") / name, input);
  ++written;
  if (magic != record::kMagicV2) return;
  try {  // the compressed section of the first batch, for its decompressor
    auto header = record::check_batch_frame(records.span());
    if (header.attributes.compression() == compression::Codec::kNone) return;
    auto section = record::stored_records(header, records.span());
    write_file(out / ("decompress_" + std::string(compression::codec_name(header.attributes.compression()))) / name,
               std::vector<uint8_t>(section.begin(), section.end()));
    ++written;
  } catch (const std::exception&) {
  }
}

void synthetic_record_seeds(const fs::path& out, size_t& written) {
  std::vector<record::Record> records(3);
  std::vector<record::LegacyRecord> legacy(3);
  for (int i = 0; i < 3; ++i) {
    records[i].offset_delta = i;
    records[i].timestamp_delta = i * 10;
    records[i].key = record::Bytes{'k', static_cast<uint8_t>('0' + i)};
    records[i].value = record::Bytes(40, static_cast<uint8_t>('a' + i));
    records[i].headers.push_back({"h", record::Bytes{'v'}});
    legacy[i].offset = 100 + i;
    legacy[i].timestamp = 1700000000000 + i;
    legacy[i].key = records[i].key;
    legacy[i].value = records[i].value;
  }
  records[1].key.reset();
  legacy[1].key.reset();
  std::vector<compression::Codec> codecs{compression::Codec::kNone};
  codecs.insert(codecs.end(), std::begin(kCodecs), std::end(kCodecs));
  for (auto codec : codecs) {
    const std::string cname(compression::codec_name(codec));
    record::BatchOptions options;
    options.codec = codec;
    options.base_timestamp = 1700000000000;
    auto batch = record::build_batch(options, records);
    std::vector<uint8_t> input{1};
    input.insert(input.end(), batch.begin(), batch.end());
    write_file(out / "record_batch" / ("built-" + cname), input);
    ++written;
    for (int8_t magic : {record::kMagicV0, record::kMagicV1}) {
      if (codec == compression::Codec::kZstd) continue;
      auto set = record::build_message_set({.magic = magic, .codec = codec}, legacy);
      std::vector<uint8_t> in{1};
      in.insert(in.end(), set.begin(), set.end());
      write_file(out / "legacy_message_set" / ("built-v" + std::to_string(magic) + "-" + cname), in);
      ++written;
    }
  }
  std::string text;
  for (int i = 0; i < 200; ++i) text += "chronik record " + std::to_string(i) + " value;";
  std::span<const uint8_t> plain(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  for (auto codec : kCodecs) {
    const std::string dir = "decompress_" + std::string(compression::codec_name(codec));
    write_file(out / dir / "built", compression::compress(codec, plain));
    write_file(out / dir / "built-empty", compression::compress(codec, {}));
    written += 2;
  }
  write_file(out / "decompress_lz4" / "built-broken-checksum",
             compression::compress(compression::Codec::kLz4, plain, {.lz4_broken_header_checksum = true}));
  ++written;
}

// The sasl target's inputs (fuzz/sasl_fuzzer.cc): a mode byte, then messages separated by
// 0xFF, as real clients send them, with its placeholders where the server's nonce goes.
void sasl_seeds(const fs::path& out, size_t& written) {
  const auto seed = [&](const std::string& name, uint8_t mode, const std::vector<std::string>& messages) {
    std::vector<uint8_t> bytes{mode};
    for (size_t i = 0; i < messages.size(); ++i) {
      if (i > 0) bytes.push_back(0xFF);
      bytes.insert(bytes.end(), messages[i].begin(), messages[i].end());
    }
    write_file(out / "sasl" / name, bytes);
    ++written;
  };
  using namespace std::string_literals;
  seed("plain", 0, {"\0alice\0alice-secret"s});
  seed("plain-authzid", 0, {"alice\0alice\0wrong"s});
  for (uint8_t mode : {1, 2}) {
    const std::string m = mode == 1 ? "sha256" : "sha512";
    seed("scram-" + m, mode, {"n,,n=alice,r=fyko+d2lbbFgONRv9qkxdawL", "c=%C,r=%N,p=%P"});
    seed("scram-" + m + "-after-the-end", mode, {"n,,n=alice,r=fyko", "c=%C,r=%N,p=%P", "c=%C,r=%N,p=%P"});
    seed("scram-" + m + "-authzid", mode, {"n,a=alice,n=alice,r=abc,ext=1", "c=biwsCg==,r=abc%N,p=dGVzdA=="});
    seed("scram-" + m + "-escaped", mode, {"y,,n=al=2Cice=3D,r=abc", "c=%C,r=%N,x=1,p=%P"});
  }
  seed("oauthbearer", 3,
       {"n,,\x01host=localhost\x01port=9092\x01"
        "auth=Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6MTgwMDAwMDYwMCwic2NvcGUiOiJrYWZrYSJ9.\x01\x01",
        "\x01"});
  const std::string claims = R"({"sub":"alice","exp":1800000600,"iat":1799999999,"scope":"kafka",)"
                             R"("aud":["kafka"],"iss":"https://issuer.example"})";
  seed("oauthbearer-unsecured", 4, {R"({"alg":"none"})", claims, "\x01"});
  seed("oauthbearer-unsecured-header", 4, {R"({"alg":"none","typ":"JWT","kid":null,"x5t":[1,{}],"crit":false})", claims});
  seed("oauthbearer-unsecured-scope", 4, {R"({"alg":"none"})", R"({"sub":"bob","exp":1.8e9,"scope":["read"]})"});
  seed("oauthbearer-signed", 5, {R"({"alg":"RS256","kid":"fuzz","typ":"JWT"})", claims});
  seed("oauthbearer-signed-forged", 6, {R"({"alg":"RS512"})", claims, "signature"});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR [CAPTURES_DIR]\n", argv[0]);
    return 2;
  }
  const fs::path out = argv[1];
  std::mt19937_64 rng(0xC0DEC);
  size_t written = 0;

  message::for_each_api([&]<class Request, class Response>() {
    const message::ApiInfo* api = message::find_api(Request::kApiKey);
    for (int16_t v = Request::kLowestVersion; v <= Request::kHighestVersion; ++v) {
      Request request;
      testing::RandomFiller(rng, v).fill(request);
      protocol::RequestHeader rh;
      rh.api_key = Request::kApiKey;
      rh.api_version = v;
      rh.correlation_id = static_cast<int32_t>(rng() & 0x7fffffff);
      rh.client_id = "seed";
      wire::Writer w;
      protocol::encode_request_header(w, rh, api->request_header_version(v));
      request.encode(w, v);
      write_file(out / "request" / name_of(Request::kApiKey, v, "random"), std::move(w).take_bytes());
      ++written;
    }
    for (int16_t v = Response::kLowestVersion; v <= Response::kHighestVersion; ++v) {
      Response response;
      testing::RandomFiller(rng, v).fill(response);
      protocol::ResponseHeader rh;
      rh.correlation_id = static_cast<int32_t>(rng() & 0x7fffffff);
      wire::Writer w;
      w.write_int16(Request::kApiKey);
      w.write_int16(v);
      protocol::encode_response_header(w, rh, api->response_header_version(v));
      response.encode(w, v);
      write_file(out / "response" / name_of(Request::kApiKey, v, "random"), std::move(w).take_bytes());
      ++written;
    }
  });

  uint8_t index = 0;
  message::for_each_other_message([&]<class M>() {
    for (int16_t v = M::kLowestVersion; v <= M::kHighestVersion; ++v) {
      M m;
      testing::RandomFiller(rng, v).fill(m);
      wire::Writer w;
      w.write_uint8(index);
      w.write_int16(v);
      m.encode(w, v);
      char name[64];
      std::snprintf(name, sizeof name, "m%02d-v%02d-random", index, v);
      write_file(out / "data_message" / name, std::move(w).take_bytes());
      ++written;
    }
    ++index;
  });

  synthetic_record_seeds(out, written);
  sasl_seeds(out, written);

  // Real client traffic: <seq>-<req|resp>-<ApiName>-k<key>-v<version>.bin, whole frames.
  if (argc >= 3 && fs::is_directory(argv[2])) {
    const std::regex pattern(R"((\d+)-(req|resp)-\w+-k(\d+)-v(\d+)\.bin)");
    for (const auto& entry : fs::recursive_directory_iterator(argv[2])) {
      if (!entry.is_regular_file()) continue;
      const std::string file = entry.path().filename().string();
      std::smatch m;
      if (!std::regex_match(file, m, pattern)) continue;
      std::vector<uint8_t> frame = read_file(entry.path());
      if (frame.size() < 4) continue;
      const std::string client = entry.path().parent_path().filename().string();
      const std::string name = "capture-" + client + "-" + file;
      std::vector<uint8_t> body(frame.begin() + 4, frame.end());
      const int key = std::stoi(m[3]);
      const int16_t version = static_cast<int16_t>(std::stoi(m[4]));
      if (m[2] == "req") {
        write_file(out / "request" / name, body);
        if (key == message::ProduceRequest::kApiKey) {
          try {
            auto owner = std::make_shared<std::vector<uint8_t>>(body);
            wire::Reader in(owner->data(), owner->size(), owner);
            protocol::decode_request_header(in, message::find_api(key)->request_header_version(version));
            message::ProduceRequest produce;
            produce.decode(in, version);
            for (const auto& t : produce.topic_data)
              for (const auto& p : t.partition_data)
                if (p.records) record_seeds(out, name, *p.records, written);
          } catch (const std::exception&) {
          }
        }
      } else {
        if (key == message::FetchResponse::kApiKey) {
          try {
            auto owner = std::make_shared<std::vector<uint8_t>>(body);
            wire::Reader in(owner->data(), owner->size(), owner);
            protocol::decode_response_header(in, message::find_api(key)->response_header_version(version));
            message::FetchResponse fetch;
            fetch.decode(in, version);
            int n = 0;
            for (const auto& t : fetch.responses)
              for (const auto& p : t.partitions)
                if (p.records && !p.records->empty())
                  record_seeds(out, name + "-" + std::to_string(n++), *p.records, written);
          } catch (const std::exception&) {
          }
        }
        std::vector<uint8_t> input;
        put16(input, static_cast<int16_t>(std::stoi(m[3])));
        put16(input, static_cast<int16_t>(std::stoi(m[4])));
        input.insert(input.end(), body.begin(), body.end());
        write_file(out / "response" / name, input);
      }
      ++written;
    }
  }
  std::printf("%zu seeds written under %s\n", written, out.c_str());
  return 0;
}
