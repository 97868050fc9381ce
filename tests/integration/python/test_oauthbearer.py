"""SASL/OAUTHBEARER with confluent-kafka (librdkafka), against the chronik binary or, with
--kafka, against Apache Kafka (single-node KRaft, tests/captures/kafka-broker.sh) with the same
settings and the same tokens, so that what the checks expect is what Kafka answers.

Unsecured JWTs (Kafka's default validator, librdkafka's built-in tokens) with a required
scope, and signed RS256 JWTs checked against a JWKS file with Kafka's validator settings
(audience, issuer), made here with the cryptography package. The principal a token names is
the one ACLs see: a topic denied to alice is denied to her token, not to bob's. A session
ends with its token and librdkafka re-authenticates (KIP-368). Chronik only: its metrics count
the re-authentications, and it reads the JWKS file at every login (Kafka 3.9 reads a file
once, at start-up).

usage: test_oauthbearer.py <path to chronik> [unittest options]
       test_oauthbearer.py --kafka [unittest options]    (env KAFKA_VERSION, default 3.9.1)
"""
import os
import re
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from target_broker import KAFKA, start  # noqa: E402  (reads the command line)

from confluent_kafka import KafkaError, Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402


def start_broker(*settings, name, admin=False):
    return start(*settings, extra_listeners=["SASL_PLAINTEXT"], name=name, admin=admin)


def b64url(data):
    import base64
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(header, claims, key=None):
    """A compact JWT: signed RS256 with `key` (a cryptography RSA private key), or unsecured."""
    import json
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    signed = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    signature = key.sign(signed.encode(), padding.PKCS1v15(), hashes.SHA256()) if key else b""
    return signed + "." + b64url(signature)


def oauth_login(bootstrap, token=None, unsecured=None, said=None):
    """Produces one record over SASL/OAUTHBEARER with `token` (confluent-kafka's oauth_cb) or an
    unsecured JWT librdkafka makes from `unsecured` (sasl.oauthbearer.config): the delivery
    error code, None when delivered. A refused login's error challenge goes into `said`."""
    conf = {"bootstrap.servers": bootstrap, "security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "OAUTHBEARER",
            "message.timeout.ms": 3000}
    if token is not None:
        conf["oauth_cb"] = lambda _config: (token, time.time() + 3600)
    else:
        conf.update({"enable.sasl.oauthbearer.unsecure.jwt": True, "sasl.oauthbearer.config": unsecured})
    delivered, failed = [], []
    def error(e):
        if e.code() == KafkaError._AUTHENTICATION:
            failed.append(e.code())
            challenge = re.search(r"SASL authentication error: (.*) \(after \d+ms", e.str())
            if said is not None and challenge:
                said.append(challenge.group(1))
    conf["error_cb"] = error
    p = Producer(conf)
    p.produce(OAuthBearer.TOPIC, b"v", on_delivery=lambda e, m: delivered.append(e))
    deadline = time.time() + 10
    while not delivered and not failed and time.time() < deadline:
        p.poll(0.1)
    p.purge()
    p.flush(1)
    if failed:
        return KafkaError._AUTHENTICATION
    assert delivered, "no delivery report"
    return delivered[0].code() if delivered[0] else None


def challenge(bootstrap, **login):
    """The error challenge a refused login gets (RFC 7628), as librdkafka reports it."""
    said = []
    assert oauth_login(bootstrap, said=said, **login) == KafkaError._AUTHENTICATION, "not refused"
    assert said, "refused without a challenge"
    return said[0]


class OAuthBearer(unittest.TestCase):
    """SASL/OAUTHBEARER: unsecured JWTs (Kafka's default validator, librdkafka's built-in
    tokens) with a required scope, and signed RS256 JWTs checked against a JWKS file with
    Kafka's validator settings (audience, issuer), made here with the cryptography package.
    The principal a token names is the one ACLs see: a topic denied to alice is denied to her
    token, not to bob's."""

    TOPIC = "oauth-topic"

    @classmethod
    def setUpClass(cls):
        import json
        import tempfile
        from cryptography.hazmat.primitives.asymmetric import rsa
        cls.dir = tempfile.TemporaryDirectory(prefix="chronik-oauth-")
        cls.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cls.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = cls.key.public_key().public_numbers()
        jwk = {"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
               "n": b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
               "e": b64url(numbers.e.to_bytes(3, "big"))}
        jwks = os.path.join(cls.dir.name, "jwks.json")
        with open(jwks, "w") as f:
            json.dump({"keys": [jwk]}, f)
        authorizer = ("authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                      "allow.everyone.if.no.acl.found=true", "super.users=User:ANONYMOUS")
        # Kafka logs its own broker in at start-up (the listener's login module): its default
        # login callback makes an unsecured token, which needs a subject.
        module = ('org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required '
                  'unsecuredLoginStringClaim_sub="broker"')
        cls.unsecured = start_broker(
            *authorizer, "sasl.enabled.mechanisms=OAUTHBEARER",
            f'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config={module} unsecuredValidatorRequiredScope="kafka";',
            name="oauth-unsecured")
        cls.signed = start_broker(
            *authorizer, "sasl.enabled.mechanisms=OAUTHBEARER",
            f"listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config={module};",
            "listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class="
            "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler",
            f"sasl.oauthbearer.jwks.endpoint.url=file://{jwks}", "sasl.oauthbearer.expected.audience=chronik",
            "sasl.oauthbearer.expected.issuer=https://issuer.test",
            name="oauth-signed", admin=True)
        for broker in (cls.unsecured, cls.signed):
            admin = AdminClient({"bootstrap.servers": broker.bootstrap})
            for f in admin.create_topics([NewTopic(cls.TOPIC, 1, 1)]).values():
                f.result(15)
            from confluent_kafka.admin import (AclBinding, AclOperation, AclPermissionType, ResourcePatternType,
                                               ResourceType)
            # Everyone may write the topic but alice (a DENY beats an ALLOW).
            for f in admin.create_acls([AclBinding(ResourceType.TOPIC, cls.TOPIC, ResourcePatternType.LITERAL,
                                                   principal, "*", AclOperation.WRITE, permission)
                                        for principal, permission in (("User:*", AclPermissionType.ALLOW),
                                                                      ("User:alice", AclPermissionType.DENY))]).values():
                f.result(15)

    @classmethod
    def tearDownClass(cls):
        codes = [cls.unsecured.stop(), cls.signed.stop()]
        cls.dir.cleanup()
        assert codes == [0, 0], codes

    def sasl(self, broker):
        return f"127.0.0.1:{broker.ports['SASL_PLAINTEXT']}"

    def test_unsecured_tokens(self):
        bootstrap = self.sasl(self.unsecured)
        self.assertIsNone(oauth_login(bootstrap, unsecured="principal=bob scope=kafka"))
        # alice's token authenticates, and ACLs see alice.
        self.assertEqual(oauth_login(bootstrap, unsecured="principal=alice scope=kafka"),
                         KafkaError.TOPIC_AUTHORIZATION_FAILED)
        # Without the required scope, or expired: refused, with Kafka's challenges.
        self.assertEqual(challenge(bootstrap, unsecured="principal=bob scope=other"),
                         '{"status":"insufficient_scope", "scope":"[kafka]"}')
        now = int(time.time())
        expired = jwt({"alg": "none"}, {"sub": "bob", "iat": now - 7200, "exp": now - 3600, "scope": "kafka"})
        self.assertEqual(challenge(bootstrap, token=expired), '{"status":"invalid_token"}')
        valid = jwt({"alg": "none"}, {"sub": "bob", "iat": now, "exp": now + 600, "scope": "kafka"})
        self.assertIsNone(oauth_login(bootstrap, token=valid))
        # A hostile token (fuzz/sasl_fuzzer.cc): an alg that is not a string.
        odd_alg = jwt({"alg": 5}, {"sub": "bob", "iat": now, "exp": now + 600, "scope": "kafka"})
        self.assertEqual(challenge(bootstrap, token=odd_alg), '{"status":"invalid_token"}')

    def test_signed_tokens(self):
        bootstrap = self.sasl(self.signed)
        now = int(time.time())
        claims = {"sub": "bob", "iat": now, "exp": now + 600, "aud": "chronik", "iss": "https://issuer.test"}
        header = {"alg": "RS256", "kid": "k1", "typ": "JWT"}
        self.assertIsNone(oauth_login(bootstrap, token=jwt(header, claims, self.key)))
        self.assertEqual(oauth_login(bootstrap, token=jwt(header, dict(claims, sub="alice"), self.key)),
                         KafkaError.TOPIC_AUTHORIZATION_FAILED)
        refused = {
            "another key's signature": jwt(header, claims, self.other_key),
            "unsecured": jwt({"alg": "none"}, claims),
            "another audience": jwt(header, dict(claims, aud="someone-else"), self.key),
            "another issuer": jwt(header, dict(claims, iss="https://elsewhere.test"), self.key),
            "expired": jwt(header, dict(claims, iat=now - 7200, exp=now - 3600), self.key),
            "an unknown key id": jwt(dict(header, kid="k2"), claims, self.key),
            "a key id that is not a string": jwt(dict(header, kid=[1]), claims, self.key),
        }
        for what, token in refused.items():
            with self.subTest(what):
                self.assertEqual(challenge(bootstrap, token=token), '{"status":"invalid_token"}')
        if not KAFKA:
            log = self.signed.log_text()
            self.assertNotIn(jwt(header, claims, self.key), log)  # tokens are credentials: never logged

    def test_a_session_ends_with_its_token_and_the_client_reauthenticates(self):
        # Tokens of 6-7 s: the session lasts what is left of the token (KIP-368), and librdkafka
        # logs in again with a fresh one on the same connection before it ends. librdkafka is
        # told the token lasts 4 s, so that it fetches the next one well before a session ends:
        # told the truth, it refreshes a token and re-authenticates a session at about the
        # same moment, and a re-authentication that wins that race with the old token gets a
        # session of a few hundred ms, whose own re-authentication then comes within a second
        # of the last one, which a broker refuses (Kafka too: one a second at most).
        def fresh_token(_config):
            now = time.time()
            claims = {"sub": "bob", "iat": int(now), "exp": int(now) + 7, "aud": "chronik",
                      "iss": "https://issuer.test", "jti": uuid.uuid4().hex}
            return jwt({"alg": "RS256", "kid": "k1"}, claims, self.key), now + 4
        if not KAFKA:
            before, expired_before = self.signed.authentication_metrics()
        errors, delivered = [], []
        p = Producer({"bootstrap.servers": self.sasl(self.signed), "security.protocol": "SASL_PLAINTEXT",
                      "sasl.mechanism": "OAUTHBEARER", "oauth_cb": fresh_token, "error_cb": errors.append})
        deadline = time.time() + 15
        while time.time() < deadline:
            p.produce(self.TOPIC, b"v", on_delivery=lambda e, m: delivered.append(e))
            p.poll(0.2)
        self.assertEqual(p.flush(15), 0)
        self.assertEqual(errors, [])
        self.assertTrue(delivered)
        self.assertEqual([e for e in delivered if e is not None], [])
        if not KAFKA:
            after, expired_after = self.signed.authentication_metrics()
            self.assertGreaterEqual(after[("reauthentication", "success")] - before[("reauthentication", "success")], 2)
            self.assertEqual(expired_after, expired_before)

    @unittest.skipIf(KAFKA, "Kafka 3.9 reads a JWKS file once, at start-up (JwksFileVerificationKeyResolver)")
    def test_jwks_is_read_at_every_login(self):
        import json
        now = int(time.time())
        claims = {"sub": "bob", "iat": now, "exp": now + 600, "aud": "chronik", "iss": "https://issuer.test"}
        rotated = jwt({"alg": "RS256", "kid": "k2"}, claims, self.other_key)
        bootstrap = self.sasl(self.signed)
        self.assertEqual(oauth_login(bootstrap, token=rotated), KafkaError._AUTHENTICATION)
        jwks = os.path.join(self.dir.name, "jwks.json")
        with open(jwks) as f:
            original = f.read()
        try:
            numbers = self.other_key.public_key().public_numbers()
            keys = json.loads(original)["keys"] + [{
                "kty": "RSA", "kid": "k2", "n": b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
                "e": b64url(numbers.e.to_bytes(3, "big"))}]
            with open(jwks, "w") as f:
                json.dump({"keys": keys}, f)
            self.assertIsNone(oauth_login(bootstrap, token=rotated))  # the new key, no restart
            # The file gone: logins fail, said once per login in the log, and the broker stays up.
            os.remove(jwks)
            self.assertEqual(oauth_login(bootstrap, token=rotated), KafkaError._AUTHENTICATION)
            self.assertIn("OAUTHBEARER cannot validate tokens: sasl.oauthbearer.jwks.endpoint.url: cannot read",
                          self.signed.log_text())
        finally:
            with open(jwks, "w") as f:
                f.write(original)
        self.assertIsNone(oauth_login(bootstrap, token=jwt({"alg": "RS256", "kid": "k1"}, claims, self.key)))


if __name__ == "__main__":
    unittest.main()
