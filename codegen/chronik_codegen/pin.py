"""The pin of the upstream spec sets: their Kafka releases and the sha256 of every file of each.

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


def check(pin_file: Path, releases: list[str], sets: dict[str, Path]) -> list[str]:
    """Returns the pinned releases; raises PinMismatch naming every file that differs. `sets`
    maps each release (and "test_messages") to its directory."""
    if not pin_file.exists():
        raise PinMismatch(f"{pin_file} does not exist (run with --repin to create it)")
    pin = json.loads(pin_file.read_text())
    problems = []
    if pin.get("releases") != releases:
        problems.append(f"releases {releases} given, {pin.get('releases')} pinned")
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
            f"the specs do not match {pin_file} (Kafka {' + '.join(pin.get('releases') or [])}):\n  "
            + "\n  ".join(problems[:20])
            + ("\n  ..." if len(problems) > 20 else "")
            + "\nRe-pin deliberately with --repin."
        )
    return pin["releases"]


def write(pin_file: Path, releases: list[str], sets: dict[str, Path]) -> None:
    pin = {"releases": releases}
    for key, directory in sets.items():
        pin[key] = digest_dir(directory)
    pin_file.write_text(json.dumps(pin, indent=2, sort_keys=True) + "\n")
