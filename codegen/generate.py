#!/usr/bin/env python3
"""Regenerates Chronik's protocol layer from Kafka's message specs.

    python3 codegen/generate.py --specs ../shared/kafka-schemas/3.9.0 \
        --specs ../shared/kafka-schemas/4.4.0 --out generated

Reads the upstream spec sets, oldest first (each checked against the pin in schemas/), the
test specs beside the last, and Chronik's own specs in schemas/state/, and writes formatted
C++ under --out. Several sets make one protocol: every version any of them defines, each as
the newest set defining it says (chronik_codegen/union.py). Files whose content did not
change are not touched, so a protocol bump recompiles only what it changed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from chronik_codegen import pin  # noqa: E402
from chronik_codegen.render import Renderer  # noqa: E402
from chronik_codegen.spec import SpecError, load_specs  # noqa: E402
from chronik_codegen.union import union  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--specs", required=True, type=Path, action="append",
                    help="directory of one Kafka release's message specs; repeat, oldest first")
    ap.add_argument("--test-specs", type=Path,
                    help="Kafka's generator test specs (default: test-messages beside the last --specs)")
    ap.add_argument("--out", required=True, type=Path, help="output directory (generated/)")
    ap.add_argument("--pin", type=Path, default=ROOT / "schemas" / "kafka-specs.pin.json")
    ap.add_argument("--repin", action="store_true", help="accept these specs and rewrite the pin")
    ap.add_argument("--release", action="append",
                    help="Kafka release of each --specs, in order (default: the directories' names)")
    ap.add_argument("--state-specs", type=Path, default=ROOT / "schemas" / "state")
    ap.add_argument("--clang-format", default="clang-format")
    args = ap.parse_args()

    releases = args.release or [d.resolve().name for d in args.specs]
    if len(releases) != len(args.specs) or len(set(releases)) != len(releases):
        print("generate.py: give one distinct --release per --specs", file=sys.stderr)
        return 2
    test_specs = args.test_specs or args.specs[-1].parent / "test-messages"
    sets = dict(zip(releases, args.specs))
    if test_specs.is_dir():
        sets["test_messages"] = test_specs
    try:
        if args.repin:
            pin.write(args.pin, releases, sets)
        pin.check(args.pin, releases, sets)
        kafka, release_ranges = union([(r, load_specs(d)) for r, d in zip(releases, args.specs)])
        tests = load_specs(test_specs) if "test_messages" in sets else []
        state = load_specs(args.state_specs) if any(args.state_specs.glob("*.json")) else []
    except (SpecError, pin.PinMismatch) as e:
        print(f"generate.py: {e}", file=sys.stderr)
        return 1

    release = " + ".join(releases)
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp)
        renderer = Renderer(release=f"Kafka {release}", releases=releases, release_ranges=release_ranges)
        renderer.render_all(staging, kafka=kafka, tests=tests, state=state)
        sources = sorted(str(p) for p in staging.rglob("*") if p.suffix in (".h", ".cc"))
        if sources:
            subprocess.run([args.clang_format, "-i", f"--style=file:{ROOT / '.clang-format'}", *sources], check=True)
        changed = sync(staging, args.out)
    print(f"generate.py: {len(kafka)} Kafka specs ({release}), {len(tests)} test specs, "
          f"{len(state)} Chronik specs; {changed} files written to {args.out}")
    return 0


def sync(staging: Path, out: Path) -> int:
    """Makes `out` equal to `staging`, rewriting only files whose bytes differ."""
    out.mkdir(parents=True, exist_ok=True)
    wanted = {p.relative_to(staging) for p in staging.rglob("*") if p.is_file()}
    changed = 0
    for rel in sorted(wanted):
        src, dst = staging / rel, out / rel
        data = src.read_bytes()
        if not dst.exists() or dst.read_bytes() != data:
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(data)
            changed += 1
    for p in sorted(out.rglob("*"), reverse=True):
        if p.is_file() and p.relative_to(out) not in wanted:
            p.unlink()
            changed += 1
        elif p.is_dir() and not any(p.iterdir()):
            p.rmdir()
    return changed


if __name__ == "__main__":
    sys.exit(main())
