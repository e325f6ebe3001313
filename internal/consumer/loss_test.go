package consumer

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

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
	await := func(what string, cond func() bool) {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
		defer cancel()
		waitFor(wctx, t, what+" (90 s)", cond, func() string { return "\n" + logs.tail(30) })
	}

	// A member joins but commits nothing (paused): NOCOMMIT, not OK.
	a, recA, stopA := run(nil, true)
	await("the first member to own the partition", func() bool { return a.AssignedPartitions() > 0 })
	if s := poll(); s.Status != lag.NOCOMMIT || s.GroupUnknown {
		t.Fatalf("group joined, nothing committed, lag %d: status %s (unknown %v), want NOCOMMIT", s.TotalLag, s.Status, s.GroupUnknown)
	}
	a.Resume()
	await("the first 100 events to be committed", func() bool { s := poll(); return recA.count() == 100 && s.TotalLag == 0 })
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
	await("the 50 remaining events", func() bool { return recB.count() == 50 })
	await("the skipped offsets to be counted", func() bool { return testutil.ToFloat64(m.SkippedOffsets.WithLabelValues("clicks")) == 50 })
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

func TestCommitHealth(t *testing.T) {
	var h commitHealth
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	steps := []struct {
		name string
		do   func()
		at   time.Duration
		want time.Duration
	}{
		{"nothing failed", func() {}, 0, 0},
		{"first failure starts the run", func() { h.failed(t0) }, 3 * time.Second, 3 * time.Second},
		{"later failures do not restart it", func() { h.failed(t0.Add(5 * time.Second)) }, 12 * time.Second, 12 * time.Second},
		{"a successful commit ends it", func() { h.reset() }, 13 * time.Second, 0},
		{"a new run", func() { h.failed(t0.Add(20 * time.Second)) }, 21 * time.Second, time.Second},
	}
	for _, s := range steps {
		s.do()
		if got := h.failingFor(t0.Add(s.at)); got != s.want {
			t.Fatalf("%s: failing for %s, want %s", s.name, got, s.want)
		}
	}
}

// TestCommitsFailingReported: while the coordinator refuses every offset commit (as when it
// died and the group has not found the next one), CommitsFailing turns true once the failures
// have lasted longer than the rebalance timeout (the worker's /readyz then fails), and false
// again at the first successful commit.
func TestCommitsFailingReported(t *testing.T) {
	kc := kafkatest.StartT(t, 1, "clicks", "reviews", "erasure", "profilestream.dlq")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var refuse atomic.Bool
	kc.ControlKey(int16(kmsg.OffsetCommit), func(req kmsg.Request) (kmsg.Response, error, bool) {
		kc.KeepControl()
		if !refuse.Load() {
			return nil, nil, false
		}
		r := req.(*kmsg.OffsetCommitRequest)
		resp := r.ResponseKind().(*kmsg.OffsetCommitResponse)
		for _, rt := range r.Topics {
			st := kmsg.NewOffsetCommitResponseTopic()
			st.Topic = rt.Topic
			for _, rp := range rt.Partitions {
				sp := kmsg.NewOffsetCommitResponseTopicPartition()
				sp.Partition, sp.ErrorCode = rp.Partition, kerr.CoordinatorNotAvailable.Code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	rec := &recorder{events: map[string]int{}}
	logs := &logBuf{}
	c, err := New(Config{Brokers: kc.Brokers(), BatchSize: 10, BatchTimeout: 10 * time.Millisecond, RebalanceTimeout: 2 * time.Second}, rec, nil, zerolog.New(logs))
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(rctx) }()
	defer func() { stop(); <-done }()
	n := 0
	feed := func() {
		produceClicks(ctx, t, kc, 10, 1)
		n += 10
	}
	await := func(what string, cond func() bool) {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		waitFor(wctx, t, what+" (60 s)", cond, func() string { return "\n" + logs.tail(20) })
	}
	feed()
	await("the first events", func() bool { return rec.count() == n })
	refuse.Store(true)
	start := time.Now()
	for time.Since(start) < 3*time.Second {
		feed()
		await("events while commits are refused", func() bool { return rec.count() == n })
		if failing, d := c.CommitsFailing(); failing && time.Since(start) < 2*time.Second {
			t.Fatalf("failing after %s (%s), before the rebalance timeout", time.Since(start), d)
		}
	}
	if failing, d := c.CommitsFailing(); !failing || d < 2*time.Second {
		t.Fatalf("commits refused for %s: CommitsFailing = %v, %s; want true", time.Since(start), failing, d)
	}
	refuse.Store(false)
	feed()
	await("a successful commit to clear it", func() bool { f, _ := c.CommitsFailing(); return !f })
}
