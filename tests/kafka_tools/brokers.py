"""The two brokers of the suite: a fresh chronik and a fresh Apache Kafka (single-node KRaft
from Maven, tests/captures/kafka-broker.sh), each on a free loopback port."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROPERTIES = os.path.join(HERE, "broker.properties")  # the settings both brokers run with


def free_port(pair=False):
    """A free port; with pair, one whose successor is free too (Kafka's controller listener)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if not pair:
            return port
        try:
            with socket.socket() as s:
                s.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue


def listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


class Broker:
    name = "?"

    def __init__(self, workdir, name=None):
        self.name = name or self.name
        self.workdir = tempfile.mkdtemp(prefix=f"kafka-tools-{self.name}-", dir=workdir)
        self.port = None
        self.proc = None
        self.log_path = os.path.join(self.workdir, f"{self.name}.log")

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    def wait(self, deadline):
        while not listening(self.port):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"{self.name} did not start:\n" + self.log_tail())
            time.sleep(0.1)

    def log_tail(self, n=30):
        try:
            return "".join(open(self.log_path, errors="replace").readlines()[-n:])
        except OSError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Chronik(Broker):
    name = "chronik"

    def __init__(self, workdir, binary):
        super().__init__(workdir)
        self.binary = binary

    @property
    def data_dir(self):
        return os.path.join(self.workdir, "data")

    def start(self):
        self.port = free_port()
        log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [self.binary, "--config", PROPERTIES, "--override", f"listeners=PLAINTEXT://{self.bootstrap}",
             "--override", f"log.dirs={self.data_dir}", "--override", "admin.listeners=http://127.0.0.1:0"],
            stdout=log, stderr=subprocess.STDOUT)

    def version(self):
        try:
            return subprocess.run([self.binary, "--version"], capture_output=True, text=True).stdout.strip()
        except OSError:
            return "?"


class Kafka(Broker):
    name = "kafka"

    def version(self):
        return f"Apache Kafka {self.kafka_version}"

    def __init__(self, workdir, version, name=None):
        super().__init__(workdir, name)
        self.kafka_version = version

    @property
    def data_dir(self):
        return os.path.join(self.workdir, "data")

    def start(self):
        self.port = free_port(pair=True)
        settings = "".join(l for l in open(PROPERTIES) if l.strip() and not l.startswith("#"))
        env = dict(os.environ, KAFKA_DATA_DIR=self.workdir, KAFKA_VERSION=self.kafka_version, KAFKA_EXTRA_PROPS=settings)
        self.proc = subprocess.Popen([os.path.join(ROOT, "tests", "captures", "kafka-broker.sh"), str(self.port)],
                                     stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)

    def stop(self):
        # kafka-broker.sh execs java: the process is the broker.
        super().stop()


def cleanup(brokers, keep):
    for b in brokers:
        b.stop()
        if not keep:
            shutil.rmtree(b.workdir, ignore_errors=True)
