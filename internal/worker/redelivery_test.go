package worker

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/profilestream/profilestream/internal/consumer"
	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/itemindex"
	"github.com/profilestream/profilestream/internal/metrics"
	"github.com/profilestream/profilestream/internal/profilestore"
	"github.com/profilestream/profilestream/internal/redistest"
	"github.com/profilestream/profilestream/schema"
)

// TestRedeliveryAddsNoPopularity: a batch applied again after a restart (a new pipeline with an
// empty profile cache, the same Redis: what a redelivery after a crash before the offset commit
// looks like) changes neither the item index's popularity nor the document frequencies, and a
// batch with new and redelivered events adds only the new ones' popularity.
func TestRedeliveryAddsNoPopularity(t *testing.T) {
	ctx := context.Background()
	rdb := redistest.Start(t).Client()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var evs []event.Event
	for i := 0; i < 40; i++ {
		evs = append(evs, event.Event{Origin: event.Origin{Topic: "clicks", Partition: i % 2, Offset: int64(i / 2)},
			Pseudonym: "k1.u" + string(rune('a'+i%5)), Kind: event.KindBuy, Category: "books",
			ItemID: "i" + string(rune('a'+i%3)), TS: t0.Add(time.Duration(i) * time.Minute)})
	}
	newPipeline := func() *pipeline {
		st, err := profilestore.New(rdb, profilestore.Options{ModelID: "m", Dim: 4})
		if err != nil {
			t.Fatal(err)
		}
		items, err := itemindex.New(rdb, itemindex.Options{ModelID: "m"})
		if err != nil {
			t.Fatal(err)
		}
		return &pipeline{store: st, items: items, m: metrics.New(prometheus.NewRegistry()), log: zerolog.Nop(), totals: newTotals()}
	}
	state := func() (map[string]float64, map[string]string) {
		pop := map[string]float64{}
		zs, err := rdb.ZRangeWithScores(ctx, schema.ItemPopularityKey("ps"), 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, z := range zs {
			pop[z.Member.(string)] = z.Score
		}
		df, err := rdb.HGetAll(ctx, schema.DFKey("ps")).Result()
		if err != nil {
			t.Fatal(err)
		}
		return pop, df
	}
	apply := func(p *pipeline, evs []event.Event) {
		b := &consumer.Batch{Events: append([]event.Event(nil), evs...)}
		if err := p.Apply(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	// reference: every event applied once
	apply(newPipeline(), evs)
	wantPop, wantDF := state()
	if len(wantPop) != 3 || wantDF["users"] != "5" {
		t.Fatalf("reference state: popularity %v, df %v", wantPop, wantDF)
	}
	if err := rdb.FlushAll(ctx).Err(); err != nil { // the test's own server
		t.Fatal(err)
	}
	apply(newPipeline(), evs[:30])
	apply(newPipeline(), evs[:20]) // redelivered after a restart: nothing new
	apply(newPipeline(), evs[10:]) // overlapping: only evs[30:] are new
	apply(newPipeline(), evs)      // all again
	gotPop, gotDF := state()
	for id, w := range wantPop {
		if d := gotPop[id] - w; d > 1e-9 || d < -1e-9 {
			t.Fatalf("item %s popularity score %v, applied once %v (redeliveries counted)", id, gotPop[id], w)
		}
	}
	if len(gotDF) != len(wantDF) {
		t.Fatalf("df %v, want %v", gotDF, wantDF)
	}
	for f, n := range wantDF {
		if gotDF[f] != n {
			t.Fatalf("df %s = %s, want %s", f, gotDF[f], n)
		}
	}
}
