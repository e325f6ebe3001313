package consumer

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/profilestream/profilestream/internal/kafkatest"
	"github.com/profilestream/profilestream/internal/lag"
	"github.com/profilestream/profilestream/internal/metrics"
)

func produceClicks(ctx context.Context, t *testing.T, c *kafkatest.Cluster, n, parts int) {
	t.Helper()
	var recs []*kgo.Record
	for i := 0; i < n; i++ {
		recs = append(recs, &kgo.Record{Topic: "clicks", Partition: int32(i % parts),
			Value: []byte(fmt.Sprintf(`{"user_id":"u%d","item_id":"i%d","action":"pv","ts":%d}`, i%7, i, 1511544070+i))})
	}
	if err := c.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
}

// logBuf collects log lines for diagnostics and assertions.
type logBuf struct{ lines atomic.Pointer[[]string] }

func (l *logBuf) Write(p []byte) (int, error) {
	for {
		old := l.lines.Load()
		var next []string
		if old != nil {
			next = append(next, *old...)
		}
		next = append(next, strings.TrimSpace(string(p)))
		if l.lines.CompareAndSwap(old, &next) {
			return len(p), nil
		}
	}
}

func (l *logBuf) tail(n int) string {
	p := l.lines.Load()
	if p == nil {
		return ""
	}
	s := *p
	if len(s) > n {
		s = s[len(s)-n:]
	}
	return strings.Join(s, "\n")
}

func (l *logBuf) has(sub string) bool {
	p := l.lines.Load()
	if p == nil {
		return false
	}
	for _, s := range *p {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// TestWatchdogRecoversPartitionsOfWedgedMember: member B owns half the partitions, heartbeats
// (kafka-go's own goroutine) but never commits and, once the next rebalance starts, cannot
// finish its generation: a wedged process, or, for the coordinator, the same as the kfake
// ghost (a member that never rejoins). Without the watchdog the group stays Stable and B's
// partitions lag forever. With it, our consumer sees B's partitions stalled, rejoins, B fails
// to rejoin within the rebalance timeout, and our consumer ends up with every partition and
// every message.
func TestWatchdogRecoversPartitionsOfWedgedMember(t *testing.T) {
	const parts, n, group = 2, 60, "wedged"
	c := kafkatest.StartT(t, parts, "clicks", "reviews", "erasure", "profilestream.dlq")
	brokers := c.Brokers()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	produceClicks(ctx, t, c, n, parts)

	// B: a raw kafka-go member that never commits.
	var bParts atomic.Int64
	var wedged atomic.Bool
	release := make(chan struct{})
	defer close(release)
	cgB, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{ID: group, Brokers: brokers,
		Topics: []string{"clicks", "reviews", "erasure"}, SessionTimeout: 6 * time.Second,
		RebalanceTimeout: 3 * time.Second, HeartbeatInterval: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			gen, err := cgB.Next(ctx)
			if err != nil {
				if ctx.Err() != nil || err == kafka.ErrGroupClosed {
					return
				}
				continue
			}
			k := 0
			for _, ps := range gen.Assignments {
				k += len(ps)
			}
			bParts.Store(int64(k))
			gen.Start(func(gctx context.Context) {
				<-gctx.Done()
				bParts.Store(-1)
				if wedged.Load() {
					<-release // wedged: the generation never ends, B never rejoins
				}
			})
		}
	}()
	defer func() { go cgB.Close() }()
	waitFor(ctx, t, "B owns every partition", func() bool { return bParts.Load() == 3*parts }, func() string { return describeGroup(brokers, group) })

	logs := &logBuf{}
	log := zerolog.New(logs)
	rec := &recorder{events: map[string]int{}}
	cons, err := New(Config{Brokers: brokers, Group: group, BatchSize: 16, BatchTimeout: 20 * time.Millisecond,
		SessionTimeout: 6 * time.Second, RebalanceTimeout: 3 * time.Second, HeartbeatInterval: 300 * time.Millisecond}, rec, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	sm := metrics.NewStall(reg)
	wd := NewWatchdog(cons, WatchdogConfig{StallAfter: 3 * time.Second, Interval: 200 * time.Millisecond}, sm, log)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- cons.Run(runCtx) }()
	go func() { _ = wd.Run(runCtx) }()
	diag := func() string {
		return fmt.Sprintf("A owns %d, B owns %d, %d of %d events, stats %+v, stalled %+v\n%s\nlast log lines:\n%s",
			cons.AssignedPartitions(), bParts.Load(), rec.count(), n, cons.Stats(), wd.Stalled(), describeGroup(brokers, group), logs.tail(15))
	}
	waitFor(ctx, t, "A and B share the partitions", func() bool {
		return cons.AssignedPartitions() == 3*parts/2 && bParts.Load() == 3*parts/2
	}, diag)
	wedged.Store(true)

	waitFor(ctx, t, "A owns every partition and consumed every event", func() bool {
		return cons.AssignedPartitions() == 3*parts && rec.count() == n
	}, diag)
	if got := testutil.ToFloat64(sm.Stalls); got < 1 {
		t.Errorf("stalls_total = %v, want >= 1", got)
	}
	if got := testutil.ToFloat64(sm.Rejoins); got < 1 {
		t.Errorf("stall_rejoins_total = %v, want >= 1", got)
	}
	if !logs.has("partition stalled") || !logs.has(`"owner_member"`) {
		t.Errorf("no error line naming the stalled partition and its owner:\n%s", logs.tail(30))
	}
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("Run did not return after shutdown: %s", diag())
	}
}

// blockingApply blocks Apply until released: a pipeline stuck downstream (Redis down).
type blockingApply struct {
	recorder
	blocked atomic.Bool
	release chan struct{}
}

func (b *blockingApply) Apply(ctx context.Context, batch *Batch) error {
	if b.blocked.Load() {
		select {
		case <-b.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return b.recorder.Apply(ctx, batch)
}

// TestWatchdogOwnStallBlocksReadiness: the worker's own partitions stall because its apply
// stage is blocked. The watchdog reports them (OwnStalled, metrics, an error line), does not
// rejoin (it would not help), and clears once the pipeline moves again.
func TestWatchdogOwnStallBlocksReadiness(t *testing.T) {
	const parts, n = 2, 40
	c := kafkatest.StartT(t, parts, "clicks", "reviews", "erasure", "profilestream.dlq")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	produceClicks(ctx, t, c, n, parts)
	h := &blockingApply{recorder: recorder{events: map[string]int{}}, release: make(chan struct{})}
	h.blocked.Store(true)
	logs := &logBuf{}
	cons, err := New(Config{Brokers: c.Brokers(), Group: "own", BatchSize: 8, BatchTimeout: 20 * time.Millisecond}, h, nil, zerolog.New(logs))
	if err != nil {
		t.Fatal(err)
	}
	sm := metrics.NewStall(nil)
	wd := NewWatchdog(cons, WatchdogConfig{StallAfter: 2 * time.Second, Interval: 200 * time.Millisecond}, sm, zerolog.New(logs))
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- cons.Run(runCtx) }()
	go func() { _ = wd.Run(runCtx) }()
	diag := func() string {
		own, why := wd.OwnStalled()
		return fmt.Sprintf("own stalled %v (%s), %d events, stats %+v\n%s\nlast log lines:\n%s",
			own, why, h.count(), cons.Stats(), describeGroup(c.Brokers(), "own"), logs.tail(15))
	}
	waitFor(ctx, t, "own partitions stalled", func() bool { own, _ := wd.OwnStalled(); return own }, diag)
	if _, why := wd.OwnStalled(); !strings.Contains(why, "clicks/") {
		t.Errorf("OwnStalled reason %q does not name the partition", why)
	}
	if got := testutil.ToFloat64(sm.OwnPartitionsStalled); got < 1 {
		t.Errorf("own_partitions_stalled = %v, want >= 1", got)
	}
	if got := testutil.ToFloat64(sm.Rejoins); got != 0 {
		t.Errorf("rejoined %v times although the apply stage is blocked", got)
	}
	h.blocked.Store(false)
	close(h.release)
	waitFor(ctx, t, "stall cleared and every event consumed", func() bool {
		own, _ := wd.OwnStalled()
		return !own && h.count() == n && testutil.ToFloat64(sm.PartitionsStalled) == 0
	}, diag)
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestWatchdogRejoinBackoff: a stall that rejoining does not cure triggers rejoins at growing
// intervals (StallAfter, 2x, 4x, ... up to 16x), not a rebalance every StallAfter forever; once
// no partition has been stalled for StallAfter, the next stall is acted on at once.
func TestWatchdogRejoinBackoff(t *testing.T) {
	cons, err := New(Config{Brokers: []string{"127.0.0.1:1"}}, &recorder{}, nil, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	cons.setMember("me")
	sm := metrics.NewStall(nil)
	const after = 30 * time.Second
	wd := NewWatchdog(cons, WatchdogConfig{StallAfter: after}, sm, zerolog.Nop())
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	other := map[lag.TopicPartition]lag.Member{{Topic: "clicks", Partition: 1}: {MemberID: "other", ClientID: "w2"}}
	var rejoinedAt []time.Duration
	poll := func(at time.Duration, committed int64) {
		wd.observe(lag.Snapshot{At: t0.Add(at), Partitions: []lag.PartitionLag{
			{Topic: "clicks", Partition: 1, Committed: committed, End: 100, Lag: 100 - committed}}}, other)
		select {
		case <-cons.rejoin:
			rejoinedAt = append(rejoinedAt, at)
		default:
		}
	}
	for at := time.Duration(0); at <= 10*time.Minute; at += 5 * time.Second {
		poll(at, 10) // frozen for ten minutes
	}
	want := []time.Duration{30 * time.Second, 60 * time.Second, 120 * time.Second, 240 * time.Second, 480 * time.Second}
	if !slices.Equal(rejoinedAt, want) {
		t.Fatalf("rejoins at %v, want %v", rejoinedAt, want)
	}
	if got := testutil.ToFloat64(sm.Rejoins); got != float64(len(want)) {
		t.Fatalf("stall_rejoins_total %v, want %d", got, len(want))
	}
	if got := testutil.ToFloat64(sm.Stalls); got != 1 {
		t.Fatalf("stalls_total %v for one stall episode, want 1", got)
	}
	// It makes progress for a minute (episode over), then freezes again: the new stall is
	// acted on as soon as it is detected.
	rejoinedAt = nil
	base := 10*time.Minute + 5*time.Second
	committed := int64(10)
	for at := base; at <= base+time.Minute; at += 5 * time.Second {
		committed++
		poll(at, committed)
	}
	base += time.Minute
	for at := base + 5*time.Second; at <= base+40*time.Second; at += 5 * time.Second {
		poll(at, committed)
	}
	if !slices.Equal(rejoinedAt, []time.Duration{base + 30*time.Second}) {
		t.Fatalf("after a new stall: rejoins at %v, want [%v]", rejoinedAt, base+30*time.Second)
	}
}

// TestWatchdogOwnStallRejoins: the worker's own partitions stall while its pipeline is idle
// (here: fetching paused, as a wedged reader would be). The watchdog reports them, makes the
// consumer leave and rejoin (new member, new readers), and the consumer works on afterwards.
func TestWatchdogOwnStallRejoins(t *testing.T) {
	const parts, n = 2, 40
	c := kafkatest.StartT(t, parts, "clicks", "reviews", "erasure", "profilestream.dlq")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	rec := &recorder{events: map[string]int{}}
	logs := &logBuf{}
	cons, err := New(Config{Brokers: c.Brokers(), Group: "own-rejoin", BatchSize: 8, BatchTimeout: 20 * time.Millisecond}, rec, nil, zerolog.New(logs))
	if err != nil {
		t.Fatal(err)
	}
	cons.Pause()
	sm := metrics.NewStall(nil)
	wd := NewWatchdog(cons, WatchdogConfig{StallAfter: 2 * time.Second, Interval: 200 * time.Millisecond}, sm, zerolog.New(logs))
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- cons.Run(runCtx) }()
	go func() { _ = wd.Run(runCtx) }()
	diag := func() string {
		own, why := wd.OwnStalled()
		return fmt.Sprintf("own stalled %v (%s), rejoins %v, %d events, stats %+v\n%s\nlast log lines:\n%s",
			own, why, testutil.ToFloat64(sm.Rejoins), rec.count(), cons.Stats(), describeGroup(c.Brokers(), "own-rejoin"), logs.tail(15))
	}
	waitFor(ctx, t, "a member", func() bool { return cons.MemberID() != "" }, diag)
	first := cons.MemberID()
	produceClicks(ctx, t, c, n, parts)
	waitFor(ctx, t, "a rejoin for own stalled partitions, as a new member", func() bool {
		return testutil.ToFloat64(sm.Rejoins) >= 1 && cons.MemberID() != "" && cons.MemberID() != first && cons.AssignedPartitions() == 3*parts
	}, diag)
	if !logs.has("own partitions stalled") {
		t.Errorf("no log line gives the rejoin's reason:\n%s", logs.tail(20))
	}
	cons.Resume()
	waitFor(ctx, t, "every event consumed after the rejoin and no stall left", func() bool {
		own, _ := wd.OwnStalled()
		return rec.count() == n && !own
	}, diag)
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
