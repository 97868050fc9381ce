package compat

// Consumer groups, classic protocol: Sarama's ConsumerGroup and franz-go's group consumer
// (eager range and cooperative-sticky balancers). Two members split an 8-partition topic,
// a third joins, the first leaves, and every message is consumed exactly once throughout.

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

const groupPartitions = 8

// groupBroker runs chronik with no initial rebalance delay and a session timeout floor low
// enough for the short sessions the members use.
func groupBroker(t *testing.T) *broker {
	return startBroker(t, "group.initial.rebalance.delay.ms=0", "group.min.session.timeout.ms=1000")
}

// groupLedger is what every member of one scenario shares: the messages consumed (by key)
// and each member's current assignment.
type groupLedger struct {
	mu       sync.Mutex
	consumed map[string][]string // key -> members that consumed it
	owned    map[string]map[int32]bool
	notes    []string // progress, logged at the end so that a failure's reason comes first
}

func (l *groupLedger) note(format string, args ...any) {
	l.mu.Lock()
	l.notes = append(l.notes, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

func newLedger() *groupLedger {
	return &groupLedger{consumed: map[string][]string{}, owned: map[string]map[int32]bool{}}
}

func (l *groupLedger) record(member, key string) {
	l.mu.Lock()
	l.consumed[key] = append(l.consumed[key], member)
	l.mu.Unlock()
}

func (l *groupLedger) assign(member string, parts []int32, add bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.owned[member] == nil {
		l.owned[member] = map[int32]bool{}
	}
	for _, p := range parts {
		if add {
			l.owned[member][p] = true
		} else {
			delete(l.owned[member], p)
		}
	}
}

func (l *groupLedger) clear(member string) {
	l.mu.Lock()
	l.owned[member] = map[int32]bool{}
	l.mu.Unlock()
}

// split reports whether the members own every partition exactly once, each some.
func (l *groupLedger) split(members ...string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	seen := map[int32]int{}
	for _, m := range members {
		if len(l.owned[m]) == 0 {
			return false
		}
		for p := range l.owned[m] {
			seen[p]++
		}
	}
	if len(seen) != groupPartitions {
		return false
	}
	for _, n := range seen {
		if n != 1 {
			return false
		}
	}
	return true
}

func (l *groupLedger) describe() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var names []string
	for m := range l.owned {
		names = append(names, m)
	}
	sort.Strings(names)
	s := ""
	for _, m := range names {
		var ps []int
		for p := range l.owned[m] {
			ps = append(ps, int(p))
		}
		sort.Ints(ps)
		s += fmt.Sprintf("%s=%v ", m, ps)
	}
	return s
}

func (l *groupLedger) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, v := range l.consumed {
		n += len(v)
	}
	return n
}

// missing names, per partition, the messages below total nobody consumed, so that a
// failure tells a stalled partition from a few records dropped in a handover.
func (l *groupLedger) missing(total int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var s string
	for p := 0; p < groupPartitions; p++ {
		n, first, last := 0, -1, -1
		for i := p; i < total; i += groupPartitions {
			if len(l.consumed["m"+strconv.Itoa(i)]) == 0 {
				if n++; first < 0 {
					first = i
				}
				last = i
			}
		}
		if n > 0 {
			s += fmt.Sprintf("; p%d lacks %d of m%d..m%d", p, n, first, last)
		}
	}
	return s
}

func waitUntil(t *testing.T, l *groupLedger, timeout time.Duration, what func() string, cond func() bool) {
	defer func(t0 time.Time) { l.note("waited %v for %s", time.Since(t0), what()) }(time.Now())
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// groupProduce writes messages start..start+n-1 with key m<i> to partition i%8.
func groupProduce(t *testing.T, b *broker, topic string, start, n int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	recs := make([]*kgo.Record, 0, n)
	for i := start; i < start+n; i++ {
		recs = append(recs, &kgo.Record{Topic: topic, Partition: int32(i % groupPartitions),
			Key: []byte("m" + strconv.Itoa(i)), Value: []byte(strconv.Itoa(i))})
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

func groupTopic(t *testing.T, b *broker, topic string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	res, err := kadm.NewClient(cl).CreateTopics(context.Background(), groupPartitions, 1, nil, topic)
	if err == nil {
		err = res[topic].Err
	}
	if err != nil {
		t.Fatalf("CreateTopics(%s): %v", topic, err)
	}
}

// groupMember is one running member; stop leaves the group (LeaveGroup) and returns the
// first error the member met.
type groupMember interface{ stop() error }

// runRebalanceScenario: a, b split the topic; c joins; a leaves; exactly once by key.
// during (if any) runs while all three members share the partitions.
func runRebalanceScenario(t *testing.T, b *broker, name string, start func(l *groupLedger, member string) groupMember, during ...func()) {
	topic := "groups-" + name
	groupTopic(t, b, topic)
	l := newLedger()
	t.Cleanup(func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		t.Log("progress:\n" + strings.Join(l.notes, "\n"))
	})
	const perPhase = 400
	groupProduce(t, b, topic, 0, perPhase)
	members := map[string]groupMember{}
	defer func() {
		for _, m := range members {
			_ = m.stop()
		}
	}()
	stop := func(n string) {
		t0 := time.Now()
		if err := members[n].stop(); err != nil {
			t.Errorf("member %s: %v", n, err)
		}
		l.note("%s stopped in %v", n, time.Since(t0))
		delete(members, n)
	}
	a, bb, c := name+"-a", name+"-b", name+"-c"
	members[a] = start(l, a)
	members[bb] = start(l, bb)
	waitUntil(t, l, 60*time.Second, func() string { return "two members to split the partitions: " + l.describe() },
		func() bool { return l.split(a, bb) })
	groupProduce(t, b, topic, perPhase, perPhase)
	members[c] = start(l, c)
	waitUntil(t, l, 60*time.Second, func() string { return "three members to split the partitions: " + l.describe() },
		func() bool { return l.split(a, bb, c) })
	for _, f := range during {
		f()
	}
	groupProduce(t, b, topic, 2*perPhase, perPhase)
	stop(a)
	waitUntil(t, l, 60*time.Second, func() string { return "two remaining members to split the partitions: " + l.describe() },
		func() bool { return l.split(bb, c) })
	groupProduce(t, b, topic, 3*perPhase, perPhase)
	total := 4 * perPhase
	waitUntil(t, l, 60*time.Second, func() string { return fmt.Sprintf("%d messages (have %d%s)", total, l.count(), l.missing(total)) },
		func() bool { return l.count() >= total })
	time.Sleep(500 * time.Millisecond) // a late duplicate would show here
	stop(bb)
	stop(c)
	l.mu.Lock()
	defer l.mu.Unlock()
	who := map[string]bool{}
	bad := 0
	for i := 0; i < total; i++ {
		got := l.consumed["m"+strconv.Itoa(i)]
		for _, m := range got {
			who[m] = true
		}
		if len(got) != 1 {
			if bad++; bad <= 10 {
				t.Errorf("message m%d consumed %d times (by %v)", i, len(got), got)
			}
		}
	}
	if len(l.consumed) != total {
		t.Errorf("%d distinct keys consumed, want %d", len(l.consumed), total)
	}
	if len(who) != 3 {
		t.Errorf("members that consumed something: %v, want all three", who)
	}
}

// --- Sarama ----------------------------------------------------------------------------

type saramaHandler struct {
	l    *groupLedger
	name string
}

func (h *saramaHandler) Setup(s sarama.ConsumerGroupSession) error {
	h.l.assign(h.name, s.Claims()[topicOf(s.Claims())], true)
	return nil
}

// Cleanup runs after every ConsumeClaim returned, before the partitions are given up
// (Sarama rejoins only after it): the place to commit what was processed. (Committing
// after every message, as well, made Sarama take ~30 ms a message here.)
func (h *saramaHandler) Cleanup(s sarama.ConsumerGroupSession) error {
	s.Commit()
	h.l.clear(h.name)
	return nil
}

func (h *saramaHandler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for m := range c.Messages() {
		h.l.record(h.name, string(m.Key))
		s.MarkMessage(m, "")
	}
	return nil
}

func topicOf(claims map[string][]int32) string {
	for t := range claims {
		return t
	}
	return ""
}

type saramaMember struct {
	cancel context.CancelFunc
	group  sarama.ConsumerGroup
	done   chan error
}

func (m *saramaMember) stop() error {
	m.cancel()
	err := <-m.done
	if cerr := m.group.Close(); err == nil {
		err = cerr
	}
	return err
}

func TestGroupsSarama(t *testing.T) {
	b := groupBroker(t)
	runRebalanceScenario(t, b, "sarama", saramaGroupMembers(t, b, sarama.V3_9_0_0, "groups-sarama", "groups-sarama"))
}

// saramaGroupMembers starts Sarama ConsumerGroup members at protocol version v that
// commit what they processed when their claims end (see saramaHandler.Cleanup).
func saramaGroupMembers(t *testing.T, b *broker, v sarama.KafkaVersion, group, topic string) func(l *groupLedger, name string) groupMember {
	return func(l *groupLedger, name string) groupMember {
		cfg := sarama.NewConfig()
		cfg.Version = v
		cfg.ClientID = name
		cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
		cfg.Consumer.Offsets.AutoCommit.Enable = false
		cfg.Consumer.Group.Session.Timeout = 6 * time.Second
		cfg.Consumer.Group.Heartbeat.Interval = 500 * time.Millisecond
		cfg.Consumer.Return.Errors = true
		g, err := sarama.NewConsumerGroup([]string{b.Addr}, group, cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		m := &saramaMember{cancel: cancel, group: g, done: make(chan error, 1)}
		go func() {
			for e := range g.Errors() {
				l.note("%s: %v", name, e)
			}
		}()
		go func() {
			h := &saramaHandler{l: l, name: name}
			for {
				// Consume returns at every rebalance; loop until stopped.
				if err := g.Consume(ctx, []string{topic}, h); err != nil && !errors.Is(err, sarama.ErrClosedConsumerGroup) {
					m.done <- err
					return
				}
				if ctx.Err() != nil {
					m.done <- nil
					return
				}
			}
		}()
		return m
	}
}

// --- franz-go --------------------------------------------------------------------------

type franzMember struct {
	cl     *kgo.Client
	cancel context.CancelFunc
	done   chan error
}

func (m *franzMember) stop() error {
	m.cancel()
	err := <-m.done
	m.cl.Close() // leaves the group
	return err
}

func startFranzMember(t *testing.T, b *broker, group, topic string, balancer kgo.GroupBalancer, l *groupLedger, name string, extra ...kgo.Opt) groupMember {
	parts := func(m map[string][]int32) []int32 { return m[topic] }
	opts := []kgo.Opt{
		kgo.SeedBrokers(b.Addr), kgo.ClientID(name),
		kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic), kgo.Balancers(balancer),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(), kgo.SessionTimeout(6 * time.Second), kgo.HeartbeatInterval(500 * time.Millisecond),
		// No rebalance between a poll and the commit that follows it.
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			l.assign(name, parts(m), true)
		}),
		kgo.OnPartitionsRevoked(func(ctx context.Context, cl *kgo.Client, m map[string][]int32) {
			if err := cl.CommitUncommittedOffsets(ctx); err != nil {
				t.Errorf("%s: commit on revoke: %v", name, err)
			}
			l.assign(name, parts(m), false)
		}),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			l.assign(name, parts(m), false)
		}),
	}
	cl, err := kgo.NewClient(append(opts, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &franzMember{cl: cl, cancel: cancel, done: make(chan error, 1)}
	go func() {
		for {
			fs := cl.PollRecords(ctx, 100)
			// Records polled count as consumed even when stop() cancelled ctx meanwhile:
			// franz-go returns them with ctx already done when both were ready, and has
			// marked them for the commit OnPartitionsRevoked makes on leaving.
			recs := fs.Records()
			for _, r := range recs {
				l.record(name, string(r.Key))
			}
			if ctx.Err() != nil {
				cl.AllowRebalance()
				m.done <- nil
				return
			}
			var ferr error
			fs.EachError(func(t string, p int32, err error) { ferr = fmt.Errorf("fetch %s[%d]: %w", t, p, err) })
			if len(recs) > 0 {
				// A commit cut short by stop() is made again by OnPartitionsRevoked on leaving.
				if err := cl.CommitRecords(ctx, recs...); err != nil && ferr == nil && ctx.Err() == nil {
					ferr = fmt.Errorf("commit: %w", err)
				}
			}
			cl.AllowRebalance()
			if ferr != nil {
				m.done <- ferr
				return
			}
		}
	}()
	return m
}

func TestGroupsFranzEager(t *testing.T) {
	b := groupBroker(t)
	runRebalanceScenario(t, b, "franz-eager", func(l *groupLedger, name string) groupMember {
		return startFranzMember(t, b, "groups-franz-eager", "groups-franz-eager", kgo.RangeBalancer(), l, name)
	})
}

func TestGroupsFranzCooperative(t *testing.T) {
	b := groupBroker(t)
	runRebalanceScenario(t, b, "franz-coop", func(l *groupLedger, name string) groupMember {
		return startFranzMember(t, b, "groups-franz-coop", "groups-franz-coop", kgo.CooperativeStickyBalancer(), l, name)
	})
}
