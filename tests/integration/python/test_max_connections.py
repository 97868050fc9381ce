"""max.connections of a listener (listener.name.<l>.max.connections), against the chronik binary
or, with --kafka, against Apache Kafka (single-node KRaft, tests/captures/kafka-broker.sh) so
that the answers the checks expect are Kafka's.

A listener at its maximum does not refuse the next connection: its acceptor stops taking
connections, so a new one waits in the listen backlog, unanswered, until an open one closes.
The SASL_PLAINTEXT listener is the one limited (Kafka exempts its inter-broker listener,
PLAINTEXT in both setups); ApiVersions is answered there before authentication.

usage: test_max_connections.py <path to chronik> [unittest options]
       test_max_connections.py --kafka [unittest options]    (env KAFKA_VERSION, default 3.9.1)
"""
import os
import socket
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from target_broker import start  # noqa: E402  (reads the command line)

LIMIT = 3
# ApiVersions v0, correlation id 1, client id "limits".
API_VERSIONS = bytes.fromhex("00120000" "00000001" "0006") + b"limits"
SETTINGS = ("sasl.enabled.mechanisms=PLAIN",
            "listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule"
            ' required user_limits="limits-secret";',
            f"listener.name.sasl_plaintext.max.connections={LIMIT}")


def answered(sock, timeout):
    """Whether an ApiVersions answer arrives on `sock` within `timeout` seconds."""
    sock.settimeout(timeout)
    try:
        head = sock.recv(4)
    except socket.timeout:
        return False
    if len(head) < 4:
        return False
    size = struct.unpack(">i", head)[0]
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return False
        data += chunk
    return True


class MaxConnections(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.broker = start(*SETTINGS, extra_listeners=["SASL_PLAINTEXT"], name="maxconn")

    @classmethod
    def tearDownClass(cls):
        code = cls.broker.stop()
        assert code == 0, code

    def connect(self):
        s = socket.create_connection(("127.0.0.1", self.broker.ports["SASL_PLAINTEXT"]), timeout=10)
        s.sendall(struct.pack(">i", len(API_VERSIONS)) + API_VERSIONS)
        return s

    def test_a_listener_at_its_maximum_holds_the_next_connection_until_one_closes(self):
        time.sleep(1)  # the readiness checks' connections are gone
        held = [self.connect() for _ in range(LIMIT)]
        try:
            for s in held:
                self.assertTrue(answered(s, 10))
            waiting = self.connect()  # the TCP handshake completes in the backlog
            held.append(waiting)
            self.assertFalse(answered(waiting, 2), "a connection beyond the listener's maximum was served")
            # The PLAINTEXT listener has no such limit of its own.
            with socket.create_connection(("127.0.0.1", self.broker.port), timeout=10) as other:
                other.sendall(struct.pack(">i", len(API_VERSIONS)) + API_VERSIONS)
                self.assertTrue(answered(other, 10))
            held.pop(0).close()
            self.assertTrue(answered(waiting, 10), "the waiting connection was not served after one closed")
        finally:
            for s in held:
                s.close()


if __name__ == "__main__":
    unittest.main()
