// Comparing what Chronik reads with what kafka-python read (expected.json).
#pragma once

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "runtime/record/batch.h"
#include "runtime/record/legacy.h"
#include "tests/unit/record/test_data.h"

namespace chronik::testdata {

// A record as seen by a consumer: absolute offset and timestamp.
struct FlatRecord {
  int64_t offset;
  int64_t timestamp;
  std::optional<std::vector<uint8_t>> key;
  std::optional<std::vector<uint8_t>> value;
  std::optional<std::vector<record::RecordHeader>> headers;  // v2 only
};

inline std::vector<FlatRecord> expected_records(const nlohmann::json& batch) {
  std::vector<FlatRecord> out;
  for (const auto& r : batch["records"]) {
    int64_t ts = r["timestamp"].is_null() ? -1 : r["timestamp"].get<int64_t>();  // v0: None
    FlatRecord f{r["offset"].get<int64_t>(), ts, from_hex(r["key"]),
                 from_hex(r["value"]), std::nullopt};
    if (r.contains("headers")) {
      std::vector<record::RecordHeader> headers;
      for (const auto& h : r["headers"]) headers.push_back({h[0].get<std::string>(), from_hex(h[1])});
      f.headers = headers;
    }
    out.push_back(f);
  }
  return out;
}

inline std::vector<FlatRecord> flatten(const record::Batch& batch) {
  std::vector<FlatRecord> out;
  for (const auto& r : batch.records) {
    int64_t ts = batch.header.attributes.timestamp_type() == record::TimestampType::kLogAppendTime
                     ? batch.header.max_timestamp
                     : batch.header.base_timestamp + r.timestamp_delta;
    out.push_back({batch.header.base_offset + r.offset_delta, ts, r.key, r.value, r.headers});
  }
  return out;
}

inline std::vector<FlatRecord> flatten(const record::LegacyEntry& entry) {
  std::vector<FlatRecord> out;
  for (const auto& r : entry.records) out.push_back({r.offset, r.timestamp, r.key, r.value, std::nullopt});
  return out;
}

// `compare_headers`: false when the actual side lost its headers on the way (v0/v1).
inline void check_same(const std::vector<FlatRecord>& actual, const std::vector<FlatRecord>& expected,
                       bool compare_timestamps = true, bool compare_headers = true) {
  REQUIRE(actual.size() == expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    INFO("record " << i);
    CHECK(actual[i].offset == expected[i].offset);
    if (compare_timestamps) CHECK(actual[i].timestamp == expected[i].timestamp);
    CHECK(actual[i].key == expected[i].key);
    CHECK(actual[i].value == expected[i].value);
    if (compare_headers && actual[i].headers && expected[i].headers) {
      CHECK(*actual[i].headers == *expected[i].headers);
    }
  }
}

inline std::vector<std::string> files_of_kind(const std::string& kind, const std::string& prefix = "") {
  std::vector<std::string> out;
  for (const auto& [name, file] : expected()["files"].items()) {
    if (file["kind"] == kind && name.rfind(prefix, 0) == 0) out.push_back(name);
  }
  return out;
}

}  // namespace chronik::testdata
