// Reading the reference vectors of tests/data/records (see make_vectors.py there).
#pragma once

#include <cstdint>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace chronik::testdata {

inline std::string records_dir() { return CHRONIK_RECORDS_DATA_DIR; }

inline std::vector<uint8_t> read_file(const std::string& relative) {
  std::ifstream in(records_dir() + "/" + relative, std::ios::binary);
  if (!in) throw std::runtime_error("missing test vector " + relative);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline const nlohmann::json& expected() {
  static const nlohmann::json doc = [] {
    std::ifstream in(records_dir() + "/expected.json");
    if (!in) throw std::runtime_error("missing expected.json");
    return nlohmann::json::parse(in);
  }();
  return doc;
}

inline std::optional<std::vector<uint8_t>> from_hex(const nlohmann::json& value) {
  if (value.is_null()) return std::nullopt;
  std::string hex = value.get<std::string>();
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

inline std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

}  // namespace chronik::testdata
