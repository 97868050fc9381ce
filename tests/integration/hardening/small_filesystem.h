// A small file system of the test's own, for the checks of a full disk: a tmpfs mounted
// on a new directory (root only), and a filler file that takes its space.
#pragma once

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace chronik::testing {

// A tmpfs of `megabytes` mounted on a new directory, unmounted at the end.
class SmallFilesystem {
 public:
  explicit SmallFilesystem(int megabytes) {
    char tmpl[] = "/tmp/chronik-diskfull-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    const std::string options = "size=" + std::to_string(megabytes) + "m";
    if (::geteuid() != 0) {
      why_not_ = "not running as root";
    } else if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      why_not_ = std::string("mount -t tmpfs failed: ") + std::strerror(errno);
    } else {
      mounted_ = true;
    }
  }
  ~SmallFilesystem() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    std::error_code ec;
    std::filesystem::remove(dir_, ec);
  }
  bool mounted() const { return mounted_; }
  const std::string& why_not() const { return why_not_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string why_not_;
};

// Appends zeros to `path` until `bytes` more are written or the disk is full.
inline void fill(const std::string& path, uint64_t bytes = UINT64_MAX) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  REQUIRE(fd >= 0);
  std::vector<char> chunk(64 << 10, 0);
  uint64_t done = 0;
  while (done < bytes) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(chunk.size(), bytes - done));
    const ssize_t w = ::write(fd, chunk.data(), n);
    if (w <= 0) break;
    done += static_cast<uint64_t>(w);
  }
  ::close(fd);
}

}  // namespace chronik::testing
