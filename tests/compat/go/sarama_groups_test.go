package compat

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// saramaGroupHandler hands every message to the test (marked as consumed first) and
// keeps the current session and claims, so that the test can commit and see assignments.
type saramaGroupHandler struct {
	topic   string
	mu      sync.Mutex
	session sarama.ConsumerGroupSession
	claims  map[int32]bool
	msgs    chan *sarama.ConsumerMessage
}

func (h *saramaGroupHandler) Setup(s sarama.ConsumerGroupSession) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.session = s
	h.claims = map[int32]bool{}
	for _, p := range s.Claims()[h.topic] {
		h.claims[p] = true
	}
	return nil
}

func (h *saramaGroupHandler) Cleanup(sarama.ConsumerGroupSession) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.session = nil
	h.claims = map[int32]bool{}
	return nil
}

func (h *saramaGroupHandler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for m := range c.Messages() {
		s.MarkMessage(m, "")
		h.msgs <- m // buffered for every message a scenario produces
	}
	return nil
}

func (h *saramaGroupHandler) owned() map[int32]bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[int32]bool{}
	for p := range h.claims {
		out[p] = true
	}
	return out
}

// commit commits the marked offsets of the current session (synchronously).
func (h *saramaGroupHandler) commit() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.session == nil {
		return errors.New("the member has no session (no partitions assigned)")
	}
	h.session.Commit()
	return nil
}

type saramaGroupClient struct {
	h      *saramaGroupHandler
	group  sarama.ConsumerGroup
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	errs   []error
}

func (m *saramaGroupClient) stop() {
	m.cancel()
	<-m.done
	_ = m.group.Close() // LeaveGroup
}

// take reads n messages within timeout.
func (m *saramaGroupClient) take(t *testing.T, n int, timeout time.Duration) []*sarama.ConsumerMessage {
	t.Helper()
	var out []*sarama.ConsumerMessage
	deadline := time.After(timeout)
	for len(out) < n {
		select {
		case msg := <-m.h.msgs:
			out = append(out, msg)
		case <-deadline:
			m.mu.Lock()
			defer m.mu.Unlock()
			t.Fatalf("group member read %d of %d messages within %v (client errors: %v)", len(out), n, timeout, m.errs)
		}
	}
	return out
}

// saramaGroups: Sarama's ConsumerGroup and ClusterAdmin group calls on the main topic
// (3 partitions, numMessages messages). Subtests are named after the report's operations.
func saramaGroups(t *testing.T, b *broker, v sarama.KafkaVersion, name string, admin sarama.ClusterAdmin, topic string) {
	group := name + "-group"
	headers := v.IsAtLeast(sarama.V0_11_0_0)
	var members []*saramaGroupClient
	stopAll := func() {
		for _, m := range members {
			m.stop()
		}
		members = nil
	}
	defer stopAll()
	join := func(t *testing.T) *saramaGroupClient {
		t.Helper()
		cfg := saramaConfig(v)
		cfg.ClientID = name + "-member-" + strconv.Itoa(len(members))
		cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
		cfg.Consumer.Offsets.AutoCommit.Enable = false
		cfg.Consumer.Group.Session.Timeout = 10 * time.Second
		cfg.Consumer.Group.Heartbeat.Interval = time.Second
		g, err := sarama.NewConsumerGroup([]string{b.Addr}, group, cfg)
		if err != nil {
			t.Fatalf("NewConsumerGroup: %v", err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		m := &saramaGroupClient{h: &saramaGroupHandler{topic: topic, msgs: make(chan *sarama.ConsumerMessage, 2*numMessages)},
			group: g, cancel: cancel, done: make(chan struct{})}
		go func() {
			for e := range g.Errors() {
				m.mu.Lock()
				m.errs = append(m.errs, e)
				m.mu.Unlock()
			}
		}()
		go func() {
			defer close(m.done)
			for ctx.Err() == nil {
				// Consume returns at every rebalance; loop until stopped.
				if err := g.Consume(ctx, []string{topic}, m.h); err != nil {
					m.mu.Lock()
					m.errs = append(m.errs, err)
					m.mu.Unlock()
					if errors.Is(err, sarama.ErrClosedConsumerGroup) {
						return
					}
					time.Sleep(200 * time.Millisecond)
				}
			}
		}()
		members = append(members, m)
		return m
	}
	client, err := sarama.NewClient([]string{b.Addr}, saramaConfig(v))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	endOffsets := func(t *testing.T) map[int32]int64 {
		t.Helper()
		out := map[int32]int64{}
		for p := int32(0); p < 3; p++ {
			end, err := client.GetOffset(topic, p, sarama.OffsetNewest)
			if err != nil {
				t.Fatal(err)
			}
			out[p] = end
		}
		return out
	}
	committed := func(t *testing.T) map[int32]int64 {
		t.Helper()
		res, err := admin.ListConsumerGroupOffsets(group, map[string][]int32{topic: {0, 1, 2}})
		if err != nil {
			t.Fatalf("ListConsumerGroupOffsets: %v", err)
		}
		out := map[int32]int64{}
		for p := int32(0); p < 3; p++ {
			blk := res.GetBlock(topic, p)
			if blk == nil || !errors.Is(blk.Err, sarama.ErrNoError) {
				t.Fatalf("ListConsumerGroupOffsets p%d: %+v", p, blk)
			}
			out[p] = blk.Offset
		}
		return out
	}
	toConsumed := func(msgs []*sarama.ConsumerMessage) []consumed {
		var out []consumed
		for _, m := range msgs {
			h := map[string]string{}
			for _, rh := range m.Headers {
				h[string(rh.Key)] = string(rh.Value)
			}
			out = append(out, consumed{m.Partition, m.Offset, string(m.Key), string(m.Value), h})
		}
		return out
	}
	wait := 60 * time.Second

	t.Run("group_join", func(t *testing.T) {
		m := join(t)
		checkExact(t, toConsumed(m.take(t, numMessages, wait)), numMessages, headers, name)
		if got := m.h.owned(); len(got) != 3 {
			t.Errorf("the only member owns partitions %v, want all 3", got)
		}
	})
	if t.Failed() {
		wait = 15 * time.Second
	}
	t.Run("group_commit", func(t *testing.T) {
		if len(members) == 0 {
			t.Fatal("no member (group_join failed)")
		}
		if err := members[0].h.commit(); err != nil {
			t.Fatal(err)
		}
		ends, got := endOffsets(t), committed(t)
		for p, end := range ends {
			if got[p] != end {
				t.Errorf("p%d committed %d, want the end offset %d", p, got[p], end)
			}
		}
	})
	t.Run("group_resume", func(t *testing.T) {
		stopAll()
		before := endOffsets(t)
		p, err := sarama.NewSyncProducer([]string{b.Addr}, saramaConfig(v))
		if err != nil {
			t.Fatal(err)
		}
		var batch []*sarama.ProducerMessage
		want := map[string]bool{}
		for i := 0; i < 30; i++ {
			v := "resume-" + strconv.Itoa(i)
			want[v] = true
			batch = append(batch, &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(v), Value: sarama.StringEncoder(v)})
		}
		err = p.SendMessages(batch)
		p.Close()
		if err != nil {
			t.Fatalf("SendMessages: %v", err)
		}
		m := join(t)
		for _, msg := range m.take(t, 30, wait) {
			if !want[string(msg.Value)] || msg.Offset < before[msg.Partition] {
				t.Errorf("resumed member read %q at p%d@%d, before the committed offset %d", msg.Value, msg.Partition, msg.Offset, before[msg.Partition])
			}
			delete(want, string(msg.Value))
		}
		select {
		case msg := <-m.h.msgs:
			t.Errorf("resumed member read more than the 30 new messages: %q at p%d@%d", msg.Value, msg.Partition, msg.Offset)
		case <-time.After(2 * time.Second):
		}
	})
	t.Run("group_rebalance", func(t *testing.T) {
		if len(members) == 0 {
			join(t)
		}
		first, second := members[0], join(t)
		deadline := time.Now().Add(wait)
		for {
			a, c := first.h.owned(), second.h.owned()
			split := len(a) > 0 && len(c) > 0 && len(a)+len(c) == 3
			for p := range a {
				split = split && !c[p]
			}
			if split {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("after a second member joined: partitions %v and %v", a, c)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	t.Run("group_describe", func(t *testing.T) {
		var d *sarama.GroupDescription
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			res, err := admin.DescribeConsumerGroups([]string{group})
			if err != nil || len(res) != 1 {
				t.Fatalf("DescribeConsumerGroups: %v (%d groups)", err, len(res))
			}
			d = res[0]
			if d.State == "Stable" || time.Now().After(deadline) {
				break
			}
		}
		if !errors.Is(d.Err, sarama.ErrNoError) || d.State != "Stable" || d.ProtocolType != "consumer" || d.Protocol == "" {
			t.Fatalf("group %s: error %v state %q protocol type %q protocol %q, want Stable consumer group", group, d.Err, d.State, d.ProtocolType, d.Protocol)
		}
		if len(d.Members) != len(members) {
			t.Errorf("described %d members, want %d", len(d.Members), len(members))
		}
		var parts []int
		for id, md := range d.Members {
			a, err := md.GetMemberAssignment()
			if err != nil || a == nil {
				t.Fatalf("member %s: assignment %v (%v)", id, a, err)
			}
			for _, p := range a.Topics[topic] {
				parts = append(parts, int(p))
			}
		}
		sort.Ints(parts)
		if len(parts) != 3 || parts[0] != 0 || parts[1] != 1 || parts[2] != 2 {
			t.Errorf("described assignments cover partitions %v, want 0, 1, 2 once each", parts)
		}
	})
	t.Run("group_list", func(t *testing.T) {
		groups, err := admin.ListConsumerGroups()
		if err != nil {
			t.Fatalf("ListConsumerGroups: %v", err)
		}
		if groups[group] != "consumer" {
			t.Errorf("%s listed with protocol type %q among %v, want consumer", group, groups[group], groups)
		}
	})
	t.Run("group_reset_offsets", func(t *testing.T) {
		stopAll()
		zero := map[int32]sarama.OffsetAndMetadata{}
		for p := int32(0); p < 3; p++ {
			zero[p] = sarama.OffsetAndMetadata{Offset: 0, LeaderEpoch: -1}
		}
		res, err := admin.AlterConsumerGroupOffsets(group, map[string]map[int32]sarama.OffsetAndMetadata{topic: zero}, nil)
		if err != nil {
			t.Fatalf("AlterConsumerGroupOffsets: %v", err)
		}
		for p, e := range res.Errors[topic] {
			if !errors.Is(e, sarama.ErrNoError) {
				t.Fatalf("AlterConsumerGroupOffsets p%d: %v", p, e)
			}
		}
		for p, off := range committed(t) {
			if off != 0 {
				t.Errorf("p%d committed %d after the reset, want 0", p, off)
			}
		}
		ends := endOffsets(t)
		total := 0
		for _, e := range ends {
			total += int(e)
		}
		m := join(t)
		seen := map[int32]map[int64]bool{}
		for _, msg := range m.take(t, total, wait) {
			if seen[msg.Partition] == nil {
				seen[msg.Partition] = map[int64]bool{}
			}
			if seen[msg.Partition][msg.Offset] {
				t.Errorf("p%d@%d read twice after the reset", msg.Partition, msg.Offset)
			}
			seen[msg.Partition][msg.Offset] = true
		}
		for p, e := range ends {
			if len(seen[p]) != int(e) || !seen[p][0] {
				t.Errorf("p%d: read %d distinct offsets after the reset, want 0..%d", p, len(seen[p]), e-1)
			}
		}
		stopAll()
	})
	t.Run("group_delete", func(t *testing.T) {
		if !v.IsAtLeast(sarama.V1_1_0_0) {
			t.Skip("client limitation: DeleteGroups needs V1_1_0_0")
		}
		stopAll()
		if err := admin.DeleteConsumerGroup(group); err != nil {
			t.Fatalf("DeleteConsumerGroup: %v", err)
		}
		groups, err := admin.ListConsumerGroups()
		if err != nil {
			t.Fatalf("ListConsumerGroups: %v", err)
		}
		if _, ok := groups[group]; ok {
			t.Errorf("%s still listed after DeleteConsumerGroup", group)
		}
		for p, off := range committed(t) {
			if off != -1 {
				t.Errorf("p%d: committed offset %d survived the group's deletion", p, off)
			}
		}
	})
	// The shared scenario of groups_test.go (also ctest compat_go_groups): 8 partitions,
	// two members, a third joins, the first leaves, every message consumed once.
	t.Run("group_rebalance_exactly_once", func(t *testing.T) {
		eo := name + "-eo"
		runRebalanceScenario(t, b, eo, saramaGroupMembers(t, b, v, "groups-"+eo, "groups-"+eo))
	})
}
