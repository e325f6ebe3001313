package kafkatest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestKafkaGoGroup checks that a kafka-go consumer group reads, commits and resumes against
// the embedded cluster (the combination the demo and tests rely on) and, when selected with
// PROFILESTREAM_KAFKA, against Apache Kafka.
func TestKafkaGoGroup(t *testing.T) {
	ForEachMode(t, func(t *testing.T, mode Mode) { testKafkaGoGroup(t, mode) })
}

func testKafkaGoGroup(t *testing.T, mode Mode) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c := StartMode(ctx, t, mode, RealOptions{Partitions: 3, Topics: []string{"t1", "t2"}})
	var recs []*kgo.Record
	for i := 0; i < 30; i++ {
		recs = append(recs, &kgo.Record{Topic: []string{"t1", "t2"}[i%2], Partition: int32(i % 3), Value: []byte(fmt.Sprint(i))})
	}
	if err := c.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	read := func(n int) map[string]bool {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: c.Brokers(), GroupID: "g", GroupTopics: []string{"t1", "t2"},
			StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond})
		defer r.Close()
		seen := map[string]bool{}
		for len(seen) < n {
			m, err := r.FetchMessage(ctx)
			if err != nil {
				t.Fatalf("fetch after %d: %v", len(seen), err)
			}
			seen[string(m.Value)] = true
			if err := r.CommitMessages(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		return seen
	}
	if got := read(30); len(got) != 30 {
		t.Fatalf("read %d", len(got))
	}
	more := []*kgo.Record{{Topic: "t1", Partition: 0, Value: []byte("x")}}
	if err := c.Produce(ctx, more...); err != nil {
		t.Fatal(err)
	}
	if got := read(1); !got["x"] {
		t.Fatalf("resume read %v", got)
	}
}

// TestRealClusterKillRestart kills one node of a 3-node Apache Kafka cluster with SIGKILL: the
// partitions it led get other leaders, producing keeps working, and the node comes back.
// Runs only when PROFILESTREAM_KAFKA selects real Kafka.
func TestRealClusterKillRestart(t *testing.T) {
	modes, err := Modes()
	if err != nil {
		t.Fatal(err)
	}
	if modes[len(modes)-1] != ModeReal {
		t.Skip("real Kafka not selected (" + EnvMode + ")")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c := StartMode(ctx, t, ModeReal, RealOptions{Nodes: 3, Partitions: 6, Topics: []string{"t"}}).(*Real)
	before, err := c.Leaders(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	victim := int(before[0])
	if err := c.KillNode(victim); err != nil {
		t.Fatal(err)
	}
	for {
		after, err := c.Leaders(ctx, "t")
		if err == nil && after[0] >= 0 && int(after[0]) != victim {
			t.Logf("partition 0: leader %d -> %d after SIGKILL of node %d", before[0], after[0], victim)
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("leadership of t/0 did not move off killed node %d: %v %v\n%s", victim, after, err, c.LogTails(30))
		case <-time.After(200 * time.Millisecond):
		}
	}
	pctx, pcancel := context.WithTimeout(ctx, time.Minute)
	defer pcancel()
	if err := c.Produce(pctx, &kgo.Record{Topic: "t", Partition: 0, Value: []byte("while down")}); err != nil {
		t.Fatalf("produce with node %d down: %v\n%s", victim, err, c.LogTails(30))
	}
	if err := c.RestartNode(ctx, victim); err != nil {
		t.Fatal(err)
	}
}
