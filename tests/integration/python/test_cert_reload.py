"""Certificates replaced without a restart (KIP-226), against the chronik binary or, with
--kafka, against Apache Kafka (single-node KRaft, tests/captures/kafka-broker.sh) so that the
answers the checks expect are Kafka's.

An SSL listener starts with one key store; an IncrementalAlterConfigs of the broker's
`listener.name.ssl.ssl.keystore.location` switches it to another file, or re-reads the same
file after it changed. New connections get the new certificate, open ones keep theirs. Kafka's
refusals: a cluster-wide default, a key without the listener prefix, a certificate whose
subject or subject alternative names differ, a file that cannot be read; the listener keeps
serving its certificate after each. The replacement survives a restart.

usage: test_cert_reload.py <path to chronik> [unittest options]
       test_cert_reload.py --kafka [unittest options]    (env KAFKA_VERSION, default 3.9.1)
"""
import os
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from target_broker import KAFKA, start  # noqa: E402  (reads the command line)

from confluent_kafka import Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, ConfigResource  # noqa: E402
from confluent_kafka.admin import ConfigSource, ResourceType  # noqa: E402

BROKER_ID = "1"  # node.id of both brokers
LOCATION = "listener.name.ssl.ssl.keystore.location"
INVALID_REQUEST = 42


class Certificates:
    """A CA and server key stores made with the openssl CLI at test time (no key is ever
    committed). Each key store is a new key and certificate: the PEM file Kafka reads, the
    private key then the certificate."""

    def __init__(self, d):
        self.dir = d
        self.run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                 "-subj", "/CN=chronik-reload-ca")
        self.ca = os.path.join(d, "ca.pem")
        self.count = 0

    def run(self, *args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=self.dir)

    def keystore(self, name, subject="/CN=localhost", san="IP:127.0.0.1,DNS:localhost"):
        """A new key and certificate in <dir>/<name>; returns the path and the certificate (DER)."""
        self.count += 1
        base = f"cert{self.count}"
        with open(os.path.join(self.dir, f"{base}.ext"), "w") as f:
            f.write(f"subjectAltName={san}\n")
        self.run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{base}.key", "-out", f"{base}.csr",
                 "-subj", subject)
        self.run("x509", "-req", "-in", f"{base}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", f"{base}.pem", "-days", "2", "-extfile", f"{base}.ext")
        path = os.path.join(self.dir, name)
        with open(path + ".tmp", "w") as out:
            for part in (f"{base}.key", f"{base}.pem"):
                with open(os.path.join(self.dir, part)) as f:
                    out.write(f.read())
        os.replace(path + ".tmp", path)  # a reader never sees half a file
        with open(os.path.join(self.dir, f"{base}.pem")) as f:
            return path, ssl.PEM_cert_to_DER_cert(f.read())


class CertificateReload(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="chronik-reload-")
        cls.certs = Certificates(cls.tmp)
        cls.first_path, cls.first = cls.certs.keystore("first.pem")
        settings = ("ssl.keystore.type=PEM", f"{LOCATION}={cls.first_path}")
        cls.broker = start(*settings, extra_listeners=["SSL"], name="reload")
        cls.admin = AdminClient({"bootstrap.servers": cls.broker.bootstrap})

    @classmethod
    def tearDownClass(cls):
        code = cls.broker.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert code == 0, code

    def served(self):
        """The certificate (DER) a new TLS connection to the SSL listener gets."""
        context = ssl.create_default_context(cafile=self.certs.ca)
        with socket.create_connection(("127.0.0.1", self.broker.ports["SSL"]), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                return tls.getpeercert(binary_form=True)

    def alter(self, name, value, broker=BROKER_ID):
        """IncrementalAlterConfigs v0 setting one broker config, in a frame of its own (the
        clients' admin APIs cannot name the cluster-wide default, ""): None, or (error code,
        message)."""
        def string(text):
            data = text.encode()
            return struct.pack(">h", len(data)) + data
        body = (struct.pack(">hhi", 44, 0, 7) + string("reload-test")
                + struct.pack(">ib", 1, 4) + string(broker)                  # one BROKER resource
                + struct.pack(">i", 1) + string(name) + struct.pack(">b", 0)  # one SET
                + string(value) + struct.pack(">b", 0))                       # not validate_only
        with socket.create_connection(("127.0.0.1", int(self.broker.bootstrap.rsplit(":", 1)[1])), timeout=30) as s:
            s.sendall(struct.pack(">i", len(body)) + body)
            def read(n):
                data = b""
                while len(data) < n:
                    chunk = s.recv(n - len(data))
                    self.assertTrue(chunk, "connection closed")
                    data += chunk
                return data
            answer = read(struct.unpack(">i", read(4))[0])
        # correlation id, throttle time, 1 response: error code, error message, ...
        self.assertEqual(struct.unpack(">iii", answer[:12]), (7, 0, 1))
        code, length = struct.unpack(">hh", answer[12:16])
        message = answer[16:16 + length].decode() if length >= 0 else None
        return None if code == 0 else (code, message)

    def wait_served(self, cert):
        """Kafka applies an accepted change when its metadata reaches the broker: soon, not at once."""
        deadline = time.time() + 15
        while self.served() != cert and time.time() < deadline:
            time.sleep(0.2)
        self.assertEqual(self.served(), cert)

    def producer(self):
        return Producer({"bootstrap.servers": f"127.0.0.1:{self.broker.ports['SSL']}", "security.protocol": "SSL",
                         "ssl.ca.location": self.certs.ca})

    def produce(self, p, value):
        errors = []
        p.produce("reload-topic", value, on_delivery=lambda e, m: errors.append(e))
        self.assertEqual(p.flush(30), 0)
        self.assertEqual(errors, [None])

    def test_reload(self):
        self.assertEqual(self.served(), self.first)
        # A connection opened with the first certificate.
        p = self.producer()
        self.produce(p, b"before")

        # Another file with a new key and certificate, same subject and names: accepted.
        second_path, second = self.certs.keystore("second.pem")
        self.assertIsNone(self.alter(LOCATION, second_path))
        self.wait_served(second)
        if not KAFKA:  # one line for the operator
            self.assertIn("listener SSL: new connections get certificate CN=localhost (serial ", self.broker.log_text())
        self.produce(p, b"open connection")  # keeps its session
        self.produce(self.producer(), b"new connection")

        # The same file rewritten, altered to the same value: re-read.
        _, third = self.certs.keystore("second.pem")
        self.assertIsNone(self.alter(LOCATION, second_path))
        self.wait_served(third)

        # Kafka's refusals, INVALID_REQUEST each; the listener keeps its certificate.
        for what, name, value, broker, says in (
                ("a cluster-wide default", LOCATION, second_path, "",
                 "Cannot update these configs at default cluster level, broker id must be specified"),
                ("a key without the listener prefix", "ssl.keystore.location", second_path, BROKER_ID,
                 "These security configs can be dynamically updated only per-listener using the listener prefix"),
                ("another subject", LOCATION, self.certs.keystore("other-dn.pem", subject="/CN=other")[0], BROKER_ID,
                 "Keystore DistinguishedName does not match"),
                ("other names", LOCATION, self.certs.keystore("other-san.pem", san="DNS:other")[0], BROKER_ID,
                 "Keystore SubjectAltNames do not match"),
                ("a missing file", LOCATION, os.path.join(self.tmp, "missing.pem"), BROKER_ID,
                 os.path.join(self.tmp, "missing.pem")),
                ("a file without a key", LOCATION, self.certs.ca, BROKER_ID, self.certs.ca)):
            with self.subTest(what):
                code, message = self.alter(name, value, broker=broker)
                self.assertEqual(code, INVALID_REQUEST, message)
                self.assertIn(says, message)
        self.assertEqual(self.served(), third)
        self.produce(p, b"after the refusals")
        p.flush(5)

        # DescribeConfigs lists the listener's key store as Kafka does: set on this broker.
        resource = ConfigResource(ResourceType.BROKER, BROKER_ID)
        entry = list(self.admin.describe_configs([resource]).values())[0].result(30)[LOCATION]
        self.assertEqual((entry.value, entry.source, entry.is_sensitive, entry.is_read_only),
                         (second_path, ConfigSource.DYNAMIC_BROKER_CONFIG.value, False, True))

        # Kept across a restart.
        self.broker.restart()
        self.assertEqual(self.served(), third)


if __name__ == "__main__":
    unittest.main()
