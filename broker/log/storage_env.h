// The LevelDB environment Chronik opens its databases with: LevelDB's default one, except
// that tables are read with pread into LevelDB's block cache instead of through mmap, and
// logs and tables are written with their disk blocks reserved ahead (preallocated_file.h).
//
// Why pread: with mmap (LevelDB's default on 64-bit), every table page a fetch or a
// compaction touches stays mapped into the broker, so its resident memory grows with the
// data read (hundreds of MB after one consumer catches up) although the pages are only page
// cache. With pread the broker holds what the bounded block cache holds, and tail reads of
// consumers that keep up are served from that cache.
#pragma once

#include <leveldb/env.h>

namespace chronik::log {

// Process-wide, never destroyed (LevelDB's default Env is not either).
leveldb::Env* storage_env();

}  // namespace chronik::log
