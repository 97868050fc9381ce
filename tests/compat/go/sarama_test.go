package compat

import (
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// Sarama at its newest protocol version (idempotent producer, headers, zstd) and at
// V0_10_2_0 (magic-1 message sets: no headers, no zstd, no idempotence).
func TestSaramaNewest(t *testing.T)    { runSarama(t, sarama.MaxVersion, "sarama-new") }
func TestSaramaV0_10_2_0(t *testing.T) { runSarama(t, sarama.V0_10_2_0, "sarama-old") }

func saramaConfig(v sarama.KafkaVersion) *sarama.Config {
	c := sarama.NewConfig()
	c.Version = v
	c.ClientID = "chronik-compat"
	c.Producer.Return.Successes = true
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Partitioner = sarama.NewHashPartitioner
	c.Producer.Flush.Messages = 500
	c.Producer.Flush.Frequency = 5 * time.Millisecond
	c.Producer.Retry.Max = 5
	if v.IsAtLeast(sarama.V0_11_0_0) {
		c.Producer.Idempotent = true
		c.Net.MaxOpenRequests = 1
	}
	c.Consumer.Return.Errors = true
	c.Metadata.Retry.Max = 10
	c.Metadata.Retry.Backoff = 100 * time.Millisecond
	return c
}

func runSarama(t *testing.T, v sarama.KafkaVersion, name string) {
	b := startBroker(t)
	headers := v.IsAtLeast(sarama.V0_11_0_0)
	cfg := saramaConfig(v)
	admin, err := sarama.NewClusterAdmin([]string{b.Addr}, cfg)
	if err != nil {
		t.Fatalf("NewClusterAdmin: %v", err)
	}
	defer admin.Close()
	topic := name + "-main"

	t.Run("CreateTopic3Partitions", func(t *testing.T) {
		err := admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 3, ReplicationFactor: 1}, false)
		if err != nil {
			t.Fatalf("CreateTopic: %v", err)
		}
		md, err := admin.DescribeTopics([]string{topic})
		if err != nil || len(md) != 1 || !errors.Is(md[0].Err, sarama.ErrNoError) {
			t.Fatalf("DescribeTopics: %v %+v", err, md)
		}
		if len(md[0].Partitions) != 3 {
			t.Fatalf("topic has %d partitions, want 3", len(md[0].Partitions))
		}
		err = admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 3, ReplicationFactor: 1}, false)
		if !errors.Is(err, sarama.ErrTopicAlreadyExists) {
			t.Errorf("second CreateTopic: %v, want TOPIC_ALREADY_EXISTS", err)
		}
	})

	// Below V0_11_0_0 the same messages go without headers and without idempotence:
	// the subtest's name tells the report which operations it stands for.
	produce := "Produce10kKeyedWithHeaders"
	if !headers {
		produce = "Produce10kKeyed"
	}
	t.Run(produce, func(t *testing.T) {
		saramaProduce(t, b, cfg, topic, numMessages, headers, name)
	})
	t.Run("ConsumeAllExactly", func(t *testing.T) {
		msgs := saramaConsume(t, b, cfg, topic)
		checkExact(t, msgs, numMessages, headers, name)
	})

	t.Run("ListOffsets", func(t *testing.T) {
		client, err := sarama.NewClient([]string{b.Addr}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		total := int64(0)
		for p := int32(0); p < 3; p++ {
			first, err1 := client.GetOffset(topic, p, sarama.OffsetOldest)
			last, err2 := client.GetOffset(topic, p, sarama.OffsetNewest)
			if err1 != nil || err2 != nil {
				t.Fatalf("p%d GetOffset: %v %v", p, err1, err2)
			}
			if first != 0 {
				t.Errorf("p%d earliest = %d, want 0", p, first)
			}
			total += last - first
		}
		if total != numMessages {
			t.Errorf("sum of latest-earliest = %d, want %d", total, numMessages)
		}
		// By timestamp: 100 messages with timestamps base+i*1000 in one partition.
		ts := name + "-ts"
		if err := admin.CreateTopic(ts, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false); err != nil {
			t.Fatal(err)
		}
		base := time.Now().Add(-time.Hour).Truncate(time.Second)
		p, err := sarama.NewSyncProducer([]string{b.Addr}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		var batch []*sarama.ProducerMessage
		for i := 0; i < 100; i++ {
			batch = append(batch, &sarama.ProducerMessage{Topic: ts, Key: sarama.StringEncoder("k"),
				Value: sarama.StringEncoder(strconv.Itoa(i)), Timestamp: base.Add(time.Duration(i) * time.Second)})
		}
		if err := p.SendMessages(batch); err != nil {
			t.Fatalf("SendMessages: %v", err)
		}
		p.Close()
		for _, c := range []struct {
			at   time.Time
			want int64
		}{
			{base.Add(-time.Minute), 0},
			{base, 0},
			{base.Add(50 * time.Second), 50},
			{base.Add(50*time.Second + 500*time.Millisecond), 51},
			{base.Add(99 * time.Second), 99},
			{base.Add(100 * time.Second), -1}, // later than every record: no offset
		} {
			got, err := client.GetOffset(ts, 0, c.at.UnixMilli())
			if err != nil {
				t.Errorf("GetOffset(ts=%d): %v", c.at.UnixMilli(), err)
			} else if got != c.want {
				t.Errorf("offset for timestamp base%+dms = %d, want %d", c.at.Sub(base).Milliseconds(), got, c.want)
			}
		}
	})

	t.Run("Compression", func(t *testing.T) {
		codecs := []sarama.CompressionCodec{sarama.CompressionGZIP, sarama.CompressionSnappy, sarama.CompressionLZ4}
		if v.IsAtLeast(sarama.V2_1_0_0) {
			codecs = append(codecs, sarama.CompressionZSTD)
		}
		for _, codec := range codecs {
			t.Run(codec.String(), func(t *testing.T) {
				ct := name + "-" + codec.String()
				if err := admin.CreateTopic(ct, &sarama.TopicDetail{NumPartitions: 3, ReplicationFactor: 1}, false); err != nil {
					t.Fatal(err)
				}
				c := saramaConfig(v)
				c.Producer.Compression = codec
				saramaProduce(t, b, c, ct, 2000, headers, name)
				checkExact(t, saramaConsume(t, b, c, ct), 2000, headers, name)
			})
		}
	})

	t.Run("DescribeAndAlterConfigs", func(t *testing.T) {
		if !v.IsAtLeast(sarama.V0_11_0_0) {
			t.Skip("client limitation: Sarama needs V0_11_0_0 for DescribeConfigs/AlterConfigs (Kafka 0.11 APIs)")
		}
		res := sarama.ConfigResource{Type: sarama.TopicResource, Name: topic}
		entries, err := admin.DescribeConfig(res)
		if err != nil {
			t.Fatalf("DescribeConfig: %v", err)
		}
		got := map[string]sarama.ConfigEntry{}
		for _, e := range entries {
			got[e.Name] = e
		}
		for _, k := range []string{"retention.ms", "cleanup.policy", "max.message.bytes", "segment.bytes"} {
			if _, ok := got[k]; !ok {
				t.Errorf("DescribeConfig lacks %s (got %d entries)", k, len(entries))
			}
		}
		if e := got["retention.ms"]; e.Value != "604800000" || !e.Default && e.Source != sarama.SourceDefault {
			t.Errorf("retention.ms = %+v, want the default 604800000", e)
		}
		val := "3600000"
		if err := admin.AlterConfig(sarama.TopicResource, topic, map[string]*string{"retention.ms": &val}, false); err != nil {
			t.Fatalf("AlterConfig: %v", err)
		}
		if got := saramaTopicConfig(t, admin, topic, "retention.ms"); got.Value != val || got.Default {
			t.Errorf("after AlterConfig retention.ms = %+v, want %s (not default)", got, val)
		}
		if v.IsAtLeast(sarama.V2_3_0_0) {
			mb := "2000000"
			err := admin.IncrementalAlterConfig(sarama.TopicResource, topic, map[string]sarama.IncrementalAlterConfigsEntry{
				"max.message.bytes": {Operation: sarama.IncrementalAlterConfigsOperationSet, Value: &mb}}, false)
			if err != nil {
				t.Fatalf("IncrementalAlterConfig: %v", err)
			}
			if got := saramaTopicConfig(t, admin, topic, "max.message.bytes"); got.Value != mb {
				t.Errorf("after IncrementalAlterConfig max.message.bytes = %+v, want %s", got, mb)
			}
			if got := saramaTopicConfig(t, admin, topic, "retention.ms"); got.Value != val {
				t.Errorf("incremental alter of another key changed retention.ms to %+v", got)
			}
		}
		bad := "not-a-number"
		if err := admin.AlterConfig(sarama.TopicResource, topic, map[string]*string{"retention.ms": &bad}, false); err == nil {
			t.Errorf("AlterConfig retention.ms=%q succeeded, want INVALID_CONFIG", bad)
		}
	})

	saramaOps(t, b, v, name, admin)
	saramaGroups(t, b, v, name, admin, topic)

	t.Run("DeleteTopic", func(t *testing.T) {
		if err := admin.DeleteTopic(topic); err != nil {
			t.Fatalf("DeleteTopic: %v", err)
		}
		// Metadata, not admin.ListTopics: Sarama's ListTopics also sends DescribeConfigs,
		// which it refuses to send below V0_11_0_0.
		client, err := sarama.NewClient([]string{b.Addr}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		deadline := time.Now().Add(10 * time.Second)
		for {
			if err := client.RefreshMetadata(); err != nil {
				t.Fatal(err)
			}
			topics, err := client.Topics()
			if err != nil {
				t.Fatal(err)
			}
			if !contains(topics, topic) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("topic %s still listed 10 s after DeleteTopic", topic)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err := admin.DeleteTopic(topic); !errors.Is(err, sarama.ErrUnknownTopicOrPartition) {
			t.Errorf("second DeleteTopic: %v, want UNKNOWN_TOPIC_OR_PARTITION", err)
		}
	})
}

func saramaTopicConfig(t *testing.T, admin sarama.ClusterAdmin, topic, key string) sarama.ConfigEntry {
	t.Helper()
	entries, err := admin.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: topic, ConfigNames: []string{key}})
	if err != nil {
		t.Fatalf("DescribeConfig(%s): %v", key, err)
	}
	for _, e := range entries {
		if e.Name == key {
			return e
		}
	}
	t.Fatalf("DescribeConfig(%s) returned no such entry (%d entries)", key, len(entries))
	return sarama.ConfigEntry{}
}

func saramaProduce(t *testing.T, b *broker, cfg *sarama.Config, topic string, n int, headers bool, src string) {
	t.Helper()
	p, err := sarama.NewAsyncProducer([]string{b.Addr}, cfg)
	if err != nil {
		t.Fatalf("NewAsyncProducer: %v", err)
	}
	go func() {
		for i := 0; i < n; i++ {
			m := &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(keyOf(i)), Value: sarama.StringEncoder(valueOf(i))}
			if headers {
				m.Headers = []sarama.RecordHeader{{Key: []byte("i"), Value: []byte(valueOf(i))}, {Key: []byte("src"), Value: []byte(src)}}
			}
			p.Input() <- m
		}
	}()
	var errs []error
	timeout := time.After(120 * time.Second)
	for done := 0; done < n; done++ {
		select {
		case <-p.Successes():
		case e := <-p.Errors():
			errs = append(errs, e)
		case <-timeout:
			t.Fatalf("produce: %d of %d acknowledged after 120 s", done, n)
		}
	}
	if err := p.Close(); err != nil {
		t.Errorf("producer Close: %v", err)
	}
	if len(errs) > 0 {
		t.Fatalf("produce: %d of %d failed, first: %v", len(errs), n, errs[0])
	}
}

func saramaConsume(t *testing.T, b *broker, cfg *sarama.Config, topic string) []consumed {
	t.Helper()
	client, err := sarama.NewClient([]string{b.Addr}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	parts, err := client.Partitions(topic)
	if err != nil {
		t.Fatal(err)
	}
	var out []consumed
	for _, p := range parts {
		end, err := client.GetOffset(topic, p, sarama.OffsetNewest)
		if err != nil {
			t.Fatal(err)
		}
		if end == 0 {
			continue
		}
		pc, err := consumer.ConsumePartition(topic, p, sarama.OffsetOldest)
		if err != nil {
			t.Fatalf("ConsumePartition(%d): %v", p, err)
		}
		timeout := time.After(60 * time.Second)
	loop:
		for {
			select {
			case m := <-pc.Messages():
				h := map[string]string{}
				for _, rh := range m.Headers {
					h[string(rh.Key)] = string(rh.Value)
				}
				out = append(out, consumed{m.Partition, m.Offset, string(m.Key), string(m.Value), h})
				if m.Offset >= end-1 {
					break loop
				}
			case e := <-pc.Errors():
				t.Fatalf("consume p%d: %v", p, e)
			case <-timeout:
				t.Fatalf("consume p%d: not at offset %d after 60 s (%s)", p, end, fmt.Sprint(len(out)))
			}
		}
		pc.Close()
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
