package compat

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// franz-go: kgo (idempotent producer by default, assigned-partition consumer) and kadm.
func TestFranzGo(t *testing.T) {
	b := startBroker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr), kgo.ClientID("chronik-compat"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	topic := "franz-main"

	create := func(t *testing.T, name string, parts int32) {
		t.Helper()
		res, err := adm.CreateTopics(ctx, parts, 1, nil, name)
		if err == nil {
			err = res[name].Err
		}
		if err != nil {
			t.Fatalf("CreateTopics(%s): %v", name, err)
		}
	}

	t.Run("CreateTopic3Partitions", func(t *testing.T) {
		create(t, topic, 3)
		td, err := adm.ListTopics(ctx, topic)
		if err != nil || td[topic].Err != nil {
			t.Fatalf("ListTopics: %v %v", err, td[topic].Err)
		}
		if n := len(td[topic].Partitions); n != 3 {
			t.Fatalf("topic has %d partitions, want 3", n)
		}
		if td[topic].ID == (kadm.TopicID{}) {
			t.Errorf("topic has no topic id in metadata")
		}
		res, err := adm.CreateTopics(ctx, 3, 1, nil, topic)
		if err != nil || res[topic].Err == nil {
			t.Errorf("second CreateTopics: %v %v, want TOPIC_ALREADY_EXISTS", err, res[topic].Err)
		}
	})
	t.Run("Produce10kKeyedWithHeaders", func(t *testing.T) {
		franzProduce(t, ctx, b, nil, topic, numMessages)
	})
	t.Run("ConsumeAllExactly", func(t *testing.T) {
		checkExact(t, franzConsume(t, ctx, b, adm, topic), numMessages, true, "franz")
	})

	t.Run("ListOffsets", func(t *testing.T) {
		starts, err := adm.ListStartOffsets(ctx, topic)
		if err != nil || starts.Error() != nil {
			t.Fatalf("ListStartOffsets: %v %v", err, starts.Error())
		}
		ends, err := adm.ListEndOffsets(ctx, topic)
		if err != nil || ends.Error() != nil {
			t.Fatalf("ListEndOffsets: %v %v", err, ends.Error())
		}
		total := int64(0)
		for p := int32(0); p < 3; p++ {
			s, _ := starts.Lookup(topic, p)
			e, _ := ends.Lookup(topic, p)
			if s.Offset != 0 {
				t.Errorf("p%d start offset %d, want 0", p, s.Offset)
			}
			total += e.Offset - s.Offset
		}
		if total != numMessages {
			t.Errorf("sum of end-start = %d, want %d", total, numMessages)
		}

		ts := "franz-ts"
		create(t, ts, 1)
		base := time.Now().Add(-time.Hour).Truncate(time.Second)
		var recs []*kgo.Record
		for i := 0; i < 100; i++ {
			recs = append(recs, &kgo.Record{Topic: ts, Key: []byte("k"), Value: []byte(strconv.Itoa(i)),
				Timestamp: base.Add(time.Duration(i) * time.Second)})
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			t.Fatalf("ProduceSync: %v", err)
		}
		for _, c := range []struct {
			at   time.Duration
			want int64
		}{{-time.Minute, 0}, {0, 0}, {50 * time.Second, 50}, {50500 * time.Millisecond, 51}, {99 * time.Second, 99}} {
			lo, err := adm.ListOffsetsAfterMilli(ctx, base.Add(c.at).UnixMilli(), ts)
			if err != nil || lo.Error() != nil {
				t.Fatalf("ListOffsetsAfterMilli: %v %v", err, lo.Error())
			}
			got, _ := lo.Lookup(ts, 0)
			if got.Offset != c.want {
				t.Errorf("offset for timestamp base%+dms = %d (timestamp %d), want %d", c.at.Milliseconds(), got.Offset, got.Timestamp, c.want)
			}
		}
		// Raw ListOffsets for max timestamp (-3, v7+): the record with the highest timestamp.
		req := kmsg.NewPtrListOffsetsRequest()
		rt := kmsg.NewListOffsetsRequestTopic()
		rt.Topic = ts
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition = 0
		rp.Timestamp = -3
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			t.Fatalf("ListOffsets(max timestamp): %v", err)
		}
		p := resp.Topics[0].Partitions[0]
		if p.ErrorCode != 0 || p.Offset != 99 || p.Timestamp != base.Add(99*time.Second).UnixMilli() {
			t.Errorf("ListOffsets(max timestamp) v%d = error %d offset %d timestamp %d, want offset 99 timestamp %d",
				req.Version, p.ErrorCode, p.Offset, p.Timestamp, base.Add(99*time.Second).UnixMilli())
		}
	})

	t.Run("Compression", func(t *testing.T) {
		for _, c := range []struct {
			name  string
			codec kgo.CompressionCodec
		}{{"gzip", kgo.GzipCompression()}, {"snappy", kgo.SnappyCompression()}, {"lz4", kgo.Lz4Compression()}, {"zstd", kgo.ZstdCompression()}} {
			t.Run(c.name, func(t *testing.T) {
				ct := "franz-" + c.name
				create(t, ct, 3)
				franzProduce(t, ctx, b, []kgo.Opt{kgo.ProducerBatchCompression(c.codec)}, ct, 2000)
				checkExact(t, franzConsume(t, ctx, b, adm, ct), 2000, true, "franz")
			})
		}
	})

	t.Run("DescribeAndAlterConfigs", func(t *testing.T) {
		get := func(key string) kadm.Config {
			t.Helper()
			rc, err := adm.DescribeTopicConfigs(ctx, topic)
			if err != nil {
				t.Fatalf("DescribeTopicConfigs: %v", err)
			}
			r, err := rc.On(topic, nil)
			if err != nil || r.Err != nil {
				t.Fatalf("DescribeTopicConfigs: %v %v", err, r.Err)
			}
			for _, c := range r.Configs {
				if c.Key == key {
					return c
				}
			}
			t.Fatalf("DescribeTopicConfigs lacks %s (%d entries)", key, len(r.Configs))
			return kadm.Config{}
		}
		if c := get("retention.ms"); c.MaybeValue() != "604800000" || c.Source != kmsg.ConfigSourceDefaultConfig {
			t.Errorf("retention.ms = %q source %v, want default 604800000", c.MaybeValue(), c.Source)
		}
		get("cleanup.policy")
		res, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "retention.ms", Value: kadm.StringPtr("3600000")}}, topic)
		if err == nil {
			_, err = res.On(topic, nil)
		}
		if err != nil || res[0].Err != nil {
			t.Fatalf("AlterTopicConfigs (incremental): %v %v", err, res[0].Err)
		}
		if c := get("retention.ms"); c.MaybeValue() != "3600000" || c.Source != kmsg.ConfigSourceDynamicTopicConfig {
			t.Errorf("after incremental alter retention.ms = %q source %v, want 3600000 DYNAMIC_TOPIC_CONFIG", c.MaybeValue(), c.Source)
		}
		// Legacy AlterConfigs replaces the whole set: retention.ms goes back to its default.
		res, err = adm.AlterTopicConfigsState(ctx, []kadm.AlterConfig{{Name: "cleanup.policy", Value: kadm.StringPtr("compact")}}, topic)
		if err != nil || res[0].Err != nil {
			t.Fatalf("AlterTopicConfigsState: %v %v", err, res[0].Err)
		}
		if c := get("cleanup.policy"); c.MaybeValue() != "compact" {
			t.Errorf("after AlterConfigs cleanup.policy = %q, want compact", c.MaybeValue())
		}
		if c := get("retention.ms"); c.MaybeValue() != "604800000" {
			t.Errorf("after non-incremental AlterConfigs without retention.ms, retention.ms = %q, want the default 604800000", c.MaybeValue())
		}
		res, err = adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "no.such.config", Value: kadm.StringPtr("1")}}, topic)
		if err == nil && res[0].Err == nil {
			t.Errorf("altering an unknown config succeeded, want INVALID_CONFIG")
		}
	})

	franzOps(t, ctx, b, adm, create)
	franzGroups(t, ctx, b, adm, topic)
	franzGroupScenarios(t, ctx, b, adm)
	franzTransactions(t, ctx, b, create)

	t.Run("DeleteTopic", func(t *testing.T) {
		res, err := adm.DeleteTopics(ctx, topic)
		if err != nil || res.Error() != nil {
			t.Fatalf("DeleteTopics: %v %v", err, res.Error())
		}
		td, err := adm.ListTopics(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if td.Has(topic) {
			t.Errorf("topic still listed after DeleteTopics")
		}
		res, err = adm.DeleteTopics(ctx, topic)
		if err == nil && res.Error() == nil {
			t.Errorf("second DeleteTopics succeeded, want UNKNOWN_TOPIC_OR_PARTITION")
		}
	})
}

func franzProduce(t *testing.T, ctx context.Context, b *broker, opts []kgo.Opt, topic string, n int) {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(b.Addr), kgo.DefaultProduceTopic(topic)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		r := &kgo.Record{Key: []byte(keyOf(i)), Value: []byte(valueOf(i)), Headers: []kgo.RecordHeader{
			{Key: "i", Value: []byte(valueOf(i))}, {Key: "src", Value: []byte("franz")}}}
		cl.Produce(ctx, r, func(_ *kgo.Record, err error) {
			if err != nil {
				errs <- err
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	close(errs)
	if err, ok := <-errs; ok {
		t.Fatalf("produce failed (%d errors), first: %v", len(errs)+1, err)
	}
}

func franzConsume(t *testing.T, ctx context.Context, b *broker, adm *kadm.Client, topic string) []consumed {
	t.Helper()
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil || ends.Error() != nil {
		t.Fatalf("ListEndOffsets: %v %v", err, ends.Error())
	}
	assign := map[int32]kgo.Offset{}
	want := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		assign[o.Partition] = kgo.NewOffset().AtStart()
		want[o.Partition] = o.Offset
	})
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: assign}))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	pctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var out []consumed
	next := map[int32]int64{}
	done := func() bool {
		for p, end := range want {
			if next[p] < end {
				return false
			}
		}
		return true
	}
	for !done() {
		f := cl.PollFetches(pctx)
		if pctx.Err() != nil {
			t.Fatalf("consume: not at the end offsets %v after 60 s (at %v)", want, next)
		}
		f.EachError(func(tp string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", tp, p, err) })
		f.EachRecord(func(r *kgo.Record) {
			h := map[string]string{}
			for _, rh := range r.Headers {
				h[rh.Key] = string(rh.Value)
			}
			out = append(out, consumed{r.Partition, r.Offset, string(r.Key), string(r.Value), h})
			next[r.Partition] = r.Offset + 1
		})
	}
	return out
}
