"""Version ranges as the spec format writes them: "3+", "1-4", "2", "none"."""

from __future__ import annotations

from dataclasses import dataclass

MAX_VERSION = 0x7FFF


@dataclass(frozen=True)
class Versions:
    lowest: int
    highest: int

    @staticmethod
    def parse(text: str | None, default: "Versions | None" = None) -> "Versions":
        if text is None:
            if default is None:
                raise ValueError("missing version range")
            return default
        text = str(text).strip()
        if text == "none":
            return NONE
        if text.endswith("+"):
            return Versions(int(text[:-1]), MAX_VERSION)
        if "-" in text:
            lo, hi = text.split("-", 1)
            return Versions(int(lo), int(hi))
        return Versions(int(text), int(text))

    @property
    def empty(self) -> bool:
        return self.highest < self.lowest

    def contains(self, version: int) -> bool:
        return self.lowest <= version <= self.highest

    def intersect(self, other: "Versions") -> "Versions":
        lo, hi = max(self.lowest, other.lowest), min(self.highest, other.highest)
        return Versions(lo, hi) if lo <= hi else NONE

    def covers(self, other: "Versions") -> bool:
        """True when every version of `other` is in this range."""
        return other.empty or (self.lowest <= other.lowest and other.highest <= self.highest)

    def __str__(self) -> str:
        if self.empty:
            return "none"
        if self.highest == MAX_VERSION:
            return f"{self.lowest}+"
        if self.lowest == self.highest:
            return str(self.lowest)
        return f"{self.lowest}-{self.highest}"


NONE = Versions(0, -1)
ALL = Versions(0, MAX_VERSION)
