#!/usr/bin/env python3
"""The broker's floors: every #include of ours points down, never up, and no folder loops.

Reads the sources as they are; a new folder under broker/ must be given its floor here
(and in docs/architecture.md) before it builds into the test's good graces.
usage: layering_test.py <repo-root>
"""
import pathlib
import re
import sys

# Highest floor first. A file may include its own folder and any folder on a lower floor.
# admin/ and net/ are both front doors (HTTP and Kafka); neither includes the other.
FLOORS = [
    {"broker"},               # broker/main.cc: wiring
    {"admin", "net"},         # the HTTP admin endpoint; the Kafka listener (Asio)
    {"kafka"},                # frame -> header -> handler -> response frame
    {"handlers"},             # one file per API
    {"core"},                 # the services handlers call
    {"security"},             # ACLs and the authorizer
    {"txn"},                  # the transaction coordinator
    {"group"},                # group coordination, committed offsets
    {"log"},                  # partitions, producer state, the storage interface, LevelDB
    {"config"},               # broker configuration
    {"generated"},
    {"runtime"},
]
# Outside broker/: the protocol layer and its tools.
OTHER = {
    "tools": {"generated", "runtime"},
    "generated": {"runtime"},
    "runtime": set(),
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def floor_of(folder):
    for i, names in enumerate(FLOORS):
        if folder in names:
            return i
    return None


def folder_of(path, root):
    rel = path.relative_to(root).parts
    if rel[0] == "broker":
        return "broker" if len(rel) == 2 else rel[1]
    return rel[0]


def target_folder(include):
    parts = include.split("/")
    if parts[0] == "broker" and len(parts) > 2:
        return parts[1]
    return parts[0]


def main():
    root = pathlib.Path(sys.argv[1]).resolve()
    problems = []
    for top in ("broker", "tools", "runtime", "generated"):
        for path in sorted((root / top).rglob("*")):
            if path.suffix not in (".h", ".cc") or "web" in path.parts:
                continue
            src = folder_of(path, root)
            for inc in INCLUDE.findall(path.read_text(errors="replace")):
                dst = target_folder(inc)
                if dst == src or not (root / inc).exists():
                    continue  # own folder, or not ours
                if src in OTHER or top in OTHER:
                    allowed = OTHER.get(src, OTHER.get(top, set()))
                    if dst not in allowed:
                        problems.append(f"{path.relative_to(root)} includes {inc}")
                    continue
                fs, fd = floor_of(src), floor_of(dst)
                if fs is None:
                    problems.append(f"{path.relative_to(root)}: folder broker/{src} has no floor")
                elif fd is None:
                    problems.append(f"{path.relative_to(root)} includes {inc}: not a floor below")
                elif fd <= fs:
                    problems.append(f"{path.relative_to(root)} includes {inc}: "
                                    f"{dst}/ is not below {src}/")
    if problems:
        print("includes that run upward or sideways:")
        for p in problems:
            print("  " + p)
        return 1
    print("layering: every include points down")
    return 0


if __name__ == "__main__":
    sys.exit(main())
