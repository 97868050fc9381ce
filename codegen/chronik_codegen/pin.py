"""The pin of the upstream spec set: its Kafka release and the sha256 of every file.

Generating from a spec set that does not match the pin is refused, so a protocol bump is
always a deliberate re-pin that shows up in review.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


class PinMismatch(Exception):
    pass


def digest_dir(directory: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.glob("*.json"))
    }


def check(pin_file: Path, sets: dict[str, Path]) -> str:
    """Returns the pinned release; raises PinMismatch naming every file that differs."""
    if not pin_file.exists():
        raise PinMismatch(f"{pin_file} does not exist (run with --repin to create it)")
    pin = json.loads(pin_file.read_text())
    problems = []
    for key, directory in sets.items():
        pinned = pin.get(key, {})
        actual = digest_dir(directory)
        for name in sorted(set(pinned) | set(actual)):
            if name not in actual:
                problems.append(f"{key}/{name}: pinned but missing from {directory}")
            elif name not in pinned:
                problems.append(f"{key}/{name}: not in the pin")
            elif pinned[name] != actual[name]:
                problems.append(f"{key}/{name}: sha256 differs from the pin")
    if problems:
        raise PinMismatch(
            f"the specs do not match {pin_file} (Kafka {pin.get('release')}):\n  "
            + "\n  ".join(problems[:20])
            + ("\n  ..." if len(problems) > 20 else "")
            + "\nRe-pin deliberately with --repin --release <version>."
        )
    return pin["release"]


def write(pin_file: Path, release: str, sets: dict[str, Path]) -> None:
    pin = {"release": release}
    for key, directory in sets.items():
        pin[key] = digest_dir(directory)
    pin_file.write_text(json.dumps(pin, indent=2, sort_keys=True) + "\n")
