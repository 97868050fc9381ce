// Writes the seed corpora of the fuzz targets: one random instance (tests/support's
// RandomFiller) of every request and response at every version, of every data message, and
// the frames captured from real clients (tests/data/captures/<client>/*.bin, as written by
// tests/captures/split_frames.py) converted to each target's input format.
//
// usage: fuzz_seed_gen OUT_DIR [CAPTURES_DIR]
//   writes OUT_DIR/request/, OUT_DIR/response/, OUT_DIR/data_message/
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "generated/kafka/api_dispatch.h"
#include "runtime/protocol/header.h"
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
      if (m[2] == "req") {
        write_file(out / "request" / name, body);
      } else {
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
