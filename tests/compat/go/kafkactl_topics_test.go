package compat

import (
	"strconv"
	"strings"
	"testing"
)

// kBroker is one entry of `get brokers -o json` / `describe broker -o json`.
type kBroker struct {
	ID      int32
	Address string
	Configs []kConfig
}

func (k *kafkactl) brokers() []kBroker {
	k.t.Helper()
	var bs []kBroker
	k.json(&bs, "get", "brokers")
	return bs
}

// kafkactlTopics: what a kafkactl user does with topics, configs and brokers.
func kafkactlTopics(t *testing.T, k *kafkactl, b *broker, name func(string) string) {
	main := name("main")
	t.Run("create_topic", func(t *testing.T) {
		k := k.with(t)
		if out := k.run("", "create", "topic", main, "--partitions", "3", "--replication-factor", "1"); !strings.Contains(out, "topic created: "+main) {
			t.Errorf("create topic said %q", out)
		}
		tp := k.topic(main)
		if len(tp.Partitions) != 3 || tp.ReplicationFactor != 1 {
			t.Fatalf("describe topic: %d partitions, replication factor %d; want 3, 1: %+v", len(tp.Partitions), tp.ReplicationFactor, tp)
		}
		for i, p := range tp.Partitions {
			// Not the offsets: Kafka may not list them for a moment after creating the topic.
			if p.ID != int32(i) || len(p.Replicas) != 1 || len(p.InSyncReplicas) != 1 || p.Leader == "" {
				t.Errorf("partition %d of the new topic: %+v", i, p)
			}
		}
		if !k.topicNames()[main] {
			t.Errorf("get topics does not list %s", main)
		}
		if out := k.fails("create", "topic", main, "--partitions", "3"); !strings.Contains(strings.ToLower(out), "already exists") {
			t.Errorf("creating %s again: %q, want it to say the topic already exists", main, out)
		}
	})

	t.Run("metadata", func(t *testing.T) {
		k := k.with(t)
		bs := k.brokers()
		if len(bs) != 1 || bs[0].Address != b.Addr {
			t.Fatalf("get brokers: %+v, want one broker at %s", bs, b.Addr)
		}
		tp := k.topic(main)
		for _, p := range tp.Partitions {
			if p.Leader != b.Addr || len(p.Replicas) != 1 || p.Replicas[0] != bs[0].ID {
				t.Errorf("partition %d: leader %s replicas %v, want leader %s replica %d", p.ID, p.Leader, p.Replicas, b.Addr, bs[0].ID)
			}
		}
	})

	t.Run("create_topic_configs", func(t *testing.T) {
		k := k.with(t)
		topic := name("configs")
		k.run("", "create", "topic", topic, "--partitions", "2", "--config", "retention.ms=86400000", "--config", "cleanup.policy=compact")
		want := map[string]string{"retention.ms": "86400000", "cleanup.policy": "compact"}
		checkConfigs := func(t *testing.T, topic string) {
			tp := k.with(t).topic(topic)
			if len(tp.Partitions) != 2 {
				t.Errorf("%s has %d partitions, want 2", topic, len(tp.Partitions))
			}
			for key, v := range want {
				if got, ok := configOf(tp.Configs, key); got != v {
					t.Errorf("%s: %s = %q (listed %v), want %q", topic, key, got, ok, v)
				}
			}
		}
		checkConfigs(t, topic)
		bad := name("bad-config")
		k.fails("create", "topic", bad, "--config", "retention.ms=not-a-number")
		if k.topicNames()[bad] {
			t.Errorf("a topic with retention.ms=not-a-number was created")
		}
		t.Run("clone_topic", func(t *testing.T) {
			k := k.with(t)
			clone := name("configs-clone")
			if out := k.run("", "clone", "topic", topic, clone); !strings.Contains(out, "cloned to "+clone) {
				t.Errorf("clone topic said %q", out)
			}
			checkConfigs(t, clone)
		})
	})

	t.Run("describe_configs", func(t *testing.T) {
		k := k.with(t)
		all := k.topic(main, "--all-configs")
		for key, v := range map[string]string{"cleanup.policy": "delete", "retention.ms": "604800000",
			"max.message.bytes": "", "segment.bytes": "", "min.insync.replicas": ""} {
			got, ok := configOf(all.Configs, key)
			if !ok || (v != "" && got != v) {
				t.Errorf("describe topic --all-configs: %s = %q (listed %v), want %q", key, got, ok, v)
			}
		}
		if _, ok := configOf(k.topic(main).Configs, "cleanup.policy"); ok {
			t.Errorf("describe topic without --all-configs lists the default cleanup.policy")
		}
		t.Run("broker", func(t *testing.T) {
			k := k.with(t)
			bs := k.brokers()
			if len(bs) == 0 {
				t.Fatal("get brokers lists no broker")
			}
			var br kBroker
			k.json(&br, "describe", "broker", strconv.Itoa(int(bs[0].ID)), "--all-configs")
			for _, key := range []string{"num.partitions", "log.retention.hours", "auto.create.topics.enable"} {
				if _, ok := configOf(br.Configs, key); !ok {
					t.Errorf("describe broker --all-configs lacks %s (%d configs)", key, len(br.Configs))
				}
			}
		})
	})

	t.Run("alter_configs", func(t *testing.T) {
		k := k.with(t)
		k.run("", "alter", "topic", main, "--config", "retention.ms=3600000")
		k.run("", "alter", "topic", main, "--config", "max.message.bytes=2000000")
		tp := k.topic(main)
		for key, v := range map[string]string{"retention.ms": "3600000", "max.message.bytes": "2000000"} {
			if got, _ := configOf(tp.Configs, key); got != v {
				t.Errorf("after alter topic: %s = %q, want %q (configs %v)", key, got, v, tp.Configs)
			}
		}
		k.fails("alter", "topic", main, "--config", "retention.ms=not-a-number")
		if got, _ := configOf(k.topic(main).Configs, "retention.ms"); got != "3600000" {
			t.Errorf("a refused alter changed retention.ms to %q", got)
		}
	})

	t.Run("create_partitions", func(t *testing.T) {
		k := k.with(t)
		topic := name("grow")
		k.run("", "create", "topic", topic, "--partitions", "3")
		if out := k.run("", "alter", "topic", topic, "--partitions", "5"); !strings.Contains(out, "partitions have been created") {
			t.Errorf("alter topic --partitions said %q", out)
		}
		if n := len(k.topic(topic).Partitions); n != 5 {
			t.Errorf("%d partitions after alter topic --partitions 5", n)
		}
		k.fails("alter", "topic", topic, "--partitions", "2")
		if n := len(k.topic(topic).Partitions); n != 5 {
			t.Errorf("%d partitions after a refused shrink to 2, want 5", n)
		}
	})

	t.Run("reassign_partitions", func(t *testing.T) {
		k := k.with(t)
		bs := k.brokers()
		if out := k.run("", "alter", "topic", main, "--replication-factor", "1"); !strings.Contains(out, "partition replicas have been reassigned") {
			t.Errorf("alter topic --replication-factor said %q", out)
		}
		tp := k.topic(main)
		if tp.ReplicationFactor != 1 || len(tp.Partitions) != 3 {
			t.Errorf("after alter topic --replication-factor 1: %+v", tp)
		}
		for _, p := range tp.Partitions {
			if len(p.Replicas) != 1 || len(bs) == 0 || p.Replicas[0] != bs[0].ID {
				t.Errorf("partition %d: replicas %v after the reassignment, want [%v]", p.ID, p.Replicas, bs)
			}
		}
		k.fails("alter", "topic", main, "--replication-factor", "2")
	})
}
