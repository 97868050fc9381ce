"""The union of several releases' spec sets: one model that speaks every version any of them defines.

Kafka 4.0 dropped the oldest versions of many APIs (KIP-896) while adding new ones, and
Chronik serves both ends. Each version is encoded exactly as the newest spec set that
defines it says; an older set only supplies the versions the newer ones dropped. Two sets
that define the same version with different bytes on the wire are refused: the union would
have to pick one reading of a version both releases claim.

Version ranges stay ranges (the templates' conditions are ranges), so a field whose presence
across the union is not one range is refused too. Every merged message is checked version by
version against the set that defines each version, so a merge mistake cannot go unnoticed.
"""

from __future__ import annotations

import dataclasses

from .spec import Field, Message, SpecError, Struct, _collect_structs
from .versions import MAX_VERSION, NONE, Versions


def message_key(m: Message) -> tuple:
    """Requests and responses are the same API across releases by key (ListClientMetricsResources
    became ListConfigResources in 4.0); every other message by name."""
    if m.kind in ("request", "response"):
        return (m.kind, m.api_key)
    return (m.kind, m.name)


def union(releases: list[tuple[str, list[Message]]]) -> tuple[list[Message], dict[tuple, dict[str, Versions]]]:
    """Merges spec sets given oldest first. Returns the messages, and for each message key
    the valid versions each release gives it (for the API table)."""
    merged: dict[tuple, Message] = {}
    ranges: dict[tuple, dict[str, Versions]] = {}
    unstable: set[int] = set()  # API keys whose latest version the merged-so-far sets left unstable
    for release, messages in releases:
        for m in messages:
            key = message_key(m)
            # What the release serves: its unstable latest version is not advertised.
            ranges.setdefault(key, {})[release] = (stable(m) if m.latest_version_unstable else m).valid_versions
            if key in merged:
                old = stable(merged[key]) if m.api_key in unstable else merged[key]
                merged[key] = merge(old, m, release)
            else:
                merged[key] = m
        unstable = {m.api_key for m in merged.values() if m.kind == "request" and m.latest_version_unstable}
    return sorted(merged.values(), key=lambda m: m.source), ranges


def _range_of(present: set[int], union_range: Versions, where: str) -> Versions:
    """The versions of `present` (all within `union_range`) as one range, open-ended when they
    reach the union's newest version, as the specs write "N+"."""
    if not present:
        return NONE
    lo, hi = min(present), max(present)
    if present != set(range(lo, hi + 1)):
        raise SpecError(f"{where}: present in versions {sorted(present)}, which is not one range")
    return Versions(lo, MAX_VERSION if hi == union_range.highest else hi)


def _versions_where(pick, union_range: Versions, test, where: str) -> Versions:
    return _range_of({v for v in range(union_range.lowest, union_range.highest + 1) if test(pick(v), v)},
                     union_range, where)


class _Merge:
    def __init__(self, old: Message, new: Message):
        self.old, self.new = old, new
        lo = min(old.valid_versions.lowest, new.valid_versions.lowest)
        hi = max(old.valid_versions.highest, new.valid_versions.highest)
        self.valid = Versions(lo, hi)
        gap = [v for v in range(lo, hi + 1)
               if not old.valid_versions.contains(v) and not new.valid_versions.contains(v)]
        if gap:
            raise SpecError(f"{new.name}: versions {gap} are in neither release")
        # The versions only the older set defines.
        self.old_only = {v for v in range(lo, hi + 1) if not new.valid_versions.contains(v)}

    def field(self, o: Field | None, n: Field | None, where: str) -> Field | None:
        """One field of the union: presence, nullability, tags and flexibility per version from
        the set that owns the version."""
        def side(v):
            return o if v in self.old_only else n

        def flexible_of(f: Field, v: int) -> bool:
            spec = self.old if f is o else self.new
            return (f.flexible_versions or spec.flexible_versions).contains(v)

        name = (n or o).name
        here = f"{where}.{name}"
        present = lambda f, v: f is not None and f.versions.contains(v)  # noqa: E731
        versions = _versions_where(side, self.valid, present, here)
        if versions.empty:
            return None
        nullable = _versions_where(side, self.valid, lambda f, v: present(f, v) and f.nullable_versions.contains(v),
                                   f"{here} (nullable)")
        tagged = _versions_where(side, self.valid, lambda f, v: present(f, v) and f.tagged_versions.contains(v),
                                 f"{here} (tagged)")
        tags = {f.tag for f in (o, n) if f is not None and f.is_tagged and not tagged.empty}
        if len(tags) > 1:
            raise SpecError(f"{here}: tag {sorted(tags)} differs between releases")
        flexible = None
        if (o and o.flexible_versions) or (n and n.flexible_versions):
            flexible = _versions_where(side, self.valid, lambda f, v: present(f, v) and flexible_of(f, v),
                                       f"{here} (flexible)")
            if flexible.empty:
                flexible = NONE
        base = n or o
        fields = None
        if base.fields is not None:
            fields = self.fields(o.fields if o and o.fields else [], n.fields if n and n.fields else [], here)
        return dataclasses.replace(
            base, versions=versions, nullable_versions=nullable, tagged_versions=tagged,
            tag=tags.pop() if tags else None, flexible_versions=flexible, fields=fields)

    def fields(self, old_fields: list[Field], new_fields: list[Field], where: str) -> list[Field]:
        """The newer set's fields in its order, with the older set's fields that only its own
        versions carry put back after the field they follow there."""
        old_fields = self.renamed(old_fields, new_fields)
        old_by_name = {f.name: f for f in old_fields}
        new_names = {f.name for f in new_fields}
        out: list[Field] = []
        for f in new_fields:
            merged = self.field(old_by_name.get(f.name), f, where)
            if merged is not None:
                out.append(merged)
        for i, f in enumerate(old_fields):
            if f.name in new_names:
                continue
            merged = self.field(f, None, where)
            if merged is None:
                continue
            before = [g.name for g in old_fields[:i]]
            at = 0
            for j, g in enumerate(out):
                if g.name in before:
                    at = j + 1
            out.insert(at, merged)
        return out

    def renamed(self, old_fields: list[Field], new_fields: list[Field]) -> list[Field]:
        """The older fields under the newer names where a release renamed a field without changing
        the wire (4.0: ListClientMetricsResources' ClientMetricsResources became ConfigResources):
        fields in the same place at a version both define are the same field."""
        shared = self.old.valid_versions.intersect(self.new.valid_versions)
        if shared.empty:
            return old_fields
        v = shared.highest
        renames = {}
        for o, n in zip([f for f in old_fields if f.versions.contains(v)], [f for f in new_fields if f.versions.contains(v)]):
            if o.name != n.name:
                renames[o.name] = n.name
        return [dataclasses.replace(f, name=renames[f.name]) if f.name in renames else f for f in old_fields]

    def structs(self) -> list[Struct]:
        olds = {s.name: s for s in self.old.structs if s.is_common}
        news = {s.name: s for s in self.new.structs if s.is_common}
        out = []
        for name in [*news, *(k for k in olds if k not in news)]:
            o, n = olds.get(name), news.get(name)
            versions = _versions_where(lambda v: o if v in self.old_only else n, self.valid,
                                       lambda s, v: s is not None and s.versions.contains(v), name)
            out.append(Struct(name, versions, self.fields(o.fields if o else [], n.fields if n else [], name),
                              is_common=True))
        return out

    def message(self) -> Message:
        pick = lambda v: self.old if v in self.old_only else self.new  # noqa: E731
        m = dataclasses.replace(
            self.new,
            valid_versions=self.valid,
            flexible_versions=_versions_where(pick, self.valid, lambda s, v: s.flexible_versions.contains(v),
                                              f"{self.new.name} flexibleVersions"),
            deprecated_versions=_versions_where(pick, self.valid, lambda s, v: s.deprecated_versions.contains(v),
                                                f"{self.new.name} deprecatedVersions"),
            listeners=self.new.listeners or self.old.listeners,
            fields=self.fields(self.old.fields, self.new.fields, self.new.name),
            structs=[],
        )
        m.structs = _collect_structs(m, self.structs())
        return m


def stable(m: Message) -> Message:
    """`m` without its unstable latest version (latestVersionUnstable of its request): a release
    never spoke it, and a newer one may define it differently (3.9's share-group state APIs)."""
    if m.valid_versions.empty:
        return m
    v = m.valid_versions
    return dataclasses.replace(m, valid_versions=Versions(v.lowest, v.highest - 1) if v.highest > v.lowest else NONE,
                               latest_version_unstable=False)


def merge(old: Message, new: Message, release: str) -> Message:
    if new.valid_versions.empty:  # removed by the newer release: the older set's versions stand
        return old
    if old.valid_versions.empty:
        return new
    shared = old.valid_versions.intersect(new.valid_versions)
    for v in range(shared.lowest, shared.highest + 1):
        a, b = layout(old, v), layout(new, v)
        if _without_names(a) != _without_names(b):
            raise SpecError(f"{new.name} v{v}: the releases disagree on the wire format of a version both "
                            f"define ({release} vs the older set): {_first_difference(a, b)}")
    m = _Merge(old, new).message()
    for v in range(m.valid_versions.lowest, m.valid_versions.highest + 1):
        source = new if new.valid_versions.contains(v) else old
        if layout(m, v) != layout(source, v):
            raise SpecError(f"{new.name} v{v}: the union does not encode as {source.source} does: "
                            f"{_first_difference(layout(source, v), layout(m, v))}")
    return m


def layout(m: Message, v: int) -> tuple:
    """What decides the bytes of message `m` at version `v`: flexibility and, field by field in
    order, name, type, nullability, tag (with its default) and nested structs."""
    structs = {s.name: s for s in m.structs}
    flexible = m.flexible_versions.contains(v)

    def fields_layout(fields: list[Field]) -> tuple:
        out = []
        for f in fields:
            if not f.versions.contains(v):
                continue
            tagged = f.tagged_versions.contains(v)
            nested = None
            if f.type.struct_name:
                s = f.fields if f.fields is not None else structs[f.type.struct_name].fields
                nested = fields_layout(s)
            # Names are not on the wire: a field or struct renamed by a release is the same field.
            wire_type = ("[]" if f.type.is_array else "") + ("struct" if f.type.struct_name else f.type.name.removeprefix("[]"))
            out.append((f.name, wire_type, f.nullable_versions.contains(v),
                        f.tag if tagged else None, f.default if tagged else None,
                        (f.flexible_versions or m.flexible_versions).contains(v), nested))
        return tuple(out)

    return (flexible, m.api_key, fields_layout(m.fields))


def _without_names(layout_: tuple) -> tuple:
    def strip(fields):
        return tuple((f[1:6] + (strip(f[6]) if f[6] is not None else None,)) for f in fields)
    return (layout_[0], layout_[1], strip(layout_[2]))


def _first_difference(a, b) -> str:
    if a[0] != b[0]:
        return "one is flexible, the other not"
    fa, fb = a[2], b[2]
    for x, y in zip(fa, fb):
        if x != y:
            return f"field {x[0]} {x[1:6]} vs {y[0]} {y[1:6]}" if x[0] == y[0] else f"field {x[0]} vs {y[0]}"
    return f"{len(fa)} fields vs {len(fb)}"
