package consumer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/profilestream/profilestream/internal/kafkatest"
	"github.com/profilestream/profilestream/internal/lag"
)

type recorder struct {
	mu     sync.Mutex
	events map[string]int // origin -> times applied
	erase  int
}

func (r *recorder) Prepare(context.Context, *Batch) error { return nil }
func (r *recorder) Apply(_ context.Context, b *Batch) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range b.Events {
		r.events[fmt.Sprintf("%s/%d/%d", e.Topic, e.Partition, e.Offset)]++
	}
	r.erase += len(b.Erasures)
	return nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

func TestConsumerBatchesDeadLettersAndCommits(t *testing.T) {
	c := kafkatest.StartT(t, 2, "clicks", "reviews", "erasure", "profilestream.dlq")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var recs []*kgo.Record
	good := 0
	for i := 0; i < 200; i++ {
		recs = append(recs, &kgo.Record{Topic: "clicks", Partition: int32(i % 2),
			Value: []byte(fmt.Sprintf(`{"user_id":"u%d","item_id":"i%d","action":"pv","ts":%d}`, i%7, i, 1511544070+i))})
		good++
		if i%20 == 0 {
			recs = append(recs, &kgo.Record{Topic: "reviews", Partition: int32(i % 2), Value: []byte(`{"user_id":"u1","text":`)})
		}
	}
	recs = append(recs, &kgo.Record{Topic: "erasure", Value: []byte(`{"user_id":"u3"}`)})
	if err := c.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{events: map[string]int{}}
	cons, err := New(Config{Brokers: c.Brokers(), BatchSize: 32, BatchTimeout: 50 * time.Millisecond}, rec, nil, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- cons.Run(runCtx) }()
	for rec.count() < good || cons.Stats().DeadLettered < 10 || cons.Stats().Erasures < 1 {
		select {
		case <-ctx.Done():
			t.Fatalf("timeout: %d events, stats %+v", rec.count(), cons.Stats())
		case <-time.After(20 * time.Millisecond):
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	for k, n := range rec.events {
		if n != 1 {
			t.Fatalf("%s applied %d times in a clean run", k, n)
		}
	}
	// The dead letters are in the DLQ with reason and origin.
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: c.Brokers(), Topic: "profilestream.dlq", Partition: 0, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	r2 := kafka.NewReader(kafka.ReaderConfig{Brokers: c.Brokers(), Topic: "profilestream.dlq", Partition: 1, MaxWait: 100 * time.Millisecond})
	defer r2.Close()
	seen := map[string]bool{}
	for _, rd := range []*kafka.Reader{r, r2} {
		for {
			fctx, fc := context.WithTimeout(ctx, 500*time.Millisecond)
			m, err := rd.ReadMessage(fctx)
			fc()
			if err != nil {
				break
			}
			h := map[string]string{}
			for _, x := range m.Headers {
				h[x.Key] = string(x.Value)
			}
			if h[HeaderReason] != string(ReasonBadJSON) || h[HeaderTopic] != "reviews" || string(m.Value) != `{"user_id":"u1","text":` {
				t.Fatalf("dlq message %q headers %v", m.Value, h)
			}
			seen[h[HeaderPartition]+"/"+h[HeaderOffset]] = true
		}
	}
	if len(seen) != 10 {
		t.Fatalf("dlq holds %d distinct origins, want 10", len(seen))
	}
	// A restarted worker starts after the committed offsets: nothing is redelivered.
	rec2 := &recorder{events: map[string]int{}}
	cons2, _ := New(Config{Brokers: c.Brokers(), BatchSize: 32, BatchTimeout: 50 * time.Millisecond}, rec2, nil, zerolog.Nop())
	if err := c.Produce(ctx, &kgo.Record{Topic: "clicks", Partition: 0, Value: []byte(`{"user_id":"late","action":"buy"}`)}); err != nil {
		t.Fatal(err)
	}
	runCtx2, stop2 := context.WithCancel(ctx)
	go func() { done <- cons2.Run(runCtx2) }()
	for rec2.count() < 1 {
		select {
		case <-ctx.Done():
			t.Fatal("timeout waiting for the late event")
		case <-time.After(20 * time.Millisecond):
		}
	}
	// Committed up to the end of every partition: whatever the restarted consumer would
	// redeliver has been applied by now (commits follow applies).
	mon, err := lag.New(c.Brokers(), cons2.Group(), Config{}.Topics(), lag.Options{TimeLag: lag.TimeLagOff})
	if err != nil {
		t.Fatal(err)
	}
	defer mon.Close()
	for {
		snap, err := mon.Poll(ctx)
		if err == nil && snap.TotalLag == 0 && len(snap.Partitions) > 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("restarted consumer never committed to the end: %+v (poll error %v)", snap, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	stop2()
	<-done
	if rec2.count() != 1 {
		t.Fatalf("restart re-read %d events; want only the new one", rec2.count())
	}
}

// failingApply fails Apply permanently on its first batch and counts Prepare calls.
type failingApply struct {
	prepared atomic.Int64
}

var errPermanent = errors.New("permanent apply failure")

func (f *failingApply) Prepare(context.Context, *Batch) error { f.prepared.Add(1); return nil }
func (f *failingApply) Apply(context.Context, *Batch) error   { return errPermanent }

// TestRunStopsAndReturnsStageError: after a stage fails, Run used to keep fetching (and
// dropping) messages until SIGTERM. It must stop fetching, leave the group and return the error.
func TestRunStopsAndReturnsStageError(t *testing.T) {
	c := kafkatest.StartT(t, 2, "clicks", "reviews", "erasure", "profilestream.dlq")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for i := 0; i < 2000; i++ {
		recs = append(recs, &kgo.Record{Topic: "clicks", Partition: int32(i % 2),
			Value: []byte(fmt.Sprintf(`{"user_id":"u%d","item_id":"i%d","action":"pv","ts":%d}`, i%7, i, 1511544070+i))})
	}
	if err := c.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	h := &failingApply{}
	cons, err := New(Config{Brokers: c.Brokers(), Group: "fails", BatchSize: 4, BatchTimeout: 10 * time.Millisecond}, h, nil, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cons.Run(ctx) }() // ctx stays live: only the stage error may end Run
	select {
	case err := <-done:
		if !errors.Is(err, errPermanent) {
			t.Fatalf("Run returned %v, want the apply error", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("Run still running 30 s after the apply stage failed: stats %+v, %d batches prepared, %s",
			cons.Stats(), h.prepared.Load(), describeGroup(c.Brokers(), "fails"))
	}
	if cons.AssignedPartitions() != 0 || cons.MemberID() != "" {
		t.Errorf("after Run returned: %d partitions, member %q", cons.AssignedPartitions(), cons.MemberID())
	}
	if p := h.prepared.Load(); p > 50 {
		t.Errorf("%d batches of 4 prepared after the first apply failed: fetching went on", p)
	}
}

// TestShutdownLeavesGroup: a worker stopped by its context (SIGTERM in cmd/streamer) sends
// LeaveGroup, so the other worker gets its partitions without waiting for the session timeout.
// The session timeout is 60 s and the deadline 30 s: only a LeaveGroup can pass.
func TestShutdownLeavesGroup(t *testing.T) {
	const parts = 2
	c := kafkatest.StartT(t, parts, "clicks", "reviews", "erasure", "profilestream.dlq")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	mk := func() (*Consumer, context.CancelFunc, chan error) {
		cons, err := New(Config{Brokers: c.Brokers(), Group: "leave", SessionTimeout: 60 * time.Second,
			RebalanceTimeout: 60 * time.Second, HeartbeatInterval: 300 * time.Millisecond}, &recorder{events: map[string]int{}}, nil, zerolog.Nop())
		if err != nil {
			t.Fatal(err)
		}
		rctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- cons.Run(rctx) }()
		return cons, stop, done
	}
	a, stopA, doneA := mk()
	defer func() { stopA(); <-doneA }()
	b, stopB, doneB := mk()
	waitFor(ctx, t, "both own half", func() bool { return a.AssignedPartitions() == 3 && b.AssignedPartitions() == 3 },
		func() string { return describeGroup(c.Brokers(), "leave") })
	stopB()
	if err := <-doneB; err != nil {
		t.Fatalf("b: %v", err)
	}
	deadline, stop := context.WithTimeout(ctx, 30*time.Second)
	defer stop()
	waitFor(deadline, t, "A owns every partition after B's shutdown", func() bool { return a.AssignedPartitions() == 3*parts },
		func() string { return describeGroup(c.Brokers(), "leave") })
}
