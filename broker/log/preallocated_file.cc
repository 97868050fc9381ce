#include "broker/log/preallocated_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "broker/log/leveldb_io_error.h"

namespace chronik::log {
namespace {

// As large as LevelDB's own write buffer: small appends (a log record's header, a table
// block's trailer) go out with what follows them, one write() per Flush or per 64 KiB.
constexpr size_t kBufferSize = 64 << 10;

// LevelDB syncs the directory when it syncs a manifest, so that a new manifest's entry is
// durable before CURRENT names it; so does this file.
bool is_manifest(const std::string& path) {
  const size_t slash = path.rfind('/');
  return path.compare(slash == std::string::npos ? 0 : slash + 1, 8, "MANIFEST") == 0;
}

leveldb::Status sync_dir_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  int fd = ::open(dir.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(dir, errno);
  leveldb::Status s;
  if (::fsync(fd) < 0) s = io_error(dir, errno);
  ::close(fd);
  return s;
}

class PreallocatedFile final : public leveldb::WritableFile {
 public:
  PreallocatedFile(std::string path, int fd, uint64_t size, bool reserve)
      : path_(std::move(path)),
        fd_(fd),
        sync_dir_(is_manifest(path_)),
        reserving_(reserve),
        written_(size),
        complete_(size),
        reserved_(size) {}
  ~PreallocatedFile() override {
    if (fd_ >= 0) Close();
  }

  leveldb::Status Append(const leveldb::Slice& data) override {
    if (!failure_.ok()) return failure_;
    const char* p = data.data();
    size_t n = data.size();
    const size_t fits = std::min(n, kBufferSize - buffered_);
    std::memcpy(buffer_ + buffered_, p, fits);
    buffered_ += fits;
    p += fits;
    n -= fits;
    if (n == 0) return leveldb::Status::OK();
    leveldb::Status s = flush_buffer();
    if (!s.ok()) return s;
    if (n < kBufferSize) {
      std::memcpy(buffer_, p, n);
      buffered_ = n;
      return leveldb::Status::OK();
    }
    return write_out(p, n);  // large appends skip the buffer
  }

  leveldb::Status Flush() override {
    leveldb::Status s = flush_buffer();
    if (s.ok()) complete_ = written_;
    return s;
  }

  // A file that is synced (a table once, when it is complete; a log after each write when
  // every message is flushed) is written without reserving from then on: an fdatasync after
  // writes into reserved blocks also records that they now hold data, which cost 4-12% of
  // the throughput with an fsync per message.
  leveldb::Status Sync() override {
    leveldb::Status s = flush_buffer();
    if (s.ok()) complete_ = written_;
    if (s.ok()) s = stop_reserving();
    if (s.ok() && ::fdatasync(fd_) < 0) s = fail(io_error(path_, errno));
    if (s.ok() && sync_dir_) s = sync_dir_of(path_);
    return s;
  }

  leveldb::Status Close() override {
    if (fd_ < 0) return leveldb::Status::OK();
    leveldb::Status s = failure_.ok() ? flush_buffer() : failure_;
    leveldb::Status released = stop_reserving();
    if (s.ok()) s = released;
    if (::close(fd_) < 0 && s.ok()) s = io_error(path_, errno);
    fd_ = -1;
    return s;
  }

 private:
  // Gives the blocks reserved beyond the end back to the file system (ext4 frees blocks past
  // the end on any truncate, even to the current size).
  leveldb::Status stop_reserving() {
    reserving_ = false;
    if (reserved_ <= written_) return leveldb::Status::OK();
    reserved_ = written_;
    if (::ftruncate(fd_, static_cast<off_t>(written_)) < 0) return io_error(path_, errno);
    return leveldb::Status::OK();
  }

  leveldb::Status flush_buffer() {
    if (!failure_.ok()) return failure_;
    leveldb::Status s = write_out(buffer_, buffered_);
    buffered_ = 0;
    return s;
  }

  // Cuts the file back to its last complete record (a short write may have left part of
  // one) and makes every later call fail with `s`.
  leveldb::Status fail(leveldb::Status s) {
    if (failure_.ok()) failure_ = s;
    buffered_ = 0;
    if (written_ > complete_ && ::ftruncate(fd_, static_cast<off_t>(complete_)) == 0) {
      written_ = complete_;
      reserved_ = std::min(reserved_, written_);
    }
    return failure_;
  }

  leveldb::Status write_out(const char* p, size_t n) {
    if (!failure_.ok()) return failure_;
    reserve(written_ + n);
    while (n > 0) {
      ssize_t w = ::write(fd_, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return fail(io_error(path_, errno));
      p += w;
      n -= static_cast<size_t>(w);
      written_ += static_cast<uint64_t>(w);
    }
    return leveldb::Status::OK();
  }

  void reserve(uint64_t end) {
    if (!reserving_ || end <= reserved_) return;
    const uint64_t length =
        (end - reserved_ + kPreallocationChunk - 1) / kPreallocationChunk * kPreallocationChunk;
    if (::fallocate(fd_, FALLOC_FL_KEEP_SIZE, static_cast<off_t>(reserved_),
                    static_cast<off_t>(length)) == 0)
      reserved_ += length;
    else
      reserving_ = false;  // not supported here, or short of space: the writes decide
  }

  std::string path_;
  int fd_;
  const bool sync_dir_;
  bool reserving_;
  uint64_t written_;   // bytes handed to write(): the file's size
  uint64_t complete_;  // the size at the last successful Flush or Sync
  uint64_t reserved_;  // bytes from 0 with blocks reserved
  leveldb::Status failure_;  // the first failed write: every later call fails with it
  size_t buffered_ = 0;
  char buffer_[kBufferSize];
};

}  // namespace

leveldb::Status new_preallocated_file(const std::string& path, leveldb::WritableFile** file,
                                      bool reserve) {
  *file = nullptr;
  int fd = ::open(path.c_str(), O_TRUNC | O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(path, errno);
  *file = new PreallocatedFile(path, fd, 0, reserve);
  return leveldb::Status::OK();
}

leveldb::Status reopen_preallocated_file(const std::string& path, leveldb::WritableFile** file,
                                         bool reserve) {
  *file = nullptr;
  int fd = ::open(path.c_str(), O_APPEND | O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(path, errno);
  struct stat st {};
  if (::fstat(fd, &st) < 0 || ::ftruncate(fd, st.st_size) < 0) {
    leveldb::Status s = io_error(path, errno);
    ::close(fd);
    return s;
  }
  *file = new PreallocatedFile(path, fd, static_cast<uint64_t>(st.st_size), reserve);
  return leveldb::Status::OK();
}

}  // namespace chronik::log
