// Package compat runs real Go Kafka clients (Sarama, franz-go, kafkactl) against the real
// chronik binary. Every test starts its own broker on a free loopback port with a
// temporary data dir and stops it (SIGTERM, expecting exit 0) at the end.
//
// The binary comes from -chronik or $CHRONIK_BINARY (ctest passes it); by default the
// newest build*/broker/chronik of the source tree is used.
package compat

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

var chronikFlag = flag.String("chronik", os.Getenv("CHRONIK_BINARY"), "path to the chronik binary")

func chronikBinary(t *testing.T) string {
	t.Helper()
	if *chronikFlag != "" {
		return *chronikFlag
	}
	// Fall back to the newest build directory of the source tree (tests/compat/go -> root).
	matches, _ := filepath.Glob("../../../build*/broker/chronik")
	sort.Slice(matches, func(i, j int) bool {
		a, _ := os.Stat(matches[i])
		b, _ := os.Stat(matches[j])
		return a.ModTime().After(b.ModTime())
	})
	if len(matches) == 0 {
		t.Fatal("no chronik binary: pass -chronik or set CHRONIK_BINARY")
	}
	p, _ := filepath.Abs(matches[0])
	return p
}

type broker struct {
	Addr string
	Dir  string
	log  string
	cmd  *exec.Cmd
	done chan error
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startBroker starts chronik with the given key=value overrides; the test's cleanup stops
// it and fails the test unless it exits 0.
func startBroker(t *testing.T, overrides ...string) *broker {
	t.Helper()
	// tests/compat/run starts the broker itself (or points at another one).
	if addr := os.Getenv("CHRONIK_BOOTSTRAP"); addr != "" && len(overrides) == 0 {
		return &broker{Addr: addr}
	}
	dir := t.TempDir()
	b := &broker{Dir: filepath.Join(dir, "data"), log: filepath.Join(dir, "chronik.log"), done: make(chan error, 1)}
	port := freePort(t)
	b.Addr = fmt.Sprintf("127.0.0.1:%d", port)
	args := []string{"--override", "listeners=PLAINTEXT://" + b.Addr, "--override", "log.dirs=" + b.Dir,
		"--override", "admin.listeners=http://127.0.0.1:0"}
	for _, o := range overrides {
		args = append(args, "--override", o)
	}
	logf, err := os.Create(b.log)
	if err != nil {
		t.Fatal(err)
	}
	b.cmd = exec.Command(chronikBinary(t), args...)
	b.cmd.Stdout, b.cmd.Stderr = logf, logf
	// The broker dies with the test binary (the forking thread stays locked meanwhile).
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	runtime.LockOSThread()
	err = b.cmd.Start()
	runtime.UnlockOSThread()
	if err != nil {
		t.Fatalf("cannot start chronik: %v", err)
	}
	go func() { b.done <- b.cmd.Wait(); logf.Close() }()
	t.Cleanup(func() { b.stop(t) })
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", b.Addr, time.Second)
		if err == nil {
			c.Close()
			return b
		}
		select {
		case err := <-b.done:
			b.done <- err
			t.Fatalf("chronik exited at start-up (%v):\n%s", err, b.tail(40))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("chronik did not listen on %s within 20 s:\n%s", b.Addr, b.tail(40))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (b *broker) stop(t *testing.T) {
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-b.done:
		if err != nil {
			t.Errorf("chronik did not exit cleanly on SIGTERM: %v\n%s", err, b.tail(40))
		}
	case <-time.After(30 * time.Second):
		_ = b.cmd.Process.Kill()
		<-b.done
		t.Errorf("chronik did not stop within 30 s of SIGTERM:\n%s", b.tail(40))
	}
	if t.Failed() {
		t.Logf("chronik log (last lines of %s):\n%s", b.log, b.tail(60))
	}
}

func (b *broker) tail(n int) string {
	f, err := os.Open(b.log)
	if err != nil {
		return ""
	}
	defer f.Close()
	var lines []string
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		lines = append(lines, s.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// The shared message model: message i has key "k<i%37>", value "<i>", and headers
// i=<i> and src=<client>. keyOf/valueOf keep producers and checks in step.
const numMessages = 10000

func keyOf(i int) string   { return "k" + strconv.Itoa(i%37) }
func valueOf(i int) string { return strconv.Itoa(i) }

// consumed is one message as a consumer saw it.
type consumed struct {
	Partition int32
	Offset    int64
	Key       string
	Value     string
	Headers   map[string]string
}

// checkExact verifies that msgs hold exactly messages 0..n-1 (no loss, no duplicate),
// that offsets rise within each partition, that produce order holds per partition, that
// each key lives in one partition, and that headers round-tripped (when withHeaders).
func checkExact(t *testing.T, msgs []consumed, n int, withHeaders bool, src string) {
	t.Helper()
	seen := make([]int, n)
	lastOff := map[int32]int64{}
	lastVal := map[int32]int{}
	keyPart := map[string]int32{}
	errs := 0
	fail := func(format string, args ...any) {
		if errs < 10 {
			t.Errorf(format, args...)
		}
		errs++
	}
	for _, m := range msgs {
		i, err := strconv.Atoi(m.Value)
		if err != nil || i < 0 || i >= n {
			fail("unexpected value %q at p%d@%d", m.Value, m.Partition, m.Offset)
			continue
		}
		seen[i]++
		if off, ok := lastOff[m.Partition]; ok && m.Offset <= off {
			fail("p%d: offset %d after %d", m.Partition, m.Offset, off)
		}
		lastOff[m.Partition] = m.Offset
		if v, ok := lastVal[m.Partition]; ok && i <= v {
			fail("p%d@%d: message %d after %d (per-partition order broken)", m.Partition, m.Offset, i, v)
		}
		lastVal[m.Partition] = i
		if m.Key != keyOf(i) {
			fail("message %d: key %q, want %q", i, m.Key, keyOf(i))
		}
		if p, ok := keyPart[m.Key]; ok && p != m.Partition {
			fail("key %q in partitions %d and %d", m.Key, p, m.Partition)
		}
		keyPart[m.Key] = m.Partition
		if withHeaders && (m.Headers["i"] != m.Value || m.Headers["src"] != src) {
			fail("message %d: headers %v", i, m.Headers)
		}
	}
	missing, dup := 0, 0
	for i, c := range seen {
		if c == 0 {
			missing++
			if missing <= 3 {
				fail("message %d missing", i)
			}
		} else if c > 1 {
			dup++
			if dup <= 3 {
				fail("message %d seen %d times", i, c)
			}
		}
	}
	if missing+dup > 0 {
		t.Errorf("%d of %d messages missing, %d duplicated (got %d messages)", missing, n, dup, len(msgs))
	}
	if len(lastOff) < 2 && n > 100 {
		t.Errorf("messages landed in %d partition(s); keyed messages should spread over 3", len(lastOff))
	}
}
