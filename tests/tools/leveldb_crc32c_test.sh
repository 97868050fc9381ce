#!/usr/bin/env bash
# The broker binary must hold Chronik's leveldb::crc32c::Extend and none of LevelDB's own
# table-driven CRC-32C (broker/log/leveldb_crc32c.h): a link order that pulled in the
# archive's crc32c.cc.o would fail on the duplicate symbol, and a binary linked against the
# shared libleveldb would not define Extend at all.
set -euo pipefail
binary=$1
symbols=$(nm -C "$binary")
if grep -q 'leveldb::crc32c::.*kStrideExtensionTable' <<<"$symbols"; then
  echo "FAIL: $binary holds LevelDB's own CRC-32C tables"
  exit 1
fi
if ! grep -q ' T leveldb::crc32c::Extend(unsigned int, char const\*, unsigned long)' <<<"$symbols"; then
  echo "FAIL: $binary does not define leveldb::crc32c::Extend"
  exit 1
fi
if ldd "$binary" | grep -q libleveldb; then
  echo "FAIL: $binary loads the shared libleveldb, whose own CRC-32C it would use"
  exit 1
fi
echo "ok: $binary computes LevelDB's checksums with Chronik's CRC-32C"
