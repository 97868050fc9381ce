#!/usr/bin/env python3
"""Acknowledged writes survive kill -9: producers write without pause while the broker is
killed with SIGKILL at random moments and restarted on the same data dir, round after round.
At the end every acknowledged record must be stored at the offset it was acknowledged with,
and no record may be stored twice (the producers are idempotent).

    tests/soak/kill9_durability.py --rounds 3                       # the short version (ctest)
    tests/soak/kill9_durability.py --minutes 30 --report docs/durability.md   # the long one

Each round alternates between an fsync per message (log.flush.interval.messages=1) and none:
a killed process loses nothing the kernel already has, so both must keep every ack.
"""
import argparse
import datetime
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOPIC = "durability"
PARTITIONS = 3


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    def __init__(self, binary, data_dir, port):
        self.binary, self.data_dir, self.port = binary, data_dir, port
        self.proc = None
        self.log = open(data_dir + ".log", "a")

    def start(self, fsync):
        args = [self.binary, "--override", f"listeners=PLAINTEXT://127.0.0.1:{self.port}",
                "--override", f"log.dirs={self.data_dir}", "--override", "admin.listeners=http://127.0.0.1:0",
                "--override", f"log.flush.interval.messages={1 if fsync else 9223372036854775807}"]
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"durability: chronik exited at start-up (see {self.data_dir}.log)")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        sys.exit("durability: chronik did not start")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(60)


class Writer(threading.Thread):
    """An idempotent acks=all producer writing "<name>-<n>" without pause, keeping what was
    acknowledged: (partition, offset) -> value."""

    def __init__(self, bootstrap, name, rate):
        super().__init__(daemon=True)
        self.name_ = name
        self.rate = rate
        self.acked = {}
        self.failed = 0
        self.stopping = False
        self.producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
                                  "linger.ms": 2, "message.timeout.ms": 120000, "reconnect.backoff.max.ms": 200,
                                  "log_level": 2})

    def delivered(self, err, msg):
        if err is None:
            self.acked[(msg.partition(), msg.offset())] = msg.value().decode()
        else:
            self.failed += 1

    def run(self):
        n = 0
        start = time.time()
        while not self.stopping:
            if n > (time.time() - start) * self.rate:
                self.producer.poll(0.01)
                continue
            try:
                self.producer.produce(TOPIC, f"{self.name_}-{n}".encode(), on_delivery=self.delivered)
                n += 1
            except BufferError:
                self.producer.poll(0.05)
            self.producer.poll(0)
        self.producer.flush(120)


def read_all(bootstrap):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "durability-check", "auto.offset.reset": "earliest",
                         "enable.auto.commit": False, "log_level": 2})
    ends = {p: consumer.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=30)[1] for p in range(PARTITIONS)}
    consumer.assign([TopicPartition(TOPIC, p, 0) for p in range(PARTITIONS)])
    stored, done = {}, {p for p, end in ends.items() if end == 0}
    deadline = time.time() + 300
    while len(done) < PARTITIONS and time.time() < deadline:
        for msg in consumer.consume(10000, 1):
            if msg.error():
                if msg.error().code() != KafkaError._PARTITION_EOF:
                    sys.exit(f"durability: consume failed: {msg.error()}")
                continue
            stored[(msg.partition(), msg.offset())] = msg.value().decode()
            if msg.offset() + 1 >= ends[msg.partition()]:
                done.add(msg.partition())
    consumer.close()
    return stored, sum(ends.values())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chronik", default=os.path.join(ROOT, "build", "broker", "chronik"))
    ap.add_argument("--rounds", type=int, default=3, help="kill -9 rounds (ignored with --minutes)")
    ap.add_argument("--minutes", type=float, help="run rounds for this long instead")
    ap.add_argument("--writers", type=int, default=3)
    ap.add_argument("--rate", type=int, default=5000, help="records per second per writer")
    ap.add_argument("--report", help="append a result line to this markdown file")
    args = ap.parse_args()
    random.seed(os.getpid())

    data_dir = tempfile.mkdtemp(prefix="chronik-durability-")
    broker = Broker(args.chronik, data_dir, free_port())
    bootstrap = f"127.0.0.1:{broker.port}"
    broker.start(fsync=True)
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)])[TOPIC].result(30)
    writers = [Writer(bootstrap, f"w{i}", args.rate) for i in range(args.writers)]
    for w in writers:
        w.start()

    started = time.time()
    rounds = 0
    while (time.time() - started < args.minutes * 60) if args.minutes else (rounds < args.rounds):
        time.sleep(random.uniform(1.0, 4.0))
        broker.kill9()
        rounds += 1
        time.sleep(random.uniform(0.0, 1.0))
        broker.start(fsync=rounds % 2 == 0)
        acked = sum(len(w.acked) for w in writers)
        print(f"durability: round {rounds}: killed, restarted ({'fsync' if rounds % 2 == 0 else 'no fsync'}), "
              f"{acked} acknowledged so far", flush=True)
    time.sleep(2)
    for w in writers:
        w.stopping = True
    for w in writers:
        w.join(180)

    acked = {}
    for w in writers:
        acked.update(w.acked)
    stored, total = read_all(bootstrap)
    lost = [k for k, v in acked.items() if stored.get(k) != v]
    values = list(stored.values())
    duplicates = len(values) - len(set(values))
    exit_code = broker.stop()
    shutil.rmtree(data_dir, ignore_errors=True)
    minutes = (time.time() - started) / 60
    summary = (f"{rounds} kill -9 rounds in {minutes:.1f} min, {len(acked)} acknowledged records, "
               f"{total} stored: {len(lost)} lost, {duplicates} duplicated, {sum(w.failed for w in writers)} "
               f"not acknowledged, SIGTERM exit {exit_code}")
    print("durability: " + summary, flush=True)
    if args.report:
        with open(args.report, "a") as f:
            f.write(f"| {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC | "
                    f"`tests/soak/kill9_durability.py --minutes {args.minutes}` | {summary} |\n")
    ok = not lost and duplicates == 0 and exit_code == 0 and len(acked) > 0 and total >= len(acked)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
