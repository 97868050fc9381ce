"""Exactly-once consumption across rebalances, for confluent-kafka, kafka-python and aiokafka.

Two members split an 8-partition topic, a third joins, then the first leaves; every record
is consumed exactly once throughout. Shared by the compatibility suite (scenarios.py, with
the client under test) and the consumer-group integration test
(tests/integration/python/test_groups.py).

Each member runs in its own thread (a client whose poll blocks until its join completes,
kafka-python before 2.1, needs that to let the others rejoin), commits synchronously after
every batch and, where the client allows, when its partitions are revoked, so that a
rebalance never hands over uncommitted work.
"""
import asyncio
import logging
import re
import threading
import time

PARTITIONS = 8


def wait_for(cond, timeout, what, members=()):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        for m in members:
            if not m.is_alive() and m.error:  # a member that died will not come round
                raise AssertionError(f"{m.name}: {type(m.error).__name__}: {m.error}") from m.error
        time.sleep(0.05)
    what = what() if callable(what) else what
    notes = [m.notes[-1] for m in members if m.notes]
    raise AssertionError(f"timed out after {timeout} s waiting for {what}" + (f"; {notes[0]}" if notes else ""))


class Member(threading.Thread):
    """A group member in its own thread; records its assignment and everything it consumed
    as (key, partition, offset, member name) in the shared sink."""

    def __init__(self, name, bootstrap, group, topic, sink, lock, session_ms, **conf):
        super().__init__(name=name, daemon=True)
        self.bootstrap, self.group, self.topic = bootstrap, group, topic
        self.sink, self.lock, self.session_ms, self.conf = sink, lock, session_ms, conf
        self.assignment = set()
        self.stopping = threading.Event()
        self.error = None
        self.notes = []  # what the client complained about, for a failure's reason

    def run(self):
        try:
            self.loop()
        except Exception as e:  # reported by stop()
            self.error = e

    def snapshot(self):
        with self.lock:
            return set(self.assignment)

    def assigned(self, partitions):
        with self.lock:
            self.assignment = set(partitions)

    def consumed(self, got):
        if got:
            with self.lock:
                self.sink.extend(got)

    def stop(self):
        self.stopping.set()
        self.join(30)
        if self.is_alive():
            raise AssertionError(f"{self.name} did not stop within 30 s")
        if self.error:
            raise AssertionError(f"{self.name}: {type(self.error).__name__}: {self.error}") from self.error


class _Notes(logging.Handler):
    """librdkafka's complaints: warnings, and the group debug lines that say why it gave up
    on a coordinator (it tells the application nothing else when a broker lacks an API)."""

    def __init__(self, notes):
        super().__init__(logging.DEBUG)
        self.out = notes

    def emit(self, record):
        msg = " ".join(record.getMessage().split())
        unsupported = re.search(r"[\w ]*not supported by broker[^:;]*", msg)
        if unsupported:
            self.out.append("librdkafka: " + unsupported.group(0).strip())
        elif record.levelno >= logging.WARNING:
            self.out.append(msg[:300])


class ConfluentMember(Member):
    def loop(self):
        from confluent_kafka import Consumer, KafkaException
        log = logging.getLogger(f"rdkafka.{self.name}")
        log.propagate = False
        log.setLevel(logging.DEBUG)
        log.addHandler(_Notes(self.notes))
        conf = {"bootstrap.servers": self.bootstrap, "group.id": self.group,
                "enable.auto.commit": False, "auto.offset.reset": "earliest",
                "error_cb": lambda e: self.notes.append(str(e)), "logger": log}
        if self.session_ms:  # not with group.protocol=consumer: the broker owns the session there
            conf.update({"session.timeout.ms": self.session_ms, "heartbeat.interval.ms": 500})
        else:
            conf["debug"] = "cgrp"
        conf.update(self.conf)
        c = Consumer(conf)

        def on_revoke(consumer, parts):
            try:
                consumer.commit(asynchronous=False)
            except KafkaException:
                pass  # nothing consumed since the last commit

        c.subscribe([self.topic], on_revoke=on_revoke)
        try:
            while not self.stopping.is_set():
                # Read back rather than kept from the callbacks: with cooperative and
                # KIP-848 rebalances those name only the partitions that changed.
                self.assigned(tp.partition for tp in c.assignment())
                got = []
                for m in c.consume(100, 0.2):
                    if m.error():
                        raise RuntimeError(m.error())
                    got.append((m.key().decode(), m.partition(), m.offset(), self.name))
                if got:
                    self.consumed(got)
                    c.commit(asynchronous=False)
        finally:
            c.close()  # LeaveGroup


class KafkaPythonMember(Member):
    def loop(self):
        from kafka import ConsumerRebalanceListener, KafkaConsumer
        c = KafkaConsumer(bootstrap_servers=self.bootstrap, group_id=self.group, enable_auto_commit=False,
                          auto_offset_reset="earliest", session_timeout_ms=self.session_ms,
                          heartbeat_interval_ms=min(1000, self.session_ms // 4), **self.conf)
        member = self

        class Listener(ConsumerRebalanceListener):
            # kafka-python runs listeners where a blocking commit is not allowed; the loop
            # below commits synchronously after every batch, before the next poll (where
            # revocation happens), so nothing is left to commit here.
            def on_partitions_revoked(self, revoked):
                member.assigned(())

            def on_partitions_assigned(self, assigned):
                member.assigned(p.partition for p in assigned)

        c.subscribe([self.topic], listener=Listener())
        try:
            while not self.stopping.is_set():
                batches = c.poll(timeout_ms=200)
                got = [(r.key.decode(), r.partition, r.offset, self.name)
                       for records in batches.values() for r in records]
                if got:
                    self.consumed(got)
                    c.commit()
        finally:
            c.close()  # LeaveGroup


class AioKafkaMember(Member):
    """aiokafka on an event loop of the member's own thread."""

    def loop(self):
        asyncio.run(self.aloop())

    async def aloop(self):
        from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener
        from aiokafka.errors import CommitFailedError, IllegalStateError
        c = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, group_id=self.group, enable_auto_commit=False,
                             auto_offset_reset="earliest", session_timeout_ms=self.session_ms,
                             heartbeat_interval_ms=min(1000, self.session_ms // 4), **self.conf)
        member = self

        class Listener(ConsumerRebalanceListener):
            async def on_partitions_revoked(self, revoked):
                if revoked:  # the rebalance waits for this: hand over only committed work
                    await c.commit()
                member.assigned(())

            async def on_partitions_assigned(self, assigned):
                member.assigned(p.partition for p in assigned)

        c.subscribe([self.topic], listener=Listener())
        await c.start()
        try:
            while not self.stopping.is_set():
                batches = await c.getmany(timeout_ms=200)
                got = [(r.key.decode(), r.partition, r.offset, self.name)
                       for records in batches.values() for r in records]
                if got:
                    self.consumed(got)
                    try:
                        await c.commit()
                    except (CommitFailedError, IllegalStateError):
                        pass  # a rebalance came first; its revocation committed these positions
        finally:
            await c.stop()  # LeaveGroup


MEMBERS = {"confluent-kafka": ConfluentMember, "kafka-python": KafkaPythonMember, "aiokafka": AioKafkaMember}


def stop_all(members):
    errors = []
    for m in members:
        try:
            m.stop()
        except AssertionError as e:
            errors.append(str(e))
    return errors


def split_ok(members):
    """Every partition owned by exactly one of the members, each owning some."""
    parts = [m.snapshot() for m in members]
    if any(not p for p in parts):
        return False
    return set().union(*parts) == set(range(PARTITIONS)) and sum(len(p) for p in parts) == PARTITIONS


def check_once(sink, total, names):
    """Messages m0..m<total-1>, each consumed exactly once, from the partition it was
    produced to (i % PARTITIONS), and by every one of `names`."""
    keys = {}
    for key, part, off, who in sink:
        keys.setdefault(key, []).append((who, part, off))
    dups = {k: v for k, v in keys.items() if len(v) > 1}
    missing = [i for i in range(total) if f"m{i}" not in keys]
    if dups:
        first = sorted(dups, key=lambda k: int(k[1:]))[:1]
        raise AssertionError(f"{len(dups)} messages consumed more than once, e.g. {[(k, dups[k]) for k in first]}")
    if missing:
        raise AssertionError(f"{len(missing)} of {total} messages never consumed, e.g. m{missing[0]}")
    if len(sink) != total:
        raise AssertionError(f"{len(sink)} records consumed, want {total}")
    wrong = [(k, v[0][1]) for k, v in keys.items() if v[0][1] != int(k[1:]) % PARTITIONS]
    if wrong:
        raise AssertionError(f"{len(wrong)} messages read from another partition than produced to, e.g. {wrong[0]}")
    idle = set(names) - {who for _, _, _, who in sink}
    if idle:
        raise AssertionError(f"members {sorted(idle)} consumed nothing")


def rebalance_exactly_once(member_cls, bootstrap, topic, group, produce, session_ms, settle=60, per_phase=400,
                           **conf):
    """The scenario on an existing 8-partition topic. produce(start, count) writes messages
    m<start>..m<start+count-1> (value str(i)) to partition i % PARTITIONS. Raises
    AssertionError naming what went wrong."""
    sink, lock = [], threading.Lock()

    def member(suffix):
        m = member_cls(f"{group}-{suffix}", bootstrap, group, topic, sink, lock, session_ms, **conf)
        m.start()
        members.append(m)
        return m

    members = []
    produce(0, per_phase)
    try:
        a, b = member("a"), member("b")
        wait_for(lambda: split_ok([a, b]), settle, "two members to split the partitions", members)
        produce(per_phase, per_phase)
        c = member("c")
        wait_for(lambda: split_ok([a, b, c]), settle, "three members to split the partitions", members)
        produce(2 * per_phase, per_phase)
        members.remove(a)
        a.stop()
        wait_for(lambda: split_ok([b, c]), settle, "the two remaining members to split the partitions", members)
        produce(3 * per_phase, per_phase)
        total = 4 * per_phase
        wait_for(lambda: len(sink) >= total, settle, lambda: f"{total} messages (consumed {len(sink)})", members)
        time.sleep(0.5)  # a duplicate delivered late would show up here
    except BaseException:
        stop_all(members)  # the first failure is the one to report
        raise
    errors = stop_all(members)
    if errors:
        raise AssertionError("; ".join(errors))
    with lock:
        check_once(list(sink), 4 * per_phase, [f"{group}-a", f"{group}-b", f"{group}-c"])


def split_once(member_cls, bootstrap, topic, group, produce, count=800, settle=60, **conf):
    """Two members (conf decides their protocol) split an existing 8-partition topic and
    read each of `count` messages exactly once."""
    sink, lock = [], threading.Lock()
    members = []
    produce(0, count // 2)
    try:
        for suffix in ("a", "b"):
            m = member_cls(f"{group}-{suffix}", bootstrap, group, topic, sink, lock, 0, **conf)
            m.start()
            members.append(m)
        wait_for(lambda: split_ok(members), settle, "two members to split the partitions", members)
        produce(count // 2, count - count // 2)
        wait_for(lambda: len(sink) >= count, settle, lambda: f"{count} messages (consumed {len(sink)})", members)
        time.sleep(0.5)
    except BaseException:
        stop_all(members)  # the first failure is the one to report
        raise
    errors = stop_all(members)
    if errors:
        raise AssertionError("; ".join(errors))
    with lock:
        check_once(list(sink), count, [m.name for m in members])
