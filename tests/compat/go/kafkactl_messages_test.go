package compat

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// kafkactlMessages: producing (stdin, flags, files, codecs, acks) and consuming (from the
// beginning, an offset, a timestamp, the tail), listing and deleting records.
func kafkactlMessages(t *testing.T, k *kafkactl, b *broker, name func(string) string) {
	main := name("main")
	inputs := name("inputs")
	t.Run("produce_keys_headers", func(t *testing.T) {
		k := k.with(t)
		// The model's 10,000 messages, each with its own headers (JSON input lines).
		k.produce(main, 0, numMessages, "--silent")
		if n := k.topic(main).records(); n != numMessages {
			t.Errorf("%s holds %d records after producing %d", main, n, numMessages)
		}
		t.Run("flags_and_files", func(t *testing.T) {
			k := k.with(t)
			k.run("", "create", "topic", inputs, "--partitions", "1")
			out := k.run("", "produce", inputs, "--key", "k-one", "--value", "v-one", "-H", "a:1", "-H", "b:2")
			if !strings.Contains(out, "message produced (partition=0\toffset=0)") {
				t.Errorf("produce --key --value said %q, want partition 0 offset 0", out)
			}
			dir := t.TempDir()
			sep := filepath.Join(dir, "separator.txt")
			keyed := filepath.Join(dir, "values.txt")
			if err := os.WriteFile(sep, []byte("k-sep1;v-sep1\nk-sep2;v-sep2\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(keyed, []byte("v-file1\nv-file2\nv-file3\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if out := k.run("", "produce", inputs, "--file", sep, "--separator", ";", "-H", "c:3"); !strings.Contains(out, "2 messages produced") {
				t.Errorf("produce --file --separator said %q", out)
			}
			if out := k.run("", "produce", inputs, "--file", keyed, "--key", "k-file"); !strings.Contains(out, "3 messages produced") {
				t.Errorf("produce --file --key said %q", out)
			}
			msgs := k.consume(inputs, "--from-beginning", "--exit")
			want := []consumed{
				{Offset: 0, Key: "k-one", Value: "v-one", Headers: map[string]string{"a": "1", "b": "2"}},
				{Offset: 1, Key: "k-sep1", Value: "v-sep1", Headers: map[string]string{"c": "3"}},
				{Offset: 2, Key: "k-sep2", Value: "v-sep2", Headers: map[string]string{"c": "3"}},
				{Offset: 3, Key: "k-file", Value: "v-file1"},
				{Offset: 4, Key: "k-file", Value: "v-file2"},
				{Offset: 5, Key: "k-file", Value: "v-file3"},
			}
			if render(msgs) != render(want) {
				t.Errorf("consumed\n%s\nwant\n%s", render(msgs), render(want))
			}
		})
	})

	t.Run("consume_beginning", func(t *testing.T) {
		k := k.with(t)
		checkExact(t, k.consume(main, "--from-beginning", "--exit"), numMessages, true, "kafkactl")
		t.Run("text", func(t *testing.T) {
			k := k.with(t)
			out := k.run("", "consume", inputs, "--from-beginning", "--exit", "--print-keys", "--print-headers",
				"--print-partitions", "--separator", "|")
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 6 || lines[0] != "a:1,b:2|0|k-one|v-one" || lines[1] != "c:3|0|k-sep1|v-sep1" {
				t.Errorf("consume --print-headers --print-partitions --print-keys printed:\n%s", out)
			}
		})
		t.Run("max_messages", func(t *testing.T) {
			k := k.with(t)
			msgs := k.consume(inputs, "--from-beginning", "--max-messages", "2")
			if len(msgs) != 2 || msgs[0].Value != "v-one" || msgs[1].Value != "v-sep1" {
				t.Errorf("consume --max-messages 2: %s", render(msgs))
			}
		})
		t.Run("partitions", func(t *testing.T) {
			k := k.with(t)
			msgs := k.consume(main, "--from-beginning", "--exit", "--partitions", "1")
			want := k.topic(main).Partitions[1].NewestOffset
			for _, m := range msgs {
				if m.Partition != 1 {
					t.Fatalf("consume --partitions 1 returned a message of partition %d", m.Partition)
				}
			}
			if int64(len(msgs)) != want || want == 0 {
				t.Errorf("consume --partitions 1: %d messages, partition 1 holds %d", len(msgs), want)
			}
		})
	})

	t.Run("list_offsets", func(t *testing.T) {
		k := k.with(t)
		tp := k.topic(main)
		var sum int64
		for _, p := range tp.Partitions {
			if p.OldestOffset != 0 || p.NewestOffset <= 0 {
				t.Errorf("partition %d: oldest %d newest %d", p.ID, p.OldestOffset, p.NewestOffset)
			}
			sum += p.NewestOffset
		}
		if sum != numMessages {
			t.Errorf("the newest offsets add up to %d, want %d", sum, numMessages)
		}
	})

	for _, codec := range []string{"gzip", "snappy", "lz4", "zstd"} {
		t.Run("produce_"+codec, func(t *testing.T) {
			kc := newKafkactl(t, k.bin, b.Addr, kafkactlContext{compression: codec})
			topic := name(codec)
			kc.run("", "create", "topic", topic, "--partitions", "3")
			kc.produce(topic, 0, 2000)
			checkExact(t, kc.consume(topic, "--from-beginning", "--exit"), 2000, true, "kafkactl")
		})
	}

	for _, a := range []struct{ op, acks string }{
		{"produce_acks_0", "NoResponse"}, {"produce_acks_1", "WaitForLocal"}, {"produce_acks_all", "WaitForAll"}} {
		t.Run(a.op, func(t *testing.T) {
			k := k.with(t)
			topic := name(a.op)
			k.run("", "create", "topic", topic, "--partitions", "3")
			k.waitReady(topic)
			k.produce(topic, 0, 600, "--required-acks", a.acks)
			// With acks=0 nothing tells the producer when the broker appended.
			k.waitRecords(topic, 600)
			checkExact(t, k.consume(topic, "--from-beginning", "--exit"), 600, true, "kafkactl")
		})
	}

	offsets := name("offsets")
	t.Run("consume_offset", func(t *testing.T) {
		k := k.with(t)
		k.run("", "create", "topic", offsets, "--partitions", "1")
		// One invocation, one batch: offset 45 lies inside the third.
		for _, r := range [][2]int{{0, 20}, {20, 40}, {40, 60}, {60, 80}, {80, 90}, {90, 100}} {
			k.produce(offsets, r[0], r[1])
		}
		checkRange(t, k.consume(offsets, "--offset", "0=45", "--exit"), 45, 100)
		checkRange(t, k.consume(offsets, "--offset", "0=45", "--max-messages", "5"), 45, 50)
		// --tail keeps the newest messages by timestamp and prints them in timestamp order;
		// one invocation's messages may share a millisecond, so their order is kafkactl's
		// choice: compare in offset order. The last invocation produced exactly the ten.
		tail := k.consume(offsets, "--tail", "10")
		sort.Slice(tail, func(i, j int) bool { return tail[i].Offset < tail[j].Offset })
		checkRange(t, tail, 90, 100)
	})

	t.Run("consume_timestamp", func(t *testing.T) {
		k := k.with(t)
		topic := name("times")
		k.run("", "create", "topic", topic, "--partitions", "1")
		k.produce(topic, 0, 50)
		time.Sleep(100 * time.Millisecond)
		mid := strconv.FormatInt(time.Now().UnixMilli(), 10)
		time.Sleep(100 * time.Millisecond)
		k.produce(topic, 50, 100)
		checkRange(t, k.consume(topic, "--from-timestamp", mid, "--exit"), 50, 100)
		checkRange(t, k.consume(topic, "--from-beginning", "--to-timestamp", mid), 0, 50)
	})

	t.Run("delete_records", func(t *testing.T) {
		k := k.with(t)
		k.run("", "delete", "records", offsets, "--offset", "0=40")
		p := k.topic(offsets).Partitions[0]
		if p.OldestOffset != 40 || p.NewestOffset != 100 {
			t.Errorf("after delete records --offset 0=40: oldest %d newest %d, want 40 and 100", p.OldestOffset, p.NewestOffset)
		}
		checkRange(t, k.consume(offsets, "--from-beginning", "--exit"), 40, 100)
		k.fails("delete", "records", offsets, "--offset", "0=101")
	})
}

// render is messages as comparable text: offset, key, value, sorted headers.
func render(msgs []consumed) string {
	var s strings.Builder
	for _, m := range msgs {
		s.WriteString(strconv.FormatInt(m.Offset, 10) + " " + m.Key + "=" + m.Value + " [")
		keys := make([]string, 0, len(m.Headers))
		for h := range m.Headers {
			keys = append(keys, h)
		}
		sort.Strings(keys)
		for _, h := range keys {
			s.WriteString(h + ":" + m.Headers[h] + " ")
		}
		s.WriteString("]\n")
	}
	return s.String()
}
