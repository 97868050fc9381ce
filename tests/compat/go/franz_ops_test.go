package compat

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/oauth"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// franzOps: the report's single-operation scenarios for franz-go, subtests named after
// the operations of tests/compat/ops.py.
func franzOps(t *testing.T, ctx context.Context, b *broker, adm *kadm.Client, create func(*testing.T, string, int32)) {
	// send produces values start..start+n-1 to partition 0 in one ProduceSync (one batch);
	// with a non-zero base, value i carries the timestamp base+i s.
	send := func(t *testing.T, topic string, start, n int, base time.Time) {
		t.Helper()
		cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr), kgo.RecordPartitioner(kgo.ManualPartitioner()))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		var recs []*kgo.Record
		for i := start; i < start+n; i++ {
			r := &kgo.Record{Topic: topic, Partition: 0, Key: []byte("k" + strconv.Itoa(i)), Value: []byte(strconv.Itoa(i))}
			if !base.IsZero() {
				r.Timestamp = base.Add(time.Duration(i) * time.Second)
			}
			recs = append(recs, r)
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			t.Fatalf("ProduceSync: %v", err)
		}
	}
	// readFrom reads n records of partition 0 from offset.
	readFrom := func(t *testing.T, topic string, offset kgo.Offset, n int) []*kgo.Record {
		t.Helper()
		cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: offset}}))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		pctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		var out []*kgo.Record
		for len(out) < n {
			f := cl.PollFetches(pctx)
			if pctx.Err() != nil {
				t.Fatalf("read %s/0: %d of %d records within 20 s", topic, len(out), n)
			}
			f.EachError(func(tp string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", tp, p, err) })
			out = append(out, f.Records()...)
		}
		return out
	}

	t.Run("create_topic_configs", func(t *testing.T) {
		topic := "franz-configs"
		res, err := adm.CreateTopics(ctx, 2, 1, map[string]*string{"retention.ms": kadm.StringPtr("86400000"),
			"cleanup.policy": kadm.StringPtr("compact")}, topic)
		if err == nil {
			err = res[topic].Err
		}
		if err != nil {
			t.Fatalf("CreateTopics with configs: %v", err)
		}
		rc, err := adm.DescribeTopicConfigs(ctx, topic)
		if err != nil {
			t.Fatalf("DescribeTopicConfigs: %v", err)
		}
		r, err := rc.On(topic, nil)
		if err != nil || r.Err != nil {
			t.Fatalf("DescribeTopicConfigs: %v %v", err, r.Err)
		}
		want := map[string]string{"retention.ms": "86400000", "cleanup.policy": "compact"}
		for _, c := range r.Configs {
			if w, ok := want[c.Key]; ok {
				if c.MaybeValue() != w || c.Source != kmsg.ConfigSourceDynamicTopicConfig {
					t.Errorf("%s = %q source %v, want %s DYNAMIC_TOPIC_CONFIG", c.Key, c.MaybeValue(), c.Source, w)
				}
				delete(want, c.Key)
			}
		}
		if len(want) > 0 {
			t.Errorf("DescribeTopicConfigs lacks %v", want)
		}
		res, err = adm.CreateTopics(ctx, 1, 1, map[string]*string{"retention.ms": kadm.StringPtr("not-a-number")}, "franz-bad-config")
		if err == nil && res["franz-bad-config"].Err == nil {
			t.Errorf("CreateTopics with retention.ms=not-a-number succeeded, want INVALID_CONFIG")
		}
	})

	for _, a := range []struct {
		op   string
		acks kgo.Acks
	}{{"produce_acks_0", kgo.NoAck()}, {"produce_acks_1", kgo.LeaderAck()}} {
		t.Run(a.op, func(t *testing.T) {
			topic := "franz-" + a.op
			create(t, topic, 3)
			// Idempotence needs acks=all: off for these.
			franzProduce(t, ctx, b, []kgo.Opt{kgo.RequiredAcks(a.acks), kgo.DisableIdempotentWrite()}, topic, 600)
			// With acks=0 nothing tells the producer when the broker appended: wait for it.
			for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
				ends, err := adm.ListEndOffsets(ctx, topic)
				if err != nil || ends.Error() != nil {
					t.Fatalf("ListEndOffsets: %v %v", err, ends.Error())
				}
				total := int64(0)
				ends.Each(func(o kadm.ListedOffset) { total += o.Offset })
				if total >= 600 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s holds %d records 20 s after producing 600", topic, total)
				}
			}
			checkExact(t, franzConsume(t, ctx, b, adm, topic), 600, true, "franz")
		})
	}

	t.Run("consume_offset", func(t *testing.T) {
		topic := "franz-offset"
		create(t, topic, 1)
		// Five batches of 20: offset 45 lies inside the third, which the broker returns whole.
		for i := 0; i < 5; i++ {
			send(t, topic, i*20, 20, time.Time{})
		}
		for i, r := range readFrom(t, topic, kgo.NewOffset().At(45), 55) {
			if r.Offset != int64(45+i) || string(r.Value) != strconv.Itoa(45+i) {
				t.Fatalf("record %d from offset 45: offset %d value %q, want offset and value %d", i, r.Offset, r.Value, 45+i)
			}
		}
	})

	t.Run("consume_timestamp", func(t *testing.T) {
		topic := "franz-time"
		create(t, topic, 1)
		base := time.Now().Add(-time.Hour).Truncate(time.Second)
		send(t, topic, 0, 50, base)
		r := readFrom(t, topic, kgo.NewOffset().AfterMilli(base.Add(20500*time.Millisecond).UnixMilli()), 1)[0]
		if r.Offset != 21 || string(r.Value) != "21" || !r.Timestamp.Equal(base.Add(21*time.Second)) {
			t.Errorf("first record at or after base+20.5 s: offset %d value %q timestamp %v, want 21 at %v",
				r.Offset, r.Value, r.Timestamp, base.Add(21*time.Second))
		}
	})

	t.Run("delete_records", func(t *testing.T) {
		topic := "franz-delete-records"
		create(t, topic, 1)
		send(t, topic, 0, 100, time.Time{})
		res, err := adm.DeleteRecords(ctx, kadm.Offsets{topic: {0: {Topic: topic, Partition: 0, At: 40, LeaderEpoch: -1}}})
		if err != nil || res.Error() != nil {
			t.Fatalf("DeleteRecords(before 40): %v %v", err, res.Error())
		}
		if r, _ := res.Lookup(topic, 0); r.LowWatermark != 40 {
			t.Errorf("DeleteRecords low watermark %d, want 40", r.LowWatermark)
		}
		starts, err := adm.ListStartOffsets(ctx, topic)
		if err != nil || starts.Error() != nil {
			t.Fatalf("ListStartOffsets: %v %v", err, starts.Error())
		}
		if s, _ := starts.Lookup(topic, 0); s.Offset != 40 {
			t.Errorf("start offset after DeleteRecords = %d, want 40", s.Offset)
		}
		if r := readFrom(t, topic, kgo.NewOffset().AtStart(), 1)[0]; r.Offset != 40 || string(r.Value) != "40" {
			t.Errorf("first record after DeleteRecords: offset %d value %q, want 40", r.Offset, r.Value)
		}
	})

	// SASL and TLS: create a topic, produce and read back one record.
	saslAddr := kgo.SeedBrokers(envOr("CHRONIK_SASL_BOOTSTRAP", b.Addr))
	user := scram.Auth{User: "compat", Pass: "compat-secret"}
	t.Run("sasl_plain", func(t *testing.T) {
		franzRoundTrip(t, ctx, "franz-sasl", saslAddr, kgo.SASL(plain.Auth{User: "compat", Pass: "compat-secret"}.AsMechanism()))
	})
	t.Run("sasl_scram_sha_256", func(t *testing.T) {
		franzRoundTrip(t, ctx, "franz-scram-sha-256", saslAddr, kgo.SASL(user.AsSha256Mechanism()))
	})
	t.Run("sasl_scram_sha_512", func(t *testing.T) {
		franzRoundTrip(t, ctx, "franz-scram-sha-512", saslAddr, kgo.SASL(user.AsSha512Mechanism()))
	})
	t.Run("sasl_oauthbearer", func(t *testing.T) {
		franzRoundTrip(t, ctx, "franz-oauthbearer", saslAddr, kgo.SASL(oauth.Auth{Token: unsecuredJWT("compat")}.AsMechanism()))
	})
	t.Run("tls", func(t *testing.T) {
		cfg := compatTLSConfig(t)
		franzRoundTrip(t, ctx, "franz-tls", kgo.SeedBrokers(envOr("CHRONIK_TLS_BOOTSTRAP", b.Addr)), kgo.DialTLSConfig(cfg))
	})
	t.Run("mtls", func(t *testing.T) {
		cfg := compatMTLSConfig(t)
		franzRoundTrip(t, ctx, "franz-mtls", kgo.SeedBrokers(envOr("CHRONIK_MTLS_BOOTSTRAP", b.Addr)), kgo.DialTLSConfig(cfg))
	})
	t.Run("sasl_ssl", func(t *testing.T) {
		cfg := compatTLSConfig(t)
		franzRoundTrip(t, ctx, "franz-sasl-ssl", kgo.SeedBrokers(envOr("CHRONIK_SASL_SSL_BOOTSTRAP", b.Addr)),
			kgo.DialTLSConfig(cfg), kgo.SASL(user.AsSha512Mechanism()))
	})
}

func franzRoundTrip(t *testing.T, parent context.Context, topic string, opts ...kgo.Opt) {
	t.Helper()
	ctx, cancel := context.WithTimeout(parent, 20*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(append(opts, kgo.DefaultProduceTopic(topic), kgo.RequestRetries(2),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.Ping(ctx); err != nil {
		t.Fatalf("connect: %v", err)
	}
	res, err := kadm.NewClient(cl).CreateTopics(ctx, 1, 1, nil, topic)
	if err == nil {
		err = res[topic].Err
	}
	if err != nil {
		t.Fatalf("CreateTopics: %v", err)
	}
	if err := cl.ProduceSync(ctx, &kgo.Record{Partition: 0, Value: []byte("over " + topic)}).FirstErr(); err != nil {
		t.Fatalf("ProduceSync: %v", err)
	}
	for {
		f := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read back: nothing within 20 s")
		}
		if recs := f.Records(); len(recs) > 0 {
			if string(recs[0].Value) != "over "+topic {
				t.Errorf("read back %q", recs[0].Value)
			}
			return
		}
	}
}
