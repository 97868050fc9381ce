package compat

import (
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
)

// kGroup is `describe consumer-group -o json`.
type kGroup struct {
	Group struct {
		Name, ProtocolType string
	}
	State  string
	Topics []struct {
		Name       string
		Partitions []struct {
			Partition                                  int32
			NewestOffset, OldestOffset, ConsumerOffset int64
			Lag                                        int64
		}
		TotalLag int64
	}
}

// committed is the group's committed offset per partition of topic (absent: none).
func (g kGroup) committed(topic string) map[int32]int64 {
	offs := map[int32]int64{}
	for _, tp := range g.Topics {
		if tp.Name == topic {
			for _, p := range tp.Partitions {
				offs[p.Partition] = p.ConsumerOffset
			}
		}
	}
	return offs
}

// kReset is one partition of `reset offset -o json`.
type kReset struct {
	Partition                                 int32
	OldestOffset, NewestOffset, CurrentOffset int64
	TargetOffset                              int64
}

func (k *kafkactl) group(name string) kGroup {
	k.t.Helper()
	var g kGroup
	k.json(&g, "describe", "consumer-group", name)
	return g
}

// groupNames is `get consumer-groups -o json`: one JSON object per group.
func (k *kafkactl) groupNames() map[string]bool {
	k.t.Helper()
	out := k.run("", "get", "consumer-groups", "-o", "json")
	names := map[string]bool{}
	dec := json.NewDecoder(strings.NewReader(out))
	for {
		var g struct{ Name string }
		if err := dec.Decode(&g); err == io.EOF {
			return names
		} else if err != nil {
			k.t.Fatalf("get consumer-groups -o json: %v in:\n%.1000s", err, out)
		}
		names[g.Name] = true
	}
}

// reset runs `reset offset group --topic topic <how> --execute -o json`; returns the
// target offset per partition kafkactl printed.
func (k *kafkactl) reset(group, topic string, how ...string) map[int32]int64 {
	k.t.Helper()
	var rs []kReset
	k.json(&rs, append(append([]string{"reset", "offset", group, "--topic", topic}, how...), "--execute")...)
	target := map[int32]int64{}
	for _, r := range rs {
		target[r.Partition] = r.TargetOffset
	}
	return target
}

// kafkactlGroups: consuming with --group, then what a user does to the group: list,
// describe, reset its offsets, delete it.
func kafkactlGroups(t *testing.T, k *kafkactl, name func(string) string) {
	topic, group := name("group"), name("g")
	var mid time.Time // between the first 300 messages and the next 30
	newest := func(k *kafkactl) map[int32]int64 {
		offs := map[int32]int64{}
		for _, p := range k.topic(topic).Partitions {
			offs[p.ID] = p.NewestOffset
		}
		return offs
	}
	t.Run("group_join", func(t *testing.T) {
		k := k.with(t)
		k.run("", "create", "topic", topic, "--partitions", "3")
		k.produce(topic, 0, 300)
		checkExact(t, k.consume(topic, "--group", group, "--from-beginning", "--max-messages", "300"), 300, true, "kafkactl")
	})
	t.Run("group_commit", func(t *testing.T) {
		k := k.with(t)
		got, want := k.group(group).committed(topic), newest(k)
		if len(got) != 3 || !equalOffsets(got, want) {
			t.Errorf("committed offsets %v after consuming everything, want the newest offsets %v", got, want)
		}
	})
	t.Run("group_resume", func(t *testing.T) {
		k := k.with(t)
		time.Sleep(100 * time.Millisecond)
		mid = time.Now()
		time.Sleep(100 * time.Millisecond)
		k.produce(topic, 300, 330)
		msgs := k.consume(topic, "--group", group, "--max-messages", "30")
		checkExact(t, shift(msgs, -300), 30, false, "")
	})
	t.Run("group_list", func(t *testing.T) {
		k := k.with(t)
		if names := k.groupNames(); !names[group] {
			t.Errorf("get consumer-groups lacks %s: %v", group, names)
		}
	})
	t.Run("group_describe", func(t *testing.T) {
		k := k.with(t)
		g := k.group(group)
		if g.Group.Name != group || g.Group.ProtocolType != "consumer" || g.State != "Empty" ||
			len(g.Topics) != 1 || g.Topics[0].Name != topic || len(g.Topics[0].Partitions) != 3 || g.Topics[0].TotalLag != 0 {
			t.Errorf("describe consumer-group: %+v", g)
		}
	})
	t.Run("group_reset_offsets", func(t *testing.T) {
		k := k.with(t)
		want := newest(k)
		check := func(how string, target, wantTarget, want map[int32]int64) {
			t.Helper()
			if got := k.group(group).committed(topic); !equalOffsets(target, wantTarget) || !equalOffsets(got, want) {
				t.Errorf("reset offset %s: kafkactl's targets %v, committed %v; want targets %v, committed %v",
					how, target, got, wantTarget, want)
			}
		}
		zero := map[int32]int64{0: 0, 1: 0, 2: 0}
		check("--oldest", k.reset(group, topic, "--oldest"), zero, zero)
		check("--newest", k.reset(group, topic, "--newest"), want, want)
		check("--partition 1 --offset 2", k.reset(group, topic, "--partition", "1", "--offset", "2"),
			map[int32]int64{1: 2}, map[int32]int64{0: want[0], 1: 2, 2: want[2]})
		// The datetime between the two batches: each partition's first offset of the second.
		target := k.reset(group, topic, "--to-datetime", mid.Format("2006-01-02T15:04:05.000Z07:00"))
		if committed := k.group(group).committed(topic); !equalOffsets(target, committed) {
			t.Errorf("reset offset --to-datetime: targets %v, committed %v", target, committed)
		}
		checkExact(t, shift(k.consume(topic, "--group", group, "--max-messages", "30"), -300), 30, false, "")
	})
	t.Run("group_delete", func(t *testing.T) {
		k := k.with(t)
		if out := k.run("", "delete", "consumer-group", group); !strings.Contains(out, "consumer-group deleted: "+group) {
			t.Errorf("delete consumer-group said %q", out)
		}
		if k.groupNames()[group] {
			t.Errorf("get consumer-groups still lists %s after delete", group)
		}
		k.fails("delete", "consumer-group", group)
		t.Run("offsets", func(t *testing.T) {
			k := k.with(t)
			other := name("g-offsets")
			k.consume(topic, "--group", other, "--from-beginning", "--max-messages", "330")
			out := k.run("", "delete", "consumer-group-offset", other, "--topic", topic, "--partition", "0")
			if !strings.Contains(out, "consumer-group-offset deleted: [group: "+other+", topic: "+topic+", partition: 0]") {
				t.Errorf("delete consumer-group-offset said %q", out)
			}
			got := k.group(other).committed(topic)
			if _, ok := got[0]; ok || len(got) != 2 {
				t.Errorf("committed offsets after deleting partition 0's: %v, want partitions 1 and 2 only", got)
			}
		})
	})
}

func equalOffsets(a, b map[int32]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for p, o := range a {
		if bo, ok := b[p]; !ok || bo != o {
			return false
		}
	}
	return true
}

// shift renumbers the model's messages by d (values and keys), so that checkExact can
// check a range that does not start at 0.
func shift(msgs []consumed, d int) []consumed {
	out := make([]consumed, 0, len(msgs))
	for _, m := range msgs {
		if i, err := strconv.Atoi(m.Value); err == nil && m.Key == keyOf(i) {
			m.Value, m.Key = valueOf(i+d), keyOf(i+d)
		}
		out = append(out, m)
	}
	return out
}
