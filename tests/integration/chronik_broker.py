"""The real chronik binary on free loopback ports with a temporary data dir, for the Python
integration tests (tests/integration/python, tests/integration/admin)."""
import os
import shutil
import socket
import subprocess
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    """`overrides` are key=value configs. With `admin`, the admin endpoint gets a port of
    its own (`url`); otherwise it binds an ephemeral one. `env` is added to the broker's
    environment. restart() keeps the data dir."""

    def __init__(self, binary, *overrides, admin=False, prefix="chronik-py-", env=None, extra_listeners=()):
        self.binary = binary
        self.overrides = overrides
        self.env = dict(os.environ, **(env or {}))
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.port = free_port()
        # Listener name -> port, after the PLAINTEXT one (e.g. SASL_PLAINTEXT, SSL).
        self.ports = {name: free_port() for name in extra_listeners}
        self.admin_port = free_port() if admin else 0
        self.logname = self.dir + ".log"
        self.log = open(self.logname, "a")
        self.proc = None
        self.start()

    def start(self):
        listeners = ",".join([f"PLAINTEXT://127.0.0.1:{self.port}"] +
                             [f"{name}://127.0.0.1:{port}" for name, port in self.ports.items()])
        args = [self.binary, "--override", f"listeners={listeners}",
                "--override", f"log.dirs={self.dir}",
                "--override", f"admin.listeners=http://127.0.0.1:{self.admin_port}"]
        for o in self.overrides:
            args += ["--override", o]
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.time() + 20
        for port in [self.port, *self.ports.values()] + ([self.admin_port] if self.admin_port else []):
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError("chronik exited at start-up:\n" + self.tail())
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.time() > deadline:
                        raise RuntimeError("chronik did not start:\n" + self.tail())
                    time.sleep(0.05)

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    @property
    def url(self):
        return f"http://127.0.0.1:{self.admin_port}"

    def authentication_metrics(self):
        """chronik_authentications_total by (kind, result), and
        chronik_expired_sessions_closed_total, from /metrics (needs `admin`)."""
        import re
        import urllib.request
        with urllib.request.urlopen(self.url + "/metrics", timeout=10) as r:
            text = r.read().decode()
        return {m.group(1, 2): int(m.group(3)) for m in re.finditer(
            r'^chronik_authentications_total\{kind="(\w+)",result="(\w+)"\} (\d+)$', text, re.M)}, \
            int(re.search(r"^chronik_expired_sessions_closed_total (\d+)$", text, re.M).group(1))

    def log_text(self):
        self.log.flush()
        with open(self.logname) as f:
            return f.read()

    def tail(self, n=60):
        return "".join(self.log_text().splitlines(keepends=True)[-n:])

    def terminate(self):
        self.proc.terminate()
        return self.proc.wait(30)

    def restart(self):
        code = self.terminate()
        self.start()
        return code

    def stop(self, keep=False):
        """SIGTERM; returns the exit status. The data dir and log stay when asked or when
        the broker did not exit cleanly, for a look afterwards."""
        code = self.terminate()
        self.log.close()
        if code == 0 and not keep:
            shutil.rmtree(self.dir, ignore_errors=True)
            os.unlink(self.logname)
        return code
