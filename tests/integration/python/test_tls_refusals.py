"""What a mutual-TLS listener refuses, against the chronik binary or, with --kafka, against
Apache Kafka (single-node KRaft, tests/captures/kafka-broker.sh) so that the answers the checks
expect are Kafka's.

The SSL listener requires client certificates signed by the test CA
(ssl.client.auth=required) and speaks TLS 1.2 and 1.3. A client with a good certificate gets
an answer to ApiVersions; a client with a certificate of another CA, an expired certificate, a
certificate not yet valid, no certificate, only TLS 1.1, or no TLS at all gets no Kafka answer:
the handshake fails or the connection is closed. Below the Kafka clients on purpose: Python's
ssl module (OpenSSL) shows exactly where each attempt ends.

usage: test_tls_refusals.py <path to chronik> [unittest options]
       test_tls_refusals.py --kafka [unittest options]    (env KAFKA_VERSION, default 3.9.1)
"""
import datetime
import os
import shutil
import socket
import ssl
import struct
import sys
import tempfile
import unittest
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from target_broker import KAFKA, start  # noqa: E402  (reads the command line)

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

# ApiVersions v0, correlation id 1, client id "tls-test".
API_VERSIONS = bytes.fromhex("00120000" "00000001" "0008") + b"tls-test"
NOW = datetime.datetime.now(datetime.timezone.utc)
DAY = datetime.timedelta(days=1)


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


class Pki:
    """Keys and certificates made at test time (none is ever committed): two CAs, the broker's
    key store, and client certificates, written as PEM files into `d`."""

    def __init__(self, d):
        self.dir = d
        self.ca_key, self.ca = self.certificate("chronik-tls-ca", ca=True)
        self.other_ca_key, self.other_ca = self.certificate("some-other-ca", ca=True)
        self.ca_file = self.write("ca.pem", self.ca)
        key, cert = self.certificate("localhost", san=True)
        self.keystore = self.write("broker.pem", key, cert)

    def certificate(self, cn, ca=False, san=False, issuer=None, not_before=NOW - DAY, not_after=NOW + DAY):
        """(key, certificate) of `cn`, signed by `issuer` (a (key, certificate) pair; the
        test CA by default, itself for a CA)."""
        key = ec.generate_private_key(ec.SECP256R1())
        if issuer is None and not ca:
            issuer = (self.ca_key, self.ca)
        signer, issuer_name = (issuer[0], issuer[1].subject) if issuer else (key, name(cn))
        builder = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(issuer_name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(not_before).not_valid_after(not_after)
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if san:
            import ipaddress
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        return key, builder.sign(signer, hashes.SHA256())

    def write(self, filename, *parts):
        path = os.path.join(self.dir, filename)
        with open(path, "wb") as f:
            for part in parts:
                if isinstance(part, x509.Certificate):
                    f.write(part.public_bytes(serialization.Encoding.PEM))
                else:  # Kafka reads an unencrypted PKCS#8 key without ssl.key.password
                    f.write(part.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        return path

    def client(self, label, **kwargs):
        """The (certificate file, key file) of a new client certificate."""
        key, cert = self.certificate(label, **kwargs)
        return self.write(f"{label}.pem", cert), self.write(f"{label}.key", key)


class TlsRefusals(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="chronik-tlsref-")
        cls.pki = Pki(cls.tmp)
        settings = ("ssl.keystore.type=PEM", f"listener.name.ssl.ssl.keystore.location={cls.pki.keystore}",
                    "ssl.truststore.type=PEM", f"listener.name.ssl.ssl.truststore.location={cls.pki.ca_file}",
                    "listener.name.ssl.ssl.client.auth=required", "ssl.enabled.protocols=TLSv1.2,TLSv1.3")
        cls.broker = start(*settings, extra_listeners=["SSL"], name="tlsref")

    @classmethod
    def tearDownClass(cls):
        code = cls.broker.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert code == 0, code

    def api_versions(self, client=None, version=None):
        """ApiVersions over TLS with `client` ((certificate, key) files or None): the error
        code of the answer, or where the attempt ended ("handshake", "closed")."""
        context = ssl.create_default_context(cafile=self.pki.ca_file)
        if client:
            context.load_cert_chain(*client)
        if version:
            context.minimum_version = context.maximum_version = version
        if version == ssl.TLSVersion.TLSv1_1:
            context.set_ciphers("DEFAULT:@SECLEVEL=0")  # let OpenSSL offer TLS 1.1 at all
        raw = socket.create_connection(("127.0.0.1", self.broker.ports["SSL"]), timeout=15)
        try:
            tls = context.wrap_socket(raw, server_hostname="localhost")
        except (ssl.SSLError, ConnectionError):
            raw.close()
            return "handshake"
        with tls:
            try:
                # With TLS 1.3 the broker checks the client's certificate after the client
                # finished its handshake: a refusal arrives as the answer to the first request.
                tls.sendall(struct.pack(">i", len(API_VERSIONS)) + API_VERSIONS)
                head = tls.recv(4)
                if len(head) < 4:
                    return "closed"
                answer = b""
                while len(answer) < struct.unpack(">i", head)[0]:
                    chunk = tls.recv(65536)
                    if not chunk:
                        return "closed"
                    answer += chunk
            except (ssl.SSLError, ConnectionError):
                return "closed"
        return struct.unpack(">h", answer[4:6])[0]

    def refused(self, client):
        """Where Kafka ends it: with TLS 1.3 the handshake completes on the client's side and
        the connection is closed before an answer; with TLS 1.2 the handshake fails."""
        self.assertEqual(self.api_versions(client), "closed")
        self.assertEqual(self.api_versions(client, version=ssl.TLSVersion.TLSv1_2), "handshake")

    def test_a_trusted_certificate_is_served(self):
        good = self.pki.client("good-client")
        self.assertEqual(self.api_versions(good), 0)
        self.assertEqual(self.api_versions(good, version=ssl.TLSVersion.TLSv1_2), 0)

    def test_a_certificate_of_another_ca_is_refused(self):
        self.refused(self.pki.client("stranger", issuer=(self.pki.other_ca_key, self.pki.other_ca)))

    def test_an_expired_certificate_is_refused(self):
        self.refused(self.pki.client("expired", not_before=NOW - 3 * DAY, not_after=NOW - DAY))

    def test_a_certificate_not_yet_valid_is_refused(self):
        self.refused(self.pki.client("early", not_before=NOW + DAY, not_after=NOW + 3 * DAY))

    def test_no_certificate_is_refused(self):
        self.refused(None)
        if not KAFKA:  # logged for the operator, as Kafka's Selector logs it at info
            self.assertIn("failed authentication with 127.0.0.1", self.broker.log_text())
            self.assertIn("on listener SSL (SSL handshake failed: ", self.broker.log_text())

    def test_tls_1_1_is_refused(self):
        with warnings.catch_warnings():  # asking for TLS 1.1 is the point here
            warnings.simplefilter("ignore", DeprecationWarning)
            outcome = self.api_versions(self.pki.client("old-client"), version=ssl.TLSVersion.TLSv1_1)
        self.assertEqual(outcome, "handshake")

    def test_a_plaintext_client_gets_no_kafka_answer(self):
        with socket.create_connection(("127.0.0.1", self.broker.ports["SSL"]), timeout=15) as s:
            s.sendall(struct.pack(">i", len(API_VERSIONS)) + API_VERSIONS)
            data = b""
            try:
                while chunk := s.recv(4096):
                    data += chunk
            except ConnectionResetError:
                pass
        # Closed, with at most a TLS alert record (content type 21): never a Kafka answer.
        self.assertTrue(data == b"" or data[0] == 0x15, data)


if __name__ == "__main__":
    unittest.main()
