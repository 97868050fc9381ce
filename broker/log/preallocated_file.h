// The files LevelDB appends to (its logs and tables), written as LevelDB writes its own
// (through a 64 KiB buffer; Sync is fdatasync) except that their disk blocks are reserved a
// few MiB ahead of the writes with fallocate(FALLOC_FL_KEEP_SIZE) until the file is first
// synced, and what is reserved beyond the end is given back then or on Close.
//
// Why: on ext4 a buffered write into a block that is not allocated yet reserves one per
// page (delayed allocation), and deleting the file returns every reservation; into blocks
// that already exist a write only copies into the page cache. Writing 2 GiB the way LevelDB
// writes its logs (32 KiB writes, 16 MiB files, each deleted once the next is full) took
// 0.75-0.86 s of system time as LevelDB does it and 0.60-0.65 s reserved ahead (the whole
// machine, writeback included: 0.92-1.08 s against 0.76-0.86 s). The size of the file stays
// what was written, so a log read back after a crash ends where its last write did.
//
// A write that fails (ENOSPC) cuts the file back to where the last successful Flush or Sync
// left it, and every later call fails: LevelDB flushes after each log record, so a log (or a
// manifest) never ends in a torn record. That matters because the databases reuse their last
// log and manifest when reopened (Options::reuse_logs, see storage.cc): a record appended
// after a torn one would be dropped with it when the file is read back.
#pragma once

#include <cstdint>
#include <string>

#include <leveldb/env.h>

namespace chronik::log {

// Creates (or truncates) `path` for appending. Where the file system cannot reserve blocks
// (no fallocate, or no space for a whole chunk), the file is written without reserving.
// With `reserve` false it never reserves (manifests: small, synced after every record).
leveldb::Status new_preallocated_file(const std::string& path, leveldb::WritableFile** file,
                                      bool reserve = true);
// Opens an existing `path` to append after what it holds (LevelDB reusing a log or manifest).
// Blocks a crash left reserved beyond its end are given back first.
leveldb::Status reopen_preallocated_file(const std::string& path, leveldb::WritableFile** file,
                                         bool reserve = true);

// How far ahead of the writes blocks are reserved, in bytes.
inline constexpr uint64_t kPreallocationChunk = uint64_t{4} << 20;

}  // namespace chronik::log
