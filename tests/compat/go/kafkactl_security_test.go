package compat

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// kafkactlSecurity: a context per SASL mechanism and TLS set-up, each creating a topic,
// producing one message and reading it back (the listeners of CHRONIK_SASL_BOOTSTRAP,
// CHRONIK_TLS_BOOTSTRAP, CHRONIK_MTLS_BOOTSTRAP and CHRONIK_SASL_SSL_BOOTSTRAP, as for
// the other clients).
func kafkactlSecurity(t *testing.T, bin string, b *broker, name func(string) string) {
	saslAddr := envOr("CHRONIK_SASL_BOOTSTRAP", b.Addr)
	ca := os.Getenv("CHRONIK_TLS_CA")
	t.Run("sasl_plain", func(t *testing.T) {
		k := newKafkactl(t, bin, saslAddr, kafkactlContext{sasl: true})
		k.roundTrip(name("sasl"))
	})
	t.Run("sasl_scram_sha_256", func(t *testing.T) {
		k := newKafkactl(t, bin, saslAddr, kafkactlContext{sasl: true, saslMechanism: "scram-sha256"})
		k.roundTrip(name("scram-sha-256"))
	})
	t.Run("sasl_scram_sha_512", func(t *testing.T) {
		k := newKafkactl(t, bin, saslAddr, kafkactlContext{sasl: true, saslMechanism: "scram-sha512"})
		k.roundTrip(name("scram-sha-512"))
	})
	t.Run("sasl_oauthbearer", func(t *testing.T) {
		// kafkactl's "generic" token provider runs a script that prints {"token": ...}.
		script := filepath.Join(t.TempDir(), "token.sh")
		body := fmt.Sprintf("#!/bin/sh\necho '{\"token\": \"%s\"}'\n", unsecuredJWT("compat"))
		if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
		k := newKafkactl(t, bin, saslAddr, kafkactlContext{sasl: true, saslMechanism: "oauth", tokenScript: script})
		k.roundTrip(name("oauthbearer"))
	})
	t.Run("tls", func(t *testing.T) {
		k := newKafkactl(t, bin, envOr("CHRONIK_TLS_BOOTSTRAP", b.Addr), kafkactlContext{tls: true, tlsCA: ca})
		k.roundTrip(name("tls"))
	})
	t.Run("mtls", func(t *testing.T) {
		cert, key := compatClientCert(t)
		k := newKafkactl(t, bin, envOr("CHRONIK_MTLS_BOOTSTRAP", b.Addr),
			kafkactlContext{tls: true, tlsCA: ca, tlsCert: cert, tlsCertKey: key})
		k.roundTrip(name("mtls"))
	})
	t.Run("sasl_ssl", func(t *testing.T) {
		k := newKafkactl(t, bin, envOr("CHRONIK_SASL_SSL_BOOTSTRAP", b.Addr),
			kafkactlContext{sasl: true, saslMechanism: "scram-sha512", tls: true, tlsCA: ca})
		k.roundTrip(name("sasl-ssl"))
	})
}

func (k *kafkactl) roundTrip(topic string) {
	k.t.Helper()
	// The failure names the step, not the run's topic name: the report keeps it verbatim.
	for _, step := range []struct {
		what string
		args []string
	}{{"create topic", []string{"create", "topic", topic, "--partitions", "1"}},
		{"produce", []string{"produce", topic, "--key", "k", "--value", "over " + topic}}} {
		if _, errs, err := k.exec("", step.args...); err != nil {
			k.t.Fatalf("kafkactl %s: %v: %.300s", step.what, err, strings.TrimSpace(errs))
		}
	}
	msgs := k.consume(topic, "--from-beginning", "--exit")
	if len(msgs) != 1 || msgs[0].Key != "k" || msgs[0].Value != "over "+topic {
		k.t.Errorf("read back %s", render(msgs))
	}
}
