package compat

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	kafka "github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// segmentio/kafka-go: its Client (admin and group APIs), Writer and Reader. Subtests are
// named after the operations of the compatibility report (tests/compat/ops.py).
// kafka-go has no idempotent or transactional producer and no DeleteRecords call; the
// report says so (tests/compat/run), these tests do not pretend otherwise.
func TestKafkaGo(t *testing.T) {
	b := startBroker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cl := &kafka.Client{Addr: kafka.TCP(b.Addr), Timeout: 15 * time.Second}
	run := strconv.FormatInt(time.Now().UnixNano()%1000000, 36)
	topic := "kafkago-main-" + run

	create := func(t *testing.T, name string, parts int, configs ...kafka.ConfigEntry) {
		t.Helper()
		res, err := cl.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{
			{Topic: name, NumPartitions: parts, ReplicationFactor: 1, ConfigEntries: configs}}})
		if err == nil {
			err = res.Errors[name]
		}
		if err != nil {
			t.Fatalf("CreateTopics(%s): %v", name, err)
		}
	}
	write := func(t *testing.T, topic string, n int, acks kafka.RequiredAcks, codec kafka.Compression) {
		t.Helper()
		w := &kafka.Writer{Addr: kafka.TCP(b.Addr), Topic: topic, Balancer: &kafka.Hash{}, RequiredAcks: acks,
			Compression: codec, BatchTimeout: 5 * time.Millisecond, BatchSize: 500}
		defer w.Close()
		var msgs []kafka.Message
		for i := 0; i < n; i++ {
			msgs = append(msgs, kafka.Message{Key: []byte(keyOf(i)), Value: []byte(valueOf(i)),
				Headers: []kafka.Header{{Key: "i", Value: []byte(valueOf(i))}, {Key: "src", Value: []byte("kafka-go")}}})
		}
		if err := w.WriteMessages(ctx, msgs...); err != nil {
			t.Fatalf("WriteMessages: %v", err)
		}
	}
	// read returns n messages of one partition from offset (or fails after 20 s).
	read := func(t *testing.T, topic string, partition int, offset int64, n int) []consumed {
		t.Helper()
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{b.Addr}, Topic: topic, Partition: partition,
			MaxBytes: 10 << 20, MaxWait: 200 * time.Millisecond})
		defer r.Close()
		if err := r.SetOffset(offset); err != nil {
			t.Fatal(err)
		}
		rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		var out []consumed
		for len(out) < n {
			m, err := r.ReadMessage(rctx)
			if err != nil {
				t.Fatalf("read %s/%d: %d of %d messages, then %v", topic, partition, len(out), n, err)
			}
			h := map[string]string{}
			for _, x := range m.Headers {
				h[x.Key] = string(x.Value)
			}
			out = append(out, consumed{int32(m.Partition), m.Offset, string(m.Key), string(m.Value), h})
		}
		return out
	}
	readAll := func(t *testing.T, topic string, parts int) []consumed {
		t.Helper()
		var reqs []kafka.OffsetRequest
		for p := 0; p < parts; p++ {
			reqs = append(reqs, kafka.LastOffsetOf(p))
		}
		res, err := cl.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
		if err != nil {
			t.Fatalf("ListOffsets: %v", err)
		}
		var out []consumed
		for _, p := range res.Topics[topic] {
			if p.LastOffset > 0 {
				out = append(out, read(t, topic, p.Partition, 0, int(p.LastOffset))...)
			}
		}
		return out
	}

	t.Run("metadata", func(t *testing.T) {
		md, err := cl.Metadata(ctx, &kafka.MetadataRequest{})
		if err != nil || len(md.Brokers) == 0 {
			t.Fatalf("Metadata: %v, %d brokers", err, len(md.Brokers))
		}
	})
	t.Run("create_topic", func(t *testing.T) {
		create(t, topic, 3)
		md, err := cl.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
		if err != nil || len(md.Topics) != 1 || len(md.Topics[0].Partitions) != 3 {
			t.Fatalf("Metadata after create: %v %+v", err, md)
		}
	})
	t.Run("create_topic_configs", func(t *testing.T) {
		name := "kafkago-configs-" + run
		create(t, name, 1, kafka.ConfigEntry{ConfigName: "retention.ms", ConfigValue: "86400000"})
		if v := kafkagoConfig(t, ctx, cl, name, "retention.ms"); v != "86400000" {
			t.Errorf("retention.ms = %q after create, want 86400000", v)
		}
	})
	t.Run("produce_keys_headers", func(t *testing.T) { write(t, topic, 2000, kafka.RequireAll, 0) })
	t.Run("consume_beginning", func(t *testing.T) { checkExact(t, readAll(t, topic, 3), 2000, true, "kafka-go") })
	t.Run("Compression", func(t *testing.T) {
		for _, c := range []struct {
			name  string
			codec kafka.Compression
		}{{"gzip", kafka.Gzip}, {"snappy", kafka.Snappy}, {"lz4", kafka.Lz4}, {"zstd", kafka.Zstd}} {
			t.Run(c.name, func(t *testing.T) {
				ct := "kafkago-" + c.name + "-" + run
				create(t, ct, 3)
				write(t, ct, 1000, kafka.RequireAll, c.codec)
				checkExact(t, readAll(t, ct, 3), 1000, true, "kafka-go")
			})
		}
	})
	for _, a := range []struct {
		op   string
		acks kafka.RequiredAcks
	}{{"produce_acks_0", kafka.RequireNone}, {"produce_acks_1", kafka.RequireOne}, {"produce_acks_all", kafka.RequireAll}} {
		t.Run(a.op, func(t *testing.T) {
			ct := "kafkago-" + a.op + "-" + run
			create(t, ct, 1)
			write(t, ct, 100, a.acks, 0)
			checkExact(t, read(t, ct, 0, 0, 100), 100, true, "kafka-go")
		})
	}
	t.Run("consume_offset", func(t *testing.T) {
		ct := "kafkago-offset-" + run
		create(t, ct, 1)
		write(t, ct, 100, kafka.RequireAll, 0)
		got := read(t, ct, 0, 40, 60)
		if got[0].Offset != 40 || got[0].Value != "40" {
			t.Errorf("first message from offset 40: %+v", got[0])
		}
	})
	tsTopic := "kafkago-ts-" + run
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	t.Run("consume_timestamp", func(t *testing.T) {
		create(t, tsTopic, 1)
		w := &kafka.Writer{Addr: kafka.TCP(b.Addr), Topic: tsTopic, RequiredAcks: kafka.RequireAll, BatchTimeout: 5 * time.Millisecond}
		var msgs []kafka.Message
		for i := 0; i < 50; i++ {
			msgs = append(msgs, kafka.Message{Key: []byte("k"), Value: []byte(strconv.Itoa(i)), Time: base.Add(time.Duration(i) * time.Second)})
		}
		if err := w.WriteMessages(ctx, msgs...); err != nil {
			t.Fatalf("WriteMessages: %v", err)
		}
		w.Close()
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{b.Addr}, Topic: tsTopic, MaxWait: 200 * time.Millisecond})
		defer r.Close()
		if err := r.SetOffsetAt(ctx, base.Add(20500*time.Millisecond)); err != nil {
			t.Fatalf("SetOffsetAt: %v", err)
		}
		rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		m, err := r.ReadMessage(rctx)
		if err != nil || m.Offset != 21 || string(m.Value) != "21" {
			t.Fatalf("first message after base+20.5 s: offset %d value %q (%v), want 21", m.Offset, m.Value, err)
		}
	})
	t.Run("list_offsets", func(t *testing.T) {
		res, err := cl.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{
			tsTopic: {kafka.FirstOffsetOf(0), kafka.LastOffsetOf(0), kafka.TimeOffsetOf(0, base.Add(30*time.Second))}}})
		if err != nil {
			t.Fatalf("ListOffsets: %v", err)
		}
		p := res.Topics[tsTopic][0]
		if p.Error != nil || p.FirstOffset != 0 || p.LastOffset != 50 {
			t.Errorf("first/last offsets %d/%d (%v), want 0/50", p.FirstOffset, p.LastOffset, p.Error)
		}
		if _, ok := p.Offsets[30]; !ok {
			t.Errorf("offset for base+30 s: %v, want 30", p.Offsets)
		}
	})
	t.Run("describe_configs", func(t *testing.T) {
		if v := kafkagoConfig(t, ctx, cl, topic, "retention.ms"); v != "604800000" {
			t.Errorf("retention.ms = %q, want the default 604800000", v)
		}
	})
	t.Run("alter_configs", func(t *testing.T) {
		res, err := cl.IncrementalAlterConfigs(ctx, &kafka.IncrementalAlterConfigsRequest{Resources: []kafka.IncrementalAlterConfigsRequestResource{{
			ResourceType: kafka.ResourceTypeTopic, ResourceName: topic,
			Configs: []kafka.IncrementalAlterConfigsRequestConfig{{Name: "retention.ms", Value: "3600000", ConfigOperation: kafka.ConfigOperationSet}}}}})
		if err == nil && len(res.Resources) > 0 {
			err = res.Resources[0].Error
		}
		if err != nil {
			t.Fatalf("IncrementalAlterConfigs: %v", err)
		}
		if v := kafkagoConfig(t, ctx, cl, topic, "retention.ms"); v != "3600000" {
			t.Errorf("retention.ms = %q after alter, want 3600000", v)
		}
	})

	kafkagoGroups(t, ctx, b, cl, topic, run)
	// The scenario of groups_test.go with Readers: 8 partitions, two members, a third
	// joins, the first leaves, every message consumed once.
	t.Run("group_rebalance_exactly_once", func(t *testing.T) {
		runRebalanceScenario(t, b, "kafkago-eo-"+run, func(l *groupLedger, name string) groupMember {
			return startKafkagoMember(t, b, "groups-kafkago-eo-"+run, "groups-kafkago-eo-"+run, l, name)
		})
	})

	t.Run("delete_topic", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res, err := cl.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{topic}})
		if err == nil {
			err = res.Errors[topic]
		}
		if err != nil {
			t.Fatalf("DeleteTopics: %v", err)
		}
		// kafka-go's transport caches metadata (MetadataTTL): give it time to refresh.
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			md, err := cl.Metadata(ctx, &kafka.MetadataRequest{})
			if err != nil {
				t.Fatal(err)
			}
			listed := false
			for _, tp := range md.Topics {
				listed = listed || tp.Name == topic
			}
			if !listed {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("topic still listed 15 s after delete")
			}
		}
	})
	// SASL and TLS: Metadata through the listener.
	metadata := func(t *testing.T, env string, tr *kafka.Transport, what string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c := &kafka.Client{Addr: kafka.TCP(envOr(env, b.Addr)), Timeout: 10 * time.Second, Transport: tr}
		if _, err := c.Metadata(ctx, &kafka.MetadataRequest{}); err != nil {
			t.Fatalf("Metadata over %s: %v", what, err)
		}
	}
	scramUser := func(t *testing.T, algo scram.Algorithm) sasl.Mechanism {
		t.Helper()
		m, err := scram.Mechanism(algo, "compat", "compat-secret")
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	t.Run("sasl_plain", func(t *testing.T) {
		metadata(t, "CHRONIK_SASL_BOOTSTRAP",
			&kafka.Transport{SASL: plain.Mechanism{Username: "compat", Password: "compat-secret"}}, "SASL/PLAIN")
	})
	t.Run("sasl_scram_sha_256", func(t *testing.T) {
		metadata(t, "CHRONIK_SASL_BOOTSTRAP", &kafka.Transport{SASL: scramUser(t, scram.SHA256)}, "SASL/SCRAM-SHA-256")
	})
	t.Run("sasl_scram_sha_512", func(t *testing.T) {
		metadata(t, "CHRONIK_SASL_BOOTSTRAP", &kafka.Transport{SASL: scramUser(t, scram.SHA512)}, "SASL/SCRAM-SHA-512")
	})
	t.Run("sasl_oauthbearer", func(t *testing.T) {
		t.Skip("client limitation: kafka-go has no OAUTHBEARER mechanism (its sasl packages are plain and scram)")
	})
	t.Run("tls", func(t *testing.T) {
		metadata(t, "CHRONIK_TLS_BOOTSTRAP", &kafka.Transport{TLS: compatTLSConfig(t)}, "TLS")
	})
	t.Run("mtls", func(t *testing.T) {
		metadata(t, "CHRONIK_MTLS_BOOTSTRAP", &kafka.Transport{TLS: compatMTLSConfig(t)}, "mutual TLS")
	})
	t.Run("sasl_ssl", func(t *testing.T) {
		metadata(t, "CHRONIK_SASL_SSL_BOOTSTRAP",
			&kafka.Transport{TLS: compatTLSConfig(t), SASL: scramUser(t, scram.SHA512)}, "SASL_SSL (SCRAM-SHA-512)")
	})
}

func kafkagoConfig(t *testing.T, ctx context.Context, cl *kafka.Client, topic, key string) string {
	t.Helper()
	res, err := cl.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{
		{ResourceType: kafka.ResourceTypeTopic, ResourceName: topic}}})
	if err == nil && len(res.Resources) > 0 {
		err = res.Resources[0].Error
	}
	if err != nil {
		t.Fatalf("DescribeConfigs: %v", err)
	}
	for _, e := range res.Resources[0].ConfigEntries {
		if e.ConfigName == key {
			return e.ConfigValue
		}
	}
	t.Fatalf("DescribeConfigs lacks %s", key)
	return ""
}

// kafkagoGroups: one group on the main topic (3 partitions, 2000 messages): join and read
// everything, commit, resume, a second member, describe, list, reset offsets, delete.
func kafkagoGroups(t *testing.T, parent context.Context, b *broker, cl *kafka.Client, topic, run string) {
	group := "kafkago-group-" + run
	// Each operation gets its own deadline: a group call that never completes (the broker
	// lacks the group APIs) must not use up the time of the ones after it.
	ctx := parent
	op := func(name string, f func(t *testing.T)) {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(parent, 40*time.Second)
		defer cancel()
		t.Run(name, f)
	}
	wait := 25 * time.Second
	var lastErr struct {
		sync.Mutex
		s string
	}
	newReader := func() *kafka.Reader {
		return kafka.NewReader(kafka.ReaderConfig{Brokers: []string{b.Addr}, GroupID: group, Topic: topic,
			StartOffset: kafka.FirstOffset, MaxWait: 200 * time.Millisecond, SessionTimeout: 10 * time.Second,
			HeartbeatInterval: time.Second, RebalanceTimeout: 10 * time.Second, JoinGroupBackoff: time.Second,
			ErrorLogger: kafka.LoggerFunc(func(msg string, args ...interface{}) {
				lastErr.Lock()
				lastErr.s = fmt.Sprintf(msg, args...)
				lastErr.Unlock()
			})})
	}
	fetch := func(t *testing.T, r *kafka.Reader, n int) []kafka.Message {
		t.Helper()
		fctx, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		var out []kafka.Message
		for len(out) < n {
			m, err := r.FetchMessage(fctx)
			if err != nil {
				lastErr.Lock()
				defer lastErr.Unlock()
				t.Fatalf("group member fetched %d of %d messages within %v (%v); last client error: %s", len(out), n, wait, err, lastErr.s)
			}
			out = append(out, m)
		}
		return out
	}
	var reader *kafka.Reader
	defer func() {
		if reader != nil {
			reader.Close()
		}
	}()
	op("group_join", func(t *testing.T) {
		reader = newReader()
		msgs := fetch(t, reader, 2000)
		parts := map[int]bool{}
		for _, m := range msgs {
			parts[m.Partition] = true
		}
		if len(parts) != 3 {
			t.Errorf("the only member read from %d partitions, want 3", len(parts))
		}
	})
	if t.Failed() {
		wait = 8 * time.Second
	}
	op("group_commit", func(t *testing.T) {
		if reader == nil {
			reader = newReader()
		}
		res, err := cl.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{
			topic: {kafka.LastOffsetOf(0), kafka.LastOffsetOf(1), kafka.LastOffsetOf(2)}}})
		if err != nil {
			t.Fatal(err)
		}
		var last []kafka.Message
		for _, p := range res.Topics[topic] {
			last = append(last, kafka.Message{Topic: topic, Partition: p.Partition, Offset: p.LastOffset - 2})
		}
		if err := reader.CommitMessages(ctx, last...); err != nil {
			t.Fatalf("CommitMessages: %v", err)
		}
		of, err := cl.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: {0, 1, 2}}})
		if err != nil {
			t.Fatalf("OffsetFetch: %v", err)
		}
		for _, p := range of.Topics[topic] {
			for _, l := range last {
				if l.Partition == p.Partition && p.CommittedOffset != l.Offset+1 {
					t.Errorf("p%d committed %d, want %d", p.Partition, p.CommittedOffset, l.Offset+1)
				}
			}
		}
	})
	op("group_resume", func(t *testing.T) {
		if reader != nil {
			reader.Close()
		}
		reader = newReader()
		msgs := fetch(t, reader, 3)
		for _, m := range msgs {
			if m.Offset == 0 {
				t.Errorf("resumed member read p%d from offset 0, not after the commit", m.Partition)
			}
		}
	})
	op("group_rebalance", func(t *testing.T) {
		second := newReader()
		defer second.Close()
		// New messages for both members; each must see only its own partitions.
		w := &kafka.Writer{Addr: kafka.TCP(b.Addr), Topic: topic, Balancer: &kafka.RoundRobin{}, BatchTimeout: 5 * time.Millisecond}
		defer w.Close()
		time.Sleep(3 * time.Second) // the second member's join triggers a rebalance first
		var msgs []kafka.Message
		for i := 0; i < 30; i++ {
			msgs = append(msgs, kafka.Message{Value: []byte("rebalance-" + strconv.Itoa(i))})
		}
		if err := w.WriteMessages(ctx, msgs...); err != nil {
			t.Fatalf("WriteMessages: %v", err)
		}
		got := map[*kafka.Reader]map[int]bool{reader: {}, second: {}}
		var mu sync.Mutex
		var wg sync.WaitGroup
		total := 0
		fctx, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		for _, r := range []*kafka.Reader{reader, second} {
			wg.Add(1)
			go func(r *kafka.Reader) {
				defer wg.Done()
				for {
					m, err := r.FetchMessage(fctx)
					if err != nil {
						return
					}
					mu.Lock()
					if len(m.Value) > 10 && string(m.Value[:10]) == "rebalance-" {
						got[r][m.Partition] = true
						total++
					}
					done := total >= 30
					mu.Unlock()
					if done {
						cancel()
						return
					}
				}
			}(r)
		}
		wg.Wait()
		if len(got[reader]) == 0 || len(got[second]) == 0 || len(got[reader])+len(got[second]) != 3 {
			t.Errorf("after a second member joined, partitions read: %v and %v (%d of 30 messages)", got[reader], got[second], total)
		}
	})
	op("group_describe", func(t *testing.T) {
		res, err := cl.DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
		if err == nil && len(res.Groups) == 1 {
			err = res.Groups[0].Error
		}
		if err != nil {
			t.Fatalf("DescribeGroups: %v", err)
		}
		if n := len(res.Groups[0].Members); n != 1 {
			t.Errorf("described %d members (state %s), want 1", n, res.Groups[0].GroupState)
		}
	})
	op("group_list", func(t *testing.T) {
		res, err := cl.ListGroups(ctx, &kafka.ListGroupsRequest{})
		if err == nil {
			err = res.Error
		}
		if err != nil {
			t.Fatalf("ListGroups: %v", err)
		}
		for _, g := range res.Groups {
			if g.GroupID == group {
				return
			}
		}
		t.Errorf("%s not among %d listed groups", group, len(res.Groups))
	})
	op("group_reset_offsets", func(t *testing.T) {
		if reader != nil {
			reader.Close()
			reader = nil
		}
		res, err := cl.OffsetCommit(ctx, &kafka.OffsetCommitRequest{GroupID: group, GenerationID: -1,
			Topics: map[string][]kafka.OffsetCommit{topic: {{Partition: 0}, {Partition: 1}, {Partition: 2}}}})
		if err != nil {
			t.Fatalf("OffsetCommit: %v", err)
		}
		for _, p := range res.Topics[topic] {
			if p.Error != nil {
				t.Fatalf("OffsetCommit p%d: %v", p.Partition, p.Error)
			}
		}
		reader = newReader()
		fetch(t, reader, 2000)
		reader.Close()
		reader = nil
	})
	op("group_delete", func(t *testing.T) {
		res, err := cl.DeleteGroups(ctx, &kafka.DeleteGroupsRequest{GroupIDs: []string{group}})
		if err == nil {
			err = res.Errors[group]
		}
		if err != nil && !errors.Is(err, kafka.Error(0)) {
			t.Fatalf("DeleteGroups: %v", err)
		}
	})
}
