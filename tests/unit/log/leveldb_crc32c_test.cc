// LevelDB's checksums computed by Chronik's CRC-32C (broker/log/leveldb_crc32c.h): the same
// values as LevelDB's own implementation, and LevelDB still catches a corrupted table.
#include "broker/log/leveldb_crc32c.h"

#include <leveldb/db.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <random>
#include <string>

#include "runtime/record/crc32c.h"
#include "tests/unit/log/test_batches.h"

namespace {

uint32_t value(const std::string& s) { return leveldb::crc32c::Extend(0, s.data(), s.size()); }

}  // namespace

TEST_CASE("LevelDB's Extend gives the values of LevelDB's own CRC-32C tests", "[log]") {
  // The expected values are the ones LevelDB's util/crc32c_test.cc checks (RFC 3720).
  REQUIRE(value(std::string(32, '\0')) == 0x8a9136aau);
  REQUIRE(value(std::string(32, '\xff')) == 0x62a8ab43u);
  std::string ascending(32, '\0'), descending(32, '\0');
  for (int i = 0; i < 32; ++i) {
    ascending[i] = static_cast<char>(i);
    descending[i] = static_cast<char>(31 - i);
  }
  REQUIRE(value(ascending) == 0x46dd794eu);
  REQUIRE(value(descending) == 0x113fdb5cu);
  REQUIRE(value("hello world") == leveldb::crc32c::Extend(value("hello "), "world", 5));
}

TEST_CASE("LevelDB's Extend chains like the software CRC-32C at every length and alignment",
          "[log]") {
  std::mt19937 rng(7);
  std::string data(300, '\0');
  for (auto& c : data) c = static_cast<char>(rng());
  for (size_t start = 0; start < 9; ++start)
    for (size_t len = 0; start + len <= data.size(); len += 1 + len / 8) {
      const auto* p = reinterpret_cast<const uint8_t*>(data.data() + start);
      const uint32_t seed = static_cast<uint32_t>(rng());
      INFO("start " << start << " length " << len);
      REQUIRE(leveldb::crc32c::Extend(seed, data.data() + start, len) ==
              chronik::record::crc32c_software({p, len}, seed));
    }
  const std::string impl = chronik::log::leveldb_crc32c_implementation();
  REQUIRE((impl == "hardware" || impl == "software"));
  REQUIRE((impl == "hardware") == chronik::record::crc32c_hardware_available());
}

TEST_CASE("LevelDB still reports a corrupted table block", "[log]") {
  chronik::log::test::TempDir dir;
  const std::string path = (dir.path() / "db").string();
  const std::string payload(100 << 10, 'x');
  {
    leveldb::Options options;
    options.create_if_missing = true;
    options.compression = leveldb::kNoCompression;
    leveldb::DB* raw = nullptr;
    REQUIRE(leveldb::DB::Open(options, path, &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    REQUIRE(db->Put(leveldb::WriteOptions(), "k", payload).ok());
    db->CompactRange(nullptr, nullptr);  // into a table, and out of the log
    std::string read;
    leveldb::ReadOptions verify;
    verify.verify_checksums = true;
    REQUIRE(db->Get(verify, "k", &read).ok());
    REQUIRE(read == payload);
  }
  std::filesystem::path table;
  for (const auto& e : std::filesystem::directory_iterator(path))
    if (e.path().extension() == ".ldb") table = e.path();
  REQUIRE(!table.empty());
  {
    std::fstream f(table, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(50 << 10);  // inside the value's block
    f.put('y');
  }
  leveldb::DB* raw = nullptr;
  REQUIRE(leveldb::DB::Open(leveldb::Options(), path, &raw).ok());
  std::unique_ptr<leveldb::DB> db(raw);
  std::string read;
  leveldb::ReadOptions verify;
  verify.verify_checksums = true;
  const leveldb::Status s = db->Get(verify, "k", &read);
  INFO(s.ToString());
  REQUIRE(s.IsCorruption());
}
