package kafkatest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestKafkaGoGroupAgainstKfake checks that a kafka-go consumer group reads, commits and
// resumes against the embedded cluster, the combination the demo and tests rely on.
func TestKafkaGoGroupAgainstKfake(t *testing.T) {
	c := StartT(t, 3, "t1", "t2")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
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
