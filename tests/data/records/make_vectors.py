#!/usr/bin/env python3
"""Reference record batches, message sets and compressed streams for Chronik's unit tests.

Everything here is written or read by implementations independent of Chronik:
kafka-python's record builders and readers (v2 batches, v0/v1 message sets, all codecs),
the Python bindings of zlib, snappy, lz4, zstd, and the record batches that real clients and
Apache Kafka 3.9.1 put on the wire (found in tests/data/captures by their CRC-32C).
expected.json holds what kafka-python reads back from each file; the C++ tests compare their
own reading of the same bytes with it.

Needs: kafka-python==3.0.12 python-snappy lz4 zstandard xxhash crc32c.
Run from anywhere: python3 tests/data/records/make_vectors.py
"""
import glob
import json
import os
import random
import struct
import zlib

import crc32c
import lz4.frame
import snappy
import zstandard
from kafka import codec
from kafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder
from kafka.record.legacy_records import LegacyRecordBatchBuilder
from kafka.record.memory_records import MemoryRecords

HERE = os.path.dirname(os.path.abspath(__file__))
CAPTURES = os.path.join(HERE, "..", "captures")
CODECS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
BASE_TS = 1700000000000

expected = {"codec": {}, "files": {}}


def write(rel, data):
    path = os.path.join(HERE, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(bytes(data))


def hx(b):
    return None if b is None else bytes(b).hex()


# ---------------------------------------------------------------- compressed streams
def codec_vectors():
    rng = random.Random(7)
    text = b"".join(b"record %06d: the quick brown fox jumps over the lazy dog\n" % i
                    for i in range(1500))
    noise = bytes(rng.getrandbits(8) for _ in range(20000))
    plain = text + noise + text[:30000]  # > 64 KiB: several lz4 and xerial blocks
    write("codec/plain.bin", plain)
    streams = {
        "gzip": codec.gzip_encode(plain),
        "snappy_raw": snappy.compress(plain),
        "snappy_xerial": codec.snappy_encode(plain, xerial_compatible=True),
        "lz4_frame": lz4.frame.compress(plain),  # content size and checksum on
        "lz4_kafka08": codec.lz4_encode_old_kafka(plain),
        "zstd": zstandard.ZstdCompressor(level=3).compress(plain),
    }
    for name, data in streams.items():
        assert name == "lz4_kafka08" or name.startswith("snappy") or len(data) < len(plain)
        write(f"codec/plain.{name}", data)
        expected["codec"][name] = {"size": len(data), "plain_size": len(plain)}
    # Round-trip through the readers that are the reference.
    assert codec.snappy_decode(streams["snappy_xerial"]) == plain
    assert codec.lz4_decode_old_kafka(streams["lz4_kafka08"]) == plain


# ---------------------------------------------------------------- v2 record batches
def sample_records(n=10):
    big = b"abcdefghij" * 300
    recs = [
        (0, BASE_TS, b"key-0", b"value-0", [("h1", b"v1"), ("h2", b"")]),
        (1, BASE_TS + 5, None, b"no key", []),
        (2, BASE_TS - 3, b"k2", None, [("trace", None)]),
        (3, BASE_TS + 100, b"", b"", []),
        (4, BASE_TS + 100, b"\x00\xff\x80", "caf\u00e9 \u2713".encode(), [("\u00fc", b"\x01\x02")]),
        (5, BASE_TS + 1000000, b"big", big, []),
    ]
    for i in range(6, n):
        recs.append((i, BASE_TS + 7 * i, b"k%d" % i, b"value %d " % i * 20, [("i", b"%d" % i)]))
    return recs


def build_v2(records, compression="none", pid=-1, epoch=-1, seq=-1, transactional=False,
             base_offset=0):
    b = DefaultRecordBatchBuilder(magic=2, compression_type=CODECS[compression],
                                  is_transactional=transactional, producer_id=pid,
                                  producer_epoch=epoch, base_sequence=seq,
                                  batch_size=1 << 30)
    for off, (_, ts, k, v, h) in enumerate(records):  # offset deltas from 0
        assert b.append(off, timestamp=ts, key=k, value=v, headers=h) is not None
    data = bytearray(b.build())
    struct.pack_into(">q", data, 0, base_offset)  # base offset is outside the CRC
    return bytes(data)


def describe(buf):
    """What kafka-python reads from a buffer of batches or message sets."""
    out = []
    mr = MemoryRecords(bytes(buf))
    while True:
        batch = mr.next_batch()
        if batch is None:
            break
        d = {"magic": batch.magic, "base_offset": batch.base_offset,
             "compression": batch.compression_type, "timestamp_type": batch.timestamp_type}
        if batch.magic == 2:
            assert batch.validate_crc()
            d.update(length=batch.size_in_bytes, leader_epoch=batch.leader_epoch,
                     crc=batch.crc, attributes=batch.attributes,
                     last_offset_delta=batch.last_offset_delta,
                     base_timestamp=batch.first_timestamp, max_timestamp=batch.max_timestamp,
                     producer_id=batch.producer_id, producer_epoch=batch.producer_epoch,
                     base_sequence=batch.base_sequence, records_count=batch.records_count,
                     transactional=batch.is_transactional, control=batch.is_control_batch)
        recs = []
        for r in batch:
            e = {"offset": r.offset, "timestamp": r.timestamp, "key": hx(r.key),
                 "value": hx(r.value)}
            if batch.magic == 2:
                e["headers"] = [[k, hx(v)] for k, v in r.headers]
                if batch.is_control_batch:
                    e["control_type"] = r.type
            recs.append(e)
        d["records"] = recs
        out.append(d)
    return out


def add(rel, data, kind):
    write(rel, data)
    expected["files"][rel] = {"kind": kind, "size": len(data), "batches": describe(data)}


def v2_vectors():
    recs = sample_records()
    for name in CODECS:
        add(f"v2/{name}.bin", build_v2(recs, name), "v2")
    add("v2/idempotent.bin", build_v2(recs[:4], "none", pid=1234, epoch=5, seq=42,
                                      base_offset=1000), "v2")
    add("v2/transactional_lz4.bin", build_v2(recs, "lz4", pid=77, epoch=0, seq=0,
                                             transactional=True), "v2")
    multi = (build_v2(recs[:3], "none") + build_v2(recs[3:8], "gzip", base_offset=3) +
             build_v2(recs[8:], "zstd", base_offset=8))
    add("v2/multi.bin", multi, "v2")
    many = [(i, BASE_TS + i, None, b"m%05d" % i, []) for i in range(500)]
    add("v2/many_snappy.bin", build_v2(many, "snappy"), "v2")


# ---------------------------------------------------------------- v0/v1 message sets
def build_legacy(magic, compression, records, base_offset):
    b = LegacyRecordBatchBuilder(magic=magic, compression_type=CODECS[compression],
                                 batch_size=1 << 30)
    for i, (_, ts, k, v, _) in enumerate(records):
        # v1 inner offsets of a compressed set are relative; elsewhere absolute
        off = i if (compression != "none" and magic == 1) else base_offset + i
        assert b.append(off, timestamp=ts, key=k, value=v) is not None
    data = bytearray(b.build())
    if compression != "none":
        # kafka-python leaves the wrapper offset to the broker; a stored wrapper carries
        # the offset of its last inner message (not covered by the CRC).
        struct.pack_into(">q", data, 0, base_offset + len(records) - 1)
    return bytes(data)


def log_append_time_wrapper(data, ts):
    """Marks a v1 wrapper as LogAppendTime with timestamp `ts`, as a broker stores it."""
    data = bytearray(data)
    data[17] |= 0x08
    struct.pack_into(">q", data, 18, ts)
    struct.pack_into(">I", data, 12, zlib.crc32(bytes(data[16:])) & 0xFFFFFFFF)
    return bytes(data)


def legacy_vectors():
    recs = sample_records(8)
    for magic in (0, 1):
        for name in ("none", "gzip", "snappy", "lz4"):
            add(f"legacy/v{magic}_{name}.bin", build_legacy(magic, name, recs, 100), "legacy")
    add("legacy/v1_gzip_log_append_time.bin",
        log_append_time_wrapper(build_legacy(1, "gzip", recs, 100), BASE_TS + 999), "legacy")
    # Two wrappers back to back, as a v1 fetch returns them.
    add("legacy/v1_two_wrappers.bin",
        build_legacy(1, "snappy", recs[:3], 200) + build_legacy(1, "gzip", recs[3:], 203),
        "legacy")


# ---------------------------------------------------------------- conversion references
def conversion_vectors():
    # Down-conversion of v2/none.bin (base 0, no compression) must give exactly what a
    # v0/v1 producer writes for the same records and offsets.
    for magic in (0, 1):
        add(f"convert/none_to_v{magic}.bin", build_legacy(magic, "none", sample_records(), 0),
            "legacy")
    # Up-conversion of legacy/v1_none.bin (base 100): one uncompressed v2 batch, no headers.
    up = [(i, ts, k, v, []) for i, (_, ts, k, v, _) in enumerate(sample_records(8))]
    add("convert/v1_none_to_v2.bin", build_v2(up, "none", base_offset=100), "v2")


# ---------------------------------------------------------------- captured traffic
def captured_vectors():
    """Every v2 batch found, by its CRC-32C, in frames captured from real clients and Kafka."""
    seen = set()
    n = 0
    for path in sorted(glob.glob(os.path.join(CAPTURES, "*", "*.bin"))):
        frame = open(path, "rb").read()
        client = os.path.basename(os.path.dirname(path))
        kind = "req" if "-req-" in path else "resp"
        i = 0
        while i + 61 <= len(frame):
            if frame[i + 16] == 2:
                length = struct.unpack_from(">i", frame, i + 8)[0]
                end = i + 12 + length
                if 49 <= length and end <= len(frame):
                    crc = struct.unpack_from(">I", frame, i + 17)[0]
                    if crc32c.crc32c(frame[i + 21:end]) == crc:
                        batch = frame[i:end]
                        if batch not in seen:
                            seen.add(batch)
                            tag = os.path.basename(path).split("-")[0]
                            add(f"captured/{client}-{tag}-{kind}-{n}.bin", batch, "v2")
                            n += 1
                        i = end
                        continue
            i += 1
    # v0/v1 message sets (old clients): consecutive messages found by their CRC-32 make one set.
    for path in sorted(glob.glob(os.path.join(CAPTURES, "*", "*.bin"))):
        frame = open(path, "rb").read()
        client = os.path.basename(os.path.dirname(path))
        kind = "req" if "-req-" in path else "resp"
        tag = os.path.basename(path).split("-")[0]
        sets, i, current, current_end = [], 0, None, -1
        while i + 26 <= len(frame):
            magic = frame[i + 16]
            size = struct.unpack_from(">i", frame, i + 8)[0]
            end = i + 12 + size
            if magic in (0, 1) and size >= 14 + 8 * magic and end <= len(frame):
                crc = struct.unpack_from(">I", frame, i + 12)[0]
                if zlib.crc32(frame[i + 16:end]) & 0xFFFFFFFF == crc:
                    if current is not None and i == current_end:
                        current += frame[i:end]
                    else:
                        if current is not None:
                            sets.append(current)
                        current = frame[i:end]
                    current_end = end
                    i = end
                    continue
            i += 1
        if current is not None:
            sets.append(current)
        for data in sets:
            if data not in seen:
                seen.add(data)
                add(f"captured/{client}-{tag}-{kind}-{n}.bin", data, "legacy")
                n += 1


if __name__ == "__main__":
    codec_vectors()
    v2_vectors()
    legacy_vectors()
    conversion_vectors()
    captured_vectors()
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
