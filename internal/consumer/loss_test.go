package consumer

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/profilestream/profilestream/internal/kafkatest"
	"github.com/profilestream/profilestream/internal/lag"
	"github.com/profilestream/profilestream/internal/metrics"
)

// TestLossIsNotSilent forces the log start of a partition past the group's committed offset
// (DeleteRecords, as retention does) and checks that `streamer lag`'s monitor says LOSS with
// the number of deleted offsets, and that the worker, resuming there, logs the skipped range
// at error and counts it in consumer_skipped_offsets_total. On the way it checks the two
// statuses a group without commits gets: UNKNOWN (the broker does not know the group, a
// mistyped --group) and NOCOMMIT (a member joined but nothing is committed yet), never OK
// while there is lag.
func TestLossIsNotSilent(t *testing.T) {
	kafkatest.ForEachMode(t, func(t *testing.T, mode kafkatest.Mode) { testLossIsNotSilent(t, mode) })
}

func testLossIsNotSilent(t *testing.T, mode kafkatest.Mode) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	kc := kafkatest.StartMode(ctx, t, mode, kafkatest.RealOptions{Partitions: 1, Topics: []string{"clicks", "reviews", "erasure", "profilestream.dlq"}})
	produce := func(from, n int) {
		var recs []*kgo.Record
		for i := from; i < from+n; i++ {
			recs = append(recs, &kgo.Record{Topic: "clicks", Partition: 0,
				Value: []byte(fmt.Sprintf(`{"user_id":"u%d","item_id":"i%d","action":"pv","ts":%d}`, i%7, i, 1511544070+i))})
		}
		if err := kc.Produce(ctx, recs...); err != nil {
			t.Fatal(err)
		}
	}
	produce(0, 100)
	const group = "loss-test"
	mon, err := lag.New(kc.Brokers(), group, []string{"clicks", "reviews"}, lag.Options{TimeLag: lag.TimeLagOff})
	if err != nil {
		t.Fatal(err)
	}
	defer mon.Close()
	poll := func() lag.Snapshot {
		t.Helper()
		pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		s, err := mon.Poll(pctx)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := poll(); s.Status != lag.UNKNOWN || !s.GroupUnknown || s.TotalLag != 100 {
		t.Fatalf("group nobody joined: status %s, unknown %v, lag %d; want UNKNOWN, true, 100", s.Status, s.GroupUnknown, s.TotalLag)
	}

	logs := &logBuf{}
	log := zerolog.New(logs)
	run := func(m *metrics.Metrics, paused bool) (*Consumer, *recorder, func()) {
		rec := &recorder{events: map[string]int{}}
		c, err := New(Config{Brokers: kc.Brokers(), Group: group, BatchSize: 20, BatchTimeout: 20 * time.Millisecond}, rec, m, log)
		if err != nil {
			t.Fatal(err)
		}
		if paused {
			c.Pause()
		}
		rctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- c.Run(rctx) }()
		return c, rec, func() {
			stop()
			if err := <-done; err != nil {
				t.Errorf("consumer: %v", err)
			}
		}
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second)
		for !cond() {
			if time.Now().After(deadline) || ctx.Err() != nil {
				t.Fatalf("waiting for %s: gave up after 90 s\n%s", what, logs.tail(30))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	// A member joins but commits nothing (paused): NOCOMMIT, not OK.
	a, recA, stopA := run(nil, true)
	waitFor("the first member to own the partition", func() bool { return a.AssignedPartitions() > 0 })
	if s := poll(); s.Status != lag.NOCOMMIT || s.GroupUnknown {
		t.Fatalf("group joined, nothing committed, lag %d: status %s (unknown %v), want NOCOMMIT", s.TotalLag, s.Status, s.GroupUnknown)
	}
	a.Resume()
	waitFor("the first 100 events to be committed", func() bool { s := poll(); return recA.count() == 100 && s.TotalLag == 0 })
	stopA()
	if s := poll(); s.Status != lag.OK {
		t.Fatalf("caught up: status %s", s.Status)
	}

	// While no worker runs, 100 more events arrive and the log start jumps past 50 of them.
	produce(100, 100)
	cl, err := kgo.NewClient(kgo.SeedBrokers(kc.Brokers()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var del kadm.Offsets
	del.AddOffset("clicks", 0, 150, -1)
	resp, err := kadm.NewClient(cl).DeleteRecords(ctx, del)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatalf("DeleteRecords: %v", err)
	}
	s := poll()
	if s.Status != lag.LOSS || s.SkippedOffsets != 50 || s.TotalLag != 50 {
		t.Fatalf("committed 100, log start 150: status %s, skipped %d, lag %d; want LOSS, 50, 50", s.Status, s.SkippedOffsets, s.TotalLag)
	}

	// A worker resumes at the committed offset: it says what it skipped.
	m := metrics.New(nil)
	m.Init(metrics.Labels{Topics: []string{"clicks", "reviews"}})
	if v := testutil.ToFloat64(m.SkippedOffsets.WithLabelValues("clicks")); v != 0 {
		t.Fatalf("skipped offsets at start = %v, want 0", v)
	}
	_, recB, stopB := run(m, false)
	waitFor("the 50 remaining events", func() bool { return recB.count() == 50 })
	waitFor("the skipped offsets to be counted", func() bool { return testutil.ToFloat64(m.SkippedOffsets.WithLabelValues("clicks")) == 50 })
	stopB()
	if !logs.has(`"level":"error","topic":"clicks","partition":0,"skipped_from":100,"skipped_to":149,"skipped":50`) {
		t.Fatalf("no error line naming clicks/0 and the skipped range 100..149:\n%s", logs.tail(30))
	}
	for k := range recB.events {
		var off int
		fmt.Sscanf(k, "clicks/0/%d", &off)
		if off < 150 {
			t.Fatalf("event %s folded after its deletion", k)
		}
	}
	// The loss stays visible in the lag status for the window, though the group caught up.
	if s := poll(); s.Status != lag.LOSS || s.TotalLag != 0 {
		t.Fatalf("after the worker skipped ahead: status %s, lag %d; want LOSS (still in the window), 0", s.Status, s.TotalLag)
	}
}
