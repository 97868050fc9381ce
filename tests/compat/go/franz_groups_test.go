package compat

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// franzGroups: franz-go's group consumer and kadm's group calls on the main topic
// (3 partitions, numMessages records). Subtests are named after the report's operations.
func franzGroups(t *testing.T, parent context.Context, b *broker, adm *kadm.Client, topic string) {
	group := "franz-group"
	wait := 25 * time.Second
	var mu sync.Mutex
	assigned := map[*kgo.Client]map[int32]bool{}
	member := func() *kgo.Client {
		var self *kgo.Client
		cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr), kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
			kgo.DisableAutoCommit(), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
			kgo.SessionTimeout(10*time.Second), kgo.HeartbeatInterval(time.Second),
			kgo.OnPartitionsAssigned(func(_ context.Context, c *kgo.Client, m map[string][]int32) {
				mu.Lock()
				defer mu.Unlock()
				for _, p := range m[topic] {
					assigned[c][p] = true
				}
			}),
			kgo.OnPartitionsRevoked(func(_ context.Context, c *kgo.Client, m map[string][]int32) {
				mu.Lock()
				defer mu.Unlock()
				for _, p := range m[topic] {
					delete(assigned[c], p)
				}
			}))
		if err != nil {
			t.Fatal(err)
		}
		self = cl
		mu.Lock()
		assigned[self] = map[int32]bool{}
		mu.Unlock()
		return self
	}
	poll := func(t *testing.T, cl *kgo.Client, n int) []*kgo.Record {
		t.Helper()
		ctx, cancel := context.WithTimeout(parent, wait)
		defer cancel()
		var out []*kgo.Record
		for len(out) < n {
			f := cl.PollFetches(ctx)
			if ctx.Err() != nil {
				t.Fatalf("group member polled %d of %d records within %v", len(out), n, wait)
			}
			f.EachError(func(tp string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", tp, p, err) })
			out = append(out, f.Records()...)
		}
		return out
	}
	ctxFor := func() (context.Context, context.CancelFunc) { return context.WithTimeout(parent, 30*time.Second) }
	var members []*kgo.Client
	closeAll := func() {
		for _, m := range members {
			m.Close()
		}
		members = nil
	}
	defer closeAll()

	t.Run("group_join", func(t *testing.T) {
		m := member()
		members = append(members, m)
		poll(t, m, numMessages)
	})
	if t.Failed() {
		wait = 8 * time.Second
	}
	t.Run("group_commit", func(t *testing.T) {
		if len(members) == 0 {
			t.Fatal("no member (group_join failed)")
		}
		ctx, cancel := ctxFor()
		defer cancel()
		if err := members[0].CommitUncommittedOffsets(ctx); err != nil {
			t.Fatalf("CommitUncommittedOffsets: %v", err)
		}
		committed, err := adm.FetchOffsets(ctx, group)
		if err == nil {
			err = committed.Error()
		}
		if err != nil {
			t.Fatalf("FetchOffsets: %v", err)
		}
		ends, err := adm.ListEndOffsets(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		ends.Each(func(o kadm.ListedOffset) {
			if c, ok := committed.Lookup(topic, o.Partition); !ok || c.At != o.Offset {
				t.Errorf("p%d committed %d, want the end offset %d", o.Partition, c.At, o.Offset)
			}
		})
	})
	t.Run("group_resume", func(t *testing.T) {
		closeAll()
		franzProduce(t, parent, b, nil, topic, 30)
		m := member()
		members = append(members, m)
		got := poll(t, m, 30)
		if len(got) != 30 {
			t.Errorf("resumed member read %d records, want only the 30 new ones", len(got))
		}
	})
	t.Run("group_rebalance", func(t *testing.T) {
		if len(members) == 0 {
			members = append(members, member())
		}
		second := member()
		members = append(members, second)
		deadline := time.Now().Add(wait)
		for time.Now().Before(deadline) {
			ctx, cancel := context.WithTimeout(parent, 200*time.Millisecond)
			members[0].PollFetches(ctx)
			second.PollFetches(ctx)
			cancel()
			mu.Lock()
			a, b := len(assigned[members[0]]), len(assigned[second])
			mu.Unlock()
			if a > 0 && b > 0 && a+b == 3 {
				return
			}
		}
		t.Errorf("after a second member joined: partitions %v and %v", assigned[members[0]], assigned[second])
	})
	t.Run("group_describe", func(t *testing.T) {
		ctx, cancel := ctxFor()
		defer cancel()
		d, err := adm.DescribeGroups(ctx, group)
		if err == nil {
			err = d.Error()
		}
		if err != nil {
			t.Fatalf("DescribeGroups: %v", err)
		}
		if n := len(d[group].Members); n != len(members) {
			t.Errorf("described %d members (state %s), want %d", n, d[group].State, len(members))
		}
	})
	t.Run("group_list", func(t *testing.T) {
		ctx, cancel := ctxFor()
		defer cancel()
		l, err := adm.ListGroups(ctx)
		if err != nil {
			t.Fatalf("ListGroups: %v", err)
		}
		if _, ok := l[group]; !ok {
			t.Errorf("%s not among the listed groups %v", group, l.Groups())
		}
	})
	t.Run("group_reset_offsets", func(t *testing.T) {
		closeAll()
		ctx, cancel := ctxFor()
		defer cancel()
		zero := kadm.Offsets{topic: {}}
		for p := int32(0); p < 3; p++ {
			zero[topic][p] = kadm.Offset{Topic: topic, Partition: p, At: 0, LeaderEpoch: -1}
		}
		res, err := adm.CommitOffsets(ctx, group, zero)
		if err == nil {
			err = res.Error()
		}
		if err != nil {
			t.Fatalf("CommitOffsets: %v", err)
		}
		m := member()
		members = append(members, m)
		poll(t, m, numMessages+30)
		closeAll()
	})
	t.Run("group_delete", func(t *testing.T) {
		closeAll()
		ctx, cancel := ctxFor()
		defer cancel()
		res, err := adm.DeleteGroups(ctx, group)
		if err == nil {
			err = res.Error()
		}
		if err != nil {
			t.Fatalf("DeleteGroups: %v", err)
		}
	})
}

// franzTransactions: three transactions on one partition, the middle one aborted; a
// read_committed consumer sees the other two only.
func franzTransactions(t *testing.T, parent context.Context, b *broker, create func(*testing.T, string, int32)) {
	t.Run("transactions", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(parent, 60*time.Second)
		defer cancel()
		topic := "franz-txn"
		create(t, topic, 1)
		cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr), kgo.TransactionalID("franz-txn"), kgo.DefaultProduceTopic(topic),
			kgo.TransactionTimeout(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		for round, commit := range []kgo.TransactionEndTry{kgo.TryCommit, kgo.TryAbort, kgo.TryCommit} {
			if err := cl.BeginTransaction(); err != nil {
				t.Fatalf("BeginTransaction: %v", err)
			}
			var recs []*kgo.Record
			for i := 0; i < 10; i++ {
				recs = append(recs, &kgo.Record{Partition: 0, Value: []byte{byte('a' + round)}})
			}
			if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
				t.Fatalf("produce in transaction %d: %v", round, err)
			}
			if err := cl.EndTransaction(ctx, commit); err != nil {
				t.Fatalf("EndTransaction %d: %v", round, err)
			}
		}
		rd, err := kgo.NewClient(kgo.SeedBrokers(b.Addr), kgo.FetchIsolationLevel(kgo.ReadCommitted()),
			kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}))
		if err != nil {
			t.Fatal(err)
		}
		defer rd.Close()
		seen := map[byte]int{}
		pctx, pcancel := context.WithTimeout(ctx, 15*time.Second)
		defer pcancel()
		for seen['a']+seen['c'] < 20 && pctx.Err() == nil {
			rd.PollFetches(pctx).EachRecord(func(r *kgo.Record) { seen[r.Value[0]]++ })
		}
		if seen['a'] != 10 || seen['c'] != 10 || seen['b'] != 0 {
			t.Errorf("read_committed saw %d, %d, %d records of the committed, aborted, committed transactions; want 10, 0, 10",
				seen['a'], seen['b'], seen['c'])
		}
	})
}

// franzGroupScenarios: the 8-partition scenario of groups_test.go (two members, a third
// joins, the first leaves, every record once) with the classic protocol and with KIP-848.
func franzGroupScenarios(t *testing.T, parent context.Context, b *broker, adm *kadm.Client) {
	t.Run("group_rebalance_exactly_once", func(t *testing.T) {
		runRebalanceScenario(t, b, "franz-eo", func(l *groupLedger, name string) groupMember {
			return startFranzMember(t, b, "groups-franz-eo", "groups-franz-eo", kgo.CooperativeStickyBalancer(), l, name)
		})
	})
	// KIP-848: kgo.ServerSideBalancer makes franz-go heartbeat with ConsumerGroupHeartbeat
	// and let the broker's "uniform" assignor (asked for by the sticky balancer) assign.
	t.Run("group_consumer_protocol", func(t *testing.T) {
		const group = "groups-franz-848" // also the topic's name
		// franz-go falls back to the classic protocol silently when it finds the broker
		// lacking; the group must be described as a KIP-848 group while its members run.
		check := func() {
			ctx, cancel := context.WithTimeout(parent, 15*time.Second)
			defer cancel()
			d, err := adm.DescribeConsumerGroups(ctx, group)
			if err == nil {
				err = d[group].Err
			}
			if err != nil || len(d[group].Members) != 3 {
				hb := "unknown"
				if vs, verr := adm.ApiVersions(ctx); verr == nil {
					vs.Each(func(v kadm.BrokerApiVersions) {
						if min, max, ok := v.KeyVersions(int16(kmsg.ConsumerGroupHeartbeat)); ok {
							hb = fmt.Sprintf("v%d-v%d", min, max)
						} else {
							hb = "none"
						}
					})
				}
				t.Errorf("the members did not use KIP-848 (franz-go needs ConsumerGroupHeartbeat v1, the broker offers %s); "+
					"ConsumerGroupDescribe(%s): %v, %d members (want 3)", hb, group, err, len(d[group].Members))
				return
			}
			if d[group].AssignorName != "uniform" {
				t.Errorf("KIP-848 group uses assignor %q, want uniform", d[group].AssignorName)
			}
			dg := d[group]
			if n := len(dg.AssignedPartitions()[group]); n != groupPartitions {
				t.Errorf("KIP-848 group has %d of %d partitions assigned", n, groupPartitions)
			}
		}
		runRebalanceScenario(t, b, "franz-848", func(l *groupLedger, name string) groupMember {
			return startFranzMember(t, b, group, "groups-franz-848", kgo.CooperativeStickyBalancer(), l, name, kgo.ServerSideBalancer())
		}, check)
	})
}
