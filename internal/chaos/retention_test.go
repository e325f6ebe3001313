package chaos

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/profilestream/profilestream/data/sample"
	"github.com/profilestream/profilestream/internal/kafkatest"
	"github.com/profilestream/profilestream/internal/redistest"
	"github.com/profilestream/profilestream/internal/replay"
)

// realOnly skips a test that needs Apache Kafka itself unless PROFILESTREAM_KAFKA selects it.
func realOnly(t *testing.T) {
	t.Helper()
	modes, err := kafkatest.Modes()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(modes, kafkatest.ModeReal) {
		t.Skipf("needs Apache Kafka (%s=real or both)", kafkatest.EnvMode)
	}
}

func testKeys() string {
	secret := make([]byte, 32)
	for i := range secret {
		secret[i] = byte(i * 7)
	}
	return "k1:" + base64.StdEncoding.EncodeToString(secret)
}

// startOffset is the log start offset of topic/partition.
func startOffset(ctx context.Context, adm *kadm.Client, topic string, p int32) (int64, error) {
	s, err := adm.ListStartOffsets(ctx, topic)
	if err != nil {
		return 0, err
	}
	o, ok := s.Lookup(topic, p)
	if !ok || o.Err != nil {
		return 0, fmt.Errorf("start offset of %s/%d: %v", topic, p, o.Err)
	}
	return o.Offset, nil
}

// retentionCheck proves that the broker's retention check ran (and deletes old-timestamped
// data) after it is called: it writes two records stamped in 2015 to a canary partition (the
// second rolls the segment: a segment whose first record is older than segment.ms rolls at
// the next append) and waits until the first is deleted, i.e. the log start passed it.
func retentionCheck(t *testing.T, ctx context.Context, kf kafkatest.Broker, adm *kadm.Client, canary string) {
	t.Helper()
	old := time.Date(2015, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 2; i++ {
		if err := kf.Produce(ctx, &kgo.Record{Topic: canary, Partition: 0, Value: []byte("canary"), Timestamp: old}); err != nil {
			t.Fatal(err)
		}
	}
	ends, err := adm.ListEndOffsets(ctx, canary)
	if err != nil {
		t.Fatal(err)
	}
	end, _ := ends.Lookup(canary, 0)
	deadline := time.Now().Add(90 * time.Second)
	for {
		s, err := startOffset(ctx, adm, canary, 0)
		if err == nil && s >= end.Offset-1 {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("retention did not delete the 2015-stamped canary record of %s within 90 s (start %d, end %d, %v)", canary, s, end.Offset, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestBackfillRetention replays old events (2014-2017 and synthetic 2020 times) with `streamer
// replay`'s producer into Apache Kafka with the default retention (7 days), lets the broker's
// retention check run (every second here; 5 minutes by default) and then starts a worker:
// every event must be folded. A canary stamped in 2015 shows the same check deletes records
// that carry their event's time, which is what replay used to produce.
func TestBackfillRetention(t *testing.T) {
	realOnly(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	bin := buildStreamer(t)
	kf := kafkatest.StartMode(ctx, t, kafkatest.ModeReal, kafkatest.RealOptions{Partitions: 2,
		Topics: []string{"clicks", "reviews", "erasure", "canary", "ret.dlq"},
		Props:  map[string]string{"log.retention.check.interval.ms": "1000"}})
	cl, err := kgo.NewClient(kgo.SeedBrokers(kf.Brokers()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	retentionCheck(t, ctx, kf, adm, "canary")

	var recs []replay.Record
	for _, name := range sample.Files {
		f, err := sample.FS.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		r, _, _, err := replay.Read(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r[:min(len(r), 1500)]...)
	}
	w, err := replay.NewWriter(kf.Brokers())
	if err != nil {
		t.Fatal(err)
	}
	n, err := replay.Produce(ctx, w, recs, replay.Options{})
	w.Close()
	if err != nil || n != len(recs) {
		t.Fatalf("replay: %d of %d records, %v", n, len(recs), err)
	}
	// The backfill sits in the topics through at least one retention check before any worker
	// reads it (the repro started the worker 40 s after the replay).
	retentionCheck(t, ctx, kf, adm, "canary")
	for _, topic := range []string{"clicks", "reviews"} {
		for p := int32(0); p < 2; p++ {
			if s, err := startOffset(ctx, adm, topic, p); err != nil || s != 0 {
				t.Errorf("%s/%d: log start %d after a retention check (%v): the backfill was deleted", topic, p, s, err)
			}
		}
	}

	rs := redistest.Start(t)
	r := newRig(t, bin, kf, testKeys())
	r.redis = rs.Addr
	wk := r.start("backfill", "ret.dlq")
	r.waitLagZero(ctx, "backfill", 5*time.Minute)
	wk.stop(t)
	folded := int64(0)
	for _, p := range profiles(t, ctx, rs.Addr) {
		folded += p.Events
	}
	lost := int64(len(recs)) - folded
	fmt.Printf("FIGURE chaos.kafka.retention_loss_events %d\n", lost)
	t.Logf("backfill: %d events replayed with event times from %s, %d folded after a retention check", len(recs), recs[0].TS.Format("2006"), folded)
	if lost != 0 {
		t.Errorf("%d of %d backfilled events not folded", lost, len(recs))
	}
}
