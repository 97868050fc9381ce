// The C++ side of the Java oracle (tests/oracle/run):
//   protocol_oracle roundtrip <dir> [--json <outdir>]
//                                          decode each <Message>-v<V>-<n>.bin written by Kafka's
//                                          Java classes, re-encode, require identical bytes;
//                                          with --json also write what was decoded as
//                                          <outdir>/<Message>-v<V>-<n>.json (chronik::json::to_json,
//                                          for `Oracle compare` to check value by value)
//   protocol_oracle generate <dir> <count> write random instances of every message at every
//                                          version for the Java classes to read back
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <regex>
#include <string>

#include "generated/kafka/api_dispatch.h"
#include "runtime/json/message_json.h"
#include "runtime/wire/reader.h"
#include "runtime/wire/writer.h"
#include "tests/support/random_message.h"

namespace fs = std::filesystem;
using namespace chronik;

namespace {

// Calls f.template operator()<M>() for every message of the spec set.
template <class F>
void for_each_message(F&& f) {
  message::for_each_api([&]<class Request, class Response>() {
    f.template operator()<Request>();
    f.template operator()<Response>();
  });
  message::for_each_other_message(f);
}

std::vector<uint8_t> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Empty string on success, else why the bytes did not survive decode -> encode. With a
// json_out path, the decoded message is also written there as JSON (even when re-encoding
// then fails: the value comparison is independent of the byte comparison).
template <class M>
std::string round_trip(const std::vector<uint8_t>& bytes, int16_t version, const fs::path* json_out) {
  M message;
  wire::Reader in(bytes);
  try {
    message.decode(in, version);
  } catch (const std::exception& e) {
    return std::string("decode failed: ") + e.what();
  }
  if (!in.at_end()) return "decode left " + std::to_string(in.remaining()) + " bytes unread";
  if (json_out) {
    std::string text;
    try {
      text = json::to_json(message, version).dump();
    } catch (const std::exception& e) {
      return std::string("to_json failed: ") + e.what();
    }
    std::ofstream out(*json_out, std::ios::binary);
    out << text << "\n";
    if (!out) return "could not write " + json_out->string();
  }
  wire::Writer out;
  try {
    message.encode(out, version);
  } catch (const std::exception& e) {
    return std::string("encode failed: ") + e.what();
  }
  auto again = std::move(out).take_bytes();
  if (again == bytes) return "";
  size_t i = 0;
  while (i < again.size() && i < bytes.size() && again[i] == bytes[i]) ++i;
  return "re-encoded bytes differ at offset " + std::to_string(i) + " (" +
         std::to_string(bytes.size()) + " bytes in, " + std::to_string(again.size()) + " out)";
}

int roundtrip(const fs::path& dir, const fs::path* json_dir) {
  if (json_dir) fs::create_directories(*json_dir);
  static const std::regex kName(R"(([A-Za-z0-9]+)-v(\d+)-\d+\.bin)");
  std::map<std::string, int> checked;
  int failures = 0;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::smatch m;
    std::string name = path.filename().string();
    if (!std::regex_match(name, m, kName)) continue;
    const std::string message_name = m[1];
    const auto version = static_cast<int16_t>(std::stoi(m[2]));
    auto bytes = read_file(path);
    std::string error = "no such message";
    fs::path json_out;
    if (json_dir) json_out = *json_dir / path.filename().replace_extension(".json");
    for_each_message([&]<class M>() {
      if (message_name == M::kName) error = round_trip<M>(bytes, version, json_dir ? &json_out : nullptr);
    });
    ++checked[message_name];
    if (!error.empty()) {
      ++failures;
      std::cout << "FAIL " << name << ": " << error << "\n";
    }
  }
  size_t total = 0;
  for (const auto& [_, n] : checked) total += n;
  std::cout << "roundtrip: " << total << " files of " << checked.size() << " messages, "
            << failures << " failures\n";
  return failures == 0 && total > 0 ? 0 : 1;
}

int generate(const fs::path& dir, int count) {
  fs::create_directories(dir);
  std::mt19937_64 rng(7);
  size_t written = 0;
  for_each_message([&]<class M>() {
    for (int16_t v = M::kLowestVersion; v <= M::kHighestVersion; ++v) {
      for (int i = 0; i < count; ++i) {
        M message;
        testing::RandomFiller(rng, v).fill(message);
        wire::Writer out;
        message.encode(out, v);
        auto bytes = std::move(out).take_bytes();
        std::ofstream(dir / (std::string(M::kName) + "-v" + std::to_string(v) + "-" +
                             std::to_string(i) + ".bin"),
                      std::ios::binary)
            .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        ++written;
      }
    }
  });
  std::cout << "generate: " << written << " files in " << dir << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string command = argc > 1 ? argv[1] : "";
  if (command == "roundtrip" && argc == 3) return roundtrip(argv[2], nullptr);
  if (command == "roundtrip" && argc == 5 && std::string(argv[3]) == "--json") {
    const fs::path json_dir = argv[4];
    return roundtrip(argv[2], &json_dir);
  }
  if (command == "generate" && argc == 4) return generate(argv[2], std::stoi(argv[3]));
  std::cerr << "usage: protocol_oracle roundtrip <dir> [--json <outdir>] | generate <dir> <count>\n";
  return 2;
}
