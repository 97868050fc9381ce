"""Reading Kafka message specs into a typed model.

The rules follow the spec format as Kafka's own generator reads it: a field exists in
`versions`; it may be null in `nullableVersions`; it is a tagged field in `taggedVersions`
(and then its `versions` default to those); strings and bytes may override the message's
`flexibleVersions`; struct types are defined inline by the first field that uses them or in
`commonStructs`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .versions import NONE, Versions

PRIMITIVES = {
    "bool", "int8", "int16", "uint16", "int32", "uint32", "int64", "float64",
    "string", "bytes", "records", "uuid",
}


class SpecError(Exception):
    pass


def strip_comments(text: str) -> str:
    """Removes // comments outside JSON strings (Kafka's specs carry a licence header)."""
    out, i, n, in_string = [], 0, len(text), False
    while i < n:
        c = text[i]
        if in_string:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
            out.append(c)
        elif c == "/" and i + 1 < n and text[i + 1] == "/":
            while i < n and text[i] != "\n":
                i += 1
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


@dataclass
class FieldType:
    """`int32`, `string`, `[]int32`, `[]SomeStruct`, `SomeStruct`."""

    name: str

    @property
    def is_array(self) -> bool:
        return self.name.startswith("[]")

    @property
    def element(self) -> "FieldType":
        return FieldType(self.name[2:])

    @property
    def is_struct(self) -> bool:
        return not self.is_array and self.name not in PRIMITIVES

    @property
    def is_struct_array(self) -> bool:
        return self.is_array and self.element.is_struct

    @property
    def struct_name(self) -> str | None:
        if self.is_struct:
            return self.name
        if self.is_struct_array:
            return self.element.name
        return None

    @property
    def can_be_null(self) -> bool:
        return self.is_array or self.is_struct or self.name in ("string", "bytes", "records")


@dataclass
class Field:
    name: str
    type: FieldType
    versions: Versions
    nullable_versions: Versions
    tagged_versions: Versions
    tag: int | None
    flexible_versions: Versions | None  # field-level override (strings and bytes only)
    default: str | None  # as written in the spec, normalised to a string
    ignorable: bool
    map_key: bool
    entity_type: str
    zero_copy: bool
    about: str
    fields: list["Field"] | None  # inline struct definition

    @property
    def nullable(self) -> bool:
        return not self.nullable_versions.empty

    @property
    def is_tagged(self) -> bool:
        return self.tag is not None


@dataclass
class Struct:
    name: str
    versions: Versions
    fields: list[Field]
    is_common: bool = False

    @property
    def tagged_fields(self) -> list[Field]:
        return sorted((f for f in self.fields if f.is_tagged), key=lambda f: f.tag)


@dataclass
class Message:
    name: str  # e.g. "ProduceRequest"
    kind: str  # request, response, header, data, metadata
    api_key: int | None
    valid_versions: Versions
    flexible_versions: Versions
    latest_version_unstable: bool
    listeners: list[str]
    deprecated_versions: Versions
    fields: list[Field]
    structs: list[Struct] = field(default_factory=list)  # dependency order
    source: str = ""  # spec file name

    @property
    def root(self) -> Struct:
        return Struct(self.name, self.valid_versions, self.fields)


def _default_text(raw) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


def _parse_tag(raw) -> int | None:
    if raw is None:
        return None
    tag = int(raw)
    if tag < 0:
        raise SpecError(f"negative tag {tag}")
    return tag


def _parse_field(obj: dict, where: str) -> Field:
    name = obj["name"]
    ftype = FieldType(obj["type"])
    tagged = Versions.parse(obj.get("taggedVersions"), NONE)
    tag = _parse_tag(obj.get("tag"))
    if (tag is None) != tagged.empty:
        raise SpecError(f"{where}.{name}: tag and taggedVersions must be given together")
    versions = Versions.parse(obj.get("versions"), tagged if not tagged.empty else None)
    nullable = Versions.parse(obj.get("nullableVersions"), NONE)
    if not nullable.empty and not ftype.can_be_null:
        raise SpecError(f"{where}.{name}: type {ftype.name} cannot be nullable")
    flexible = obj.get("flexibleVersions")
    nested = obj.get("fields")
    return Field(
        name=name,
        type=ftype,
        versions=versions,
        nullable_versions=nullable,
        tagged_versions=tagged,
        tag=tag,
        flexible_versions=Versions.parse(flexible) if flexible is not None else None,
        default=_default_text(obj.get("default")),
        ignorable=bool(obj.get("ignorable", False)),
        map_key=bool(obj.get("mapKey", False)),
        entity_type=obj.get("entityType", "") or "",
        zero_copy=bool(obj.get("zeroCopy", False)),
        about=obj.get("about", "") or "",
        fields=[_parse_field(f, f"{where}.{name}") for f in nested] if nested is not None else None,
    )


def _collect_structs(message: Message, commons: list[Struct]) -> list[Struct]:
    """Every struct of the message, each after the structs its fields use."""
    defined: dict[str, Struct] = {c.name: c for c in commons}

    def walk(fields: list[Field], versions: Versions, where: str):
        for f in fields:
            sname = f.type.struct_name
            if sname is None:
                if f.fields is not None:
                    raise SpecError(f"{where}.{f.name}: primitive type {f.type.name} has fields")
                continue
            if f.fields is not None:
                if sname in defined:
                    raise SpecError(f"{where}: struct {sname} is defined more than once")
                defined[sname] = Struct(sname, versions.intersect(f.versions), f.fields)
                walk(f.fields, versions.intersect(f.versions), f"{where}.{f.name}")
            elif sname not in defined:
                raise SpecError(f"{where}.{f.name}: unknown struct type {sname}")

    for c in commons:
        walk(c.fields, c.versions, c.name)
    walk(message.fields, message.valid_versions, message.name)

    ordered: list[Struct] = []
    state: dict[str, int] = {}

    def visit(s: Struct):
        mark = state.get(s.name)
        if mark == 2:
            return
        if mark == 1:
            raise SpecError(f"{message.name}: struct {s.name} contains itself")
        state[s.name] = 1
        for f in s.fields:
            if f.type.struct_name:
                visit(defined[f.type.struct_name])
        state[s.name] = 2
        ordered.append(s)

    for c in commons:
        visit(c)
    for s in list(defined.values()):
        visit(s)
    return ordered


def load_message(path: Path) -> Message:
    try:
        obj = json.loads(strip_comments(path.read_text(encoding="utf-8")))
    except json.JSONDecodeError as e:
        raise SpecError(f"{path.name}: not valid JSON after removing comments: {e}") from e
    name = obj["name"]
    if name.endswith("Data"):
        name = name[: -len("Data")]
    valid = Versions.parse(obj["validVersions"])
    flexible = Versions.parse(obj.get("flexibleVersions"), NONE)
    commons = [
        Struct(c["name"], Versions.parse(c["versions"]).intersect(valid),
               [_parse_field(f, c["name"]) for f in c["fields"]], is_common=True)
        for c in obj.get("commonStructs", [])
    ]
    message = Message(
        name=name,
        kind=obj["type"],
        api_key=obj.get("apiKey"),
        valid_versions=valid,
        flexible_versions=flexible,
        latest_version_unstable=bool(obj.get("latestVersionUnstable", False)),
        listeners=list(obj.get("listeners", [])),
        deprecated_versions=Versions.parse(obj.get("deprecatedVersions"), NONE),
        # A request Kafka removed (4.0's ZooKeeper-era APIs) is left as a spec of no versions.
        fields=[_parse_field(f, name) for f in obj.get("fields", [] if valid.empty else obj["fields"])],
        source=path.name,
    )
    message.structs = _collect_structs(message, commons)
    _check_tags(message)
    return message


def _check_tags(message: Message) -> None:
    for s in [message.root, *message.structs]:
        tags = [f.tag for f in s.fields if f.is_tagged]
        if len(tags) != len(set(tags)):
            raise SpecError(f"{message.name}.{s.name}: duplicate tags {tags}")


def load_specs(directory: Path) -> list[Message]:
    files = sorted(directory.glob("*.json"))
    if not files:
        raise SpecError(f"no *.json specs in {directory}")
    return [load_message(p) for p in files]


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake_case(name: str) -> str:
    return _CAMEL.sub("_", name).lower()
