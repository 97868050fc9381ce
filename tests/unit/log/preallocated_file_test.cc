// LevelDB's logs and tables are written with blocks reserved ahead (broker/log/
// preallocated_file.h): the bytes and the size of the file are exactly what was appended,
// while it is written and after Close, and the blocks reserved beyond the end are given back.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "broker/log/preallocated_file.h"
#include "tests/unit/log/test_batches.h"

using namespace chronik::log;
using chronik::log::test::TempDir;

namespace {

struct FileState {
  uint64_t size = 0;
  uint64_t allocated = 0;  // bytes of disk blocks the file holds
};

FileState state_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return {static_cast<uint64_t>(st.st_size), static_cast<uint64_t>(st.st_blocks) * 512};
}

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::unique_ptr<leveldb::WritableFile> open_file(const std::string& path) {
  leveldb::WritableFile* raw = nullptr;
  REQUIRE(new_preallocated_file(path, &raw).ok());
  return std::unique_ptr<leveldb::WritableFile>(raw);
}

// Whether this file system reserves blocks with fallocate(FALLOC_FL_KEEP_SIZE).
bool can_reserve(const std::string& dir) {
  const std::string probe = dir + "/probe";
  int fd = ::open(probe.c_str(), O_CREAT | O_WRONLY, 0644);
  REQUIRE(fd >= 0);
  const bool ok = ::fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 1 << 20) == 0;
  ::close(fd);
  ::unlink(probe.c_str());
  return ok;
}

}  // namespace

TEST_CASE("a preallocated file holds exactly what was appended", "[log]") {
  TempDir dir;
  const std::string path = dir.str() + "/000007.log";
  const bool reserving = can_reserve(dir.str());

  auto file = open_file(path);

  // Appends below, at and above the 64 KiB buffer, crossing two reservation chunks.
  std::string expected;
  uint32_t seed = 1;
  for (size_t size : {7u, 32761u, 65536u, 1u, 3u << 20, 100u, 5u << 20, 65535u}) {
    std::string piece(size, '\0');
    for (auto& c : piece) c = static_cast<char>((seed = seed * 1103515245 + 12345) >> 16);
    REQUIRE(file->Append(piece).ok());
    expected += piece;
  }
  REQUIRE(file->Flush().ok());

  // While it is being written (as after a crash): the file ends where the last write did.
  FileState open_state = state_of(path);
  CHECK(open_state.size == expected.size());
  CHECK(contents(path) == expected);
  if (reserving) {
    INFO("blocks are reserved up to the next multiple of the chunk past what was written");
    CHECK(open_state.allocated >=
          (expected.size() / kPreallocationChunk + 1) * kPreallocationChunk);
  }

  REQUIRE(file->Close().ok());
  FileState closed = state_of(path);
  CHECK(closed.size == expected.size());
  CHECK(contents(path) == expected);
  INFO("allocated " << closed.allocated << " for " << closed.size << " bytes");
  CHECK(closed.allocated < expected.size() + (64 << 10));
  CHECK(file->Close().ok());  // a second Close does nothing
}

TEST_CASE("a preallocated file stops reserving once synced", "[log]") {
  TempDir dir;
  const std::string path = dir.str() + "/000009.log";
  const bool reserving = can_reserve(dir.str());

  auto file = open_file(path);
  std::string expected(1 << 20, 'a');
  REQUIRE(file->Append(expected).ok());
  REQUIRE(file->Flush().ok());
  if (reserving) CHECK(state_of(path).allocated >= kPreallocationChunk);

  // As a log is written with an fsync per message: each write is synced.
  for (char c : std::string("bcdefgh")) {
    REQUIRE(file->Sync().ok());
    FileState synced = state_of(path);
    CHECK(synced.size == expected.size());
    INFO("allocated " << synced.allocated << " for " << synced.size << " bytes");
    CHECK(synced.allocated < expected.size() + (64 << 10));
    const std::string piece(kPreallocationChunk / 2, c);
    REQUIRE(file->Append(piece).ok());
    expected += piece;
  }
  REQUIRE(file->Close().ok());
  CHECK(contents(path) == expected);
}

TEST_CASE("a preallocated file replaces what the path held", "[log]") {
  TempDir dir;
  const std::string path = dir.str() + "/000001.ldb";
  { std::ofstream(path) << std::string(100000, 'x'); }

  auto file = open_file(path);
  REQUIRE(file->Append("table").ok());
  REQUIRE(file->Close().ok());
  CHECK(contents(path) == "table");
}

TEST_CASE("a preallocated file that cannot be created reports why", "[log]") {
  TempDir dir;
  leveldb::WritableFile* raw = nullptr;
  leveldb::Status s = new_preallocated_file(dir.str() + "/missing/000001.log", &raw);
  CHECK(s.IsNotFound());
  CHECK(raw == nullptr);
}
