// Sarama client session for traffic capture against a real Apache Kafka broker.
// usage: go run . -broker 127.0.0.1:19092 -version 3.9.0 -topic t
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"time"

	"github.com/IBM/sarama"
)

type handler struct {
	want  int
	got   int
	ready chan struct{}
}

func (h *handler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *handler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h *handler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for m := range c.Messages() {
		s.MarkMessage(m, "")
		h.got++
		if h.got == h.want {
			s.Commit()
			close(h.ready)
			return nil
		}
	}
	return nil
}

func must(err error, what string) {
	if err != nil {
		log.Fatalf("%s: %v", what, err)
	}
}

// soft logs failures of admin calls that an old protocol version may not support.
func soft(err error, what string) {
	if err != nil {
		log.Printf("%s (ignored): %v", what, err)
	}
}

func main() {
	broker := flag.String("broker", "127.0.0.1:19092", "bootstrap broker")
	ver := flag.String("version", "3.9.0", "Kafka protocol version for sarama")
	topic := flag.String("topic", "sarama-topic", "topic name")
	flag.Parse()

	v, err := sarama.ParseKafkaVersion(*ver)
	must(err, "version")
	cfg := sarama.NewConfig()
	cfg.Version = v
	cfg.ClientID = "sarama-capture"
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Offsets.AutoCommit.Enable = false
	cfg.Consumer.Group.Heartbeat.Interval = 500 * time.Millisecond
	brokers := []string{*broker}
	headersOK := v.IsAtLeast(sarama.V0_11_0_0)

	client, err := sarama.NewClient(brokers, cfg)
	must(err, "client")
	admin, err := sarama.NewClusterAdminFromClient(client)
	must(err, "admin")

	// Metadata
	must(client.RefreshMetadata(), "metadata")
	_, err = admin.ListTopics()
	soft(err, "list topics")
	// CreateTopics
	soft(admin.CreateTopic(*topic, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false), "create topic")
	time.Sleep(500 * time.Millisecond)

	// Produce with each codec
	codecs := []sarama.CompressionCodec{sarama.CompressionNone, sarama.CompressionGZIP,
		sarama.CompressionSnappy, sarama.CompressionLZ4}
	if v.IsAtLeast(sarama.V2_1_0_0) {
		codecs = append(codecs, sarama.CompressionZSTD)
	}
	total := 0
	for _, codec := range codecs {
		pcfg := *cfg
		pcfg.Producer.Compression = codec
		pcfg.ClientID = "sarama-producer-" + codec.String()
		p, err := sarama.NewSyncProducer(brokers, &pcfg)
		must(err, "producer")
		var msgs []*sarama.ProducerMessage
		for i := 0; i < 3; i++ {
			m := &sarama.ProducerMessage{Topic: *topic,
				Key:   sarama.StringEncoder(fmt.Sprintf("key-%d", i)),
				Value: sarama.StringEncoder(fmt.Sprintf("value %d with %s compression", i, codec))}
			if headersOK {
				m.Headers = []sarama.RecordHeader{{Key: []byte("h1"), Value: []byte("v1")},
					{Key: []byte("codec"), Value: []byte(codec.String())}}
			}
			msgs = append(msgs, m)
		}
		must(p.SendMessages(msgs), "produce "+codec.String())
		total += len(msgs)
		p.Close()
	}

	// ListOffsets
	oldest, err := client.GetOffset(*topic, 0, sarama.OffsetOldest)
	must(err, "offset oldest")
	newest, err := client.GetOffset(*topic, 0, sarama.OffsetNewest)
	must(err, "offset newest")
	log.Printf("offsets %d..%d", oldest, newest)

	// Fetch from beginning with a plain consumer
	cons, err := sarama.NewConsumerFromClient(client)
	must(err, "consumer")
	pc, err := cons.ConsumePartition(*topic, 0, sarama.OffsetOldest)
	must(err, "consume partition")
	for i := 0; i < total; i++ {
		select {
		case <-pc.Messages():
		case <-time.After(10 * time.Second):
			log.Fatalf("timeout consuming")
		}
	}
	pc.Close()
	cons.Close()

	// Consumer group: FindCoordinator, JoinGroup, SyncGroup, Heartbeat, OffsetFetch,
	// Fetch, OffsetCommit, LeaveGroup
	gcfg := *cfg
	gcfg.ClientID = "sarama-group"
	group, err := sarama.NewConsumerGroup(brokers, "sarama-group", &gcfg)
	must(err, "consumer group")
	h := &handler{want: total, ready: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for ctx.Err() == nil {
			if err := group.Consume(ctx, []string{*topic}, h); err != nil {
				log.Printf("consume: %v", err)
			}
		}
	}()
	select {
	case <-h.ready:
	case <-time.After(30 * time.Second):
		log.Fatalf("timeout in group")
	}
	time.Sleep(1200 * time.Millisecond) // let a heartbeat go out
	cancel()
	must(group.Close(), "group close")

	// OffsetFetch through the admin
	_, err = admin.ListConsumerGroupOffsets("sarama-group", map[string][]int32{*topic: {0}})
	soft(err, "list group offsets")
	_, err = admin.DescribeConsumerGroups([]string{"sarama-group"})
	soft(err, "describe groups")

	// DescribeConfigs
	_, err = admin.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: *topic})
	soft(err, "describe config")
	// DeleteTopics
	soft(admin.DeleteTopic(*topic), "delete topic")
	admin.Close()
	log.Printf("sarama %s done", *ver)
}
