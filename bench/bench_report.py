"""Parsing of Kafka's perf tools' output and the benchmark report bench/run writes.

Kept apart from bench/run so that tests/bench/test_bench_report.py can check it on canned
tool output without starting any broker.
"""
import os
import re
import statistics
import subprocess
import sys

START = "<!-- broker-bench:start -->"
END = "<!-- broker-bench:end -->"

_PRODUCER = re.compile(
    r"(?P<records>\d+) records sent, (?P<rps>[\d.]+) records/sec \((?P<mb_s>[\d.]+) MB/sec\), "
    r"(?P<avg>[\d.]+) ms avg latency, (?P<max>[\d.]+) ms max latency, (?P<p50>\d+) ms 50th, "
    r"(?P<p95>\d+) ms 95th, (?P<p99>\d+) ms 99th, (?P<p999>\d+) ms 99.9th")


def parse_producer_perf(text):
    """The summary line of ProducerPerformance: throughput and latency percentiles."""
    matches = list(_PRODUCER.finditer(text))
    if not matches:
        raise ValueError("no ProducerPerformance summary line in the output")
    m = matches[-1]
    return {"records": int(m["records"]), "records_s": float(m["rps"]), "mb_s": float(m["mb_s"]),
            "avg_ms": float(m["avg"]), "p50_ms": int(m["p50"]), "p99_ms": int(m["p99"]),
            "p999_ms": int(m["p999"])}


def parse_consumer_perf(text):
    """ConsumerPerformance with --hide-header: one CSV line. The fetch rate (field 9)
    leaves out the time spent joining the group."""
    for line in reversed(text.strip().splitlines()):
        fields = [f.strip() for f in line.split(",")]
        if len(fields) >= 10:
            return {"mb": float(fields[2]), "records": int(fields[4]), "mb_s": float(fields[8]),
                    "records_s": float(fields[9])}
    raise ValueError("no ConsumerPerformance result line in the output")


def replace_section(document, section):
    """`document` with the text between the broker-bench markers replaced (appended when
    the markers are missing)."""
    block = f"{START}\n{section.rstrip()}\n{END}"
    if START in document and END in document:
        before = document[:document.index(START)]
        after = document[document.index(END) + len(END):]
        return before + block + after
    return document.rstrip() + "\n\n" + block + "\n"


def _median(rows, key):
    values = [r[key] for r in rows if r.get(key) is not None]
    return statistics.median(values) if values else None


def _fmt(v, digits=1):
    return "n/a" if v is None else f"{v:,.{digits}f}"


def _quotient(a, b):
    return None if a is None or b in (None, 0) else a / b


def _ratio(a, b):
    q = _quotient(a, b)
    return "n/a" if q is None else f"{q:.2f}x"


def _pair_ratios(chronik, kafka, key):
    """Chronik's round i against Kafka's round i, which ran right before or after it, for
    each i: how much a ratio moves between pairs shows the noise behind the medians."""
    ratios = [_quotient(c.get(key), k.get(key)) for c, k in zip(chronik, kafka)]
    if all(r is None for r in ratios):
        return "n/a"
    return " / ".join("n/a" if r is None else f"{r:.2f}" for r in ratios)


def _charts_available():
    try:
        import matplotlib
        matplotlib.use("Agg")
        return True
    except ImportError:
        return False


def _charts(results, charts_dir):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    os.makedirs(charts_dir, exist_ok=True)
    out = []
    # Latency spans four decades (1,000 partitions on Kafka: seconds), so its axis is
    # logarithmic; the end-to-end rows chart their send-to-receipt p99.
    for keys, label, name, log in ((("mb_s",), "MB/s (higher is better)", "throughput.png", False),
                                   (("p99_ms", "e2e_p99_ms"), "p99 latency, ms, log scale (lower is better)",
                                    "latency.png", True)):
        rows = []
        for n, per in results.items():
            for key in keys:
                if all(_median(per.get(k, []), key) is not None for k in ("chronik", "kafka")):
                    rows.append((n if key != "e2e_p99_ms" else f"{n}, send to receipt", per, key))
                    break
        if not rows:
            continue
        fig, ax = plt.subplots(figsize=(9, 0.45 * len(rows) + 1.5))
        ys = range(len(rows))
        ax.barh([y - 0.2 for y in ys], [_median(per["chronik"], key) for _, per, key in rows], 0.4, label="Chronik")
        ax.barh([y + 0.2 for y in ys], [_median(per["kafka"], key) for _, per, key in rows], 0.4,
                label="Apache Kafka")
        if log:
            ax.set_xscale("log")
        ax.set_yticks(list(ys))
        ax.set_yticklabels([n for n, _, _ in rows])
        ax.invert_yaxis()
        ax.set_xlabel(label)
        ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(charts_dir, name), dpi=100)
        plt.close(fig)
        out.append(name)
    return out


# What a reader looks for first, each as "how many times better than Kafka": the measure,
# its scenario and figure, and whether lower or higher is better.
HEADLINES = (
    ("broker CPU per GB, producing 100 B records", "produce 100 B, acks=1, none", "cpu_s_per_gb", "lower"),
    ("broker CPU per GB, producing 1 KiB records", "produce 1024 B, acks=1, none", "cpu_s_per_gb", "lower"),
    ("broker CPU per GB, consuming", "consume 100 B", "cpu_s_per_gb", "lower"),
    ("peak memory (RSS)", "peak RSS", "rss_mb", "lower"),
    ("memory with 1,000 idle connections", "RSS with 1000 idle connections", "rss_mb", "lower"),
    ("start-up with 10 GB of data", "start-up with 10 GB", "start_s", "lower"),
    ("end-to-end p99 latency at 20 MB/s", "end-to-end at 20 MB/s, 4000 B (rdkafka_performance)", "e2e_p99_ms",
     "lower"),
    ("producer p99 latency at 51 MB/s", "produce 1024 B, acks=1, none, at 51.2 MB/s", "p99_ms", "lower"),
    ("throughput, 100 B records (librdkafka)", "produce 100 B, acks=1, none (rdkafka_performance)", "mb_s",
     "higher"),
    ("throughput with 1,000 partitions", "produce 1024 B, acks=1, 1000 partitions", "mb_s", "higher"),
    ("throughput with an fsync per message", "produce 1024 B, acks=all, fsync per message", "mb_s", "higher"),
    ("transactional throughput, 100 B records", "produce 100 B, transactions of 100 ms", "mb_s", "higher"),
    ("transaction commit p99 latency", "transactions of 10 x 100 B, back to back (confluent-kafka; p99 = commit)",
     "p99_ms", "lower"),
    ("throughput over TLS, 1 KiB records", "produce 1024 B, acks=1, none, TLS", "mb_s", "higher"),
    ("broker CPU per GB over TLS, producing", "produce 1024 B, acks=1, none, TLS", "cpu_s_per_gb", "lower"),
    ("broker CPU per GB over TLS, consuming", "consume 1024 B, TLS", "cpu_s_per_gb", "lower"),
    ("throughput over SASL_SSL, 1 KiB records", "produce 1024 B, acks=1, none, SASL_SSL (SCRAM-SHA-256)", "mb_s",
     "higher"),
    ("SCRAM-SHA-256 logins a second", "SASL logins, SCRAM-SHA-256 over SASL_PLAINTEXT", "logins_s", "higher"),
)
_UNITS = {"logins_s": "logins/s", "cpu_s_per_gb": "CPU s/GB", "rss_mb": "MiB", "start_s": "s", "e2e_p99_ms": "ms", "p99_ms": "ms",
          "mb_s": "MB/s"}


def headlines(results):
    """[(measure, Chronik's median, Kafka's, times better than Kafka)] for HEADLINES measured."""
    out = []
    for label, scenario, key, better in HEADLINES:
        per = results.get(scenario, {})
        c, k = _median(per.get("chronik", []), key), _median(per.get("kafka", []), key)
        if c is None or k is None or not c or not k:
            continue
        out.append((f"{label} ({_UNITS[key]})", c, k, k / c if better == "lower" else c / k))
    return out


def _headline_chart(rows, charts_dir):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(rows) + 1.5))
    ys = range(len(rows))
    ax.barh(list(ys), [f for _, _, _, f in rows], 0.6, color="tab:blue")
    ax.axvline(1.0, color="grey", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.set_yticks(list(ys))
    ax.set_yticklabels([label for label, _, _, _ in rows])
    ax.invert_yaxis()
    for y, (_, _, _, f) in zip(ys, rows):
        ax.text(f, y, f" {f:.1f}x", va="center")
    ax.set_xlim(0.8, max(f for _, _, _, f in rows) * 3)  # room for the largest bar's label
    ax.set_xlabel("times better than Apache Kafka (log scale; 1 = equal)")
    fig.tight_layout()
    fig.savefig(os.path.join(charts_dir, "headlines.png"), dpi=100)
    plt.close(fig)


PART_ORDER = ("throughput", "special", "transactions", "fsync", "security", "startup")


def login_row(mechanism, listener):
    """The name of a row of SASL logins a second (bench/sasl_logins.py)."""
    return f"SASL logins, {mechanism} over {listener}" + (" (a TLS handshake each)" if listener == "SASL_SSL" else "")
# The row of back-to-back transactions (bench/txn_commits.py); its p99 is the commit's.
TXN_COMMITS = "transactions of 10 x 100 B, back to back (confluent-kafka; p99 = commit)"
# The consume rows (bench/run) read this share of what the first produce row wrote. The
# producer's partitioner leaves the partitions a few percent apart; once the consumer has read one
# partition to its end, each fetch it sends for that partition alone waits fetch.max.wait.ms
# (500 ms) while the data of the others sits read in its buffer, so reading everything
# measures that wait more than either broker (a pcap of one such run: a fetch for 3
# partitions, 2 MB in 1 ms, then one for the drained partition, empty after 500 ms, 20 times
# in a row). Reading 80% stays clear of it while no partition holds under a fifth.
CONSUME_SHARE = 0.8

# Records of 1 KiB each broker moves, unmeasured, before its first measured row: a fresh
# JVM compiles the broker's produce, fetch and TLS paths over its first gigabytes of load
# (Kafka producing over TLS, 500,000 records at a time: 17.1, 14.2, 12.7, 10.6, 7.3 and 8.9
# CPU s/GB), which the first rows would otherwise count. The other secured listeners share
# those paths and get a short run of their own (SASL's login and its code).
WARM_UP_RECORDS = 2_000_000
WARM_UP_RECORDS_MORE_LISTENERS = 100_000


def merge_parts(parts):
    """The results of every part, each from the last run that measured it."""
    merged = {}
    for part in sorted(parts, key=lambda p: PART_ORDER.index(p) if p in PART_ORDER else len(PART_ORDER)):
        merged.update(parts[part]["results"])
    return merged


def render_section(parts, charts_dir):
    """`parts`: {part: {"meta": run metadata, "results": {scenario: {broker: [figures]}}}}."""
    results = merge_parts(parts)
    runs = {}
    for part, entry in parts.items():
        m = entry["meta"]
        runs.setdefault((m["date"], m["command"], m["commit"]), (m, []))[1].append(part)
    latest = max((entry["meta"] for entry in parts.values()), key=lambda m: m["date"])
    lines = [
        "## Chronik vs Apache Kafka",
        "",
        "Generated by `bench/run` (which keeps each part's figures from the last run that measured it); do "
        "not edit by hand, run it again. In each run both brokers ran on this machine, alternately "
        "(Chronik, Kafka, Kafka, Chronik, ...); figures are medians of the rounds.",
        "",
    ]
    top = headlines(results)
    if top:
        lines += ["### At a glance", "",
                  "How many times better Chronik does than Apache Kafka, measured side by side (the full tables "
                  "and how they were measured follow):", ""]
        if _charts_available():
            os.makedirs(charts_dir, exist_ok=True)
            _headline_chart(top, charts_dir)
            lines += ["![headlines](bench/headlines.png)", ""]
        lines += ["| measure | Chronik | Kafka | times better |", "|---|---|---|---|"]
        for label, c, k, f in top:
            lines.append(f"| {label} | {_fmt(c, 2)} | {_fmt(k, 2)} | {f:.1f}x |")
        lines += ["", "### Every figure", ""]
    for (date, command, commit), (m, run_parts) in sorted(runs.items()):
        note = f" Note: {m['note']}" if m.get("note") else ""
        lines.append(f"- `{command}` on {date} at commit `{commit}` with `{m['chronik']}`, {m['reps']} rounds each, "
                     f"{m['minutes']:.0f} minutes: {', '.join(sorted(run_parts, key=PART_ORDER.index))}.{note}")
    lines += [
        f"- Machine: {latest['machine']}.",
        f"- Chronik: the binary each run names. Kafka: {latest['kafka']}. Topics of {latest['partitions']} partitions "
        "unless a row says otherwise, no fsync per message on either, everything on loopback.",
        "- Load: Kafka's own ProducerPerformance (linger.ms=5, batch.size=65536, unlimited rate) and "
        f"ConsumerPerformance (fetch rate, group join excluded, reading the first {CONSUME_SHARE:.0%} of what the "
        "first row produced) from kafka-tools, and librdkafka's "
        "rdkafka_performance (built from Debian's librdkafka source) where a row says so; broker CPU from "
        "/proc/<pid>/stat (user+system) per GB produced; peak RSS is VmHWM at the end of a round, the "
        "idle-connection RSS is VmRSS with the connections open. The fsync row runs on brokers of their own "
        "with log.flush.interval.messages=1. The TLS, SASL_SSL and login rows run on brokers of their own with "
        "the same SSL, SASL_SSL and SASL_PLAINTEXT listeners (Kafka's keys: a PEM key store with a self-signed "
        "RSA 2048 certificate, PLAIN users from JAAS, SCRAM-SHA-256 credentials added through the Admin API); "
        "the perf tools use them as any Java client would (security.protocol, a PEM trust store, sasl.jaas.config), "
        "rdkafka_performance with librdkafka's properties (security.protocol, ssl.ca.location, sasl.*). "
        "In runs from 2026-12-07 12:15 UTC on, the brokers of the shared and security rounds first move "
        f"{WARM_UP_RECORDS:,} records of 1 KiB, unmeasured, through the plaintext or the SSL listener (and "
        f"{WARM_UP_RECORDS_MORE_LISTENERS:,} more through SASL_SSL): a fresh JVM compiles the broker's paths "
        "over its first gigabytes of load.",
    ]
    lines += ["", "| scenario | Chronik MB/s | Kafka MB/s | ratio | Chronik p99 ms | Kafka p99 ms | ratio "
              "| Chronik CPU s/GB | Kafka CPU s/GB | ratio |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name, per in results.items():
        c, k = per.get("chronik", []), per.get("kafka", [])
        if _median(c, "mb_s") is None:
            continue
        cm, km = _median(c, "mb_s"), _median(k, "mb_s")
        cl, kl = _median(c, "p99_ms"), _median(k, "p99_ms")
        cc, kc = _median(c, "cpu_s_per_gb"), _median(k, "cpu_s_per_gb")
        lines.append(f"| {name} | {_fmt(cm)} | {_fmt(km)} | {_ratio(cm, km)} | {_fmt(cl, 0)} | {_fmt(kl, 0)} | "
                     f"{_ratio(cl, kl)} | {_fmt(cc, 2)} | {_fmt(kc, 2)} | {_ratio(cc, kc)} |")
    paired = [(name, per) for name, per in results.items()
              if min(len(per.get("chronik", [])), len(per.get("kafka", []))) > 1 and _median(per["chronik"], "mb_s")]
    if paired:
        lines += ["", "The ratio in each pair of rounds (Chronik's round i against Kafka's round i, measured one "
                  "right after the other), in the order they ran:", "",
                  "| scenario | MB/s | p99 | CPU s/GB |", "|---|---|---|---|"]
        for name, per in paired:
            c, k = per["chronik"], per["kafka"]
            lines.append(f"| {name} | {_pair_ratios(c, k, 'mb_s')} | {_pair_ratios(c, k, 'p99_ms')} | "
                         f"{_pair_ratios(c, k, 'cpu_s_per_gb')} |")
    e2e = [(name, per) for name, per in results.items() if _median(per.get("chronik", []), "e2e_p99_ms") is not None]
    if e2e:
        lines += ["", "End-to-end latency (producer send to consumer receipt, rdkafka_performance -l at a fixed "
                  "rate; ms):", "", "| scenario | Chronik p50 | Kafka p50 | Chronik p99 | Kafka p99 | ratio "
                  "| Chronik p99.9 | Kafka p99.9 | ratio |", "|---|---|---|---|---|---|---|---|---|"]
        for name, per in e2e:
            c, k = per.get("chronik", []), per.get("kafka", [])
            v = {key: (_median(c, key), _median(k, key)) for key in ("e2e_p50_ms", "e2e_p99_ms", "e2e_p999_ms")}
            lines.append(f"| {name} | {_fmt(v['e2e_p50_ms'][0], 2)} | {_fmt(v['e2e_p50_ms'][1], 2)} | "
                         f"{_fmt(v['e2e_p99_ms'][0], 2)} | {_fmt(v['e2e_p99_ms'][1], 2)} | {_ratio(*v['e2e_p99_ms'])} | "
                         f"{_fmt(v['e2e_p999_ms'][0], 2)} | {_fmt(v['e2e_p999_ms'][1], 2)} | "
                         f"{_ratio(*v['e2e_p999_ms'])} |")
    cpu = [(name, per) for name, per in results.items()
           if all(_median(per.get(k, []), "client_cpu_s_per_gb") is not None for k in ("chronik", "kafka"))]
    if cpu:
        lines += ["", "Where the CPU goes, in CPU seconds per GB, broker and load tool (both share the machine's "
                  "CPUs). If the two alone kept every CPU busy, throughput would be the CPU time available / "
                  "(tool + broker) per GB, and the throughput ratio would be (tool + Kafka) / (tool + Chronik), "
                  "or (tool + Kafka) / tool with a broker that cost nothing. (When other processes share the "
                  "machine, the measured ratio can differ from these.)", "",
                  "| scenario | tool with Chronik | Chronik | tool with Kafka | Kafka | CPU-bound ratio "
                  "| ratio with a free broker |", "|---|---|---|---|---|---|---|"]
        for name, per in cpu:
            c, k = per["chronik"], per["kafka"]
            tc, bc = _median(c, "client_cpu_s_per_gb"), _median(c, "cpu_s_per_gb")
            tk, bk = _median(k, "client_cpu_s_per_gb"), _median(k, "cpu_s_per_gb")
            lines.append(f"| {name} | {_fmt(tc, 2)} | {_fmt(bc, 2)} | {_fmt(tk, 2)} | {_fmt(bk, 2)} | "
                         f"{_ratio(tk + bk, tc + bc)} | {_ratio(tk + bk, tc)} |")
    logins = [(name, per) for name, per in results.items() if _median(per.get("chronik", []), "logins_s") is not None]
    if logins:
        lines += ["", "SASL authentications a second (bench/sasl_logins.py: 4 processes, each connecting, "
                  "authenticating with SaslHandshake and SaslAuthenticate, and closing, over and over; the "
                  "broker's CPU per login from /proc):", "",
                  "| scenario | Chronik logins/s | Kafka logins/s | ratio | Chronik CPU ms/login "
                  "| Kafka CPU ms/login | ratio |", "|---|---|---|---|---|---|---|"]
        for name, per in logins:
            c, k = per.get("chronik", []), per.get("kafka", [])
            cl, kl = _median(c, "logins_s"), _median(k, "logins_s")
            cc, kc = _median(c, "cpu_ms_per_login"), _median(k, "cpu_ms_per_login")
            lines.append(f"| {name} | {_fmt(cl, 0)} | {_fmt(kl, 0)} | {_ratio(cl, kl)} | {_fmt(cc, 3)} | "
                         f"{_fmt(kc, 3)} | {_ratio(cc, kc)} |")
    lines += ["", "| measure | Chronik | Kafka | ratio |", "|---|---|---|---|"]
    for name, per in results.items():
        for key, unit in (("rss_mb", "MiB"), ("start_s", "s")):
            cv, kv = _median(per.get("chronik", []), key), _median(per.get("kafka", []), key)
            if cv is not None:
                label = name if key == "rss_mb" else f"{name} (to accepting connections)"
                lines.append(f"| {label} | {_fmt(cv, 2)} {unit} | {_fmt(kv, 2)} {unit} | {_ratio(cv, kv)} |")
    charts = _charts(results, charts_dir)
    if charts:
        lines.append("")
        for c in charts:
            lines.append(f"![{c[:-4]}](bench/{c})")
    return "\n".join(lines) + "\n"
