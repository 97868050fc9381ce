package compat

import (
	"os"
	"strings"
	"testing"
)

// kafkactlSecurity: a context with SASL/PLAIN, and one with TLS, each creating a topic,
// producing one message and reading it back (the listeners of CHRONIK_SASL_BOOTSTRAP
// and CHRONIK_TLS_BOOTSTRAP, as for the other clients).
func kafkactlSecurity(t *testing.T, bin string, b *broker, name func(string) string) {
	t.Run("sasl_plain", func(t *testing.T) {
		k := newKafkactl(t, bin, envOr("CHRONIK_SASL_BOOTSTRAP", b.Addr), kafkactlContext{sasl: true})
		k.roundTrip(name("sasl"))
	})
	t.Run("tls", func(t *testing.T) {
		k := newKafkactl(t, bin, envOr("CHRONIK_TLS_BOOTSTRAP", b.Addr), kafkactlContext{tls: true, tlsCA: os.Getenv("CHRONIK_TLS_CA")})
		k.roundTrip(name("tls"))
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
