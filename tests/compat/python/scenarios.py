"""Compatibility scenarios for the Python clients: confluent-kafka, kafka-python, aiokafka.

usage: scenarios.py confluent-kafka|kafka-python|aiokafka      (env CHRONIK_BOOTSTRAP etc., set by tests/compat/run)

The scenarios are written once, against a small adapter per client (clients.py); each
prints `COMPAT-RESULT {"op": ..., "status": ..., "reason": ...}` per operation. A client
that lacks an API raises Unsupported (reported as "not supported by the client"); anything
else that goes wrong, including the broker lacking a feature, is a failure with its reason.
"""
import json
import os
import signal
import sys
import threading
import time
import traceback
import uuid

if sys.flags.no_site:  # Debian's python3 -S: only Debian's packages, not pip's
    sys.path.append("/usr/lib/python3/dist-packages")

import exactly_once  # noqa: E402
from clients import ADAPTERS, Unsupported  # noqa: E402

BOOTSTRAP = os.environ.get("CHRONIK_BOOTSTRAP", "127.0.0.1:9092")
RUN = uuid.uuid4().hex[:6]  # unique names: a shared external broker keeps working
SCENARIO_SECONDS = 90
# Scenarios that go through several rebalances get longer than the other group operations.
BUDGETS = {"group_rebalance_exactly_once": 150, "group_consumer_protocol": 100}
# The broker's default group.min.session.timeout.ms is 6 s.
SESSION_MS = 10000


def emit(ops, status, reason=""):
    for op in ops if isinstance(ops, list) else [ops]:
        print("COMPAT-RESULT " + json.dumps({"op": op, "status": status, "reason": reason}), flush=True)


class Timeout(BaseException):
    """Not an Exception: client code that catches Exception in its retry loops must not swallow it."""


_budget = [SCENARIO_SECONDS]


def _alarm(signum, frame):
    raise Timeout(f"no result within {_budget[0]} s")


def check(ok, what):
    if not ok:
        raise AssertionError(what)


def name(what):
    return f"py-{what}-{RUN}"


def message(i, src):
    return (f"k{i % 7}".encode(), f"v{i}".encode(), [("i", str(i).encode()), ("src", src.encode())])


def check_roundtrip(records, n, src, headers=True):
    values = sorted(int(r.value[1:]) for r in records)
    check(values == list(range(n)), f"read back {len(records)} records, want exactly messages 0..{n - 1}")
    last = {}
    for r in records:
        i = int(r.value[1:])
        check(r.key == f"k{i % 7}".encode(), f"message {i}: key {r.key!r}")
        check(r.offset > last.get(r.partition, -1), f"p{r.partition}: offset {r.offset} after {last.get(r.partition)}")
        last[r.partition] = r.offset
        if headers:
            h = dict(r.headers or [])
            check(h.get("i") == str(i).encode() and h.get("src") == src.encode(), f"message {i}: headers {h}")


class Scenarios:
    def __init__(self, client, c):
        self.client, self.c = client, c
        self.topic = name("main")
        self.group = name("group")
        self.gconsumers = []
        self.wait = 25  # seconds for a group to settle; shorter once joining failed

    def _joined(self, ok):
        if not ok:
            self.wait = 8

    # --- topics and produce/consume
    def metadata(self):
        brokers = self.c.brokers()
        check(len(brokers) >= 1, f"metadata lists no broker: {brokers}")

    def create_topic(self):
        self.c.create_topic(self.topic, 3)
        check(self.c.partitions(self.topic) == 3, f"topic has {self.c.partitions(self.topic)} partitions, want 3")

    def create_topic_configs(self):
        t = name("configs")
        self.c.create_topic(t, 1, {"retention.ms": "86400000", "cleanup.policy": "compact"})
        cfg = self.c.describe_configs(t)
        check(cfg.get("retention.ms") == "86400000" and cfg.get("cleanup.policy") == "compact",
              f"configs after create: retention.ms={cfg.get('retention.ms')} cleanup.policy={cfg.get('cleanup.policy')}")

    def produce_keys_headers(self):
        self.c.produce(self.topic, [message(i, "main") for i in range(1000)], acks="all")
        check_roundtrip(self.c.consume(self.topic, {p: 0 for p in range(3)}, 1000), 1000, "main")

    def produce_codec(self, codec):
        t = name(codec)
        self.c.create_topic(t, 1)
        self.c.produce(t, [message(i, codec) for i in range(300)], acks="all", compression=codec)
        check_roundtrip(self.c.consume(t, {0: 0}, 300), 300, codec)

    def produce_acks(self, acks):
        t = name(f"acks{acks}")
        self.c.create_topic(t, 1)
        self.c.produce(t, [message(i, "acks") for i in range(200)], acks=acks)
        # acks=0 has no answer: the records show up in the log all the same.
        check_roundtrip(self.c.consume(t, {0: 0}, 200), 200, "acks")

    def produce_idempotent(self):
        t = name("idem")
        self.c.create_topic(t, 3)
        self.c.produce(t, [message(i, "idem") for i in range(1000)], acks="all", idempotent=True)
        check_roundtrip(self.c.consume(t, {p: 0 for p in range(3)}, 1000), 1000, "idem")

    def consume_offset(self):
        t = name("offset")
        self.c.create_topic(t, 1)
        self.c.produce(t, [message(i, "o") for i in range(100)], acks="all")
        got = self.c.consume(t, {0: 40}, 60)
        check(got and got[0].offset == 40 and got[0].value == b"v40",
              f"first record from offset 40: {got[0].offset if got else None}")
        check(len(got) == 60, f"{len(got)} records from offset 40, want 60")

    def _timestamped(self, what):
        t = name(what)
        self.c.create_topic(t, 1)
        base = int(time.time() * 1000) - 3_600_000
        self.c.produce(t, [(b"k", f"v{i}".encode(), [], base + 1000 * i) for i in range(50)], acks="all")
        return t, base

    def consume_timestamp(self):
        t, base = self._timestamped("ts")
        offset = self.c.offset_for_time(t, 0, base + 20_500)
        check(offset == 21, f"offset for timestamp base+20.5 s = {offset}, want 21")
        got = self.c.consume(t, {0: offset}, 29)
        check(got and got[0].value == b"v21" and len(got) == 29, f"consumed {len(got)} from there, first {got[:1]}")

    def list_offsets(self):
        t, base = self._timestamped("lo")
        low, high = self.c.watermarks(t, 0)
        check((low, high) == (0, 50), f"watermarks ({low}, {high}), want (0, 50)")
        check(self.c.offset_for_time(t, 0, base) == 0, "offset for the first timestamp")
        check(self.c.offset_for_time(t, 0, base + 49_000) == 49, "offset for the last timestamp")

    def describe_configs(self):
        cfg = self.c.describe_configs(self.topic)
        check(cfg.get("retention.ms") == "604800000", f"retention.ms = {cfg.get('retention.ms')}, want the default")
        check("cleanup.policy" in cfg and "max.message.bytes" in cfg, f"{len(cfg)} configs, lacking common ones")

    def alter_configs(self):
        self.c.alter_configs(self.topic, {"retention.ms": "3600000"})
        cfg = self.c.describe_configs(self.topic)
        check(cfg.get("retention.ms") == "3600000", f"retention.ms after alter = {cfg.get('retention.ms')}")

    # --- consumer groups (one group on the main topic, 1000 messages, 3 partitions)
    def group_join(self):
        a = self.c.group_consumer(self.group, self.topic)
        self.gconsumers.append(a)
        self._joined(False)
        got = a.poll_records(1000, 25)
        check(len(got) == 1000, f"group member read {len(got)} of 1000 records")
        check(a.assignment() == {0, 1, 2}, f"sole member assigned {sorted(a.assignment())}, want [0, 1, 2]")
        self.wait = 25

    def _poll_until(self, members, cond, seconds):
        """Polls every member until cond() holds. kafka-python before 2.1 blocks in poll()
        until its own join completes, which takes the other members rejoining in their polls:
        each member polls in a thread of its own, where the adapter allows it."""
        deadline = time.time() + seconds
        if not getattr(self.c, "threaded_members", True):
            while time.time() < deadline and not cond():
                for m in members:
                    m.poll_records(0, 0.5)
            return cond()
        done, errors = threading.Event(), []

        def poll(m):
            try:
                while not done.is_set() and time.time() < deadline:
                    m.poll_records(0, 0.5)
            except Exception as e:  # noqa: BLE001 (reported below)
                errors.append(e)

        threads = [threading.Thread(target=poll, args=(m,), daemon=True) for m in members]
        for t in threads:
            t.start()
        try:
            while time.time() < deadline and not errors and not cond():
                time.sleep(0.1)
        finally:
            done.set()
            for t in threads:
                t.join(30)
        check(not any(t.is_alive() for t in threads), "a member's poll did not return within 30 s")
        if errors:
            raise errors[0]
        return cond()

    def group_rebalance(self):
        check(self.gconsumers, "no first member (group_join failed)")
        a = self.gconsumers[0]
        b = self.c.group_consumer(self.group, self.topic)
        self.gconsumers.append(b)

        def split():
            sa, sb = a.assignment(), b.assignment()
            return sa and sb and sa | sb == {0, 1, 2} and not sa & sb
        check(self._poll_until([a, b], split, self.wait),
              f"after a second member joined: assignments {sorted(a.assignment())} and {sorted(b.assignment())}")

    def group_commit(self):
        check(self.gconsumers, "no member (group_join failed)")
        for m in self.gconsumers[1:]:
            m.close()
        del self.gconsumers[1:]
        a = self.gconsumers[0]
        deadline = time.time() + self.wait
        while a.assignment() != {0, 1, 2} and time.time() < deadline:
            a.poll_records(0, 0.5)
        ends = {p: self.c.watermarks(self.topic, p)[1] for p in range(3)}
        a.commit({p: ends[p] - 1 for p in range(3)})
        committed = a.committed([0, 1, 2])
        check(committed == {p: ends[p] - 1 for p in range(3)}, f"committed {committed}, want {ends} minus 1")

    def group_resume(self):
        check(self.gconsumers, "no member (group_join failed)")
        self.gconsumers.pop().close()
        b = self.c.group_consumer(self.group, self.topic)
        self.gconsumers.append(b)
        got = b.poll_records(3, self.wait)
        check(len(got) == 3, f"a new member read {len(got)} records, want the last one of each partition (3)")
        ends = {p: self.c.watermarks(self.topic, p)[1] for p in range(3)}
        check(all(r.offset == ends[r.partition] - 1 for r in got), f"resumed at {[(r.partition, r.offset) for r in got]}")
        b.close()
        self.gconsumers.clear()

    def group_describe(self):
        b = self.c.group_consumer(self.group, self.topic)
        self.gconsumers.append(b)
        b.poll_records(0, 3)
        state, members = self.c.describe_group(self.group)
        check(members == 1, f"describe: {members} members, state {state}")
        b.close()
        self.gconsumers.clear()

    def group_list(self):
        groups = self.c.list_groups()
        check(self.group in groups, f"{self.group} not in the listed groups {sorted(groups)[:10]}")

    def group_reset_offsets(self):
        self.c.reset_group_offsets(self.group, self.topic, {0: 0, 1: 0, 2: 0})
        b = self.c.group_consumer(self.group, self.topic)
        self.gconsumers.append(b)
        got = b.poll_records(1000, self.wait)
        check(len(got) == 1000, f"after resetting to 0 the group read {len(got)} of 1000 records")
        b.close()
        self.gconsumers.clear()

    def group_delete(self):
        self.c.delete_group(self.group)
        check(self.group not in self.c.list_groups(), "group still listed after delete")

    def _eight_partitions(self, what):
        t = name(what)
        self.c.create_topic(t, exactly_once.PARTITIONS)

        def produce(start, count):
            self.c.produce(t, [(f"m{i}".encode(), str(i).encode(), []) for i in range(start, start + count)],
                           acks="all", partitions=[i % exactly_once.PARTITIONS for i in range(start, start + count)])
        return t, produce

    def group_rebalance_exactly_once(self):
        t, produce = self._eight_partitions("eo")
        exactly_once.rebalance_exactly_once(exactly_once.MEMBERS[self.client], BOOTSTRAP, t, name("eo-group"),
                                            produce, SESSION_MS, settle=30)

    def group_consumer_protocol(self):
        conf = self.c.consumer_protocol_conf()
        t, produce = self._eight_partitions("kip848")
        exactly_once.split_once(exactly_once.MEMBERS[self.client], BOOTSTRAP, t, name("kip848-group"), produce,
                                settle=30, **conf)

    # --- the rest
    def delete_records(self):
        t = name("delrec")
        self.c.create_topic(t, 1)
        self.c.produce(t, [message(i, "d") for i in range(100)], acks="all")
        low = self.c.delete_records(t, 0, 60)
        check(low == 60, f"low watermark after delete_records = {low}, want 60")
        check(self.c.watermarks(t, 0) == (60, 100), f"watermarks {self.c.watermarks(t, 0)}")

    def delete_topic(self):
        t = name("deleteme")
        self.c.create_topic(t, 1)
        self.c.delete_topic(t)
        deadline = time.time() + 10
        while t in self.c.topics():
            check(time.time() < deadline, "topic still listed 10 s after delete")
            time.sleep(0.2)

    def transactions(self):
        t = name("txn")
        self.c.create_topic(t, 1)
        self.c.transaction(t, name("txid"), [message(i, "c") for i in range(10)],
                           [message(i, "a") for i in range(10, 20)], [message(i, "c") for i in range(20, 30)])
        got = self.c.consume(t, {0: 0}, 20, read_committed=True)
        values = sorted(int(r.value[1:]) for r in got)
        check(values == list(range(10)) + list(range(20, 30)), f"read_committed saw {values}")

    # --- security: a metadata request through each listener, with its authentication
    def sasl_plain(self):
        self.c.sasl_metadata(os.environ.get("CHRONIK_SASL_BOOTSTRAP", BOOTSTRAP), "compat", "compat-secret")

    def sasl_scram(self, mechanism):
        self.c.sasl_metadata(os.environ.get("CHRONIK_SASL_BOOTSTRAP", BOOTSTRAP), "compat", "compat-secret",
                             mechanism=mechanism)

    def sasl_oauthbearer(self):
        self.c.oauth_metadata(os.environ.get("CHRONIK_SASL_BOOTSTRAP", BOOTSTRAP), "compat")

    def tls(self):
        self.c.tls_metadata(os.environ.get("CHRONIK_TLS_BOOTSTRAP", BOOTSTRAP), os.environ.get("CHRONIK_TLS_CA", ""))

    def mtls(self):
        cert, key = os.environ.get("CHRONIK_TLS_CLIENT_CERT", ""), os.environ.get("CHRONIK_TLS_CLIENT_KEY", "")
        check(cert and key, "no client certificate (CHRONIK_TLS_CLIENT_CERT and CHRONIK_TLS_CLIENT_KEY)")
        self.c.tls_metadata(os.environ.get("CHRONIK_MTLS_BOOTSTRAP", BOOTSTRAP), os.environ.get("CHRONIK_TLS_CA", ""),
                            cert=cert, key=key)

    def sasl_ssl(self):
        self.c.sasl_metadata(os.environ.get("CHRONIK_SASL_SSL_BOOTSTRAP", BOOTSTRAP), "compat", "compat-secret",
                             mechanism="SCRAM-SHA-512", tls=True, ca=os.environ.get("CHRONIK_TLS_CA", ""))

    def plan(self):
        p = [("metadata", self.metadata), ("create_topic", self.create_topic),
             ("create_topic_configs", self.create_topic_configs),
             (["produce_keys_headers", "produce_acks_all", "consume_beginning"], self.produce_keys_headers)]
        for codec in ("gzip", "snappy", "lz4", "zstd"):
            p.append((f"produce_{codec}", lambda codec=codec: self.produce_codec(codec)))
        p += [("produce_acks_0", lambda: self.produce_acks(0)), ("produce_acks_1", lambda: self.produce_acks(1)),
              ("produce_acks_all", lambda: self.produce_acks("all")), ("produce_idempotent", self.produce_idempotent),
              ("consume_offset", self.consume_offset), ("consume_timestamp", self.consume_timestamp),
              ("list_offsets", self.list_offsets), ("describe_configs", self.describe_configs),
              ("alter_configs", self.alter_configs)]
        p += [(op, getattr(self, op)) for op in ("group_join", "group_rebalance", "group_commit", "group_resume",
                                                  "group_describe", "group_list", "group_reset_offsets",
                                                  "group_delete", "group_rebalance_exactly_once",
                                                  "group_consumer_protocol", "delete_records", "delete_topic",
                                                  "transactions", "sasl_plain", "tls")]
        p += [("sasl_scram_sha_256", lambda: self.sasl_scram("SCRAM-SHA-256")),
              ("sasl_scram_sha_512", lambda: self.sasl_scram("SCRAM-SHA-512")),
              ("sasl_oauthbearer", self.sasl_oauthbearer), ("mtls", self.mtls), ("sasl_ssl", self.sasl_ssl)]
        return p


def main():
    client = sys.argv[1]
    c = ADAPTERS[client](BOOTSTRAP)
    print("COMPAT-VERSION " + json.dumps({"version": c.version()}), flush=True)
    s = Scenarios(client, c)
    signal.signal(signal.SIGALRM, _alarm)
    passed = failed = 0
    plan = s.plan()
    current = {"index": 0, "start": time.time()}

    def watchdog():
        # A client stuck where even SIGALRM cannot reach it (a blocking wait in a native
        # library or a retry loop that swallows everything): report and stop.
        while True:
            time.sleep(1)
            i = current["index"]
            limit = _budget[0] + SCENARIO_SECONDS
            if i < len(plan) and time.time() - current["start"] > limit:
                emit(plan[i][0], "fail", f"the client hung: no return within {limit} s")
                for ops, _ in plan[i + 1:]:
                    emit(ops, "fail", f"not run: the client hung in an earlier scenario ({plan[i][0]})")
                print(f"{passed} passed, {len(plan) - passed} failed", flush=True)
                os._exit(1)
    threading.Thread(target=watchdog, daemon=True).start()
    for index, (ops, fn) in enumerate(plan):
        start = time.time()
        current.update(index=index, start=start)
        # Group operations wait for the group to settle; not that long once joining failed.
        grouped = any(op.startswith("group_") for op in (ops if isinstance(ops, list) else [ops]))
        _budget[0] = BUDGETS.get(ops if isinstance(ops, str) else "", s.wait + 15 if grouped else SCENARIO_SECONDS)
        signal.alarm(_budget[0])
        try:
            fn()
            signal.alarm(0)
            emit(ops, "pass")
            passed += 1
        except Unsupported as e:
            signal.alarm(0)
            emit(ops, "unsupported", str(e))
        except BaseException as e:  # noqa: BLE001 (every failure is reported, with its reason)
            signal.alarm(0)
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            emit(ops, "fail", f"{type(e).__name__}: {e}")
            traceback.print_exc(file=sys.stderr)
            failed += 1
        print(f"# {ops} {time.time() - start:.1f}s", file=sys.stderr, flush=True)
    current["index"] = len(plan)
    print(f"{passed} passed, {failed} failed")
    os._exit(0)  # client threads (librdkafka, kafka-python's) must not hold the exit up


if __name__ == "__main__":
    main()
