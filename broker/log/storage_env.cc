#include "broker/log/storage_env.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>

#include "broker/log/leveldb_io_error.h"
#include "broker/log/preallocated_file.h"

namespace chronik::log {
namespace {

// Descriptors kept open by tables; beyond the budget a table opens its file per read
// (as LevelDB's own pread files do) so that tables never starve connections of fds.
class FdBudget {
 public:
  FdBudget() {
    rlimit limit{};
    int64_t max = 1000;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
      max = static_cast<int64_t>(limit.rlim_cur) / 4;
    left_.store(max);
  }
  bool acquire() {
    if (left_.fetch_sub(1, std::memory_order_relaxed) > 0) return true;
    left_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  void release() { left_.fetch_add(1, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> left_{0};
};

class PreadFile final : public leveldb::RandomAccessFile {
 public:
  PreadFile(std::string path, int fd, FdBudget& budget) : path_(std::move(path)), fd_(fd), budget_(budget) {}
  ~PreadFile() override {
    if (fd_ >= 0) {
      ::close(fd_);
      budget_.release();
    }
  }

  leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result, char* scratch) const override {
    int fd = fd_;
    if (fd < 0) {
      fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return io_error(path_, errno);
    }
    size_t got = 0;
    int error = 0;
    while (got < n) {
      ssize_t r = ::pread(fd, scratch + got, n - got, static_cast<off_t>(offset + got));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) error = errno;
      if (r <= 0) break;
      got += static_cast<size_t>(r);
    }
    if (fd != fd_) ::close(fd);
    *result = leveldb::Slice(scratch, got);
    return error ? io_error(path_, error) : leveldb::Status::OK();
  }

 private:
  std::string path_;
  int fd_;  // -1: opened per read
  FdBudget& budget_;
};

bool is_manifest(const std::string& path) {
  const size_t slash = path.rfind('/');
  return path.compare(slash == std::string::npos ? 0 : slash + 1, 9, "MANIFEST-") == 0;
}

class StorageEnv final : public leveldb::EnvWrapper {
 public:
  StorageEnv() : leveldb::EnvWrapper(leveldb::Env::Default()) {}

  // Logs (.log) and tables (.ldb), reserved ahead; manifests without reserving, so that a
  // failed write cuts them back to their last whole record too (preallocated_file.h). CURRENT's
  // temporary file and LevelDB's info LOG stay LevelDB's own.
  leveldb::Status NewWritableFile(const std::string& path, leveldb::WritableFile** file) override {
    if (path.ends_with(".log") || path.ends_with(".ldb")) return new_preallocated_file(path, file);
    if (is_manifest(path)) return new_preallocated_file(path, file, false);
    return target()->NewWritableFile(path, file);
  }

  // LevelDB reopens the last log and the manifest to append to them (reuse_logs).
  leveldb::Status NewAppendableFile(const std::string& path, leveldb::WritableFile** file) override {
    if (path.ends_with(".log")) return reopen_preallocated_file(path, file);
    if (is_manifest(path)) return reopen_preallocated_file(path, file, false);
    return target()->NewAppendableFile(path, file);
  }

  leveldb::Status NewRandomAccessFile(const std::string& path, leveldb::RandomAccessFile** file) override {
    *file = nullptr;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return io_error(path, errno);
    if (!budget_.acquire()) {
      ::close(fd);
      fd = -1;
    }
    *file = new PreadFile(path, fd, budget_);
    return leveldb::Status::OK();
  }

 private:
  FdBudget budget_;
};

}  // namespace

leveldb::Env* storage_env() {
  static auto* env = new StorageEnv();
  return env;
}

}  // namespace chronik::log
