"""What a TLS listener carries, however the client cuts it into TLS records, against the
chronik binary or, with --kafka, against Apache Kafka (single-node KRaft,
tests/captures/kafka-broker.sh), so that the answers the checks expect are Kafka's.

On an SSL listener (a self-signed certificate for 127.0.0.1 made at test time): many requests
in one TLS record are answered in order; a request sent one byte per TLS record is answered;
records of 600 KB (each many TLS records, in requests and responses of megabytes) and
thousands of small ones travel both ways intact with librdkafka's TLS and with Python's;
a TLS 1.3 key update asked of the broker mid-connection (openssl s_client's "K") is
answered and requests go on.

usage: test_tls_transport.py <path to chronik> [unittest options]
       test_tls_transport.py --kafka [unittest options]    (env KAFKA_VERSION, default 3.9.1)
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
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from target_broker import start  # noqa: E402  (reads the command line)

from confluent_kafka import Consumer, Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402


def api_versions(correlation_id):
    """An ApiVersions v0 request frame."""
    body = struct.pack(">hhi", 18, 0, correlation_id) + struct.pack(">h", 8) + b"tls-test"
    return struct.pack(">i", len(body)) + body


def read_answers(tls, count):
    """`count` response frames from `tls`: [(correlation id, error code)]."""
    data = b""
    answers = []
    while len(answers) < count:
        while len(data) >= 4 and len(data) >= 4 + struct.unpack(">i", data[:4])[0]:
            size = struct.unpack(">i", data[:4])[0]
            answers.append(struct.unpack(">ih", data[4:10]))
            data = data[4 + size:]
        if len(answers) < count:
            chunk = tls.recv(1 << 20)
            if not chunk:
                break
            data += chunk
    return answers


class TlsTransport(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="chronik-tlstransport-")
        cls.cert = os.path.join(cls.tmp, "cert.pem")
        key = os.path.join(cls.tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                        "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cls.cert],
                       check=True, capture_output=True)
        keystore = os.path.join(cls.tmp, "keystore.pem")
        with open(keystore, "w") as out:
            for part in (key, cls.cert):
                with open(part) as pem:
                    out.write(pem.read())
        cls.broker = start("ssl.keystore.type=PEM", f"listener.name.ssl.ssl.keystore.location={keystore}",
                           extra_listeners=["SSL"], name="tlstransport")
        cls.ssl = f"127.0.0.1:{cls.broker.ports['SSL']}"

    @classmethod
    def tearDownClass(cls):
        code = cls.broker.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert code == 0, code

    def connect(self):
        context = ssl.create_default_context(cafile=self.cert)
        raw = socket.create_connection(("127.0.0.1", self.broker.ports["SSL"]), timeout=30)
        return context.wrap_socket(raw, server_hostname="127.0.0.1")

    def test_requests_in_one_record_are_answered_in_order(self):
        with self.connect() as tls:
            tls.sendall(b"".join(api_versions(i) for i in range(1, 301)))  # 9 KB: one TLS record
            self.assertEqual(read_answers(tls, 300), [(i, 0) for i in range(1, 301)])

    def test_a_request_in_one_byte_records_is_answered(self):
        with self.connect() as tls:
            for byte in api_versions(7):
                tls.sendall(bytes([byte]))  # each write of Python's ssl module is a TLS record
            self.assertEqual(read_answers(tls, 1), [(7, 0)])
            tls.sendall(api_versions(8))
            self.assertEqual(read_answers(tls, 1), [(8, 0)])

    def round_trip(self, produce, consume):
        """600 KB records and small ones, produced and consumed back: what came back."""
        name = f"tls-transport-{uuid.uuid4().hex[:8]}"
        admin = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        admin.create_topics([NewTopic(name, 2, 1)])[name].result(30)
        sent = [os.urandom(600 * 1024) for _ in range(8)] + [os.urandom(i % 300) for i in range(3000)]
        produce(name, sent)
        got = consume(name, len(sent))
        self.assertEqual(sorted(got), sorted(sent))

    def test_large_and_small_records_with_librdkafka(self):
        conf = {"bootstrap.servers": self.ssl, "security.protocol": "SSL", "ssl.ca.location": self.cert}

        def produce(name, values):
            p = Producer(dict(conf, **{"linger.ms": 20}))
            for i, v in enumerate(values):
                p.produce(name, v, partition=i % 2)
                p.poll(0)
            self.assertEqual(p.flush(60), 0)

        def consume(name, count):
            c = Consumer(dict(conf, **{"group.id": name, "auto.offset.reset": "earliest"}))
            c.subscribe([name])
            got = []
            deadline = time.time() + 60
            while len(got) < count and time.time() < deadline:
                m = c.poll(1)
                if m is not None and not m.error():
                    got.append(m.value())
            c.close()
            return got

        self.round_trip(produce, consume)

    def test_large_and_small_records_with_pythons_tls(self):
        from kafka import KafkaConsumer, KafkaProducer
        conf = dict(bootstrap_servers=self.ssl, security_protocol="SSL", ssl_cafile=self.cert)

        def produce(name, values):
            p = KafkaProducer(max_request_size=1 << 20, linger_ms=20, **conf)
            for i, v in enumerate(values):
                p.send(name, v, partition=i % 2)
            p.flush(60)
            p.close()

        def consume(name, count):
            c = KafkaConsumer(name, group_id=name, auto_offset_reset="earliest", consumer_timeout_ms=20000, **conf)
            got = [m.value for _, m in zip(range(count), c)]
            c.close()
            return got

        self.round_trip(produce, consume)

    def test_a_key_update_mid_connection(self):
        # openssl s_client sends a TLS 1.3 KeyUpdate asking for the broker's ("K" on a line of
        # its own): the broker's answer after it comes under its new key, which s_client reads.
        s = subprocess.Popen(["openssl", "s_client", "-tls1_3", "-connect", self.ssl, "-CAfile", self.cert],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            def send(data):
                s.stdin.write(data)
                s.stdin.flush()
                time.sleep(1)  # one read of s_client's each

            send(api_versions(0x0B0C0D01))
            send(b"K\n")
            send(api_versions(0x0B0C0D02))
            send(b"K\n")
            send(api_versions(0x0B0C0D03))
        finally:
            s.stdin.close()
            out = s.stdout.read()
            s.wait(30)
        self.assertEqual(out.count(b"KEYUPDATE"), 2, out[-2000:])
        for i in (1, 2, 3):  # each answer's correlation id and error code 0
            self.assertIn(struct.pack(">ih", 0x0B0C0D00 + i, 0), out, out[-2000:])


if __name__ == "__main__":
    unittest.main()
