// The LevelDB status of a failed system call on a file, as LevelDB's own Env reports it
// (a missing file is NotFound, so that LevelDB can tell it from a failing disk).
#pragma once

#include <cerrno>
#include <cstring>
#include <string>

#include <leveldb/status.h>

namespace chronik::log {

inline leveldb::Status io_error(const std::string& path, int error) {
  if (error == ENOENT) return leveldb::Status::NotFound(path, std::strerror(error));
  return leveldb::Status::IOError(path, std::strerror(error));
}

}  // namespace chronik::log
