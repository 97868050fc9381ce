#!/usr/bin/env python3
"""Self-test of split_frames.py on a hand-made pcap: a request cut into segments that come
out of order, retransmitted and overlapping, and its response. Run by hand:
python3 tests/captures/selftest_split_frames.py"""
import json
import os
import struct
import subprocess
import sys
import tempfile


def packet(sport, dport, seq, flags, payload=b""):
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0) + payload
    lo = bytes([127, 0, 0, 1])
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0, lo, lo) + tcp
    return b"\0" * 12 + b"\x08\x00" + ip  # Ethernet


body = struct.pack(">hhih", 18, 3, 7, 4) + b"test" + b"\0\0\0"
req = struct.pack(">i", len(body)) + body
body = struct.pack(">i", 7) + b"\0" * 22
resp = struct.pack(">i", len(body)) + body
C, S = 50000, 9092
pkts = [packet(C, S, 1000, 0x02), packet(S, C, 5000, 0x12),
        packet(C, S, 1005, 0x18, req[4:10]),   # out of order
        packet(C, S, 1001, 0x18, req[:4]),
        packet(C, S, 1005, 0x18, req[4:10]),   # retransmitted
        packet(C, S, 1009, 0x18, req[8:]),     # overlaps the one before
        packet(S, C, 5001, 0x18, resp)]
with tempfile.TemporaryDirectory() as tmp:
    pcap = os.path.join(tmp, "t.pcap")
    with open(pcap, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, p in enumerate(pkts):
            f.write(struct.pack("<IIII", i, 0, len(p), len(p)) + p)
    out = os.path.join(tmp, "out")
    subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    "split_frames.py"), pcap, str(S), out], check=True)
    frames = json.load(open(os.path.join(out, "index.json")))["frames"]
    got = [open(os.path.join(out, f["file"]), "rb").read() for f in frames]
    assert [f["file"] for f in frames] == ["0000-req-ApiVersions-k18-v3.bin",
                                           "0001-resp-ApiVersions-k18-v3.bin"], frames
    assert got == [req, resp], got
    assert frames[0]["client_id"] == "test" and frames[1]["correlation_id"] == 7
print("split_frames self-test: 1 passed, 0 failed")
