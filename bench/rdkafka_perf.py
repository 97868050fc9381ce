"""librdkafka's rdkafka_performance, built from Debian's librdkafka source, as a second load
tool (besides Kafka's own) and as the end-to-end latency probe.

Debian ships rdkafka_performance.c in librdkafka-dev's examples, but it includes
librdkafka's internal headers, so the source package of the installed librdkafka is
fetched with apt (into bench/.cache, with apt lists of its own so that the machine's
package lists stay as they are), configured, and the example compiled against the
system library.
"""
import os
import re
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, ".cache")
BINARY = os.path.join(CACHE, "rdkafka_performance")


def installed_version():
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "librdkafka-dev"], capture_output=True, text=True)
    if out.returncode != 0 or not out.stdout:
        raise RuntimeError("librdkafka-dev is not installed (.ci/setup installs it)")
    return out.stdout.strip()


def build():
    """The rdkafka_performance binary (built once, then cached)."""
    if os.path.exists(BINARY):
        return BINARY
    os.makedirs(CACHE, exist_ok=True)
    version = installed_version()
    work = os.path.join(CACHE, "librdkafka-src")
    os.makedirs(os.path.join(work, "lists", "partial"), exist_ok=True)
    sources = os.path.join(work, "sources.list")
    with open(sources, "w") as f:
        f.write("deb-src http://deb.debian.org/debian bookworm main\n")
    apt = ["apt-get", "-q", "-o", f"Dir::Etc::SourceList={sources}", "-o", "Dir::Etc::SourceParts=/dev/null",
           "-o", f"Dir::State::Lists={os.path.join(work, 'lists')}"]
    subprocess.run(apt + ["update"], check=True, capture_output=True)
    subprocess.run(apt + ["source", "--download-only", f"librdkafka={version}"], cwd=work, check=True,
                   capture_output=True)
    upstream = version.split("-")[0]
    subprocess.run(["tar", "xzf", f"librdkafka_{upstream}.orig.tar.gz"], cwd=work, check=True)
    src = os.path.join(work, f"librdkafka-{upstream}")
    # configure only writes config.h, which the internal headers include.
    subprocess.run(["./configure", "--disable-ssl", "--disable-gssapi"], cwd=src, check=True, capture_output=True)
    subprocess.run(["cc", "-O2", "-I", os.path.join(src, "src"), "-o", BINARY,
                    os.path.join(src, "examples", "rdkafka_performance.c"), "-lrdkafka", "-lpthread", "-lz", "-lm"],
                   check=True)
    return BINARY


PRODUCED = re.compile(r"% (?P<msgs>\d+) messages produced \((?P<bytes>\d+) bytes\), (?P<delivered>\d+) delivered "
                      r".*? in (?P<ms>\d+)ms: (?P<rate>\d+) msgs/s and (?P<mb_s>[\d.]+) MB/s")


def parse_producer(text):
    """rdkafka_performance's producer summary line."""
    m = PRODUCED.search(text)
    if not m:
        raise ValueError(f"no rdkafka_performance summary in: {text[-500:]!r}")
    return {"records": int(m["delivered"]), "mb_s": float(m["mb_s"]), "records_s": float(m["rate"]),
            "seconds": int(m["ms"]) / 1000}


def percentiles(latencies_us):
    """p50/p99/p99.9 in ms of per-message latencies in microseconds (nearest rank)."""
    if not latencies_us:
        raise ValueError("no latency samples")
    s = sorted(latencies_us)

    def rank(q):
        return s[min(len(s) - 1, max(0, int(round(q * len(s))) - 1))] / 1000

    return {"e2e_p50_ms": rank(0.50), "e2e_p99_ms": rank(0.99), "e2e_p999_ms": rank(0.999), "samples": len(s)}


CONSUMED = re.compile(r"% (?P<msgs>\d+) messages \((?P<bytes>\d+) bytes\) consumed in (?P<ms>\d+)ms: "
                      r"(?P<rate>\d+) msgs/s \((?P<mb_s>[\d.]+) MB/s\)")


def parse_consumer(text):
    """rdkafka_performance's consumer summary line (its clock starts at the first message)."""
    matches = list(CONSUMED.finditer(text))
    if not matches:
        raise ValueError(f"no rdkafka_performance consumer summary in: {text[-500:]!r}")
    m = matches[-1]
    return {"records": int(m["msgs"]), "mb_s": float(m["mb_s"]), "records_s": float(m["rate"]),
            "seconds": int(m["ms"]) / 1000, "gb": int(m["bytes"]) / 1e9}


def _properties(config):
    """librdkafka properties as rdkafka_performance's -X arguments."""
    return [arg for key, value in config.items() for arg in ("-X", f"{key}={value}")]


def produce(binary, bootstrap, topic, records, size, acks, compression="none", config=None):
    """As fast as it can; `config`: more librdkafka properties (security.protocol, say)."""
    out = subprocess.run([binary, "-P", "-t", topic, "-b", bootstrap, "-s", str(size), "-c", str(records),
                          "-a", "-1" if acks == "all" else acks, "-X", "linger.ms=5", "-X", "batch.size=65536",
                          "-X", f"compression.codec={compression}", *_properties(config or {}), "-q"],
                         capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise RuntimeError(f"rdkafka_performance failed: {out.stdout[-1000:]}{out.stderr[-1000:]}")
    return parse_producer(out.stdout + out.stderr)


def consume(binary, bootstrap, topic, records, group, config=None):
    """`records` from the start of `topic` by a consumer of `group` (KafkaConsumer, -G)."""
    out = subprocess.run([binary, "-C", "-G", group, "-t", topic, "-b", bootstrap, "-c", str(records),
                          "-X", "auto.offset.reset=earliest", *_properties(config or {}), "-q"],
                         capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise RuntimeError(f"rdkafka_performance failed: {out.stdout[-1000:]}{out.stderr[-1000:]}")
    return parse_consumer(out.stdout + out.stderr)


def end_to_end(binary, bootstrap, topic, rate, size, seconds):
    """Produce `rate` records/s of `size` bytes for `seconds` to partition 0 of `topic` while a
    consumer reads them; returns the producer-to-consumer latency percentiles (wall clock:
    both ends run on this machine) and the rate actually achieved."""
    records = rate * seconds
    with tempfile.TemporaryDirectory(prefix="chronik-e2e-") as tmp:
        samples = os.path.join(tmp, "latency.txt")
        consumer = subprocess.Popen([binary, "-C", "-t", topic, "-p", "0", "-b", bootstrap, "-l", "-A", samples,
                                     "-o", "end", "-c", str(records), "-q"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(3)  # the consumer is at the end of the partition before the first record
            out = subprocess.run([binary, "-P", "-t", topic, "-p", "0", "-b", bootstrap, "-l", "-r", str(rate),
                                  "-s", str(size), "-c", str(records), "-a", "1", "-X", "linger.ms=0", "-q"],
                                 capture_output=True, text=True, timeout=seconds * 4 + 60)
            if out.returncode != 0:
                raise RuntimeError(f"rdkafka_performance failed: {out.stdout[-1000:]}{out.stderr[-1000:]}")
            produced = parse_producer(out.stdout + out.stderr)
            try:
                consumer.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass  # percentiles of what arrived; `samples` says how many
        finally:
            if consumer.poll() is None:
                consumer.terminate()
                consumer.wait()
        with open(samples) as f:
            latencies = [int(line) for line in f if line.strip()]
    result = percentiles(latencies)
    result["mb_s"] = produced["mb_s"]  # the rate achieved
    result["gb"] = produced["records"] * size / 1e9
    return result
