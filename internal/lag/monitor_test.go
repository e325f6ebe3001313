package lag

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/profilestream/profilestream/internal/kafkatest"
	"github.com/profilestream/profilestream/internal/metrics"
)

// clock is an injected, manually advanced clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// rig is a kfake cluster with two topics of 3 partitions, an admin client and a monitor.
type rig struct {
	t     *testing.T
	ctx   context.Context
	kafka *kafkatest.Cluster
	adm   *kadm.Client
	clk   *clock
	// produced[topic][partition] counts the records written.
	produced map[string]map[int32]int64
}

const group = "profilestream-test"

var topics = []string{"clicks", "reviews"}

func newRig(t *testing.T) *rig {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	k := kafkatest.StartT(t, 3, topics...)
	cl, err := kgo.NewClient(kgo.SeedBrokers(k.Brokers()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return &rig{t: t, ctx: ctx, kafka: k, adm: kadm.NewClient(cl),
		clk:      &clock{t: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)},
		produced: map[string]map[int32]int64{"clicks": {}, "reviews": {}}}
}

func (r *rig) monitor(o Options) *Monitor {
	r.t.Helper()
	o.Now = r.clk.Now
	m, err := New(r.kafka.Brokers(), group, topics, o)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(m.Close)
	return m
}

// produce writes n records to topic/partition with the given timestamp (zero: now).
func (r *rig) produce(topic string, part int32, n int, ts time.Time) {
	r.t.Helper()
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Topic: topic, Partition: part, Value: []byte(fmt.Sprintf("%s-%d-%d", topic, part, i)), Timestamp: ts}
	}
	if err := r.kafka.Produce(r.ctx, recs...); err != nil {
		r.t.Fatal(err)
	}
	r.produced[topic][part] += int64(n)
}

func (r *rig) commit(topic string, part int32, off int64) {
	r.t.Helper()
	var os kadm.Offsets
	os.AddOffset(topic, part, off, -1)
	resp, err := r.adm.CommitOffsets(r.ctx, group, os)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		r.t.Fatalf("commit %s/%d@%d: %v", topic, part, off, err)
	}
}

func (r *rig) poll(m *Monitor) Snapshot {
	r.t.Helper()
	s, err := m.Poll(r.ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	return s
}

func find(t *testing.T, s Snapshot, topic string, part int32) PartitionLag {
	t.Helper()
	for _, p := range s.Partitions {
		if p.Topic == topic && p.Partition == part {
			return p
		}
	}
	t.Fatalf("%s/%d not in snapshot", topic, part)
	return PartitionLag{}
}

func TestLagAgainstKnownOffsets(t *testing.T) {
	r := newRig(t)
	m := r.monitor(Options{})
	counts := map[string][]int{"clicks": {40, 25, 0}, "reviews": {7, 0, 13}}
	for topic, cs := range counts {
		for p, n := range cs {
			if n > 0 {
				r.produce(topic, int32(p), n, time.Time{})
			}
		}
	}

	// Nothing committed (the group does not exist yet): lag is everything in the log.
	s := r.poll(m)
	if len(s.Partitions) != 6 {
		t.Fatalf("partitions = %d, want 6", len(s.Partitions))
	}
	var want int64 = 40 + 25 + 7 + 13
	if s.TotalLag != want {
		t.Fatalf("total lag before any commit = %d, want %d", s.TotalLag, want)
	}
	for _, p := range s.Partitions {
		if p.Committed != -1 || p.Lag != p.End {
			t.Fatalf("%s/%d before commit: committed %d lag %d end %d", p.Topic, p.Partition, p.Committed, p.Lag, p.End)
		}
	}

	// Known commits; the true lag is produced - committed.
	commits := map[string][]int64{"clicks": {30, 25, -1}, "reviews": {0, -1, 4}}
	for topic, cs := range commits {
		for p, c := range cs {
			if c >= 0 {
				r.commit(topic, int32(p), c)
			}
		}
	}
	r.clk.Add(time.Second)
	s = r.poll(m)
	var errSum int64
	for topic, cs := range commits {
		for p, c := range cs {
			truth := r.produced[topic][int32(p)] - max(c, 0)
			got := find(t, s, topic, int32(p))
			d := got.Lag - truth
			if d < 0 {
				d = -d
			}
			errSum += d
			if got.End != r.produced[topic][int32(p)] || got.Committed != c {
				t.Errorf("%s/%d: end %d committed %d, want %d %d", topic, p, got.End, got.Committed, r.produced[topic][int32(p)], c)
			}
		}
	}
	t.Logf("FIGURE ops.lag_error_messages %d", errSum)
	fmt.Printf("FIGURE ops.lag_error_messages %d\n", errSum)
	if errSum != 0 {
		t.Fatalf("lag differs from the known truth by %d messages", errSum)
	}
	if s.TotalLag != 10+0+0+7+0+9 {
		t.Fatalf("total lag %d, want 26", s.TotalLag)
	}
	// 30+25 clicks and 4 reviews committed in one (injected) second.
	if s.ConsumeRate != 59 {
		t.Fatalf("consume rate %v, want 59/s", s.ConsumeRate)
	}
	if s.State != "Empty" && s.State != "Dead" {
		t.Logf("group state %q (no members)", s.State)
	}
	if s.Members != 0 {
		t.Fatalf("members = %d, want 0", s.Members)
	}
}

func TestStallStopWarnRewind(t *testing.T) {
	r := newRig(t)
	m := r.monitor(Options{Window: 3, StopAfter: time.Minute})
	r.produce("clicks", 0, 20, time.Time{})
	r.produce("clicks", 1, 10, time.Time{})
	r.commit("clicks", 0, 5)
	r.commit("clicks", 1, 10)

	var s Snapshot
	for i := 0; i < 3; i++ { // a worker that committed once, then paused
		s = r.poll(m)
		if i < 2 && find(t, s, "clicks", 0).Status != OK {
			t.Fatalf("poll %d: %s before the window is full", i, find(t, s, "clicks", 0).Status)
		}
		r.clk.Add(time.Second)
	}
	if got := find(t, s, "clicks", 0).Status; got != STALL {
		t.Fatalf("paused with lag: %s, want STALL", got)
	}
	if got := find(t, s, "clicks", 1).Status; got != OK {
		t.Fatalf("caught-up partition: %s, want OK", got)
	}
	if s.Status != STALL {
		t.Fatalf("group status %s, want STALL", s.Status)
	}

	r.clk.Add(time.Minute)
	if s = r.poll(m); s.Status != STOP || find(t, s, "clicks", 0).Status != STOP {
		t.Fatalf("no progress for StopAfter: group %s partition %s, want STOP", s.Status, find(t, s, "clicks", 0).Status)
	}

	// The worker resumes but cannot keep up: commits move, lag grows.
	for i := 0; i < 3; i++ {
		r.produce("clicks", 0, 10, time.Time{})
		r.commit("clicks", 0, 6+int64(i))
		r.clk.Add(time.Second)
		s = r.poll(m)
	}
	if got := find(t, s, "clicks", 0).Status; got != WARN {
		t.Fatalf("committing but falling behind: %s, want WARN", got)
	}

	r.commit("clicks", 1, 2) // offset reset backwards
	r.clk.Add(time.Second)
	if s = r.poll(m); find(t, s, "clicks", 1).Status != REWIND {
		t.Fatalf("after a backward commit: %s, want REWIND", find(t, s, "clicks", 1).Status)
	}
	for i := 0; i < 3; i++ { // the rewind slides out of the window once it is caught up
		r.commit("clicks", 1, 10)
		r.clk.Add(time.Second)
		s = r.poll(m)
	}
	if got := find(t, s, "clicks", 1).Status; got != OK {
		t.Fatalf("after the rewind left the window: %s, want OK", got)
	}
}

func TestLagSeconds(t *testing.T) {
	t.Run("table", func(t *testing.T) {
		r := newRig(t)
		m := r.monitor(Options{})
		r.produce("clicks", 0, 100, time.Time{})
		s := r.poll(m) // table: end 100 at t0
		if p := find(t, s, "clicks", 0); p.LagSecondsKnown() || s.UnknownLagSeconds != 1 {
			t.Fatalf("first poll: %v %q (unknown %d), want unknown: one sample has no time", p.LagSeconds, p.LagSecondsEstimate, s.UnknownLagSeconds)
		}
		r.clk.Add(10 * time.Second)
		r.produce("clicks", 0, 100, time.Time{})
		s = r.poll(m) // end 200 at t0+10s
		r.commit("clicks", 0, 150)
		r.clk.Add(5 * time.Second)
		s = r.poll(m) // t0+15s; offset 150 written halfway through (t0, t0+10s]: 10 s old
		if p := find(t, s, "clicks", 0); p.LagSeconds != 10 || p.LagSecondsEstimate != EstimateInterpolated {
			t.Fatalf("interpolated lag %v (%q), want 10", p.LagSeconds, p.LagSecondsEstimate)
		}
		r.commit("clicks", 0, 40)
		// Before the table: it saw 100 offsets in 15 s (end 100 at t0, still 200 at t0+15s), so
		// offset 40 is extrapolated 9 s before t0: 24 s at t0+15s.
		s = r.poll(m)
		if p := find(t, s, "clicks", 0); math.Abs(p.LagSeconds-24) > 1e-9 || p.LagSecondsEstimate != EstimateExtrapolated {
			t.Fatalf("pre-table lag %v (%q), want 24 extrapolated", p.LagSeconds, p.LagSecondsEstimate)
		}
		if math.Abs(s.MaxLagSeconds-24) > 1e-9 || s.UnknownLagSeconds != 0 {
			t.Fatalf("max lag seconds %v unknown %d", s.MaxLagSeconds, s.UnknownLagSeconds)
		}
	})
	t.Run("timestamp", func(t *testing.T) {
		r := newRig(t)
		m := r.monitor(Options{MessageAge: true})
		base := r.clk.Now().Add(-time.Hour)
		r.produce("clicks", 2, 10, base)
		r.produce("clicks", 2, 10, base.Add(30*time.Minute))
		r.produce("reviews", 1, 5, base)
		r.commit("clicks", 2, 12)
		r.commit("reviews", 1, 5)
		s := r.poll(m)
		if p := find(t, s, "clicks", 2); p.AgeSeconds != 1800 || !p.AgeKnown {
			t.Fatalf("clicks/2 age %v (known %v), want 1800 (record 12 stamped 30 min ago)", p.AgeSeconds, p.AgeKnown)
		}
		if p := find(t, s, "clicks", 2); p.LagSecondsKnown() {
			t.Fatalf("clicks/2 lag_s %v from a single sample", p.LagSeconds)
		}
		if p := find(t, s, "reviews", 1); p.AgeSeconds != 0 || p.Lag != 0 || !p.AgeKnown {
			t.Fatalf("caught-up reviews/1: lag %d age %v", p.Lag, p.AgeSeconds)
		}
	})
}

// TestLagSecondsLargeBatch is the reported bug: a record batch larger than the per-partition
// fetch limit at the committed offset of a partition that is not first in a multi-partition
// fetch came back empty and showed as 0 s. Every lagging partition must get its age.
func TestLagSecondsLargeBatch(t *testing.T) {
	r := newRig(t)
	m := r.monitor(Options{MessageAge: true})
	old := r.clk.Now().Add(-2 * time.Hour)
	// Six lagging partitions on kfake's one broker, as in the report (12 partitions on a small
	// cluster): a multi-partition fetch meets the size rule from its second partition on.
	// Incompressible values: the producer compresses batches, and a batch must stay above the
	// limit on the wire.
	rnd := rand.New(rand.NewPCG(1, 2))
	big := make([]byte, 80<<10)
	for i := range big {
		big[i] = byte('a' + rnd.IntN(26))
	}
	for _, topic := range topics {
		for p := int32(0); p < 3; p++ {
			r.produce(topic, p, 3, old)
			// One record of 80 KiB, so one batch above the old 64 KiB per-partition limit,
			// then three small ones.
			rec := &kgo.Record{Topic: topic, Partition: p, Value: big, Timestamp: old.Add(time.Hour)}
			if err := r.kafka.Produce(r.ctx, rec); err != nil {
				t.Fatal(err)
			}
			r.produce(topic, p, 3, old.Add(90*time.Minute))
			r.commit(topic, p, 3) // first unprocessed = the first record of the big batch
		}
	}
	s := r.poll(m)
	for _, topic := range topics {
		for p := int32(0); p < 3; p++ {
			pl := find(t, s, topic, p)
			if pl.Lag != 4 || !pl.AgeKnown || pl.AgeSeconds != 3600 {
				t.Errorf("%s/%d: lag %d age %v known %v, want 4 messages 3600 s", topic, p, pl.Lag, pl.AgeSeconds, pl.AgeKnown)
			}
		}
	}
}

// TestLagSecondsAgainstTruth drives a partition with controlled append times (an injected
// clock, bursty production, a consumer slower than the producer that pauses for a while) and
// compares both definitions of lag in seconds against the truth: now minus the append time of
// the first unprocessed record. The interpolated figure is within one poll interval of the
// truth by construction; the message-timestamp age is exact when producers stamp the append
// time and years off for replayed data, which the table figure does not care about.
func TestLagSecondsAgainstTruth(t *testing.T) {
	r := newRig(t)
	m := r.monitor(Options{MessageAge: true})
	const poll = 5 * time.Second
	// appended[off] is the true append time of record off on clicks/0; reviews/0 gets the same
	// traffic stamped with 2017 event times (a replay).
	var appended []time.Time
	replayed := time.Date(2017, 11, 25, 0, 0, 0, 0, time.UTC)
	committed := int64(0)
	rates := []int{3, 0, 0, 12, 7, 1, 0, 20, 4, 4, 0, 9, 2, 15, 0, 6} // records per second, repeating
	var maxErr, maxAgeErr float64
	checked, extrapolated := 0, 0
	for step := 0; step < 48; step++ {
		// Produce second by second inside the poll interval, each batch at its own time.
		for sec := 0; sec < int(poll/time.Second); sec++ {
			r.clk.Add(time.Second)
			n := rates[(step*5+sec)%len(rates)]
			if n == 0 {
				continue
			}
			now := r.clk.Now()
			r.produce("clicks", 0, n, now)
			r.produce("reviews", 0, n, replayed.Add(time.Duration(len(appended))*time.Second))
			for i := 0; i < n; i++ {
				appended = append(appended, now)
			}
		}
		// The consumer: 20 records per poll, nothing between steps 20 and 30 (a pause).
		if step < 20 || step >= 30 {
			committed = min(committed+20, int64(len(appended)))
			r.commit("clicks", 0, committed)
			r.commit("reviews", 0, committed)
		}
		s := r.poll(m)
		now := r.clk.Now()
		for _, topic := range []string{"clicks", "reviews"} {
			p := find(t, s, topic, 0)
			if p.Lag != int64(len(appended))-committed {
				t.Fatalf("step %d %s: lag %d, want %d", step, topic, p.Lag, int64(len(appended))-committed)
			}
			if p.Lag == 0 {
				continue
			}
			truth := now.Sub(appended[committed]).Seconds()
			switch {
			case p.LagSecondsEstimate == EstimateInterpolated:
				maxErr = math.Max(maxErr, math.Abs(p.LagSeconds-truth))
				checked++
			case p.LagSecondsEstimate == EstimateExtrapolated:
				extrapolated++
			case step > 0:
				t.Errorf("step %d %s: lag_s %q after %d samples", step, topic, p.LagSecondsEstimate, step+1)
			}
			if !p.AgeKnown {
				t.Fatalf("step %d %s: age unknown", step, topic)
			}
			if topic == "clicks" {
				maxAgeErr = math.Max(maxAgeErr, math.Abs(p.AgeSeconds-truth))
			} else if p.AgeSeconds-truth < 8*365*24*3600 {
				t.Fatalf("step %d: replayed age %v s, want years (the timestamp definition cannot tell replay time)", step, p.AgeSeconds)
			}
		}
	}
	fmt.Printf("FIGURE ops.lag_seconds_error_s %.3f\n", maxErr)
	fmt.Printf("FIGURE ops.lag_age_error_s %.3f\n", maxAgeErr)
	t.Logf("%d interpolated figures checked (max error %.3f s, poll interval %s), %d extrapolated; timestamp age max error %.3f s", checked, maxErr, poll, extrapolated, maxAgeErr)
	if checked < 40 {
		t.Fatalf("only %d interpolated figures", checked)
	}
	if maxErr > poll.Seconds() {
		t.Fatalf("interpolated lag off by %.3f s, more than one poll interval (%s)", maxErr, poll)
	}
	if maxAgeErr > 0.001 {
		t.Fatalf("timestamp age off by %.3f s with append-time stamps", maxAgeErr)
	}
}

func TestExportAndRender(t *testing.T) {
	r := newRig(t)
	m := r.monitor(Options{})
	r.produce("reviews", 2, 12, time.Time{})
	r.commit("reviews", 2, 5)
	s := r.poll(m)

	reg := prometheus.NewPedanticRegistry()
	met := metrics.New(reg)
	exp := NewExporter(met, reg)
	exp.Update(s)
	if v := testutil.ToFloat64(met.LagMessages.WithLabelValues(group, "reviews", "2")); v != 7 {
		t.Fatalf("lag_messages{reviews,2} = %v, want 7", v)
	}
	if v := testutil.ToFloat64(met.LagMessages.WithLabelValues(group, "clicks", "0")); v != 0 {
		t.Fatalf("lag_messages{clicks,0} = %v, want 0", v)
	}
	if n := testutil.CollectAndCount(met.LagMessages); n != 6 {
		t.Fatalf("%d lag series, want 6", n)
	}
	if v := testutil.ToFloat64(exp.status.WithLabelValues(group, "OK")); v != 1 {
		t.Fatalf("status OK = %v", v)
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP profilestream_consumer_group_status 1 for the consumer group's current lag status (OK, WARN, NOCOMMIT, REWIND, STALL, STOP, LOSS, UNKNOWN), 0 for the others.
# TYPE profilestream_consumer_group_status gauge
profilestream_consumer_group_status{group="profilestream-test",status="LOSS"} 0
profilestream_consumer_group_status{group="profilestream-test",status="NOCOMMIT"} 0
profilestream_consumer_group_status{group="profilestream-test",status="OK"} 1
profilestream_consumer_group_status{group="profilestream-test",status="REWIND"} 0
profilestream_consumer_group_status{group="profilestream-test",status="STALL"} 0
profilestream_consumer_group_status{group="profilestream-test",status="STOP"} 0
profilestream_consumer_group_status{group="profilestream-test",status="UNKNOWN"} 0
profilestream_consumer_group_status{group="profilestream-test",status="WARN"} 0
`), "profilestream_consumer_group_status"); err != nil {
		t.Fatal(err)
	}

	// A partition that disappears loses its series; the others keep theirs.
	shrunk := s
	shrunk.Partitions = s.Partitions[:5]
	exp.Update(shrunk)
	if n := testutil.CollectAndCount(met.LagMessages); n != 5 {
		t.Fatalf("%d lag series after a partition vanished, want 5", n)
	}
	if n := testutil.CollectAndCount(met.LagSeconds); n != 5 {
		t.Fatalf("%d lag seconds series after a partition vanished, want 5", n)
	}

	var tbl bytes.Buffer
	if err := RenderTable(&tbl, s); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(tbl.String(), "\n"), "\n")
	if len(lines) != 1+6+1+1+1 || !strings.HasPrefix(lines[9], "lag_s unknown on 1 partition") {
		t.Fatalf("table has %d lines:\n%s", len(lines), tbl.String())
	}
	if f := strings.Fields(lines[0]); strings.Join(f, " ") != "topic partition committed end lag lag_s age_s status owner" {
		t.Fatalf("header %q", lines[0])
	}
	if f := strings.Fields(lines[6]); f[0] != "reviews" || f[1] != "2" || f[2] != "5" || f[3] != "12" || f[4] != "7" || f[5] != "unknown" || f[7] != "OK" {
		t.Fatalf("row %q", lines[6])
	}
	if f := strings.Fields(lines[7]); f[0] != "total" || f[1] != "6" || f[3] != "7" {
		t.Fatalf("totals %q", lines[7])
	}
	if len(lines[1]) != len(lines[6]) {
		t.Fatalf("columns not aligned:\n%s", tbl.String())
	}

	var js bytes.Buffer
	if err := RenderJSON(&js, s); err != nil {
		t.Fatal(err)
	}
	var back Snapshot
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.TotalLag != 7 || len(back.Partitions) != 6 || back.Partitions[5].Status != OK || !strings.Contains(js.String(), `"status":"OK"`) {
		t.Fatalf("JSON round trip: %s", js.String())
	}
}

func TestLive(t *testing.T) {
	r := newRig(t)
	m, err := New(r.kafka.Brokers(), group, topics, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	r.produce("clicks", 0, 3, time.Time{})
	ctx, cancel := context.WithTimeout(r.ctx, 250*time.Millisecond)
	defer cancel()
	var out syncBuffer
	if err := Live(ctx, &out, m, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	frames := strings.Count(out.String(), "\x1b[H\x1b[2J")
	if frames < 2 || !strings.Contains(out.String(), "total") {
		t.Fatalf("%d frames:\n%q", frames, out.String())
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestNewValidates(t *testing.T) {
	for _, tc := range []struct {
		brokers, topics []string
		group           string
	}{{nil, topics, group}, {[]string{"x:1"}, topics, ""}, {[]string{"x:1"}, nil, group}} {
		if _, err := New(tc.brokers, tc.group, tc.topics, Options{}); err == nil {
			t.Fatalf("New(%v, %q, %v) accepted", tc.brokers, tc.group, tc.topics)
		}
	}
}

// TestStallWithPausedMember: a real group member (franz-go consumer, client id "worker-a")
// commits part of a partition, then stops polling while staying in the group: the monitor
// reports it as owner, the exact lag, and STALL once the window is full.
func TestStallWithPausedMember(t *testing.T) {
	r := newRig(t)
	r.produce("clicks", 0, 50, time.Time{})
	cl, err := kgo.NewClient(kgo.SeedBrokers(r.kafka.Brokers()...), kgo.ConsumerGroup(group), kgo.ConsumeTopics(topics...),
		kgo.ClientID("worker-a"), kgo.DisableAutoCommit(), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	fs := cl.PollRecords(r.ctx, 10)
	if err := fs.Err0(); err != nil {
		t.Fatal(err)
	}
	n := int64(len(fs.Records()))
	if n == 0 {
		t.Fatal("no records polled")
	}
	if err := cl.CommitUncommittedOffsets(r.ctx); err != nil {
		t.Fatal(err)
	}
	// Paused: no more polls, but the client keeps heartbeating, so it stays a member.
	m := r.monitor(Options{Window: 3, StopAfter: time.Hour})
	var s Snapshot
	for i := 0; i < 3; i++ {
		s = r.poll(m)
		r.clk.Add(time.Second)
	}
	p := find(t, s, "clicks", 0)
	if p.Committed != n || p.Lag != 50-n {
		t.Fatalf("committed %d lag %d, want %d and %d", p.Committed, p.Lag, n, 50-n)
	}
	if p.Status != STALL || s.Status != STALL {
		t.Fatalf("paused member: partition %s group %s, want STALL", p.Status, s.Status)
	}
	if s.Members != 1 || s.State != "Stable" || p.Owner != "worker-a" {
		t.Fatalf("members %d state %q owner %q, want 1 Stable worker-a", s.Members, s.State, p.Owner)
	}
	if q := find(t, s, "reviews", 2); q.Status != OK || q.Lag != 0 || q.Owner != "worker-a" {
		t.Fatalf("empty reviews/2: %+v", q)
	}
}

func TestMissingTopic(t *testing.T) {
	r := newRig(t)
	r.produce("clicks", 1, 4, time.Time{})
	m, err := New(r.kafka.Brokers(), group, []string{"clicks", "not-created"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s, err := m.Poll(r.ctx)
	if err != nil {
		t.Fatalf("one missing topic failed the poll: %v", err)
	}
	if len(s.Partitions) != 3 || s.TotalLag != 4 || len(s.MissingTopics) != 1 || s.MissingTopics[0] != "not-created" {
		t.Fatalf("partitions %d lag %d missing %v", len(s.Partitions), s.TotalLag, s.MissingTopics)
	}
	var b bytes.Buffer
	_ = RenderTable(&b, s)
	if !strings.Contains(b.String(), "missing topics (not created yet): not-created") {
		t.Fatalf("table does not name the missing topic:\n%s", b.String())
	}
	none, err := New(r.kafka.Brokers(), group, []string{"not-created"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer none.Close()
	if _, err := none.Poll(r.ctx); err == nil {
		t.Fatal("a poll of only missing topics succeeded")
	}
}

// TestLagSecondsAfterRestart is the reported restart case: a monitor (a worker) that starts
// while the group is 4.5 minutes behind must not count the lag from its own start (the old
// lower bound read 5 s, then 10 s...). With producers at a steady pace the extrapolation along
// the sampled produce rate gives the truth; before a second sample with traffic it is unknown.
func TestLagSecondsAfterRestart(t *testing.T) {
	r := newRig(t)
	var appended []time.Time
	produce := func(d time.Duration) { // 10 records per second for d
		for i := 0; i < int(d/time.Second); i++ {
			r.clk.Add(time.Second)
			r.produce("clicks", 1, 10, r.clk.Now())
			for j := 0; j < 10; j++ {
				appended = append(appended, r.clk.Now())
			}
		}
	}
	produce(5 * time.Minute)
	committed := int64(300) // written 30 s after the start: 4.5 minutes before the restart
	r.commit("clicks", 1, committed)
	m := r.monitor(Options{}) // the restarted worker's monitor
	s := r.poll(m)
	if p := find(t, s, "clicks", 1); p.LagSecondsKnown() {
		t.Fatalf("first poll after restart: lag_s %v (%q), want unknown", p.LagSeconds, p.LagSecondsEstimate)
	}
	for poll := 1; poll <= 6; poll++ {
		produce(5 * time.Second)
		s = r.poll(m)
		p := find(t, s, "clicks", 1)
		truth := r.clk.Now().Sub(appended[committed]).Seconds()
		if p.LagSecondsEstimate != EstimateExtrapolated || math.Abs(p.LagSeconds-truth) > 5 {
			t.Fatalf("poll %d after restart: lag_s %.1f (%q), truth %.1f", poll, p.LagSeconds, p.LagSecondsEstimate, truth)
		}
	}
}

// memTables is a TableStore in memory, standing in for the worker's Redis one.
type memTables struct {
	mu sync.Mutex
	t  map[string]map[TopicPartition][]Point
}

func (m *memTables) Load(_ context.Context, group string) (map[TopicPartition][]Point, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t[group], nil
}

func (m *memTables) Save(_ context.Context, group string, t map[TopicPartition][]Point) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.t == nil {
		m.t = map[string]map[TopicPartition][]Point{}
	}
	m.t[group] = t
	return nil
}

// TestLagSecondsTableStore: with a TableStore, a restarted monitor keeps interpolating over the
// samples taken before the restart, even when producers stopped (no rate to extrapolate).
func TestLagSecondsTableStore(t *testing.T) {
	r := newRig(t)
	store := &memTables{}
	m1 := r.monitor(Options{Tables: store})
	var appended []time.Time
	for i := 0; i < 12; i++ { // 10 records per 5 s, sampled every 5 s for a minute
		r.clk.Add(5 * time.Second)
		r.produce("reviews", 2, 10, r.clk.Now())
		for j := 0; j < 10; j++ {
			appended = append(appended, r.clk.Now())
		}
		r.poll(m1)
	}
	m1.Close()
	r.commit("reviews", 2, 35)
	r.clk.Add(3 * time.Minute) // the worker is down for 3 minutes; producers stopped too
	m2 := r.monitor(Options{Tables: store})
	p := find(t, r.poll(m2), "reviews", 2)
	truth := r.clk.Now().Sub(appended[35]).Seconds()
	if p.LagSecondsEstimate != EstimateInterpolated || math.Abs(p.LagSeconds-truth) > 5 {
		t.Fatalf("after restart with a table store: lag_s %.1f (%q), truth %.1f", p.LagSeconds, p.LagSecondsEstimate, truth)
	}
	// Without the store the same restart has no figure: one sample, no produce since.
	m3 := r.monitor(Options{})
	if p := find(t, r.poll(m3), "reviews", 2); p.LagSecondsKnown() {
		t.Fatalf("without a store: lag_s %.1f (%q), want unknown", p.LagSeconds, p.LagSecondsEstimate)
	}
}
