"""The chronik binary's command line and the settings it cannot honour, run for real: help and
version, refused log levels and config paths, and the settings refused at start-up instead of
accepted and ignored (a second log dir, TLS listeners without certificates, SASL mechanisms not
served, an https admin listener without its certificate), listeners checked with Kafka's rules, and the warnings about compaction.

usage: test_command_line.py <path to chronik>
"""
import os
import subprocess
import sys
import tempfile
import unittest

CHRONIK = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else "chronik"
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import chronik_broker  # noqa: E402


def run(*args, timeout=20):
    """Runs chronik to its exit in a fresh working directory (its default data dir is there)."""
    with tempfile.TemporaryDirectory(prefix="chronik-cli-") as cwd:
        p = subprocess.run([CHRONIK, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)
        leftovers = os.listdir(cwd)
    return p.returncode, p.stdout, p.stderr, leftovers


def on_free_ports(*args):
    """`args` after overrides that keep a run off the default ports."""
    return ["--override", f"listeners=PLAINTEXT://127.0.0.1:{chronik_broker.free_port()}",
            "--override", "admin.listeners=http://127.0.0.1:0", *args]


class CommandLine(unittest.TestCase):
    def test_help_and_version(self):
        code, out, err, _ = run("--help")
        self.assertEqual(code, 0, err)
        for option in ("--config", "--override", "--log-level", "--version", "--print-api-versions"):
            self.assertIn(option, out)
        code, out, _, _ = run("--version")
        self.assertEqual((code, out.strip()), (0, "chronik 0.1.0"))

    def test_usage_errors_exit_2(self):
        for args, words in ((["--nope"], "unrecognised option '--nope'"),
                            (["--config"], "the required argument for option '--config' is missing"),
                            (["--override", "no-equals"], "--override expects key=value"),
                            (["stray"], "too many positional options")):
            with self.subTest(args=args):
                code, _, err, leftovers = run(*args)
                self.assertEqual(code, 2, err)
                self.assertIn(words, err)
                self.assertEqual(leftovers, [], "a usage error must not create a data dir")

    def test_unknown_log_level_is_refused_not_silence(self):
        # spdlog reads an unknown level as "off": the broker used to run without a word.
        for level in ("verbose", "DEBUGGING"):
            with self.subTest(level=level):
                code, _, err, _ = run(*on_free_ports("--log-level", level))
                self.assertEqual(code, 2)
                self.assertIn(f"unknown log level '{level}'", err)
        code, _, err, _ = run(*on_free_ports("--log-level", "verbose"))
        self.assertIn("trace, debug, info", err)

    def test_log_level_words_are_case_insensitive(self):
        # DEBUG used to read as "off": not a line, not even the start-up one.
        from confluent_kafka.admin import AdminClient
        broker = chronik_broker.Broker(CHRONIK, env={"CHRONIK_LOG_LEVEL": "DEBUG"})
        try:
            AdminClient({"bootstrap.servers": broker.bootstrap}).list_topics(timeout=10)
            log = broker.log_text()
            self.assertIn("stop with Ctrl-C or SIGTERM", log)
            self.assertIn("[chronik.net] [debug] connection", log)  # a client's first request
        finally:
            self.assertEqual(broker.stop(), 0)

    def test_config_that_is_a_directory_is_refused(self):
        with tempfile.TemporaryDirectory() as d:
            code, out, err, leftovers = run(*on_free_ports("--config", d))
        self.assertEqual(code, 1)
        self.assertIn("is a directory", out + err)
        self.assertEqual(leftovers, [])


class UnservedSettings(unittest.TestCase):
    """Each is refused with a line naming the setting, before anything is written."""

    def refused(self, words, *overrides):
        args = []
        for o in overrides:
            args += ["--override", o]
        code, out, err, leftovers = run(*args)
        self.assertEqual(code, 1, out + err)
        self.assertIn("cannot start: " + words, out + err)
        self.assertEqual(leftovers, [], "a refused start must not create a data dir")

    def invalid(self, words, *overrides):
        args = []
        for o in overrides:
            args += ["--override", o]
        code, out, err, leftovers = run(*args)
        self.assertEqual(code, 1, out + err)
        self.assertIn("invalid configuration: ", out + err)
        self.assertIn(words, out + err)
        self.assertEqual(leftovers, [], "a refused start must not create a data dir")

    def test_listeners_with_kafkas_rules(self):
        p1, p2 = chronik_broker.free_port(), chronik_broker.free_port()
        self.invalid("Each listener must have a different port",
                     f"listeners=PLAINTEXT://127.0.0.1:{p1},INTERNAL://127.0.0.1:{p1}",
                     "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT",
                     "admin.listeners=http://127.0.0.1:0")
        self.invalid("Each listener must have a different name",
                     f"listeners=PLAINTEXT://127.0.0.1:{p1},PLAINTEXT://127.0.0.1:{p2}",
                     "admin.listeners=http://127.0.0.1:0")
        self.invalid("no security protocol for listener INTERNAL",
                     f"listeners=PLAINTEXT://127.0.0.1:{p1},INTERNAL://127.0.0.1:{p2}",
                     "admin.listeners=http://127.0.0.1:0")
        self.invalid("No enum constant for security protocol TLS",
                     f"listeners=PLAINTEXT://127.0.0.1:{p1},INTERNAL://127.0.0.1:{p2}",
                     "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,INTERNAL:TLS",
                     "admin.listeners=http://127.0.0.1:0")
        self.invalid("listener name OTHER is not in listeners",
                     f"listeners=PLAINTEXT://127.0.0.1:{p1}", f"advertised.listeners=OTHER://example.com:{p1}",
                     "admin.listeners=http://127.0.0.1:0")

    def test_tls_listener_without_its_certificate(self):
        for proto in ("SSL", "SASL_SSL"):
            with self.subTest(proto=proto):
                code, out, err, _ = run("--override", f"listeners={proto}://127.0.0.1:{chronik_broker.free_port()}",
                                        "--override", "sasl.enabled.mechanisms=SCRAM-SHA-256",
                                        "--override", "ssl.keystore.type=PEM",
                                        "--override", "admin.listeners=http://127.0.0.1:0")
                self.assertEqual(code, 1, out + err)
                self.assertIn(f"listener {proto}: ssl.keystore.location: a TLS listener needs its certificate", out + err)

    def test_sasl_mechanisms_not_served(self):
        port = chronik_broker.free_port()
        # Kafka's default mechanism, GSSAPI (Kerberos), is not served: said, not ignored.
        self.refused("sasl.enabled.mechanisms: listener SASL_PLAINTEXT enables GSSAPI, which Chronik does not serve",
                     f"listeners=SASL_PLAINTEXT://127.0.0.1:{port}", "admin.listeners=http://127.0.0.1:0")
        self.refused("listener SASL_PLAINTEXT enables PLAIN but has no JAAS configuration",
                     f"listeners=SASL_PLAINTEXT://127.0.0.1:{port}", "sasl.enabled.mechanisms=PLAIN",
                     "admin.listeners=http://127.0.0.1:0")
        # The JAAS line's passwords never reach the log, even when it does not parse.
        code, out, err, _ = run("--override", f"listeners=SASL_PLAINTEXT://127.0.0.1:{port}",
                                "--override", "admin.listeners=http://127.0.0.1:0",
                                "--override", "sasl.enabled.mechanisms=PLAIN",
                                "--override", 'listener.name.sasl_plaintext.plain.sasl.jaas.config='
                                'org.apache.kafka.common.security.plain.PlainLoginModule required user_a="s3cret-pw"')
        self.assertEqual(code, 1, out + err)
        self.assertNotIn("s3cret-pw", out + err)

    def test_oauthbearer_that_cannot_validate(self):
        sasl = [f"listeners=SASL_PLAINTEXT://127.0.0.1:{chronik_broker.free_port()}", "admin.listeners=http://127.0.0.1:0",
                "sasl.enabled.mechanisms=OAUTHBEARER"]
        module = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;"
        validator = ("listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class="
                     "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler")
        self.refused("listener SASL_PLAINTEXT enables OAUTHBEARER but has no JAAS configuration", *sasl)
        self.refused("sasl.oauthbearer.jwks.endpoint.url: Chronik reads the JWKS from a file", *sasl,
                     "sasl.oauthbearer.jwks.endpoint.url=https://idp.example/jwks")
        with tempfile.TemporaryDirectory() as d:
            self.invalid(f"sasl.oauthbearer.jwks.endpoint.url: cannot read {d}/missing.json", *sasl, validator,
                         f"sasl.oauthbearer.jwks.endpoint.url=file://{d}/missing.json")
        self.invalid("needs sasl.oauthbearer.jwks.endpoint.url", *sasl, validator,
                     f"listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config={module}")
        self.invalid("com.example.MyHandler is not served", *sasl,
                     "listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class=com.example.MyHandler",
                     f"listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config={module}")

    def test_https_admin_listener_without_its_certificate(self):
        code, out, err, _ = run("--override", f"listeners=PLAINTEXT://127.0.0.1:{chronik_broker.free_port()}",
                                "--override", "ssl.keystore.type=PEM",
                                "--override", f"admin.listeners=https://127.0.0.1:{chronik_broker.free_port()}")
        self.assertEqual(code, 1, out + err)
        self.assertIn("listener https: ssl.keystore.location: a TLS listener needs its certificate", out + err)

    def test_second_log_dir(self):
        with tempfile.TemporaryDirectory() as d:
            self.refused("log.dirs: Chronik keeps its data in one directory, got 2",
                         f"listeners=PLAINTEXT://127.0.0.1:{chronik_broker.free_port()}",
                         "admin.listeners=http://127.0.0.1:0", f"log.dirs={d}/a,{d}/b")
            self.assertEqual(os.listdir(d), [])

    def test_compaction_is_warned_about(self):
        from confluent_kafka.admin import AdminClient, NewTopic
        broker = chronik_broker.Broker(CHRONIK, "log.cleanup.policy=compact,delete")
        try:
            admin = AdminClient({"bootstrap.servers": broker.bootstrap})
            for f in admin.create_topics([NewTopic("cli-compacted", 1, 1, config={"cleanup.policy": "compact"}),
                                          NewTopic("cli-plain", 2, 1)]).values():
                f.result(15)
            log = broker.log_text()
            self.assertIn("log.cleanup.policy=compact,delete: Chronik does not compact yet", log)
            self.assertIn("topic cli-compacted: cleanup.policy=compact is stored, but Chronik does not compact yet",
                          log)
            self.assertIn("created topic cli-plain with 2 partition(s)", log)
            self.assertNotIn("topic cli-plain: cleanup.policy", log)
            self.assertNotIn("created topic __consumer_offsets", log)
        finally:
            self.assertEqual(broker.stop(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
