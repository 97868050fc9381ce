package compat

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// kafkactlModule is the CLI's module path; the test builds it with `go install` (GOBIN in
// the user cache dir, so later runs reuse it) unless $KAFKACTL or PATH already has one.
const kafkactlModule = "github.com/deviceinsight/kafkactl/v5@latest"

func kafkactlBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("KAFKACTL"); p != "" {
		return p
	}
	if p, err := exec.LookPath("kafkactl"); err == nil {
		return p
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	gobin := filepath.Join(cache, "chronik-compat", "bin")
	bin := filepath.Join(gobin, "kafkactl")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	cmd := exec.Command("go", "install", kafkactlModule)
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	if err != nil {
		// Deliberately a failure, not a skip: the kafkactl scenarios did not run.
		t.Fatalf("KAFKACTL NOT AVAILABLE: `go install %s` failed (%v); set $KAFKACTL to a kafkactl binary "+
			"or put one on PATH. go said:\n%s", kafkactlModule, err, out)
	}
	return bin
}

type kafkactl struct {
	t   *testing.T
	bin string
	cfg string
}

func newKafkactl(t *testing.T, bin string, b *broker, compression string) *kafkactl {
	cfg := filepath.Join(t.TempDir(), "kafkactl.yml")
	prod := ""
	if compression != "" {
		prod = "    producer:\n      compression: " + compression + "\n"
	}
	body := fmt.Sprintf("contexts:\n  default:\n    brokers:\n      - %s\n%scurrent-context: default\n", b.Addr, prod)
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return &kafkactl{t, bin, cfg}
}

func (k *kafkactl) run(stdin string, args ...string) string {
	k.t.Helper()
	cmd := exec.Command(k.bin, append([]string{"--config-file", k.cfg}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		k.t.Fatalf("kafkactl %s: %v\nstdout:\n%.2000s\nstderr:\n%.2000s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// produceAll sends messages 0..n-1 as "key#value" lines, with a constant header
// (kafkactl's --header applies to every message of one invocation).
func (k *kafkactl) produceAll(topic string, n int) {
	var in strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&in, "%s#%s\n", keyOf(i), valueOf(i))
	}
	k.run(in.String(), "produce", topic, "--separator", "#", "--header", "src:kafkactl", "--silent")
}

// consumeAll reads the topic from the beginning to its end offsets and checks that the
// key#value lines are exactly messages 0..n-1 with the header.
func (k *kafkactl) consumeAll(topic string, n int) {
	k.t.Helper()
	out := k.run("", "consume", topic, "--from-beginning", "--exit", "--print-keys", "--print-headers", "--separator", "#")
	seen := map[string]int{}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, l := range lines {
		if !strings.Contains(l, "src:kafkactl") {
			k.t.Errorf("consumed line without the header src:kafkactl: %q", l)
			break
		}
		f := strings.Split(l, "#")
		seen[strings.Join(f[len(f)-2:], "#")]++
	}
	for i := 0; i < n; i++ {
		if c := seen[keyOf(i)+"#"+valueOf(i)]; c != 1 {
			k.t.Fatalf("message %d consumed %d times (%d lines); first lines:\n%.500s", i, c, len(lines), out)
		}
	}
	if len(lines) != n {
		k.t.Errorf("consumed %d lines, want %d", len(lines), n)
	}
}

func TestKafkactl(t *testing.T) {
	bin := kafkactlBinary(t) // before the broker: a missing CLI fails fast and plainly
	b := startBroker(t)
	k := newKafkactl(t, bin, b, "")
	topic := "kafkactl-main"
	t.Run("CreateTopic3Partitions", func(t *testing.T) {
		k.t = t
		k.run("", "create", "topic", topic, "--partitions", "3", "--replication-factor", "1")
		out := k.run("", "describe", "topic", topic, "-o", "yaml")
		if c := strings.Count(out, "leader:"); c != 3 {
			t.Errorf("describe topic shows %d partitions, want 3:\n%s", c, out)
		}
	})
	t.Run("Produce10kKeyedWithHeaders", func(t *testing.T) { k.t = t; k.produceAll(topic, numMessages) })
	t.Run("ConsumeAllExactly", func(t *testing.T) { k.t = t; k.consumeAll(topic, numMessages) })
	t.Run("ListOffsets", func(t *testing.T) {
		k.t = t
		out := k.run("", "describe", "topic", topic, "-o", "yaml")
		if !strings.Contains(out, "oldestOffset: 0") || !strings.Contains(out, "newestOffset:") {
			t.Errorf("describe topic lacks oldest/newest offsets:\n%s", out)
		}
	})
	t.Run("Compression", func(t *testing.T) {
		for _, codec := range []string{"gzip", "snappy", "lz4", "zstd"} {
			t.Run(codec, func(t *testing.T) {
				kc := newKafkactl(t, bin, b, codec)
				ct := "kafkactl-" + codec
				kc.run("", "create", "topic", ct, "--partitions", "3")
				kc.produceAll(ct, 2000)
				kc.consumeAll(ct, 2000)
			})
		}
	})
	t.Run("DescribeAndAlterConfigs", func(t *testing.T) {
		k.t = t
		k.run("", "alter", "topic", topic, "--config", "retention.ms=3600000")
		out := k.run("", "describe", "topic", topic, "--print-configs", "all", "-o", "yaml")
		if !strings.Contains(out, "3600000") || !strings.Contains(out, "cleanup.policy") {
			t.Errorf("describe topic after alter lacks retention.ms=3600000 or cleanup.policy:\n%s", out)
		}
	})
	t.Run("DeleteTopic", func(t *testing.T) {
		k.t = t
		k.run("", "delete", "topic", topic)
		if out := k.run("", "get", "topics"); strings.Contains(out, topic+" ") || strings.Contains(out, topic+"\n") {
			t.Errorf("topic still listed after delete:\n%s", out)
		}
	})
}
