package worker

import (
	"context"
	"fmt"
	"math"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/rs/zerolog"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/profilestream/profilestream/internal/consumer"
	"github.com/profilestream/profilestream/internal/online"
	"github.com/profilestream/profilestream/internal/replay"
)

// docSeries is one row of the metrics table of docs/operations.md.
type docSeries struct {
	name   string // with the profilestream_ prefix
	typ    string // gauge, counter, histogram
	labels []string
}

var docRow = regexp.MustCompile("^\\|\\s*(`[^|]+)\\|\\s*([^|]+?)\\s*\\|\\s*([^|]*?)\\s*\\|\\s*$")

// documentedMetrics reads the table under "## Metrics" in docs/operations.md.
func documentedMetrics(t *testing.T) []docSeries {
	t.Helper()
	b, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i := strings.Index(doc, "\n## Metrics\n")
	if i < 0 {
		t.Fatal(`docs/operations.md has no "## Metrics" section`)
	}
	doc = doc[i+1:]
	if j := strings.Index(doc[3:], "\n## "); j >= 0 {
		doc = doc[:j+3]
	}
	var out []docSeries
	for _, line := range strings.Split(doc, "\n") {
		m := docRow.FindStringSubmatch(line)
		if m == nil || strings.HasPrefix(m[1], "`series") {
			continue
		}
		typ := strings.Fields(m[2])[0]
		var labels []string
		for _, l := range strings.Split(m[3], ",") {
			if l = strings.TrimSpace(l); l != "" {
				labels = append(labels, l)
			}
		}
		sort.Strings(labels)
		for _, n := range regexp.MustCompile("`([a-z0-9_]+)`").FindAllStringSubmatch(m[1], -1) {
			out = append(out, docSeries{name: "profilestream_" + n[1], typ: typ, labels: labels})
		}
	}
	if len(out) < 20 {
		t.Fatalf("read only %d series from the metrics table of docs/operations.md", len(out))
	}
	return out
}

func parseMetrics(t *testing.T, body string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

func labelNames(m *dto.Metric) []string {
	var out []string
	for _, l := range m.GetLabel() {
		out = append(out, l.GetName())
	}
	sort.Strings(out)
	return out
}

func labelValue(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func gaugeValue(fams map[string]*dto.MetricFamily, name string) float64 {
	f := fams[name]
	if f == nil || len(f.GetMetric()) == 0 {
		return math.NaN()
	}
	return f.GetMetric()[0].GetGauge().GetValue()
}

// TestMetricsDocumentedAndSet runs a worker on a short stream (clicks, reviews, a malformed
// message, an erasure), scrapes /metrics and checks the metrics table of docs/operations.md
// against it both ways: every documented series is exported with the documented type and
// exactly the documented labels, and exists from the start (labelled series carry every known
// label value, at 0 if nothing happened); every profilestream_ series exported is documented.
// It also checks the values the issue found wrong: centroid_version is Redis' version,
// segment_members is set, duplicates and erased events are counted by topic.
func TestMetricsDocumentedAndSet(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	rig := newRig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	docs := documentedMetrics(t)

	w, err := New(Config{
		Consumer:    consumer.Config{Brokers: rig.kafka.Brokers(), BatchSize: 64, BatchTimeout: 50 * time.Millisecond},
		RedisAddrs:  []string{rig.redis.Addr},
		Keys:        rig.ring,
		Encoder:     rig.enc,
		MetricsAddr: "127.0.0.1:0",
		LagInterval: 200 * time.Millisecond,
		Segments:    online.Options{K: 4, MinUsersToInit: 20, MergeInterval: 300 * time.Millisecond},
	}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	}()
	waitFor(t, ctx, func() bool { return w.MetricsAddr() != "" })

	// Before any message: every series with known label values is there, at 0.
	before := parseMetrics(t, scrape(t, w.MetricsAddr()))
	for _, name := range []string{"profilestream_events_dead_lettered_total", "profilestream_redis_errors_total", "profilestream_events_duplicate_total"} {
		f := before[name]
		if f == nil || len(f.GetMetric()) == 0 {
			t.Errorf("%s absent before the first event (dashboards would read no data)", name)
		}
	}

	clicks := sampleRecords(t, "taobao-clicks.csv.gz", 300)
	reviews := sampleRecords(t, "amazon-multicat.jsonl.gz", 120)
	var recs []*kgo.Record
	for i, r := range append(append([]replay.Record(nil), clicks...), reviews...) {
		topic := "clicks"
		if r.Kind == replay.Review {
			topic = "reviews"
		}
		recs = append(recs, &kgo.Record{Topic: topic, Partition: int32(i % 3), Value: r.Value})
	}
	recs = append(recs, &kgo.Record{Topic: "reviews", Partition: 0, Value: []byte(`{"text":"no user"}`)})
	if err := rig.kafka.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	total := int64(len(recs))
	eventually(t, ctx, time.Minute, "all messages consumed", func() bool { return w.Consumer().Stats().Consumed >= total },
		func() string { return fmt.Sprintf("consumed %d of %d", w.Consumer().Stats().Consumed, total) })
	// Centroids initialized and merged into Redis; the gauge follows Redis' version.
	var redisVersion int64
	eventually(t, ctx, time.Minute, "centroid_version == Redis' version", func() bool {
		segs, err := online.ReadSegments(ctx, w.Redis(), "ps")
		if err != nil || len(segs) == 0 {
			return false
		}
		redisVersion = segs[0].Version
		fams := parseMetrics(t, scrape(t, w.MetricsAddr()))
		return redisVersion > 0 && gaugeValue(fams, "profilestream_centroid_version") == float64(redisVersion)
	}, func() string {
		return fmt.Sprintf("Redis version %d, gauge %v", redisVersion,
			gaugeValue(parseMetrics(t, scrape(t, w.MetricsAddr())), "profilestream_centroid_version"))
	})
	// The lag series of every partition are exported and say "caught up".
	eventually(t, ctx, time.Minute, "lag series of 9 partitions at 0", func() bool {
		fams := parseMetrics(t, scrape(t, w.MetricsAddr()))
		f := fams["profilestream_consumer_lag_messages"]
		if f == nil || len(f.GetMetric()) != 9 {
			return false
		}
		for _, m := range f.GetMetric() {
			if m.GetGauge().GetValue() != 0 {
				return false
			}
		}
		return true
	}, func() string {
		var b strings.Builder
		_ = expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain)).Encode(parseMetrics(t, scrape(t, w.MetricsAddr()))["profilestream_consumer_lag_messages"])
		return b.String()
	})

	fams := parseMetrics(t, scrape(t, w.MetricsAddr()))
	documented := map[string]bool{}
	set, missing := 0, 0
	for _, d := range docs {
		documented[d.name] = true
		f := fams[d.name]
		if f == nil || len(f.GetMetric()) == 0 {
			missing++
			t.Errorf("%s is documented but not exported", d.name)
			continue
		}
		bad := false
		if got := strings.ToLower(f.GetType().String()); got != d.typ {
			bad = true
			t.Errorf("%s: type %s, documented %s", d.name, got, d.typ)
		}
		for _, m := range f.GetMetric() {
			if got := labelNames(m); strings.Join(got, ",") != strings.Join(d.labels, ",") {
				bad = true
				t.Errorf("%s: labels %v, documented %v", d.name, got, d.labels)
				break
			}
		}
		if bad {
			missing++
			continue
		}
		set++
	}
	for name := range fams {
		if strings.HasPrefix(name, "profilestream_") && !documented[name] {
			t.Errorf("%s is exported but not in the metrics table of docs/operations.md", name)
		}
	}

	// Per-topic counters carry every input topic; dead letters and Redis errors their known
	// label values at 0; the values the issue found unset are set.
	for _, name := range []string{"profilestream_events_duplicate_total", "profilestream_events_erased_total", "profilestream_events_processed_total"} {
		topics := map[string]bool{}
		for _, m := range fams[name].GetMetric() {
			topics[labelValue(m, "topic")] = true
		}
		for _, topic := range []string{"clicks", "reviews"} {
			if !topics[topic] {
				t.Errorf("%s has no topic=%q series (has %v)", name, topic, topics)
			}
		}
		if topics["all"] {
			t.Errorf(`%s still has topic="all"`, name)
		}
	}
	if f := fams["profilestream_events_dead_lettered_total"]; len(f.GetMetric()) < 2*len(deadLetterReasons) {
		t.Errorf("events_dead_lettered_total has %d series, want every topic x reason", len(f.GetMetric()))
	}
	if f := fams["profilestream_redis_errors_total"]; len(f.GetMetric()) < len(redisOps) {
		t.Errorf("redis_errors_total has %d series, want one per op %v", len(f.GetMetric()), redisOps)
	}
	members := 0.0
	for _, m := range fams["profilestream_segment_members"].GetMetric() {
		members += m.GetGauge().GetValue()
	}
	if members == 0 {
		t.Errorf("segment_members sum to 0 after %d users were segmented", len(clicks))
	}
	if v := gaugeValue(fams, "profilestream_centroid_version"); v != float64(redisVersion) && v < float64(redisVersion) {
		t.Errorf("centroid_version %v, Redis holds %d", v, redisVersion)
	}
	processed := 0.0
	for _, m := range fams["profilestream_events_processed_total"].GetMetric() {
		processed += m.GetCounter().GetValue()
	}
	if processed != float64(len(clicks)+len(reviews)) {
		t.Errorf("events_processed_total sums to %v, want %d", processed, len(clicks)+len(reviews))
	}

	fmt.Printf("FIGURE ops.metrics_documented_and_set %d\n", set)
	fmt.Printf("FIGURE ops.metrics_missing %d\n", missing)
}

// eventually waits up to d for cond, polling, and fails with what and diag() when it does not
// hold in time.
func eventually(t *testing.T, ctx context.Context, d time.Duration, what string, cond func() bool, diag func() string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("timed out after %s waiting for %s: %s", d, what, diag())
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}
