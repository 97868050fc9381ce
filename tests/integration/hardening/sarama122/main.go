// Sarama 1.22 as its users ran it, for the retention check (timestamps_test.cc): its
// producer never sets a record batch's max timestamp (v2 batches at Version >= 0.11), and
// at its default Version 0.8.2 it sends magic 0 message sets, which carry no timestamps.
//
//	sarama122 -bootstrap host:port -topic T -version 0.8.2.0|1.0.0 -n N produce
//	sarama122 -bootstrap host:port -topic T -version 1.0.0 -timestamp MS offset
//
// produce prints the offset of each acknowledged message; offset prints the offset that
// ListOffsets answers for the timestamp (-1: none).
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/Shopify/sarama"
)

func main() {
	bootstrap := flag.String("bootstrap", "127.0.0.1:9092", "broker")
	topic := flag.String("topic", "", "topic")
	version := flag.String("version", "0.8.2", "Sarama's protocol Version")
	n := flag.Int("n", 10, "messages to produce")
	timestamp := flag.Int64("timestamp", 0, "ListOffsets timestamp (ms)")
	flag.Parse()

	cfg := sarama.NewConfig()
	v, err := sarama.ParseKafkaVersion(*version)
	check(err)
	cfg.Version = v
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	cfg.Metadata.Retry.Max = 20
	cfg.Metadata.Retry.Backoff = 250 * time.Millisecond

	switch flag.Arg(0) {
	case "produce":
		p, err := sarama.NewSyncProducer([]string{*bootstrap}, cfg)
		check(err)
		for i := 0; i < *n; i++ {
			_, offset, err := p.SendMessage(&sarama.ProducerMessage{
				Topic: *topic, Partition: 0, Timestamp: time.Now(),
				Key: sarama.StringEncoder(fmt.Sprintf("k%d", i)), Value: sarama.StringEncoder(fmt.Sprintf("v%d", i)),
			})
			check(err)
			fmt.Println(offset)
		}
		check(p.Close())
	case "offset":
		c, err := sarama.NewClient([]string{*bootstrap}, cfg)
		check(err)
		offset, err := c.GetOffset(*topic, 0, *timestamp)
		check(err)
		fmt.Println(offset)
		check(c.Close())
	default:
		fmt.Fprintln(os.Stderr, "usage: sarama122 [flags] produce|offset")
		os.Exit(2)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "sarama122:", err)
		os.Exit(1)
	}
}
