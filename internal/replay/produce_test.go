package replay

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/profilestream/profilestream/internal/kafkatest"
)

// indexes returns, per HeaderIndex of source, how many records of topics carry it.
func indexes(t *testing.T, ctx context.Context, brokers []string, source string, topics ...string) (map[int]int, []*kgo.Record) {
	t.Helper()
	out := map[int]int{}
	var all []*kgo.Record
	for _, topic := range topics {
		recs, err := kafkatest.ReadAll(ctx, brokers, topic)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			var src, idx string
			for _, h := range r.Headers {
				switch h.Key {
				case HeaderSource:
					src = string(h.Value)
				case HeaderIndex:
					idx = string(h.Value)
				}
			}
			if src != source {
				continue
			}
			n, err := strconv.Atoi(idx)
			if err != nil {
				t.Fatalf("record %s/%d@%d: index header %q", r.Topic, r.Partition, r.Offset, idx)
			}
			out[n]++
			all = append(all, r)
		}
	}
	return out, all
}

func oldRecords(n int) []Record {
	recs := make([]Record, n)
	base := time.Date(2014, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range recs {
		ts := base.Add(time.Duration(i) * time.Minute)
		kind := Click
		if i%3 == 0 {
			kind = Review
		}
		recs[i] = Record{Kind: kind, UserID: fmt.Sprintf("u%d", i%17), TS: ts,
			Value: []byte(fmt.Sprintf(`{"user_id":"u%d","item_id":"i%d","action":"pv","ts":%d}`, i%17, i, ts.Unix()))}
	}
	return recs
}

// TestProduceStampsNowAndResumes: records carry the current time, not the event's (a broker's
// retention would delete a backfill of old events), and a second run with Resume writes only
// the records the first did not, so each index is in the topics exactly once.
func TestProduceStampsNowAndResumes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	kc := kafkatest.StartT(t, 3, "clicks", "reviews")
	w, err := NewWriter(kc.Brokers())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	recs := oldRecords(1000)
	src := SourceID(recs)
	if src != SourceID(oldRecords(1000)) || src == SourceID(recs[:999]) {
		t.Fatalf("SourceID is not a deterministic function of the records")
	}
	before := time.Now().Add(-time.Minute)
	// A first run that stops after 450 records (as a replay killed mid-way).
	n, err := Produce(ctx, w, recs[:450], Options{Source: src})
	if err != nil || n != 450 {
		t.Fatalf("first run: %d, %v", n, err)
	}
	for _, keyed := range []bool{false, true} {
		n, err = Produce(ctx, w, recs, Options{Resume: true, KeyByUser: keyed})
		if err != nil || n != len(recs) {
			t.Fatalf("resumed run (keyed %v): %d records reported, %v; want %d", keyed, n, err, len(recs))
		}
	}
	got, all := indexes(t, ctx, kc.Brokers(), src, "clicks", "reviews")
	for i := range recs {
		if got[i] != 1 {
			t.Fatalf("record %d is %d times in the topics, want once", i, got[i])
		}
	}
	if len(got) != len(recs) || len(all) != len(recs) {
		t.Fatalf("%d records (%d distinct) in the topics, want %d", len(all), len(got), len(recs))
	}
	for _, r := range all {
		if r.Timestamp.Before(before) {
			t.Fatalf("record %s/%d@%d stamped %s: want the time it was produced (the event time stays in the value)", r.Topic, r.Partition, r.Offset, r.Timestamp)
		}
	}
}
