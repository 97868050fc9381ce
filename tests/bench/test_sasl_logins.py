"""bench/sasl_logins.py (the load tool of bench/run's login rows) against the chronik binary
or, with --kafka, against Apache Kafka: its PLAIN and SCRAM logins succeed, over SASL_PLAINTEXT
and over SASL_SSL, a wrong password fails, and the logins it reports are the logins the broker
counted (chronik's /metrics).

usage: test_sasl_logins.py <path to chronik> [unittest options]
       test_sasl_logins.py --kafka [unittest options]    (env KAFKA_VERSION, default 3.9.1)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.join(HERE, "..", "..", "bench")
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "integration", "python"))  # kafka_broker
sys.path.insert(0, BENCH)
from target_broker import KAFKA, start  # noqa: E402  (reads the command line)
import sasl_logins  # noqa: E402

USER, PASSWORD = "bench", "bench-secret"
PLAIN = f'org.apache.kafka.common.security.plain.PlainLoginModule required user_{USER}="{PASSWORD}";'
SCRAM = "org.apache.kafka.common.security.scram.ScramLoginModule required;"


class SaslLogins(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="chronik-sasl-logins-")
        cls.cert, key = os.path.join(cls.tmp, "cert.pem"), os.path.join(cls.tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                        "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cls.cert],
                       check=True, capture_output=True)
        keystore = os.path.join(cls.tmp, "keystore.pem")
        with open(keystore, "w") as f:  # Kafka's PEM key store: the key and its certificate
            for part in (key, cls.cert):
                with open(part) as pem:
                    f.write(pem.read())
        settings = ["sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512", "ssl.keystore.type=PEM",
                    f"ssl.keystore.location={keystore}"]
        for listener in ("sasl_plaintext", "sasl_ssl"):
            settings += [f"listener.name.{listener}.plain.sasl.jaas.config={PLAIN}",
                         f"listener.name.{listener}.scram-sha-256.sasl.jaas.config={SCRAM}",
                         f"listener.name.{listener}.scram-sha-512.sasl.jaas.config={SCRAM}"]
        cls.broker = start(*settings, extra_listeners=["SASL_PLAINTEXT", "SASL_SSL"], name="sasl-logins",
                           **({} if KAFKA else {"admin": True}))
        from confluent_kafka.admin import (AdminClient, ScramCredentialInfo, ScramMechanism,
                                           UserScramCredentialUpsertion)
        admin = AdminClient({"bootstrap.servers": cls.broker.bootstrap})
        try:
            # One request a mechanism: a user twice in one request is DUPLICATE_RESOURCE.
            for m in (ScramMechanism.SCRAM_SHA_256, ScramMechanism.SCRAM_SHA_512):
                upsert = UserScramCredentialUpsertion(USER, ScramCredentialInfo(m, 4096), PASSWORD.encode())
                for f in admin.alter_user_scram_credentials([upsert]).values():
                    f.result(60)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        code = cls.broker.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert code == 0, code

    def run_tool(self, listener, mechanism, password=PASSWORD, ca=None):
        out = subprocess.run([sys.executable, os.path.join(BENCH, "sasl_logins.py"),
                              f"127.0.0.1:{self.broker.ports[listener]}", mechanism, USER, password, "1",
                              "--workers", "2", *(["--ca", ca] if ca else [])],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        return json.loads(out.stdout)

    def successes(self):
        return self.broker.authentication_metrics()[0].get(("authentication", "success"), 0)

    def test_each_mechanism_logs_in_many_times(self):
        for listener, ca in (("SASL_PLAINTEXT", None), ("SASL_SSL", self.cert)):
            for mechanism in ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"):
                with self.subTest(listener=listener, mechanism=mechanism):
                    before = None if KAFKA else self.successes()
                    figures = self.run_tool(listener, mechanism, ca=ca)
                    self.assertGreater(figures["logins"], 10)
                    self.assertAlmostEqual(figures["logins_s"], figures["logins"] / figures["seconds"])
                    if not KAFKA:  # the tool's first login waits for the credentials: one more
                        self.assertEqual(self.successes() - before, figures["logins"] + 1)

    def test_a_wrong_password_fails(self):
        for mechanism in ("PLAIN", "SCRAM-SHA-256"):
            with self.subTest(mechanism=mechanism):
                client = sasl_logins.client_for(mechanism, USER, "wrong")
                with self.assertRaisesRegex(sasl_logins.LoginFailed, "SaslAuthenticate error 58"):
                    sasl_logins.login_once("127.0.0.1", self.broker.ports["SASL_PLAINTEXT"], None, mechanism, client)

    def test_an_unknown_mechanism_fails_at_the_handshake(self):
        client = sasl_logins.client_for("PLAIN", USER, PASSWORD)
        with self.assertRaisesRegex(sasl_logins.LoginFailed, "SaslHandshake error 33"):
            sasl_logins.login_once("127.0.0.1", self.broker.ports["SASL_PLAINTEXT"], None, "GSSAPI", client)


if __name__ == "__main__":
    unittest.main()
