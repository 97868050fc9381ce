"""How spec types, defaults and version ranges read in C++; registered as Jinja filters."""

from __future__ import annotations

import base64
import math

from .spec import Field, FieldType, SpecError, snake_case
from .versions import Versions

_PRIMITIVE_CPP = {
    "bool": "bool",
    "int8": "int8_t",
    "int16": "int16_t",
    "uint16": "uint16_t",
    "int32": "int32_t",
    "uint32": "uint32_t",
    "int64": "int64_t",
    "float64": "double",
    "string": "std::string",
    "bytes": "std::vector<uint8_t>",
    "records": "wire::SharedBytes",
    "uuid": "wire::Uuid",
}

_INT_RANGES = {
    "int8": (-(2**7), 2**7 - 1),
    "int16": (-(2**15), 2**15 - 1),
    "uint16": (0, 2**16 - 1),
    "int32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1),
}


def member_name(f: Field) -> str:
    return snake_case(f.name)


def value_type(t: FieldType, zero_copy: bool = False) -> str:
    if t.is_array:
        return f"std::vector<{value_type(t.element)}>"
    if t.is_struct:
        return t.name
    if t.name == "bytes" and zero_copy:
        return "wire::SharedBytes"
    return _PRIMITIVE_CPP[t.name]


def member_type(f: Field) -> str:
    base = value_type(f.type, f.zero_copy)
    return f"std::optional<{base}>" if f.nullable else base


def codec_kind(t: FieldType, zero_copy: bool = False) -> str:
    """The family of reader/writer calls a value of this type uses."""
    if t.is_array:
        return "array"
    if t.is_struct:
        return "struct"
    if t.name == "records" or (t.name == "bytes" and zero_copy):
        return "shared_bytes"
    return t.name


def _parse_int(text: str, type_name: str, where: str) -> int:
    try:
        value = int(text, 16) if text.lower().startswith(("0x", "-0x")) else int(text)
    except ValueError:
        raise SpecError(f"{where}: default {text!r} is not an integer") from None
    lo, hi = _INT_RANGES[type_name]
    if not lo <= value <= hi:
        raise SpecError(f"{where}: default {text} out of range for {type_name}")
    return value


def _int_literal(value: int, type_name: str) -> str:
    if type_name == "int64":
        if value == -(2**63):
            return "std::numeric_limits<int64_t>::min()"
        return f"INT64_C({value})"
    if type_name == "int32" and value == -(2**31):
        return "std::numeric_limits<int32_t>::min()"
    if type_name == "uint32":
        return f"UINT32_C({value})"
    return str(value)


def _cpp_string(s: str) -> str:
    out = []
    for ch in s.encode("utf-8"):
        c = chr(ch)
        if c in '"\\':
            out.append("\\" + c)
        elif 32 <= ch < 127:
            out.append(c)
        else:
            out.append(f"\\x{ch:02x}\"\"")
    return '"' + "".join(out) + '"'


def _base_default(f: Field) -> str | None:
    """The spec default of the underlying (non-optional) value, or None for value-init."""
    where = f.name
    t, d = f.type, f.default
    if t.is_array or t.is_struct:
        if d not in (None, ""):
            raise SpecError(f"{where}: {t.name} cannot have default {d!r}")
        return None
    name = t.name
    if name in _INT_RANGES:
        return None if d is None else _int_literal(_parse_int(d, name, where), name)
    if name == "bool":
        if d is None:
            return None
        if d not in ("true", "false"):
            raise SpecError(f"{where}: bool default {d!r}")
        return d
    if name == "float64":
        if d is None:
            return None
        value = float(d)
        if not math.isfinite(value):
            raise SpecError(f"{where}: float64 default {d!r} is not finite")
        return repr(value)
    if name == "string":
        return None if d in (None, "") else _cpp_string(d)
    if name in ("bytes", "records"):
        if d not in (None, ""):
            raise SpecError(f"{where}: {name} default {d!r} (only null or empty)")
        return None
    if name == "uuid":
        if d in (None, "", "AAAAAAAAAAAAAAAAAAAAAA"):
            return None
        raw = base64.urlsafe_b64decode(d + "==")
        if len(raw) != 16:
            raise SpecError(f"{where}: uuid default {d!r} is not 16 bytes")
        return "wire::Uuid{{" + ", ".join(f"0x{b:02x}" for b in raw) + "}}"
    raise SpecError(f"{where}: unexpected type {name}")


def _default_is_null(f: Field) -> bool:
    # Kafka's default for a nullable records field is null even when the spec names none.
    return f.default == "null" or (f.nullable and f.type.name == "records" and f.default is None)


def default_value(f: Field) -> str | None:
    """The member initializer for a field's default, or None for value-initialization."""
    if f.default == "null" and not f.nullable:
        raise SpecError(f"{f.name}: default null on a field that is never nullable")
    if _default_is_null(f):
        return "std::nullopt"
    base = _base_default(f)
    if f.nullable:  # present by default: an empty string, array, struct...
        return f"{value_type(f.type, f.zero_copy)}{{{base or ''}}}"
    return base


def is_default_expr(f: Field, expr: str) -> str:
    """A C++ condition true when `expr` (the member) holds the field's default."""
    t = f.type
    if _default_is_null(f):
        return f"!{expr}.has_value()"
    d = _base_default(f)
    deref = f"(*{expr})" if f.nullable else expr
    guard = f"{expr}.has_value() && " if f.nullable else ""
    if t.is_array or t.name in ("bytes", "records"):
        return f"{guard}{deref}.empty()"
    if t.is_struct:
        return f"{guard}{deref} == {t.name}{{}}"
    if t.name == "string":
        return f"{guard}{deref}.empty()" if d is None else f"{guard}{deref} == {d}"
    if t.name == "uuid":
        return f"{deref} == wire::Uuid{{}}" if d is None else f"{deref} == {d}"
    if t.name == "bool":
        return f"!{deref}" if d in (None, "false") else f"{deref}"
    return f"{deref} == {d or 0}"


def condition(r: Versions, context: Versions) -> str:
    """A C++ condition on `_version` for `r`, given that `_version` is within `context`."""
    r = r.intersect(context)
    if r.empty:
        return "false"
    parts = []
    if r.lowest > context.lowest:
        parts.append(f"_version >= {r.lowest}")
    if r.highest < context.highest:
        parts.append(f"_version <= {r.highest}")
    return " && ".join(parts) if parts else "true"


def untagged_versions(f: Field) -> Versions:
    """Versions in which the field is a regular (positional) field."""
    t, v = f.tagged_versions, f.versions
    if t.empty:
        return v
    if t.covers(v):
        return Versions(0, -1)
    if t.lowest > v.lowest and t.highest >= v.highest:
        return Versions(v.lowest, t.lowest - 1)
    raise SpecError(f"{f.name}: taggedVersions {t} must be a suffix of versions {v}")


def version_range_literal(r: Versions) -> str:
    return "wire::VersionRange::none()" if r.empty else f"wire::VersionRange{{{r.lowest}, {r.highest}}}"


def file_stem(message_name: str) -> str:
    return snake_case(message_name)


def comment(text: str) -> str:
    return " ".join(text.split())


FILTERS = {
    "member_name": member_name,
    "member_type": member_type,
    "value_type": value_type,
    "codec_kind": codec_kind,
    "default_value": default_value,
    "is_default": is_default_expr,
    "condition": condition,
    "untagged_versions": untagged_versions,
    "range_literal": version_range_literal,
    "file_stem": file_stem,
    "comment": comment,
    "cpp_string": _cpp_string,
}
