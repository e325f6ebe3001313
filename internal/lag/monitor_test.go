package lag

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
		if p := find(t, s, "clicks", 0); p.LagSeconds != 0 || !p.LagSecondsLowerBound {
			t.Fatalf("first poll: %v lower %v, want 0 lower bound", p.LagSeconds, p.LagSecondsLowerBound)
		}
		r.clk.Add(10 * time.Second)
		r.produce("clicks", 0, 100, time.Time{})
		s = r.poll(m) // end 200 at t0+10s
		r.commit("clicks", 0, 150)
		r.clk.Add(5 * time.Second)
		s = r.poll(m) // t0+15s; offset 150 written halfway through (t0, t0+10s]: 10 s old
		if p := find(t, s, "clicks", 0); p.LagSeconds != 10 || p.LagSecondsLowerBound {
			t.Fatalf("interpolated age %v (lower %v), want 10", p.LagSeconds, p.LagSecondsLowerBound)
		}
		r.commit("clicks", 0, 40)
		s = r.poll(m) // older than the table: at least 15 s
		if p := find(t, s, "clicks", 0); p.LagSeconds != 15 || !p.LagSecondsLowerBound {
			t.Fatalf("pre-table age %v (lower %v), want >=15", p.LagSeconds, p.LagSecondsLowerBound)
		}
		if s.MaxLagSeconds != 15 {
			t.Fatalf("max lag seconds %v", s.MaxLagSeconds)
		}
	})
	t.Run("timestamp", func(t *testing.T) {
		r := newRig(t)
		m := r.monitor(Options{TimeLag: TimeLagTimestamp})
		base := r.clk.Now().Add(-time.Hour)
		r.produce("clicks", 2, 10, base)
		r.produce("clicks", 2, 10, base.Add(30*time.Minute))
		r.produce("reviews", 1, 5, base)
		r.commit("clicks", 2, 12)
		r.commit("reviews", 1, 5)
		s := r.poll(m)
		if p := find(t, s, "clicks", 2); p.LagSeconds != 1800 {
			t.Fatalf("clicks/2 age %v, want 1800 (record 12 stamped 30 min ago)", p.LagSeconds)
		}
		if p := find(t, s, "reviews", 1); p.LagSeconds != 0 || p.Lag != 0 {
			t.Fatalf("caught-up reviews/1: lag %d age %v", p.Lag, p.LagSeconds)
		}
	})
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
# HELP profilestream_consumer_group_status 1 for the consumer group's current lag status (OK, WARN, REWIND, STALL, STOP), 0 for the others.
# TYPE profilestream_consumer_group_status gauge
profilestream_consumer_group_status{group="profilestream-test",status="OK"} 1
profilestream_consumer_group_status{group="profilestream-test",status="REWIND"} 0
profilestream_consumer_group_status{group="profilestream-test",status="STALL"} 0
profilestream_consumer_group_status{group="profilestream-test",status="STOP"} 0
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
	if len(lines) != 1+6+1+1 {
		t.Fatalf("table has %d lines:\n%s", len(lines), tbl.String())
	}
	if f := strings.Fields(lines[0]); strings.Join(f, " ") != "topic partition committed end lag lag_s status owner" {
		t.Fatalf("header %q", lines[0])
	}
	if f := strings.Fields(lines[6]); f[0] != "reviews" || f[1] != "2" || f[2] != "5" || f[3] != "12" || f[4] != "7" || f[6] != "OK" {
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
