package compat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// kafkactlBinary is $KAFKACTL, else the one tests/compat/install builds into the
// compatibility cache (kafkactl v5.20.0 from its released source), else one on PATH.
func kafkactlBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("KAFKACTL"); p != "" {
		return p
	}
	dir := os.Getenv("CHRONIK_COMPAT_BIN") // as tests/compat/install and run
	if cache, err := os.UserCacheDir(); dir == "" && err == nil {
		dir = filepath.Join(cache, "chronik-compat", "bin")
	}
	if p := filepath.Join(dir, "kafkactl"); dir != "" && isExecutable(p) {
		return p
	}
	if p, err := exec.LookPath("kafkactl"); err == nil {
		return p
	}
	// Deliberately a failure, not a skip: the kafkactl scenarios did not run.
	t.Fatal("KAFKACTL NOT AVAILABLE: no kafkactl in $KAFKACTL, ~/.cache/chronik-compat/bin or PATH; " +
		"tests/compat/install builds it (from ../shared/tools/kafkactl, or $CHRONIK_KAFKACTL_SOURCE)")
	return ""
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}

// kafkactl runs the CLI with a config file of one context; t is the (sub)test it reports to.
type kafkactl struct {
	t   *testing.T
	bin string
	cfg string
}

// kafkactlContext is the context's optional parts beyond the bootstrap address.
type kafkactlContext struct {
	compression string // producer.compression
	sasl        bool   // SASL/PLAIN as compat / compat-secret
	tlsCA       string // tls.enabled with this CA ("" with tls: insecure)
	tls         bool
	// saslMechanism, with sasl: plaintext (""), scram-sha256 or scram-sha512 as compat /
	// compat-secret, or oauth with the generic token provider running tokenScript.
	saslMechanism string
	tokenScript   string
	tlsCert       string // with tls: the client certificate and its key (PEM)
	tlsCertKey    string
}

func newKafkactl(t *testing.T, bin, addr string, c kafkactlContext) *kafkactl {
	cfg := filepath.Join(t.TempDir(), "kafkactl.yml")
	var body strings.Builder
	fmt.Fprintf(&body, "contexts:\n  default:\n    brokers:\n      - %s\n", addr)
	if c.compression != "" {
		fmt.Fprintf(&body, "    producer:\n      compression: %s\n", c.compression)
	}
	if c.sasl {
		mechanism := c.saslMechanism
		if mechanism == "" {
			mechanism = "plaintext"
		}
		fmt.Fprintf(&body, "    sasl:\n      enabled: true\n      mechanism: %s\n", mechanism)
		if mechanism == "oauth" {
			fmt.Fprintf(&body, "      tokenprovider:\n        plugin: generic\n        options:\n          script: %s\n", c.tokenScript)
		} else {
			body.WriteString("      username: compat\n      password: compat-secret\n")
		}
	}
	if c.tls {
		body.WriteString("    tls:\n      enabled: true\n")
		if c.tlsCA != "" {
			fmt.Fprintf(&body, "      ca: %s\n", c.tlsCA)
		} else {
			body.WriteString("      insecure: true\n")
		}
		if c.tlsCert != "" {
			fmt.Fprintf(&body, "      cert: %s\n      certKey: %s\n", c.tlsCert, c.tlsCertKey)
		}
	}
	body.WriteString("current-context: default\n")
	if err := os.WriteFile(cfg, []byte(body.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return &kafkactl{t, bin, cfg}
}

// with is the same CLI reporting to another subtest.
func (k *kafkactl) with(t *testing.T) *kafkactl { return &kafkactl{t, k.bin, k.cfg} }

// exec runs kafkactl with stdin; a command that hangs is killed after two minutes.
func (k *kafkactl) exec(stdin string, args ...string) (string, string, error) {
	cmd := exec.Command(k.bin, append([]string{"--config-file", k.cfg}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		return "", "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), errb.String(), err
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		<-done
		return out.String(), errb.String(), errors.New("did not finish within 2 minutes (killed)")
	}
}

// run fails the test unless kafkactl succeeds; returns its stdout.
func (k *kafkactl) run(stdin string, args ...string) string {
	k.t.Helper()
	out, errs, err := k.exec(stdin, args...)
	if err != nil {
		k.t.Fatalf("kafkactl %s: %v: %.300s %.1500s", strings.Join(args, " "), err, strings.TrimSpace(errs), out)
	}
	return out
}

// fails checks that kafkactl refuses; returns what it said.
func (k *kafkactl) fails(args ...string) string {
	k.t.Helper()
	out, errs, err := k.exec("", args...)
	if err == nil {
		k.t.Errorf("kafkactl %s succeeded, want an error; it said:\n%.1000s", strings.Join(args, " "), out)
	}
	return out + errs
}

// json runs kafkactl with `-o json` and decodes its output into v.
func (k *kafkactl) json(v any, args ...string) {
	k.t.Helper()
	out := k.run("", append(args, "-o", "json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		k.t.Fatalf("kafkactl %s -o json: %v in:\n%.1500s", strings.Join(args, " "), err, out)
	}
}

// kTopic is `describe topic -o json` (kafkactl's field names; encoding/json matches them
// case-insensitively).
type kTopic struct {
	Name              string
	ReplicationFactor int
	Partitions        []struct {
		ID                         int32
		OldestOffset, NewestOffset int64
		Leader                     string
		Replicas, InSyncReplicas   []int32
	}
	Configs []kConfig
}

type kConfig struct{ Name, Value string }

func configOf(cs []kConfig, name string) (string, bool) {
	for _, c := range cs {
		if c.Name == name {
			return c.Value, true
		}
	}
	return "", false
}

func (k *kafkactl) topic(name string, extra ...string) kTopic {
	k.t.Helper()
	var tp kTopic
	k.json(&tp, append([]string{"describe", "topic", name}, extra...)...)
	if tp.Name != name {
		k.t.Fatalf("describe topic %s answered for topic %q", name, tp.Name)
	}
	return tp
}

// records is the number of records between the oldest and newest offsets.
func (tp kTopic) records() int64 {
	var n int64
	for _, p := range tp.Partitions {
		n += p.NewestOffset - p.OldestOffset
	}
	return n
}

func (k *kafkactl) topicNames() map[string]bool {
	k.t.Helper()
	var ts []kTopic
	k.json(&ts, "get", "topics")
	names := map[string]bool{}
	for _, tp := range ts {
		names[tp.Name] = true
	}
	return names
}

// consume runs `consume ... -o json` with keys and headers and decodes the stream of
// one JSON object per message.
func (k *kafkactl) consume(args ...string) []consumed {
	k.t.Helper()
	all := append(append([]string{"consume"}, args...), "--print-keys", "--print-headers", "-o", "json")
	out := k.run("", all...)
	var msgs []consumed
	dec := json.NewDecoder(strings.NewReader(out))
	for {
		var m consumed
		if err := dec.Decode(&m); err == io.EOF {
			return msgs
		} else if err != nil {
			k.t.Fatalf("kafkactl %s: undecodable output (%v):\n%.1500s", strings.Join(all, " "), err, out)
		}
		msgs = append(msgs, m)
	}
}

// produce sends messages from..to-1 of the shared model (key, value, headers i and src)
// as kafkactl's JSON input lines on stdin.
func (k *kafkactl) produce(topic string, from, to int, flags ...string) {
	k.t.Helper()
	var in strings.Builder
	for i := from; i < to; i++ {
		line, _ := json.Marshal(map[string]any{"key": keyOf(i), "value": valueOf(i),
			"headers": map[string]string{"i": valueOf(i), "src": "kafkactl"}})
		in.Write(line)
		in.WriteByte('\n')
	}
	out := k.run(in.String(), append([]string{"produce", topic, "--input-format", "json"}, flags...)...)
	if want := fmt.Sprintf("%d messages produced", to-from); !strings.Contains(out, want) {
		k.t.Errorf("produce said %q, want %q", strings.TrimSpace(out), want)
	}
}

// checkRange checks that msgs are exactly the model's messages from..to-1, in order
// (one partition) or in any order (several: per-partition order is checkExact's job).
func checkRange(t *testing.T, msgs []consumed, from, to int) {
	t.Helper()
	got := make([]string, 0, len(msgs))
	for _, m := range msgs {
		got = append(got, m.Key+"="+m.Value)
	}
	want := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		want = append(want, keyOf(i)+"="+valueOf(i))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("consumed %d messages %.300v, want messages %d..%d", len(got), got, from, to-1)
	}
}

// waitReady polls describe topic until every partition lists its offsets: Kafka answers
// ListOffsets (kafkactl prints -1) and acks=0 produces (it closes the connection on
// NOT_LEADER_OR_FOLLOWER) only a moment after a topic is created.
func (k *kafkactl) waitReady(topic string) {
	k.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ready := true
		for _, p := range k.topic(topic).Partitions {
			ready = ready && p.OldestOffset >= 0 && p.NewestOffset >= 0
		}
		if ready {
			return
		}
		if time.Now().After(deadline) {
			k.t.Fatalf("topic %s: partitions without offsets 20 s after creation", topic)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitRecords polls describe topic until it counts n records (acks=0 produces return
// before the broker appended).
func (k *kafkactl) waitRecords(topic string, n int64) {
	k.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := k.topic(topic).records()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			k.t.Fatalf("topic %s holds %d records after 20 s, want %d", topic, got, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestKafkactl is kafkactl's row of the report: one subtest per operation of
// tests/compat/ops.py, each checking what kafkactl printed (-o json where it offers it).
func TestKafkactl(t *testing.T) {
	bin := kafkactlBinary(t) // before the broker: a missing CLI fails fast and plainly
	b := startBroker(t)
	k := newKafkactl(t, bin, b.Addr, kafkactlContext{})
	// Names unique per run, so that the scenarios also run against a broker already used.
	run := strconv.FormatInt(time.Now().UnixMilli()%1e7, 36)
	name := func(s string) string { return "kafkactl-" + s + "-" + run }
	kafkactlTopics(t, k, b, name)
	kafkactlMessages(t, k, b, name)
	kafkactlGroups(t, k, name)
	kafkactlSecurity(t, bin, b, name)
	t.Run("delete_topic", func(t *testing.T) {
		k := k.with(t)
		topic := name("main")
		if out := k.run("", "delete", "topic", topic); !strings.Contains(out, "topic deleted: "+topic) {
			t.Errorf("delete topic said %q", out)
		}
		if k.topicNames()[topic] {
			t.Errorf("get topics still lists %s after delete topic", topic)
		}
		k.fails("describe", "topic", topic)
		k.fails("delete", "topic", topic)
	})
}
