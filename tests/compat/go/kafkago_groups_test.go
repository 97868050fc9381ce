package compat

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	kafka "github.com/segmentio/kafka-go"
)

// A kafka-go group member built on its ConsumerGroup and Generation API: one partition
// Reader per assigned partition, each message committed with the generation before the
// next is read. kafka-go closes a generation only after all of its goroutines returned,
// so nothing is processed once the member rejoins.
//
// Not the group Reader (ReaderConfig.GroupID): its internal queue keeps messages of a
// generation that ended and hands them out after the rebalance, so the same message
// reaches two members (segmentio/kafka-go#1398; the project calls the Reader
// at-least-once). A first version of this scenario used it: messages were consumed
// twice across the member changes, once by the very member that had consumed them.
type kafkagoMember struct {
	cg     *kafka.ConsumerGroup
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	err    error
}

func (m *kafkagoMember) fail(err error) {
	m.mu.Lock()
	if m.err == nil {
		m.err = err
	}
	m.mu.Unlock()
}

func (m *kafkagoMember) stop() error {
	m.cancel()
	if err := m.cg.Close(); err != nil { // ends the generation, LeaveGroup
		m.fail(fmt.Errorf("close: %w", err))
	}
	<-m.done
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

func startKafkagoMember(t *testing.T, b *broker, group, topic string, l *groupLedger, name string) groupMember {
	dialer := &kafka.Dialer{ClientID: name, Timeout: 10 * time.Second}
	cg, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{ID: group, Brokers: []string{b.Addr}, Topics: []string{topic},
		Dialer: dialer, StartOffset: kafka.FirstOffset, SessionTimeout: 6 * time.Second,
		HeartbeatInterval: 500 * time.Millisecond, RebalanceTimeout: 10 * time.Second, JoinGroupBackoff: 500 * time.Millisecond})
	if err != nil {
		t.Fatalf("NewConsumerGroup: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &kafkagoMember{cg: cg, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(m.done)
		defer l.clear(name)
		for {
			gen, err := cg.Next(ctx)
			if err != nil {
				if ctx.Err() != nil || errors.Is(err, kafka.ErrGroupClosed) {
					return
				}
				l.note("%s: next generation: %v", name, err)
				time.Sleep(200 * time.Millisecond)
				continue
			}
			var parts []int32
			for _, pa := range gen.Assignments[topic] {
				parts = append(parts, int32(pa.ID))
			}
			l.clear(name)
			l.assign(name, parts, true)
			// The generation's commits share one coordinator connection; kafka-go's Conn
			// took 100-200 ms a commit when four goroutines committed at once (1-2 ms
			// one at a time; chronik answers an OffsetCommit in well under 1 ms).
			var commitMu sync.Mutex
			for _, pa := range gen.Assignments[topic] {
				gen.Start(func(gctx context.Context) {
					r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{b.Addr}, Topic: topic, Partition: pa.ID,
						Dialer: dialer, MaxWait: 200 * time.Millisecond})
					defer r.Close()
					if err := r.SetOffset(pa.Offset); err != nil {
						m.fail(fmt.Errorf("p%d: SetOffset(%d): %w", pa.ID, pa.Offset, err))
						<-gctx.Done()
						return
					}
					for {
						msg, err := r.ReadMessage(gctx) // a partition Reader: no group, no commit
						if err != nil {
							if gctx.Err() == nil {
								m.fail(fmt.Errorf("p%d: read: %w", pa.ID, err))
								<-gctx.Done() // one function returning would end the generation
							}
							return
						}
						l.record(name, string(msg.Key))
						commitMu.Lock()
						err = gen.CommitOffsets(map[string]map[int]int64{topic: {pa.ID: msg.Offset + 1}})
						commitMu.Unlock()
						if err != nil {
							m.fail(fmt.Errorf("p%d: commit %d: %w", pa.ID, msg.Offset+1, err))
						}
					}
				})
			}
			gen.Start(func(gctx context.Context) {
				<-gctx.Done()
				l.clear(name)
			})
		}
	}()
	return m
}

func TestGroupsKafkaGo(t *testing.T) {
	b := groupBroker(t)
	runRebalanceScenario(t, b, "kafkago", func(l *groupLedger, name string) groupMember {
		return startKafkagoMember(t, b, "groups-kafkago", "groups-kafkago", l, name)
	})
}
