"""Listeners and SASL with real clients, each in its own language: one chronik with a PLAINTEXT
and a SASL_PLAINTEXT listener; confluent-kafka (librdkafka), kafka-python and kcat produce and
consume over SASL/PLAIN (users from Kafka's JAAS syntax) and SASL/SCRAM-SHA-256/512 (users
created with AlterUserScramCredentials, stored salted in LevelDB, surviving a restart);
Metadata answers with the listener the request came in on; a wrong password fails, is
logged once at info with the peer, and no password reaches the log. Re-authentication
(KIP-368) on a listener whose SCRAM sessions last 2 s: librdkafka and kafka-python
re-authenticate on their connections, librdkafka 2.0 (no KIP-368) is disconnected and
reconnects. TLS: mutual TLS on an SSL
listener (certificates made with the openssl CLI at test time, the principal mapped by
ssl.principal.mapping.rules), SCRAM over SASL_SSL, a client without certificate refused, a
plaintext client on a TLS port closed (test_tls_refusals.py checks more refusals against
Kafka too; test_oauthbearer.py, SASL/OAUTHBEARER). A secrets audit: no password, key password or token
reaches the log (at debug), an answer (DescribeConfigs, the admin endpoint, /metrics) or the
data dir.

usage: test_security.py <path to chronik>
"""
import os
import subprocess
import sys
import time
import unittest
import uuid

CHRONIK = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else "chronik"
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import chronik_broker  # noqa: E402

from confluent_kafka import Consumer, KafkaException, Producer  # noqa: E402
from confluent_kafka.admin import (AdminClient, NewTopic, ScramCredentialInfo, ScramMechanism,  # noqa: E402
                                   UserScramCredentialDeletion, UserScramCredentialUpsertion)

PLAIN_USERS = {"alice": "alice-secret-1", "bob": "bob-secret-2"}
JAAS = ("org.apache.kafka.common.security.plain.PlainLoginModule required " +
        " ".join(f'user_{u}="{p}"' for u, p in PLAIN_USERS.items()) + ";")
SCRAM_USERS = {"SCRAM-SHA-256": ("carol", "carol-secret-3"), "SCRAM-SHA-512": ("dave", "dave-secret-4")}
MECHANISM = {"SCRAM-SHA-256": ScramMechanism.SCRAM_SHA_256, "SCRAM-SHA-512": ScramMechanism.SCRAM_SHA_512}


def topic(base):
    return f"{base}-{uuid.uuid4().hex[:8]}"


class Security(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # REAUTH: a second SASL_PLAINTEXT listener whose SCRAM sessions last 2 s (KIP-368).
        cls.broker = chronik_broker.Broker(
            CHRONIK, "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
            f"listener.name.sasl_plaintext.plain.sasl.jaas.config={JAAS}",
            "connection.failed.authentication.delay.ms=100",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,REAUTH:SASL_PLAINTEXT",
            "listener.name.reauth.sasl.enabled.mechanisms=SCRAM-SHA-256",
            "listener.name.reauth.scram-sha-256.connections.max.reauth.ms=2000",
            extra_listeners=["SASL_PLAINTEXT", "REAUTH"], admin=True, prefix="chronik-security-")
        cls.sasl = f"127.0.0.1:{cls.broker.ports['SASL_PLAINTEXT']}"
        admin = AdminClient({"bootstrap.servers": cls.broker.bootstrap})
        upserts = [UserScramCredentialUpsertion(user, ScramCredentialInfo(MECHANISM[m], 8192), password.encode())
                   for m, (user, password) in SCRAM_USERS.items()]
        for f in admin.alter_user_scram_credentials(upserts).values():
            f.result(15)

    @classmethod
    def tearDownClass(cls):
        log = cls.broker.log_text()
        code = cls.broker.stop()
        for secret in [*PLAIN_USERS.values(), *(p for _, p in SCRAM_USERS.values())]:
            assert secret not in log, "a password reached the log"
        assert code == 0, code

    def sasl_config(self, mechanism, user, password):
        return {"bootstrap.servers": self.sasl, "security.protocol": "SASL_PLAINTEXT",
                "sasl.mechanism": mechanism, "sasl.username": user, "sasl.password": password}

    def round_trip_confluent(self, mechanism, user, password):
        name = topic("sasl-ck")
        conf = self.sasl_config(mechanism, user, password)
        admin = AdminClient(conf)  # kept alive until its future resolves
        admin.create_topics([NewTopic(name, 1, 1)])[name].result(15)
        p = Producer(conf)
        for i in range(5):
            p.produce(name, f"{mechanism}-{i}".encode())
        self.assertEqual(p.flush(15), 0)
        c = Consumer(dict(conf, **{"group.id": topic("g"), "auto.offset.reset": "earliest"}))
        c.subscribe([name])
        got = []
        deadline = time.time() + 30
        while len(got) < 5 and time.time() < deadline:
            m = c.poll(1)
            if m is not None and not m.error():
                got.append(m.value().decode())
        c.close()
        self.assertEqual(got, [f"{mechanism}-{i}" for i in range(5)])

    def round_trip_kafka_python(self, mechanism, user, password):
        from kafka import KafkaConsumer, KafkaProducer
        name = topic("sasl-kp")
        conf = dict(bootstrap_servers=self.sasl, security_protocol="SASL_PLAINTEXT", sasl_mechanism=mechanism,
                    sasl_plain_username=user, sasl_plain_password=password)
        p = KafkaProducer(**conf)
        for i in range(5):
            p.send(name, f"kp-{i}".encode()).get(30)
        p.close()
        c = KafkaConsumer(name, group_id=topic("g"), auto_offset_reset="earliest", consumer_timeout_ms=15000, **conf)
        got = [m.value.decode() for _, m in zip(range(5), c)]
        c.close()
        self.assertEqual(got, [f"kp-{i}" for i in range(5)])

    def round_trip_kcat(self, mechanism, user, password):
        name = topic("sasl-kcat")
        sasl = ["-X", "security.protocol=SASL_PLAINTEXT", "-X", f"sasl.mechanisms={mechanism}",
                "-X", f"sasl.username={user}", "-X", f"sasl.password={password}"]
        subprocess.run(["kcat", "-b", self.sasl, *sasl, "-P", "-t", name], input=b"k1\nk2\n", check=True, timeout=60)
        out = subprocess.run(["kcat", "-b", self.sasl, *sasl, "-C", "-t", name, "-o", "beginning", "-c", "2", "-e"],
                             capture_output=True, check=True, timeout=60)
        self.assertEqual(out.stdout.split(), [b"k1", b"k2"])

    def test_metadata_answers_with_the_listener_of_the_request(self):
        plain = AdminClient({"bootstrap.servers": self.broker.bootstrap}).list_topics(timeout=10)
        sasl = AdminClient(self.sasl_config("PLAIN", "alice", PLAIN_USERS["alice"])).list_topics(timeout=10)
        self.assertEqual([b.port for b in plain.brokers.values()], [self.broker.port])
        self.assertEqual([b.port for b in sasl.brokers.values()], [self.broker.ports["SASL_PLAINTEXT"]])

    def test_plain(self):
        user, password = "alice", PLAIN_USERS["alice"]
        self.round_trip_confluent("PLAIN", user, password)
        self.round_trip_kafka_python("PLAIN", user, password)
        self.round_trip_kcat("PLAIN", user, password)

    def test_scram(self):
        for mechanism, (user, password) in SCRAM_USERS.items():
            with self.subTest(mechanism=mechanism):
                self.round_trip_confluent(mechanism, user, password)
                self.round_trip_kafka_python(mechanism, user, password)
                self.round_trip_kcat(mechanism, user, password)

    def test_wrong_password_fails_and_is_logged_once(self):
        for mechanism, user in (("PLAIN", "bob"), ("SCRAM-SHA-256", "carol"), ("SCRAM-SHA-512", "nobody")):
            with self.subTest(mechanism=mechanism):
                before = self.broker.log_text().count("failed authentication with")
                errors = []
                p = Producer(dict(self.sasl_config(mechanism, user, "wrong-password"),
                                  error_cb=lambda e: errors.append(e)))
                p.produce("never", b"x")
                deadline = time.time() + 15
                while not errors and time.time() < deadline:
                    p.poll(0.2)
                p.purge()
                self.assertTrue(errors, "no error for a wrong password")
                self.assertIn("Authentication failed", errors[0].str())
                time.sleep(0.5)
                log = self.broker.log_text()
                self.assertGreater(log.count("failed authentication with"), before)
                self.assertIn(f"on listener SASL_PLAINTEXT ({mechanism})", log)

    def test_the_plaintext_listener_needs_no_authentication(self):
        # and a SASL client that reaches it is told so, not left hanging (ILLEGAL_SASL_STATE)
        errors = []
        p = Producer({"bootstrap.servers": self.broker.bootstrap, "security.protocol": "SASL_PLAINTEXT",
                      "sasl.mechanism": "PLAIN", "sasl.username": "alice", "sasl.password": "x",
                      "error_cb": lambda e: errors.append(e)})
        deadline = time.time() + 15
        while not errors and time.time() < deadline:
            p.poll(0.2)
        self.assertTrue(errors)

    def authentications(self):
        return self.broker.authentication_metrics()

    def test_clients_reauthenticate_when_the_session_ends(self):
        # librdkafka (2.2 and later) re-authenticates before session_lifetime_ms runs out: for 7 s
        # a producer and a consumer keep their connections, nothing is lost, and no session
        # expires.
        user, password = SCRAM_USERS["SCRAM-SHA-256"]
        conf = dict(self.sasl_config("SCRAM-SHA-256", user, password),
                    **{"bootstrap.servers": f"127.0.0.1:{self.broker.ports['REAUTH']}"})
        name = topic("reauth")
        admin = AdminClient(conf)
        admin.create_topics([NewTopic(name, 1, 1)])[name].result(15)
        before, expired_before = self.authentications()
        errors = []
        p = Producer(dict(conf, error_cb=errors.append))
        c = Consumer(dict(conf, **{"group.id": topic("g"), "auto.offset.reset": "earliest",
                                   "error_cb": errors.append}))
        c.subscribe([name])
        sent, got = [], []
        deadline = time.time() + 7
        while time.time() < deadline:
            sent.append(f"r-{len(sent)}")
            p.produce(name, sent[-1].encode())
            p.poll(0)
            m = c.poll(0.1)
            if m is not None and not m.error():
                got.append(m.value().decode())
        self.assertEqual(p.flush(15), 0)
        deadline = time.time() + 20
        while len(got) < len(sent) and time.time() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                got.append(m.value().decode())
        c.close()
        self.assertEqual(got, sent)
        self.assertEqual(errors, [])
        # kafka-python (3.x) re-authenticates as well.
        from kafka import KafkaProducer
        kp = KafkaProducer(bootstrap_servers=conf["bootstrap.servers"], security_protocol="SASL_PLAINTEXT",
                           sasl_mechanism="SCRAM-SHA-256", sasl_plain_username=user, sasl_plain_password=password)
        for i in range(5):
            kp.send(name, f"kp-{i}".encode()).get(30)
            time.sleep(1)
        kp.close()
        after, expired_after = self.authentications()
        # Producer and consumer (group coordinator and partition leader) connections each
        # re-authenticated about every 2 s.
        self.assertGreaterEqual(after[("reauthentication", "success")] - before[("reauthentication", "success")], 4)
        self.assertEqual(after[("reauthentication", "failure")], before[("reauthentication", "failure")])
        self.assertEqual(expired_after, expired_before)

    def test_a_client_that_cannot_reauthenticate_is_disconnected_when_its_session_ends(self):
        # Debian's confluent-kafka (librdkafka 2.0) has no KIP-368: its connection is closed at
        # the first request after the session's end; it reconnects, logs in again and delivers.
        user, password = SCRAM_USERS["SCRAM-SHA-256"]
        name = topic("no-reauth")
        conf = dict(self.sasl_config("SCRAM-SHA-256", user, password),
                    **{"bootstrap.servers": f"127.0.0.1:{self.broker.ports['REAUTH']}"})
        admin = AdminClient(conf)  # alive until the future resolves
        admin.create_topics([NewTopic(name, 1, 1)])[name].result(15)
        _, expired_before = self.authentications()
        produce = f"""
import sys, time, confluent_kafka
assert confluent_kafka.libversion()[0].startswith("2.0."), confluent_kafka.libversion()
p = confluent_kafka.Producer({conf!r})
p.produce({name!r}, b"before")
assert p.flush(30) == 0
time.sleep(3)  # the 2 s session ends
p.produce({name!r}, b"after")
assert p.flush(30) == 0
"""
        subprocess.run(["/usr/bin/python3", "-c", produce], check=True, timeout=90)
        c = Consumer(dict(conf, **{"group.id": topic("g"), "auto.offset.reset": "earliest"}))
        c.subscribe([name])
        got = []
        deadline = time.time() + 30
        while len(got) < 2 and time.time() < deadline:
            m = c.poll(1)
            if m is not None and not m.error():
                got.append(m.value())
        c.close()
        self.assertEqual(got, [b"before", b"after"])
        _, expired_after = self.authentications()
        self.assertGreater(expired_after, expired_before)

    def test_scram_users_are_described_deleted_and_survive_a_restart(self):
        admin = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        extra = "erin"
        admin.alter_user_scram_credentials([UserScramCredentialUpsertion(
            extra, ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), b"erin-secret-5")])[extra].result(15)
        described = admin.describe_user_scram_credentials().result(15)
        self.assertEqual(sorted(described), ["carol", "dave", extra])
        infos = described["carol"].scram_credential_infos
        self.assertEqual([(i.mechanism, i.iterations) for i in infos], [(ScramMechanism.SCRAM_SHA_256, 8192)])
        self.assertEqual(self.broker.restart(), 0)
        self.round_trip_confluent("SCRAM-SHA-256", extra, "erin-secret-5")
        admin = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        admin.alter_user_scram_credentials([UserScramCredentialDeletion(
            extra, ScramMechanism.SCRAM_SHA_256)])[extra].result(15)
        with self.assertRaises(KafkaException) as e:
            admin.describe_user_scram_credentials([extra])[extra].result(15)
        self.assertIn("does not exist", str(e.exception))
        errors = []
        p = Producer(dict(self.sasl_config("SCRAM-SHA-256", extra, "erin-secret-5"), error_cb=lambda e: errors.append(e)))
        deadline = time.time() + 15
        while not errors and time.time() < deadline:
            p.poll(0.2)
        self.assertTrue(errors, "a deleted user still authenticates")


def make_certificates(d):
    """A CA, a server certificate for 127.0.0.1 and a client certificate, made with the openssl
    CLI at test time (no key is ever committed)."""
    def ssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=d)
    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=chronik-test-ca")
    with open(os.path.join(d, "san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for name, subject in (("server", "/CN=localhost"), ("client", "/O=chronik-test/OU=clients/CN=client-one")):
        ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", subject)
        ssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", f"{name}.pem", "-days", "2", *(["-extfile", "san.ext"] if name == "server" else []))
    # Kafka's PEM key store: the private key and the certificate chain in one file.
    with open(os.path.join(d, "server-keystore.pem"), "w") as out:
        for part in ("server.key", "server.pem"):
            with open(os.path.join(d, part)) as f:
                out.write(f.read())
    return {k: os.path.join(d, v) for k, v in (("ca", "ca.pem"), ("keystore", "server-keystore.pem"),
                                               ("cert", "client.pem"), ("key", "client.key"))}


class Tls(unittest.TestCase):
    """SSL (mutual TLS: client certificates required, the principal their mapped name) and
    SASL_SSL (SCRAM over TLS) listeners beside PLAINTEXT."""

    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.certs_dir = tempfile.TemporaryDirectory(prefix="chronik-tls-")
        cls.certs = make_certificates(cls.certs_dir.name)
        cls.broker = chronik_broker.Broker(
            CHRONIK, "ssl.keystore.type=PEM", f"ssl.keystore.location={cls.certs['keystore']}",
            "ssl.truststore.type=PEM", f"ssl.truststore.location={cls.certs['ca']}",
            "listener.name.ssl.ssl.client.auth=required",
            "listener.name.ssl.ssl.principal.mapping.rules=RULE:^.*CN=([^,]*).*$/$1/U,DEFAULT",
            "sasl.enabled.mechanisms=SCRAM-SHA-512",
            extra_listeners=["SSL", "SASL_SSL"], prefix="chronik-tls-", env={"CHRONIK_LOG_LEVEL": "debug"})
        cls.ssl = f"127.0.0.1:{cls.broker.ports['SSL']}"
        cls.sasl_ssl = f"127.0.0.1:{cls.broker.ports['SASL_SSL']}"
        admin = AdminClient({"bootstrap.servers": cls.broker.bootstrap})
        for f in admin.alter_user_scram_credentials([UserScramCredentialUpsertion(
                "frank", ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), b"frank-secret-6")]).values():
            f.result(15)

    @classmethod
    def tearDownClass(cls):
        code = cls.broker.stop()
        cls.certs_dir.cleanup()
        assert code == 0, code

    def mtls(self):
        return {"bootstrap.servers": self.ssl, "security.protocol": "SSL", "ssl.ca.location": self.certs["ca"],
                "ssl.certificate.location": self.certs["cert"], "ssl.key.location": self.certs["key"]}

    def sasl_ssl_conf(self):
        return {"bootstrap.servers": self.sasl_ssl, "security.protocol": "SASL_SSL",
                "ssl.ca.location": self.certs["ca"], "sasl.mechanism": "SCRAM-SHA-512",
                "sasl.username": "frank", "sasl.password": "frank-secret-6"}

    def test_client_certificate_sessions_resume(self):
        # Java clients resume their TLS session on a second connection: with client
        # certificates OpenSSL aborted that (no session id context) until the listener set one.
        r = subprocess.run(["openssl", "s_client", "-tls1_2", "-connect", self.ssl, "-CAfile", self.certs["ca"],
                            "-cert", self.certs["cert"], "-key", self.certs["key"], "-reconnect"],
                           input=b"", capture_output=True, timeout=30)
        out = r.stdout.decode(errors="replace")
        self.assertEqual(out.count("New,"), 1, out[-2000:])
        self.assertEqual(out.count("Reused,"), 5, out[-2000:])
        self.assertNotIn("session id context uninitialized", self.broker.log_text())

    def round_trip(self, conf):
        name = topic("tls")
        p = Producer(conf)
        for i in range(3):
            p.produce(name, f"tls-{i}".encode())
        self.assertEqual(p.flush(20), 0)
        c = Consumer(dict(conf, **{"group.id": topic("g"), "auto.offset.reset": "earliest"}))
        c.subscribe([name])
        got = []
        deadline = time.time() + 30
        while len(got) < 3 and time.time() < deadline:
            m = c.poll(1)
            if m is not None and not m.error():
                got.append(m.value().decode())
        c.close()
        self.assertEqual(got, [f"tls-{i}" for i in range(3)])

    def test_mutual_tls_confluent_kafka_python_and_kcat(self):
        self.round_trip(self.mtls())
        from kafka import KafkaConsumer, KafkaProducer
        name = topic("tls-kp")
        conf = dict(bootstrap_servers=self.ssl, security_protocol="SSL", ssl_cafile=self.certs["ca"],
                    ssl_certfile=self.certs["cert"], ssl_keyfile=self.certs["key"])
        p = KafkaProducer(**conf)
        p.send(name, b"kp-tls").get(30)
        p.close()
        c = KafkaConsumer(name, group_id=topic("g"), auto_offset_reset="earliest", consumer_timeout_ms=15000, **conf)
        self.assertEqual([m.value for _, m in zip(range(1), c)], [b"kp-tls"])
        c.close()
        tls = ["-X", "security.protocol=SSL", "-X", f"ssl.ca.location={self.certs['ca']}",
               "-X", f"ssl.certificate.location={self.certs['cert']}", "-X", f"ssl.key.location={self.certs['key']}"]
        name = topic("tls-kcat")
        subprocess.run(["kcat", "-b", self.ssl, *tls, "-P", "-t", name], input=b"t1\n", check=True, timeout=60)
        out = subprocess.run(["kcat", "-b", self.ssl, *tls, "-C", "-t", name, "-o", "beginning", "-c", "1", "-e"],
                             capture_output=True, check=True, timeout=60)
        self.assertEqual(out.stdout.split(), [b"t1"])
        # The principal is the certificate's name through ssl.principal.mapping.rules.
        self.assertIn("on listener SSL authenticated as User:CLIENT-ONE", self.broker.log_text())

    def test_sasl_ssl(self):
        self.round_trip(self.sasl_ssl_conf())
        self.assertIn("on listener SASL_SSL authenticated as User:frank", self.broker.log_text())

    def test_no_client_certificate_is_refused(self):
        conf = dict(self.mtls())
        del conf["ssl.certificate.location"], conf["ssl.key.location"]
        errors = []
        p = Producer(dict(conf, error_cb=lambda e: errors.append(e)))
        deadline = time.time() + 15
        while not errors and time.time() < deadline:
            p.poll(0.2)
        self.assertTrue(errors)
        self.assertIn("SSL handshake failed", self.broker.log_text())

    def test_plaintext_client_on_a_tls_port_is_closed(self):
        import socket
        for port in (self.broker.ports["SSL"], self.broker.ports["SASL_SSL"]):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                # An ApiVersions v0 request in the clear.
                s.sendall(bytes.fromhex("0000000e0012000000000001000474657374"))
                s.settimeout(5)
                data = b""
                try:
                    while True:
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                except ConnectionResetError:
                    pass
                # Closed, with at most a TLS alert: never a Kafka response.
                self.assertTrue(data == b"" or data[0] == 0x15, data)


class SecretsAudit(unittest.TestCase):
    """Every secret a broker is given, through every way out: a broker at debug level with an
    encrypted TLS key (ssl.key.password), PLAIN users, SCRAM users, an admin token, exercised
    by logins (good and bad), DescribeConfigs, the admin endpoint and /metrics. No secret may
    appear in the log, in any answer, or in plain text in the data dir (SCRAM keeps salted
    keys only)."""

    SECRETS = {"key": "tls-key-pass-7", "plain": "erin-secret-8", "scram": "gina-secret-9",
               "token": "admin-token-10", "wrong": "not-erins-password-11"}

    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.certs_dir = tempfile.TemporaryDirectory(prefix="chronik-secrets-")
        d = cls.certs_dir.name
        certs = make_certificates(d)
        # The key store again, its key encrypted with the key password.
        subprocess.run(["openssl", "pkey", "-in", "server.key", "-aes256", "-passout",
                        f"pass:{cls.SECRETS['key']}", "-out", "server-encrypted.key"], check=True, cwd=d,
                       capture_output=True)
        keystore = os.path.join(d, "encrypted-keystore.pem")
        with open(keystore, "w") as out:
            for part in ("server-encrypted.key", "server.pem"):
                with open(os.path.join(d, part)) as f:
                    out.write(f.read())
        cls.ca = certs["ca"]
        jaas = ("org.apache.kafka.common.security.plain.PlainLoginModule required "
                f'user_erin="{cls.SECRETS["plain"]}";')
        cls.broker = chronik_broker.Broker(
            CHRONIK, "ssl.keystore.type=PEM", f"ssl.keystore.location={keystore}",
            f"ssl.key.password={cls.SECRETS['key']}", "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256",
            f"listener.name.sasl_ssl.plain.sasl.jaas.config={jaas}", "connection.failed.authentication.delay.ms=0",
            f"admin.auth.token={cls.SECRETS['token']}",
            extra_listeners=["SASL_SSL"], admin=True, prefix="chronik-secrets-", env={"CHRONIK_LOG_LEVEL": "debug"})
        cls.sasl_ssl = f"127.0.0.1:{cls.broker.ports['SASL_SSL']}"

    @classmethod
    def tearDownClass(cls):
        code = cls.broker.stop()
        cls.certs_dir.cleanup()
        assert code == 0, code

    def login(self, mechanism, user, password):
        """Produces one record over SASL_SSL: whether it was delivered."""
        p = Producer({"bootstrap.servers": self.sasl_ssl, "security.protocol": "SASL_SSL", "ssl.ca.location": self.ca,
                      "sasl.mechanism": mechanism, "sasl.username": user, "sasl.password": password,
                      "message.timeout.ms": 2500})
        delivered = []
        p.produce(topic("secrets"), b"v", on_delivery=lambda err, msg: delivered.append(err is None))
        p.flush(10)
        return delivered == [True]

    def http(self, path):
        import urllib.request
        req = urllib.request.Request(self.broker.url + path, headers={"Authorization": "Bearer " + self.SECRETS["token"]})
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.read().decode()

    def test_no_secret_leaves_the_broker(self):
        import json
        from confluent_kafka.admin import ConfigResource
        admin = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        for f in admin.alter_user_scram_credentials([UserScramCredentialUpsertion(
                "gina", ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), self.SECRETS["scram"].encode())]).values():
            f.result(15)
        self.assertTrue(self.login("PLAIN", "erin", self.SECRETS["plain"]))
        self.assertTrue(self.login("SCRAM-SHA-256", "gina", self.SECRETS["scram"]))
        self.assertFalse(self.login("PLAIN", "erin", self.SECRETS["wrong"]))
        self.assertFalse(self.login("SCRAM-SHA-256", "gina", self.SECRETS["wrong"]))

        answers = []
        # DescribeConfigs: the secret-bearing keys are sensitive and have no value.
        resource = ConfigResource(ConfigResource.Type.BROKER, "1")
        configs = list(admin.describe_configs([resource]).values())[0].result(15)
        for name in ("ssl.key.password", "admin.auth.token", "listener.name.sasl_ssl.plain.sasl.jaas.config"):
            if name in configs:
                self.assertTrue(configs[name].is_sensitive, name)
                self.assertIsNone(configs[name].value, name)
        self.assertIn("ssl.key.password", configs)
        answers += [f"{c.name}={c.value}" for c in configs.values()]
        # The admin endpoint: every resource that describes the broker, and the metrics.
        broker_config = json.loads(self.http("/v1/broker/config"))
        sensitive = {e["name"]: e for e in broker_config["configs"] if e["sensitive"]}
        self.assertIn("ssl.key.password", sensitive)
        self.assertIn("admin.auth.token", sensitive)
        self.assertTrue(all(e["value"] is None for e in sensitive.values()), sensitive)
        for path in ("/v1/broker", "/v1/broker/config", "/v1/cluster", "/metrics", "/v1/acls"):
            answers.append(self.http(path))
        everything = "\n".join(answers)
        for what, secret in self.SECRETS.items():
            self.assertNotIn(secret, everything, f"the {what} secret is in an answer")

        # The log, at debug level, names the failed logins but none of the secrets.
        log = self.broker.log_text()
        self.assertIn("erin", log)
        for what, secret in self.SECRETS.items():
            self.assertNotIn(secret, log, f"the {what} secret reached the log")
        # The data dir keeps SCRAM's salted keys, never a password.
        for root, _, files in os.walk(self.broker.dir):
            for name in files:
                with open(os.path.join(root, name), "rb") as f:
                    data = f.read()
                for what, secret in self.SECRETS.items():
                    self.assertNotIn(secret.encode(), data, f"the {what} secret is in {name}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
