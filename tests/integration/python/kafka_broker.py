"""Apache Kafka (single-node KRaft from Maven jars, tests/captures/kafka-broker.sh) with the
interface of chronik_broker.Broker, so that a Python test can run its checks against Kafka
too and expect Kafka's answers. KAFKA_VERSION (default 3.9.1) picks the version."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "captures", "kafka-broker.sh")


def free_port(pair=False):
    """A free port; with pair, one whose successor is free too (kafka-broker.sh puts the KRaft
    controller listener there)."""
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


# A broker killed with -9 keeps its KRaft session with the controller until the session times
# out (9 s by default); its restart waits for that before it serves requests.
DEFAULTS = ("broker.session.timeout.ms=2000", "broker.heartbeat.interval.ms=500")


class Broker:
    """`overrides` are key=value lines of server.properties (after kafka-broker.sh's own; a
    repeated key takes the later value). `extra_listeners` may hold SASL_PLAINTEXT, SSL and
    SASL_SSL, the extra listeners kafka-broker.sh has; their ports are in `ports`. restart() and start() after a
    kill keep the data dir (kafka-broker.sh formats it only once)."""

    def __init__(self, *overrides, prefix="kafka-py-", extra_listeners=(), start_timeout=120):
        unknown = set(extra_listeners) - {"SASL_PLAINTEXT", "SSL", "SASL_SSL"}
        if unknown:
            raise ValueError(f"kafka-broker.sh has no {', '.join(sorted(unknown))} listener")
        self.overrides = overrides
        self.start_timeout = start_timeout
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.port = free_port(pair=True)
        self.ports = {}
        for name in extra_listeners:
            while (port := free_port()) in (self.port, self.port + 1):
                pass  # the controller's port is free until Kafka binds it
            self.ports[name] = port
        self.logname = self.dir + ".log"
        self.log = open(self.logname, "a")
        self.proc = None
        self.start()

    def start(self):
        env = dict(os.environ, KAFKA_DATA_DIR=self.dir, KAFKA_EXTRA_PROPS="\n".join(DEFAULTS + self.overrides))
        if "SASL_PLAINTEXT" in self.ports:
            env["KAFKA_SASL_PORT"] = str(self.ports["SASL_PLAINTEXT"])
        if "SSL" in self.ports:
            env["KAFKA_SSL_PORT"] = str(self.ports["SSL"])
        if "SASL_SSL" in self.ports:
            env["KAFKA_SASL_SSL_PORT"] = str(self.ports["SASL_SSL"])
        # kafka-broker.sh execs java: proc is the broker itself (kill -9 kills Kafka).
        self.proc = subprocess.Popen([SCRIPT, str(self.port)], stdout=self.log, stderr=subprocess.STDOUT, env=env)
        try:
            self.wait_ready()
        except BaseException:
            self.kill()
            raise

    def wait_ready(self):
        """Kafka binds its ports before it serves requests (KRaft: until the broker has caught
        up with the metadata log and registered), so the port alone does not say it is up."""
        from confluent_kafka.admin import AdminClient
        deadline = time.time() + self.start_timeout
        for port in [self.port, *self.ports.values()]:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError("kafka exited at start-up:\n" + self.tail())
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.time() > deadline:
                        raise RuntimeError("kafka did not start:\n" + self.tail())
                    time.sleep(0.2)
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("kafka exited at start-up:\n" + self.tail())
            try:
                if admin.list_topics(timeout=2).brokers:
                    return
            except Exception:
                pass
            if time.time() > deadline:
                raise RuntimeError("kafka lists no broker:\n" + self.tail())
            time.sleep(0.2)

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    def log_text(self):
        self.log.flush()
        with open(self.logname) as f:
            return f.read()

    def tail(self, n=60):
        return "".join(self.log_text().splitlines(keepends=True)[-n:])

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)

    def terminate(self):
        """SIGTERM (a controlled shutdown); 0 when Kafka stopped cleanly (the JVM exits with
        128+15 after its shutdown hooks)."""
        self.proc.terminate()
        try:
            code = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.kill()
            return -signal.SIGKILL
        return 0 if code in (0, 128 + signal.SIGTERM, -signal.SIGTERM) else code

    def restart(self):
        code = self.terminate()
        self.start()
        return code

    def stop(self, keep=False):
        """Like chronik_broker.Broker.stop: the data dir and log stay when asked or when Kafka
        did not stop cleanly."""
        code = self.terminate()
        self.log.close()
        if code == 0 and not keep:
            shutil.rmtree(self.dir, ignore_errors=True)
            os.unlink(self.logname)
        return code


def run(*overrides, timeout=120):
    """kafka-broker.sh in the foreground on a fresh data dir and free ports, for a start-up
    expected to fail: its CompletedProcess (exit status, stdout and stderr as text). A Kafka
    that starts after all is killed at the timeout (subprocess.TimeoutExpired)."""
    work = tempfile.mkdtemp(prefix="kafka-py-run-")
    try:
        env = dict(os.environ, KAFKA_DATA_DIR=work, KAFKA_EXTRA_PROPS="\n".join(DEFAULTS + overrides))
        return subprocess.run([SCRIPT, str(free_port(pair=True))], capture_output=True, text=True, env=env,
                              timeout=timeout)
    finally:
        shutil.rmtree(work, ignore_errors=True)
