package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/profilestream/profilestream/data/sample"
	"github.com/profilestream/profilestream/internal/consumer"
	"github.com/profilestream/profilestream/internal/encoder"
	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/kafkatest"
	"github.com/profilestream/profilestream/internal/lag"
	"github.com/profilestream/profilestream/internal/pii"
	"github.com/profilestream/profilestream/internal/privacy"
	"github.com/profilestream/profilestream/internal/profilestore"
	"github.com/profilestream/profilestream/internal/redistest"
	"github.com/profilestream/profilestream/internal/replay"
)

// tinyModel is the tiny random BERT of the encoder's PyTorch fixture: a real spago transformer,
// small enough for end-to-end tests on two cores.
const tinyModel = "../encoder/testdata/tiny-bert"

// malformed is the table of bad messages interleaved with the good ones. Each must land in the
// DLQ with its reason, be counted, and leave the good events around it untouched.
var malformed = []struct {
	topic  string
	value  string
	reason consumer.Reason
}{
	{"reviews", `{"user_id":"bad1","text":"broken`, consumer.ReasonBadJSON},
	{"reviews", `{"text":"no user here"}`, consumer.ReasonMissingUserID},
	{"reviews", `{"user_id":"bad3","text":""}`, consumer.ReasonMissingText},
	{"reviews", `{"user_id":"bad4","text":"` + strings.Repeat("x", 70<<10) + `"}`, consumer.ReasonTextTooLarge},
	{"reviews", "{\"user_id\":\"bad5\",\"text\":\"caf\xe9\"}", consumer.ReasonInvalidUTF8},
	{"clicks", `{"user_id":["bad6"],"action":"view"}`, consumer.ReasonWrongType},
	{"clicks", `{"user_id":"bad7","action":"teleport"}`, consumer.ReasonUnknownAction},
	{"reviews", `{"user_id":"bad8","text":"ok","rating":11}`, consumer.ReasonBadRating},
	{"clicks", `{"user_id":"bad9","action":"buy","ts":"last tuesday"}`, consumer.ReasonBadTimestamp},
	{"clicks", ``, consumer.ReasonEmpty},
	{"reviews", `{"user_id":"bad11","text":"` + strings.Repeat("y", 900<<10) + `"}`, consumer.ReasonTextTooLarge},
	{"clicks", `{"user_id":"bad12","action":"view","category":"` + strings.Repeat("c", 5000) + `"}`, consumer.ReasonFieldTooLarge},
	{"reviews", `{"user_id":"bad13","text":{"nested":true}}`, consumer.ReasonWrongType},
}

type e2eRig struct {
	kafka kafkatest.Broker
	redis *redistest.Server
	ring  *privacy.KeyRing
	enc   encoder.Encoder
}

// newRig starts the rig on kfake.
func newRig(t *testing.T) *e2eRig {
	t.Helper()
	return newRigMode(t, context.Background(), kafkatest.ModeKfake)
}

// newRigMode starts the rig on kfake or real Kafka.
func newRigMode(t *testing.T, ctx context.Context, mode kafkatest.Mode) *e2eRig {
	t.Helper()
	enc, err := encoder.Load(tinyModel, encoder.Options{})
	if err != nil {
		t.Fatalf("load tiny model: %v", err)
	}
	ring, err := privacy.NewEphemeralKeyRing()
	if err != nil {
		t.Fatal(err)
	}
	return &e2eRig{
		kafka: kafkatest.StartMode(ctx, t, mode, kafkatest.RealOptions{Partitions: 3,
			Topics: []string{"clicks", "reviews", "erasure", "profilestream.dlq"}}),
		redis: redistest.Start(t),
		ring:  ring,
		enc:   enc,
	}
}

func (r *e2eRig) worker(t *testing.T, log zerolog.Logger) *Worker {
	t.Helper()
	w, err := New(Config{
		Consumer:    consumer.Config{Brokers: r.kafka.Brokers(), BatchSize: 128, BatchTimeout: 50 * time.Millisecond},
		RedisAddrs:  []string{r.redis.Addr},
		Keys:        r.ring,
		Encoder:     r.enc,
		MetricsAddr: "127.0.0.1:0",
	}, log)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// sampleRecords reads n records of a bundled sample file.
func sampleRecords(t *testing.T, name string, n int) []replay.Record {
	t.Helper()
	f, err := sample.FS.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, _, _, err := replay.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) > n {
		recs = recs[:n]
	}
	return recs
}

// want is the independent computation of one user's profile.
type want struct {
	events int64
	kinds  map[event.Kind]int64
	sum    []float64
	weight float64
}

// TestEndToEndProfilesMatchIndependentComputation runs against kfake and, selected with
// PROFILESTREAM_KAFKA=real|both, against Apache Kafka.
func TestEndToEndProfilesMatchIndependentComputation(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	kafkatest.ForEachMode(t, testEndToEnd)
}

func testEndToEnd(t *testing.T, mode kafkatest.Mode) {
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	rig := newRigMode(t, ctx, mode)
	var log1, log2 lockedBuffer
	// Every wait fails within its deadline with the group's lag per partition (committed
	// offset, owner) as the broker reports it and the last lines of both workers' logs.
	waitFor := func(what string, maxWait time.Duration, cond func() bool) {
		t.Helper()
		waitUntil(t, ctx, what, maxWait, cond, func() string {
			d := lagDiagnostics(ctx, rig.kafka.Brokers()) +
				"--- worker 1, last 30 log lines:\n" + tail(log1.String(), 30) + "\n--- worker 2, last 30 log lines:\n" + tail(log2.String(), 30) + "\n"
			if real, ok := rig.kafka.(*kafkatest.Real); ok {
				d += real.LogTails(30)
			}
			return d
		})
	}

	clicks := sampleRecords(t, "taobao-clicks.csv.gz", 2500)
	reviews := sampleRecords(t, "amazon-multicat.jsonl.gz", 500)
	// Interleave: the good events, with a malformed message after every ~200 good ones.
	var recs []*kgo.Record
	good := append(append([]replay.Record(nil), clicks...), reviews...)
	bad := 0
	for i, r := range good {
		topic := "clicks"
		if r.Kind == replay.Review {
			topic = "reviews"
		}
		recs = append(recs, &kgo.Record{Topic: topic, Partition: int32(i % 3), Value: r.Value})
		if i%200 == 100 && bad < len(malformed) {
			m := malformed[bad]
			recs = append(recs, &kgo.Record{Topic: m.topic, Partition: int32(i % 3), Value: []byte(m.value)})
			bad++
		}
	}
	for ; bad < len(malformed); bad++ {
		m := malformed[bad]
		recs = append(recs, &kgo.Record{Topic: m.topic, Partition: 0, Value: []byte(m.value)})
	}
	if err := rig.kafka.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}

	total := int64(len(recs))
	// First worker: stopped after part of the stream (graceful), second worker finishes. The
	// result must still be exact.
	w1 := rig.worker(t, zerolog.New(&log1))
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w1.Run(runCtx) }()
	waitFor("worker 1 to consume a third of the input", 3*time.Minute, func() bool { return w1.Consumer().Stats().Consumed >= int64(len(recs)/3) })
	stop()
	if err := <-done; err != nil {
		t.Fatalf("worker 1: %v", err)
	}
	// Between the workers the true lag is known exactly: everything produced minus what worker 1
	// consumed (a graceful stop commits every batch it applied). `streamer lag` must say the same.
	trueLag := total - w1.Consumer().Stats().Consumed
	mon, err := lag.New(rig.kafka.Brokers(), "profilestream", []string{"clicks", "reviews"}, lag.Options{TimeLag: lag.TimeLagOff})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := mon.Poll(ctx)
	mon.Close()
	if err != nil {
		t.Fatal(err)
	}
	lagErr := snap.TotalLag - trueLag
	if lagErr < 0 {
		lagErr = -lagErr
	}
	if mode == kafkatest.ModeReal {
		fmt.Printf("FIGURE ops.kafka.lag_error_messages %d\n", lagErr)
	} else {
		fmt.Printf("FIGURE ops.lag_error_messages %d\n", lagErr)
	}
	if lagErr != 0 {
		t.Errorf("streamer lag reports %d, true lag %d", snap.TotalLag, trueLag)
	}
	// One more malformed message for worker 2 alone, so its metrics page must show a
	// dead-letter series whichever partitions worker 1 happened to drain.
	if err := rig.kafka.Produce(ctx, &kgo.Record{Topic: "clicks", Partition: 1, Value: []byte(`{"user_id":"bad14"}`)}); err != nil {
		t.Fatal(err)
	}
	total++
	w2 := rig.worker(t, zerolog.New(&log2))
	runCtx2, stop2 := context.WithCancel(ctx)
	go func() { done <- w2.Run(runCtx2) }()
	defer func() { stop2(); <-done }()
	waitFor("both workers to consume every message", 3*time.Minute, func() bool {
		return w1.Consumer().Stats().Consumed+w2.Consumer().Stats().Consumed >= total
	})
	// Lag 0 from the broker's point of view: committed == end for every partition.
	waitFor("lag 0 on the broker", 2*time.Minute, func() bool { return brokerLag(t, ctx, rig.kafka.Brokers()) == 0 })

	// The independent computation: pseudonymize, scrub and encode each good event here.
	pz := privacy.NewPseudonymizer(rig.ring)
	scrub := pii.NewScrubber()
	weights := profilestore.DefaultActionWeights()
	wants := map[string]*want{}
	for _, r := range good {
		var ev event.Event
		role := consumer.RoleClicks
		if r.Kind == replay.Review {
			role = consumer.RoleReviews
		}
		ev, _, rej := consumer.Decode(role, r.Value, time.Time{}, consumer.Limits{})
		if rej != nil {
			t.Fatalf("sample event rejected: %v", rej)
		}
		ps := pz.Pseudonym(ev.UserID)
		wt := wants[ps]
		if wt == nil {
			wt = &want{kinds: map[event.Kind]int64{}}
			wants[ps] = wt
		}
		wt.events++
		wt.kinds[ev.Kind]++
		if ev.Kind == event.KindReview {
			ev.Summary, _ = scrub.Scrub(ev.Summary)
			ev.Text, _ = scrub.Scrub(ev.Text)
		}
		if text := ev.EncoderText(); text != "" {
			v, err := rig.enc.Encode(ctx, []string{text})
			if err != nil {
				t.Fatal(err)
			}
			w := weights[ev.Kind]
			if wt.sum == nil {
				wt.sum = make([]float64, len(v[0]))
			}
			for i, x := range v[0] {
				wt.sum[i] += w * float64(x)
			}
			wt.weight += w
		}
	}
	mismatched := 0
	for ps, wt := range wants {
		p, err := w2.Store().Get(ctx, ps)
		if err != nil {
			t.Fatalf("profile %s: %v", ps, err)
		}
		if p.Events != wt.events {
			mismatched++
			t.Errorf("%s: events %d, want %d", ps, p.Events, wt.events)
			continue
		}
		for k, n := range wt.kinds {
			if p.Kinds[k.String()] != n {
				mismatched++
				t.Errorf("%s: %s count %d, want %d", ps, k, p.Kinds[k.String()], n)
			}
		}
		if wt.sum == nil {
			if p.Vector != nil {
				t.Errorf("%s: vector without text events", ps)
			}
			continue
		}
		// "vec" is stored as Q8 (layout 2): within a few quantization steps (max|x|/127) of the
		// exact mean; the exactly-once bookkeeping is checked by the counts above.
		maxDiff, maxAbs := 0.0, 0.0
		for i := range wt.sum {
			maxDiff = math.Max(maxDiff, math.Abs(wt.sum[i]/wt.weight-float64(p.Vector[i])))
			maxAbs = math.Max(maxAbs, math.Abs(wt.sum[i]/wt.weight))
		}
		if maxDiff > 3*maxAbs/127 {
			mismatched++
			t.Errorf("%s: mean vector differs by %g", ps, maxDiff)
		}
	}
	t.Logf("checked %d profiles from %d good and %d malformed events; %d mismatched", len(wants), len(good), len(malformed), mismatched)

	// Every malformed message is in the DLQ, with its reason.
	reasons := dlqReasons(t, ctx, rig.kafka.Brokers())
	for _, m := range malformed {
		if reasons[m.reason] == 0 {
			t.Errorf("no DLQ message with reason %s", m.reason)
		}
	}
	n := 0
	for _, c := range reasons {
		n += c
	}
	if n < len(malformed) {
		t.Errorf("DLQ holds %d messages, want at least %d", n, len(malformed))
	}

	// The metrics page has the throughput and dead-letter series with the right values.
	body := scrape(t, w2.MetricsAddr())
	for _, s := range []string{"profilestream_events_consumed_total", "profilestream_events_dead_lettered_total", "profilestream_consumer_lag_messages"} {
		if !strings.Contains(body, s) {
			t.Errorf("/metrics lacks %s", s)
		}
	}
	// Raw user ids never reach the logs.
	for _, r := range good[:50] {
		var m map[string]any
		_ = json.Unmarshal(r.Value, &m)
		if id := fmt.Sprint(m["user_id"]); len(id) > 6 && (strings.Contains(log2.String(), id) || strings.Contains(log1.String(), id)) {
			t.Errorf("raw user id %q in the logs", id)
		}
	}
}

func waitFor(t *testing.T, ctx context.Context, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatal("timed out waiting")
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// waitUntil polls cond until it holds; after maxWait (or when ctx ends) it fails the test with
// what it waited for and diag().
func waitUntil(t *testing.T, ctx context.Context, what string, maxWait time.Duration, cond func() bool, diag func() string) {
	t.Helper()
	deadline := time.Now().Add(maxWait)
	for !cond() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("timed out after %s waiting for %s\n%s", maxWait, what, diag())
		}
		select {
		case <-ctx.Done():
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// lagDiagnostics is the group's lag per partition as `streamer lag` reads it from the broker.
func lagDiagnostics(ctx context.Context, brokers []string) string {
	mon, err := lag.New(brokers, "profilestream", []string{"clicks", "reviews"}, lag.Options{TimeLag: lag.TimeLagOff})
	if err != nil {
		return fmt.Sprintf("lag unknown: %v\n", err)
	}
	defer mon.Close()
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	s, err := mon.Poll(pctx)
	if err != nil {
		return fmt.Sprintf("lag unknown: %v\n", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "group %s: state %s, %d members, total lag %d\n", s.Group, s.State, s.Members, s.TotalLag)
	for _, p := range s.Partitions {
		fmt.Fprintf(&b, "  %s/%d committed %d end %d lag %d owner %q\n", p.Topic, p.Partition, p.Committed, p.End, p.Lag, p.Owner)
	}
	return b.String()
}

// brokerLag is the group's total lag on the input topics as `streamer lag` reads it from the
// broker, or -1 when the poll fails.
func brokerLag(t *testing.T, ctx context.Context, brokers []string) int64 {
	t.Helper()
	mon, err := lag.New(brokers, "profilestream", []string{"clicks", "reviews"}, lag.Options{TimeLag: lag.TimeLagOff})
	if err != nil {
		t.Fatal(err)
	}
	defer mon.Close()
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	snap, err := mon.Poll(pctx)
	if err != nil {
		return -1
	}
	return snap.TotalLag
}

func dlqReasons(t *testing.T, ctx context.Context, brokers []string) map[consumer.Reason]int {
	t.Helper()
	rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	recs, err := kafkatest.ReadAll(rctx, brokers, "profilestream.dlq")
	if err != nil {
		t.Fatal(err)
	}
	out := map[consumer.Reason]int{}
	for _, m := range recs {
		for _, h := range m.Headers {
			if h.Key == consumer.HeaderReason {
				out[consumer.Reason(h.Value)]++
			}
		}
	}
	return out
}

func scrape(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
