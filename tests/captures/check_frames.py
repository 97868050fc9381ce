#!/usr/bin/env python3
"""Checks tests/data/captures/*/: every file is one whole size-prefixed frame, its header
agrees with its name and with index.json, and every response's correlation id matches a
request sent before it on the same connection. usage: check_frames.py [DATA_DIR]"""
import json
import os
import re
import struct
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "data", "captures")
NAME = re.compile(r"^(\d{4})-(req|resp)-([A-Za-z0-9]+)-k(\d+)-v(\d+)\.bin$")
bad = 0
total = 0
for client in sorted(os.listdir(root)):
    idx_path = os.path.join(root, client, "index.json")
    if not os.path.isfile(idx_path):
        continue
    with open(idx_path) as f:
        frames = json.load(f)["frames"]
    listed = {fr["file"] for fr in frames}
    on_disk = {n for n in os.listdir(os.path.join(root, client)) if n.endswith(".bin")}

    def fail(msg):
        global bad
        bad += 1
        print("%s: %s" % (client, msg))

    if listed != on_disk:
        fail("index.json and the .bin files differ: %s" % sorted(listed ^ on_disk))
    outstanding = {}  # connection -> {correlation id: (key, version)}
    for fr in frames:
        total += 1
        with open(os.path.join(root, client, fr["file"]), "rb") as f:
            data = f.read()
        m = NAME.match(fr["file"])
        if not m:
            fail("bad file name %s" % fr["file"])
            continue
        key, ver = int(m.group(4)), int(m.group(5))
        if struct.unpack(">i", data[:4])[0] != len(data) - 4 or fr["size"] != len(data):
            fail("%s: size prefix does not match the file size" % fr["file"])
        if (key, ver) != (fr["api_key"], fr["api_version"]):
            fail("%s: name and index disagree" % fr["file"])
        conn = outstanding.setdefault(fr["connection"], {})
        if m.group(2) == "req":
            k, v, corr = struct.unpack(">hhi", data[4:12])
            if (k, v, corr) != (key, ver, fr["correlation_id"]):
                fail("%s: request header %s disagrees" % (fr["file"], (k, v, corr)))
            conn[corr] = (k, v)
        else:
            corr = struct.unpack(">i", data[4:8])[0]
            if corr != fr["correlation_id"]:
                fail("%s: correlation id %d disagrees with index" % (fr["file"], corr))
            if conn.pop(corr, None) != (key, ver):
                fail("%s: no request with correlation id %d before it" % (fr["file"], corr))
print("checked %d frames: %d passed, %d failed" % (total, total - bad, bad))
sys.exit(1 if bad else 0)
