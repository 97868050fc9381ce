package compat

import (
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// saramaOps: the report's single-operation scenarios for Sarama at protocol version v.
// Subtests are named after the operations of tests/compat/ops.py. Operations Sarama
// cannot do at v are skipped here and named with their reason in tests/compat/run.
func saramaOps(t *testing.T, b *broker, v sarama.KafkaVersion, name string, admin sarama.ClusterAdmin) {
	headers := v.IsAtLeast(sarama.V0_11_0_0)
	// plain: no idempotence, so that RequiredAcks can be other than WaitForAll.
	plain := func(acks sarama.RequiredAcks) *sarama.Config {
		c := saramaConfig(v)
		c.Producer.Idempotent = false
		c.Net.MaxOpenRequests = 5
		c.Producer.RequiredAcks = acks
		return c
	}
	create := func(t *testing.T, topic string, parts int32, configs map[string]*string) {
		t.Helper()
		err := admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: parts, ReplicationFactor: 1, ConfigEntries: configs}, false)
		if err != nil {
			t.Fatalf("CreateTopic(%s): %v", topic, err)
		}
	}

	t.Run("create_topic_configs", func(t *testing.T) {
		topic := name + "-configs"
		retention, policy := "86400000", "compact"
		create(t, topic, 2, map[string]*string{"retention.ms": &retention, "cleanup.policy": &policy})
		// DescribeConfigs needs V0_11_0_0: below it an admin at the newest version checks.
		checker := admin
		if !v.IsAtLeast(sarama.V0_11_0_0) {
			var err error
			if checker, err = sarama.NewClusterAdmin([]string{b.Addr}, saramaConfig(sarama.MaxVersion)); err != nil {
				t.Fatal(err)
			}
			defer checker.Close()
		}
		for k, want := range map[string]string{"retention.ms": retention, "cleanup.policy": policy} {
			if got := saramaTopicConfig(t, checker, topic, k); got.Value != want || got.Default {
				t.Errorf("%s = %+v after CreateTopic with configs, want %s (not default)", k, got, want)
			}
		}
		bad := "not-a-number"
		err := admin.CreateTopic(name+"-bad-config", &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1,
			ConfigEntries: map[string]*string{"retention.ms": &bad}}, false)
		if !errors.Is(err, sarama.ErrInvalidConfig) {
			t.Errorf("CreateTopic with retention.ms=%q: %v, want INVALID_CONFIG", bad, err)
		}
	})

	for _, a := range []struct {
		op   string
		acks sarama.RequiredAcks
	}{{"produce_acks_0", sarama.NoResponse}, {"produce_acks_1", sarama.WaitForLocal}} {
		t.Run(a.op, func(t *testing.T) {
			topic := name + "-" + a.op
			create(t, topic, 3, nil)
			saramaProduce(t, b, plain(a.acks), topic, 600, headers, name)
			// With acks=0 nothing tells the producer when the broker appended: wait for it.
			saramaWaitTotal(t, b, topic, 600)
			checkExact(t, saramaConsume(t, b, saramaConfig(v), topic), 600, headers, name)
		})
	}

	t.Run("consume_offset", func(t *testing.T) {
		topic := name + "-offset"
		create(t, topic, 1, nil)
		// Five batches of 20: offset 45 lies inside the third, which the broker returns whole.
		for i := 0; i < 5; i++ {
			saramaSend(t, b, plain(sarama.WaitForAll), topic, i*20, 20, time.Time{})
		}
		got := saramaConsumeFrom(t, b, saramaConfig(v), topic, 45, 55)
		for i, m := range got {
			if m.Offset != int64(45+i) || string(m.Value) != strconv.Itoa(45+i) {
				t.Fatalf("message %d from offset 45: offset %d value %q, want offset and value %d", i, m.Offset, m.Value, 45+i)
			}
		}
	})

	t.Run("consume_timestamp", func(t *testing.T) {
		topic := name + "-time"
		create(t, topic, 1, nil)
		base := time.Now().Add(-time.Hour).Truncate(time.Second)
		saramaSend(t, b, plain(sarama.WaitForAll), topic, 0, 50, base)
		client, err := sarama.NewClient([]string{b.Addr}, saramaConfig(v))
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		at := base.Add(20500 * time.Millisecond)
		off, err := client.GetOffset(topic, 0, at.UnixMilli())
		if err != nil || off != 21 {
			t.Fatalf("GetOffset(timestamp base+20.5 s) = %d (%v), want 21", off, err)
		}
		m := saramaConsumeFrom(t, b, saramaConfig(v), topic, off, 1)[0]
		if string(m.Value) != "21" || !m.Timestamp.Equal(base.Add(21*time.Second)) {
			t.Errorf("first message at or after base+20.5 s: value %q timestamp %v, want 21 at %v", m.Value, m.Timestamp, base.Add(21*time.Second))
		}
	})

	t.Run("delete_records", func(t *testing.T) {
		if !v.IsAtLeast(sarama.V0_11_0_0) {
			t.Skip("client limitation: DeleteRecords needs V0_11_0_0")
		}
		topic := name + "-delete-records"
		create(t, topic, 1, nil)
		saramaSend(t, b, plain(sarama.WaitForAll), topic, 0, 100, time.Time{})
		if err := admin.DeleteRecords(topic, map[int32]int64{0: 40}); err != nil {
			t.Fatalf("DeleteRecords(before 40): %v", err)
		}
		client, err := sarama.NewClient([]string{b.Addr}, saramaConfig(v))
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		if first, err := client.GetOffset(topic, 0, sarama.OffsetOldest); err != nil || first != 40 {
			t.Errorf("earliest offset after DeleteRecords = %d (%v), want 40", first, err)
		}
		if m := saramaConsumeFrom(t, b, saramaConfig(v), topic, sarama.OffsetOldest, 1)[0]; m.Offset != 40 || string(m.Value) != "40" {
			t.Errorf("first message after DeleteRecords: offset %d value %q, want 40", m.Offset, m.Value)
		}
		consumer, err := sarama.NewConsumerFromClient(client)
		if err != nil {
			t.Fatal(err)
		}
		defer consumer.Close()
		if pc, err := consumer.ConsumePartition(topic, 0, 10); !errors.Is(err, sarama.ErrOffsetOutOfRange) {
			if pc != nil {
				pc.Close()
			}
			t.Errorf("ConsumePartition at deleted offset 10: %v, want OFFSET_OUT_OF_RANGE", err)
		}
	})

	t.Run("transactions", func(t *testing.T) {
		if !v.IsAtLeast(sarama.V0_11_0_0) {
			t.Skip("client limitation: transactions need V0_11_0_0")
		}
		saramaTransactions(t, b, v, name)
	})

	// SASL and TLS: connect, produce and read back one message.
	// sasl: a config for the SASL mechanism m as compat / compat-secret.
	sasl := func(m sarama.SASLMechanism) *sarama.Config {
		c := saramaConfig(v)
		c.Net.SASL.Enable = true
		c.Net.SASL.Mechanism = m
		switch m {
		case sarama.SASLTypeOAuth:
			// Sarama sends OAUTHBEARER (Kafka 2.0) with SaslHandshake v1 and SaslAuthenticate.
			c.Net.SASL.TokenProvider = saramaToken{unsecuredJWT("compat")}
			return c
		case sarama.SASLTypeSCRAMSHA256:
			c.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return newXDGSCRAM256() }
		case sarama.SASLTypeSCRAMSHA512:
			c.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return newXDGSCRAM512() }
		}
		c.Net.SASL.User, c.Net.SASL.Password = "compat", "compat-secret"
		if !v.IsAtLeast(sarama.V1_0_0_0) {
			// Before Kafka 1.0 the tokens follow SaslHandshake v0 unframed (PLAIN, and SCRAM
			// since Kafka 0.10.2).
			c.Net.SASL.Version = sarama.SASLHandshakeV0
			c.ApiVersionsRequest = false
		}
		return c
	}
	saslAddr := envOr("CHRONIK_SASL_BOOTSTRAP", b.Addr)
	t.Run("sasl_plain", func(t *testing.T) {
		saramaRoundTrip(t, saslAddr, sasl(sarama.SASLTypePlaintext), name+"-sasl")
	})
	t.Run("sasl_scram_sha_256", func(t *testing.T) {
		saramaRoundTrip(t, saslAddr, sasl(sarama.SASLTypeSCRAMSHA256), name+"-scram-sha-256")
	})
	t.Run("sasl_scram_sha_512", func(t *testing.T) {
		saramaRoundTrip(t, saslAddr, sasl(sarama.SASLTypeSCRAMSHA512), name+"-scram-sha-512")
	})
	t.Run("sasl_oauthbearer", func(t *testing.T) {
		if !v.IsAtLeast(sarama.V1_0_0_0) {
			// Sarama itself answers UNSUPPORTED_VERSION before sending anything.
			t.Skip("client limitation: OAUTHBEARER needs SaslHandshake v1 and SaslAuthenticate, which Sarama refuses below V1_0_0_0")
		}
		saramaRoundTrip(t, saslAddr, sasl(sarama.SASLTypeOAuth), name+"-oauthbearer")
	})
	t.Run("tls", func(t *testing.T) {
		c := saramaConfig(v)
		c.Net.TLS.Enable = true
		c.Net.TLS.Config = compatTLSConfig(t)
		saramaRoundTrip(t, envOr("CHRONIK_TLS_BOOTSTRAP", b.Addr), c, name+"-tls")
	})
	t.Run("mtls", func(t *testing.T) {
		c := saramaConfig(v)
		c.Net.TLS.Enable = true
		c.Net.TLS.Config = compatMTLSConfig(t)
		saramaRoundTrip(t, envOr("CHRONIK_MTLS_BOOTSTRAP", b.Addr), c, name+"-mtls")
	})
	t.Run("sasl_ssl", func(t *testing.T) {
		c := sasl(sarama.SASLTypeSCRAMSHA512)
		c.Net.TLS.Enable = true
		c.Net.TLS.Config = compatTLSConfig(t)
		saramaRoundTrip(t, envOr("CHRONIK_SASL_SSL_BOOTSTRAP", b.Addr), c, name+"-sasl-ssl")
	})
}

// saramaToken is a fixed OAUTHBEARER token.
type saramaToken struct{ token string }

func (s saramaToken) Token() (*sarama.AccessToken, error) {
	return &sarama.AccessToken{Token: s.token}, nil
}

// saramaTransactions: three transactions on one partition, the middle one aborted; a
// read_committed consumer sees the other two only.
func saramaTransactions(t *testing.T, b *broker, v sarama.KafkaVersion, name string) {
	topic := name + "-txn"
	c := saramaConfig(v)
	c.Producer.Transaction.ID = name + "-txn"
	c.Producer.Transaction.Retry.Max = 10
	c.Producer.Transaction.Retry.Backoff = 200 * time.Millisecond
	c.Producer.Retry.Max = 3
	c.Producer.Partitioner = sarama.NewManualPartitioner
	c.Metadata.AllowAutoTopicCreation = false
	admin, err := sarama.NewClusterAdmin([]string{b.Addr}, saramaConfig(v))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false); err != nil {
		t.Fatalf("CreateTopic: %v", err)
	}
	p, err := sarama.NewSyncProducer([]string{b.Addr}, c)
	if err != nil {
		t.Fatalf("NewSyncProducer(transactional): %v", err)
	}
	defer p.Close()
	for round, commit := range []bool{true, false, true} {
		if err := p.BeginTxn(); err != nil {
			t.Fatalf("BeginTxn %d: %v", round, err)
		}
		var batch []*sarama.ProducerMessage
		for i := 0; i < 10; i++ {
			batch = append(batch, &sarama.ProducerMessage{Topic: topic, Partition: 0, Value: sarama.ByteEncoder{byte('a' + round)}})
		}
		if err := p.SendMessages(batch); err != nil {
			var pe sarama.ProducerErrors
			if errors.As(err, &pe) && len(pe) > 0 {
				err = fmt.Errorf("%w (first: %v)", err, pe[0].Err)
			}
			t.Fatalf("produce in transaction %d: %v", round, err)
		}
		end := p.CommitTxn
		if !commit {
			end = p.AbortTxn
		}
		if err := end(); err != nil {
			t.Fatalf("ending transaction %d (commit %v): %v", round, commit, err)
		}
	}
	rc := saramaConfig(v)
	rc.Consumer.IsolationLevel = sarama.ReadCommitted
	client, err := sarama.NewClient([]string{b.Addr}, rc)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	// The last stable offset is past the third transaction's marker: read up to it.
	end, err := client.GetOffset(topic, 0, sarama.OffsetNewest)
	if err != nil {
		t.Fatal(err)
	}
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	pc, err := consumer.ConsumePartition(topic, 0, sarama.OffsetOldest)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	seen := map[byte]int{}
	timeout := time.After(15 * time.Second)
	for seen['a']+seen['c'] < 20 {
		select {
		case m := <-pc.Messages():
			seen[m.Value[0]]++
		case e := <-pc.Errors():
			t.Fatalf("read_committed consumer: %v", e)
		case <-timeout:
			t.Fatalf("read_committed consumer saw %v within 15 s (end offset %d)", seen, end)
		}
	}
	if seen['a'] != 10 || seen['c'] != 10 || seen['b'] != 0 {
		t.Errorf("read_committed saw %d, %d, %d records of the committed, aborted, committed transactions; want 10, 0, 10",
			seen['a'], seen['b'], seen['c'])
	}
}

// saramaRoundTrip creates a topic through addr with config c, produces one message and
// reads it back.
func saramaRoundTrip(t *testing.T, addr string, c *sarama.Config, topic string) {
	t.Helper()
	c.Net.DialTimeout, c.Net.ReadTimeout = 10*time.Second, 10*time.Second
	c.Metadata.Retry.Max = 2
	client, err := sarama.NewClient([]string{addr}, c)
	if err != nil {
		// The client's error names no cause: one connection of its own tells it.
		br := sarama.NewBroker(addr)
		cause := br.Open(c)
		if cause == nil {
			_, cause = br.Connected()
			_ = br.Close()
		}
		t.Fatalf("connect to %s: %v (Sarama's client: %v)", addr, cause, err)
	}
	defer client.Close()
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false); err != nil {
		t.Fatalf("CreateTopic: %v", err)
	}
	p, err := sarama.NewSyncProducerFromClient(client)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder("over " + topic)}); err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	m := saramaConsumeFromClient(t, client, topic, sarama.OffsetOldest, 1)[0]
	if string(m.Value) != "over "+topic {
		t.Errorf("read back %q", m.Value)
	}
}

// saramaSend produces values start..start+n-1 (keys k<i>) to partition 0 in one batch;
// with a non-zero base, message i carries the timestamp base+i s.
func saramaSend(t *testing.T, b *broker, c *sarama.Config, topic string, start, n int, base time.Time) {
	t.Helper()
	p, err := sarama.NewSyncProducer([]string{b.Addr}, c)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var batch []*sarama.ProducerMessage
	for i := start; i < start+n; i++ {
		m := &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder("k" + strconv.Itoa(i)), Value: sarama.StringEncoder(strconv.Itoa(i))}
		if !base.IsZero() {
			m.Timestamp = base.Add(time.Duration(i) * time.Second)
		}
		batch = append(batch, m)
	}
	if err := p.SendMessages(batch); err != nil {
		t.Fatalf("SendMessages: %v", err)
	}
}

// saramaWaitTotal waits until the end offsets of the topic's partitions add up to want.
func saramaWaitTotal(t *testing.T, b *broker, topic string, want int64) {
	t.Helper()
	client, err := sarama.NewClient([]string{b.Addr}, saramaConfig(sarama.MaxVersion))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	parts, err := client.Partitions(topic)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		total = 0
		for _, p := range parts {
			end, err := client.GetOffset(topic, p, sarama.OffsetNewest)
			if err != nil {
				t.Fatal(err)
			}
			total += end
		}
		if total >= want {
			return
		}
	}
	t.Fatalf("%s holds %d messages after 20 s, want %d", topic, total, want)
}

// saramaConsumeFrom reads n messages of partition 0 starting at offset.
func saramaConsumeFrom(t *testing.T, b *broker, c *sarama.Config, topic string, offset int64, n int) []*sarama.ConsumerMessage {
	t.Helper()
	client, err := sarama.NewClient([]string{b.Addr}, c)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	return saramaConsumeFromClient(t, client, topic, offset, n)
}

func saramaConsumeFromClient(t *testing.T, client sarama.Client, topic string, offset int64, n int) []*sarama.ConsumerMessage {
	t.Helper()
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	pc, err := consumer.ConsumePartition(topic, 0, offset)
	if err != nil {
		t.Fatalf("ConsumePartition(%s/0 at %d): %v", topic, offset, err)
	}
	defer pc.Close()
	var out []*sarama.ConsumerMessage
	timeout := time.After(20 * time.Second)
	for len(out) < n {
		select {
		case m := <-pc.Messages():
			out = append(out, m)
		case e := <-pc.Errors():
			t.Fatalf("consume %s/0: %v", topic, e)
		case <-timeout:
			t.Fatalf("consume %s/0 from %d: %s within 20 s", topic, offset, fmt.Sprintf("%d of %d messages", len(out), n))
		}
	}
	return out
}
