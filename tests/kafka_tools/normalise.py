"""What legitimately differs between two brokers' answers to the same command, taken out
before the outputs are compared, and a short description of what differs after that."""
import difflib
import json
import os
import re

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# A config listing line of kafka-configs (`  name=value sensitive=false synonyms={...}`).
CONFIG_LINE = re.compile(r"^\s*([a-z][a-z0-9_.\-]*)=(.*?)(?: sensitive=.*)?$")
NOISE = re.compile(r"^(WARNING: |SLF4J: |Picked up JAVA_TOOL_OPTIONS|OpenJDK 64-Bit Server VM warning)")


def normalise(text, port, dirs=(), sort=False, mask=()):
    """The lines of TEXT with ids, addresses, times and spacing made generic; MASK is a list
    of (regex, replacement) for what one command legitimately varies in (applied per line,
    after the spacing is collapsed)."""
    for d in dirs:
        if d:
            text = text.replace(d, "DIR")
    text = re.sub(r"(127\.0\.0\.1|localhost|\[::1\]):\d+", "HOST:PORT", text)
    text = re.sub(rf"(?<![0-9]){port}(?![0-9])", "PORT", text)
    # Topic and cluster ids: random per cluster.
    text = re.sub(r"(TopicId: ?|topicId[\"=:]+ ?)[A-Za-z0-9_\-]{22}", r"\1TOPIC-ID", text)
    text = re.sub(r"((?i:cluster ?id)[\"=:]*\s*)[A-Za-z0-9_\-]{22}", r"\1CLUSTER-ID", text)
    # Consumer (member) ids are the client id and a random uuid; hosts are the client's address.
    text = re.sub(rf"\S*-{UUID}", "MEMBER-ID", text)
    text = re.sub(UUID, "UUID", text)
    text = re.sub(r"(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{22}(?=\s|$)", lambda m: "MEMBER-ID" if re.search(r"[0-9]", m.group(0))
                  and re.search(r"[A-Z]", m.group(0)) and re.search(r"[a-z]", m.group(0)) else m.group(0), text)
    text = re.sub(r"/127\.0\.0\.1\b", "/HOST", text)
    # Times: epoch milliseconds, ISO date-times, lags and ages in ms.
    text = re.sub(r"(?<![0-9])1[6-9][0-9]{11}(?![0-9])", "TIMESTAMP", text)
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?", "DATETIME", text)
    text = re.sub(r"(\d+) ms ago", "N ms ago", text)
    lines = []
    for line in text.splitlines():
        if NOISE.match(line):
            continue
        line = re.sub(r"[ \t]+", " ", line).strip()
        for pattern, repl in mask:
            line = re.sub(pattern, repl, line)
        lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    if sort:
        # Rows in any order; a JSON document (log-dirs, reassignments) with its lists in any order.
        docs = [canonical_json(l) for l in lines if l.startswith("{")]
        lines = sorted(l for l in lines if l and not l.startswith("{")) + \
            [x for d in docs for x in d.splitlines()]
    return lines


def canonical_json(line):
    def canon(v):
        if isinstance(v, dict):
            return {k: canon(x) for k, x in sorted(v.items())}
        if isinstance(v, list):
            return sorted((canon(x) for x in v), key=lambda x: json.dumps(x, sort_keys=True))
        return v
    try:
        return json.dumps(canon(json.loads(line)), indent=1, sort_keys=True)
    except ValueError:
        return line


def config_map(lines):
    """name -> value for a kafka-configs listing, or None when most lines are not config lines."""
    found = {}
    for line in lines:
        m = CONFIG_LINE.match(line)
        if m:
            found[m.group(1)] = m.group(2)
    return found if len(found) >= max(3, len(lines) // 2) else None


# A line of kafka-broker-api-versions (`Produce(0): 0 to 11 [usable: 11],`).
API_LINE = re.compile(r"^(\w+)\((\d+)\): (.*?),?$")


def api_map(lines):
    found = {m.group(1): m.group(3) for m in map(API_LINE.match, lines) if m}
    return found if len(found) >= 10 else None


def short(items, limit=8):
    items = sorted(items)
    text = ", ".join(items[:limit])
    return text + (f" and {len(items) - limit} more" if len(items) > limit else "")


def clip(s, limit=120):
    s = s.strip()
    return s if len(s) <= limit else s[:limit - 1] + "…"


def describe(kafka, chronik):
    """One short, specific sentence on how Chronik's normalised result differs from Kafka's."""
    parts = []
    if kafka["exit"] != chronik["exit"]:
        parts.append(f"exit {chronik['exit']} (Kafka {kafka['exit']})")
    for stream in ("stdout", "stderr"):
        k, c = kafka[stream + "_lines"], chronik[stream + "_lines"]
        if k == c:
            continue
        km, cm = config_map(k), config_map(c)
        if km is not None and cm is not None:
            missing = set(km) - set(cm)
            extra = set(cm) - set(km)
            changed = [n for n in km if n in cm and km[n] != cm[n]]
            bits = []
            if missing:
                bits.append(f"{len(missing)} configs only on Kafka ({short(missing)})")
            if extra:
                bits.append(f"{len(extra)} only on Chronik ({short(extra)})")
            if changed:
                bits.append("values differ for " + short(f"{n} (Kafka {clip(km[n], 40)}, Chronik {clip(cm[n], 40)})"
                                                        for n in changed))
            if bits:
                parts.append(f"{stream}: " + "; ".join(bits))
                continue
        ka, ca = api_map(k), api_map(c)
        if ka is not None and ca is not None:
            unsupported = [n for n in ka if "UNSUPPORTED" not in ka[n] and "UNSUPPORTED" in ca.get(n, "UNSUPPORTED")]
            changed = [n for n in ka if n not in unsupported and ka[n] != ca.get(n)]
            bits = []
            if unsupported:
                bits.append(f"{len(unsupported)} APIs Kafka serves are UNSUPPORTED on Chronik ({short(unsupported, 40)})")
            if changed:
                bits.append("versions differ for " + short(f"{n} (Kafka {ka[n]}, Chronik {ca.get(n)})" for n in changed))
            parts.append(f"{stream}: " + "; ".join(bits or ["same APIs in another form"]))
            continue
        only_k = [l for l in k if l not in c]
        only_c = [l for l in c if l not in k]
        if not only_k and not only_c:
            parts.append(f"{stream}: same lines in another order or count")
            continue
        bit = f"{stream}: "
        first_k, first_c = (only_k or [""])[0], (only_c or [""])[0]
        # Two versions of one line: show where they part, not the prefix they share.
        common = len(os.path.commonprefix([first_k, first_c])) if only_k and only_c else 0
        cut = first_k.rfind(" ", 0, common - 20) + 1 if common > 60 else 0
        show = lambda line: ("…" if cut else "") + clip(line[cut:])  # noqa: E731
        if only_k:
            bit += f"Kafka prints `{show(first_k)}`" + (f" (+{len(only_k) - 1} more lines)" if len(only_k) > 1 else "")
        if only_c:
            bit += ("; " if only_k else "") + f"Chronik prints `{show(first_c)}`" + \
                (f" (+{len(only_c) - 1} more lines)" if len(only_c) > 1 else "")
        parts.append(bit)
    return "; ".join(parts)


def unified(kafka, chronik, label):
    out = []
    for stream in ("stdout", "stderr"):
        out += difflib.unified_diff(kafka[stream + "_lines"], chronik[stream + "_lines"],
                                    f"kafka/{label}.{stream}", f"chronik/{label}.{stream}", lineterm="")
    if kafka["exit"] != chronik["exit"]:
        out.append(f"exit: kafka {kafka['exit']}, chronik {chronik['exit']}")
    return "\n".join(out) + "\n"
