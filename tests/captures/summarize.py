#!/usr/bin/env python3
"""Prints a Markdown summary of tests/data/captures/*/index.json: frames per client and
the API keys and versions seen. usage: summarize.py DATA_DIR"""
import json
import os
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "data", "captures")
clients = sorted(d for d in os.listdir(root) if os.path.isfile(os.path.join(root, d, "index.json")))
apis = {}
rows = []
for c in clients:
    with open(os.path.join(root, c, "index.json")) as f:
        frames = json.load(f)["frames"]
    size = sum(fr["size"] for fr in frames)
    req = sum(1 for fr in frames if fr["direction"] == "request")
    rows.append((c, req, len(frames) - req, size))
    for fr in frames:
        if fr["direction"] == "request":
            apis.setdefault((fr["api_key"], fr["api_name"]), {}).setdefault(c, set()).add(fr["api_version"])

print("| client | request frames | response frames | bytes |")
print("|---|---:|---:|---:|")
for c, req, resp, size in rows:
    print("| %s | %d | %d | %d |" % (c, req, resp, size))
print()
print("| API (key) | " + " | ".join(clients) + " |")
print("|---|" + "---|" * len(clients))
for (key, name) in sorted(apis):
    cells = []
    for c in clients:
        v = sorted(apis[(key, name)].get(c, ()))
        cells.append(",".join("v%d" % x for x in v) if v else "")
    print("| %s (%d) | %s |" % (name, key, " | ".join(cells)))
