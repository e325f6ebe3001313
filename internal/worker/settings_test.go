package worker

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/profilestream/profilestream/internal/apps"
	"github.com/profilestream/profilestream/internal/consumer"
	"github.com/profilestream/profilestream/internal/downstream"
	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/privacy"
	"github.com/profilestream/profilestream/reader"
	"github.com/profilestream/profilestream/schema"
)

// TestWeightsReachReaders: a worker run with the weight of a purchase at 8 (`run --weight-buy 8`)
// stores its settings next to the profiles, and the readers (downstream's item popularity and
// churn risk, reader.Settings) interpret the data with them: an item's popularity equals the
// activity of the one user who touched it, and the churn risk is the score with weight 8, not
// with the default 4. A second worker with the default weights refuses to start, and starts with
// MigrateSettings.
func TestWeightsReachReaders(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rig := newRig(t)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var recs []*kgo.Record
	for i, action := range []string{"view", "buy"} {
		v := fmt.Sprintf(`{"user_id":"u1","item_id":"i1","action":%q,"category":"c1","item_title":"cable","ts":%d}`,
			action, t0.Add(time.Duration(i)*time.Second).Unix())
		recs = append(recs, &kgo.Record{Topic: "clicks", Partition: 0, Value: []byte(v)})
	}
	if err := rig.kafka.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	weights := map[event.Kind]float64{event.KindView: 1, event.KindCart: 2, event.KindFav: 2, event.KindBuy: 8, event.KindReview: 3}
	start := func(w map[event.Kind]float64, migrate bool, log *lockedBuffer) (*Worker, context.CancelFunc, chan error) {
		cfg := Config{
			Consumer:   consumer.Config{Brokers: rig.kafka.Brokers(), BatchSize: 16, BatchTimeout: 20 * time.Millisecond},
			RedisAddrs: []string{rig.redis.Addr}, Keys: rig.ring, Encoder: rig.enc, LagInterval: -1,
			DisableSegments: true, MigrateSettings: migrate,
		}
		cfg.Store.ActionWeights = w
		wk, err := New(cfg, zerolog.New(log))
		if err != nil {
			t.Fatal(err)
		}
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- wk.Run(runCtx) }()
		return wk, stop, done
	}
	rdb := redis.NewClient(&redis.Options{Addr: rig.redis.Addr})
	defer rdb.Close()
	var log1 lockedBuffer
	w1, stop1, done1 := start(weights, false, &log1)
	waitUntil(t, ctx, "the worker to fold both events and index the item", time.Minute, func() bool {
		return w1.Totals().Applied >= 2 && rdb.ZScore(ctx, schema.ItemPopularityKey(schema.DefaultPrefix), "i1").Val() > 0 &&
			rdb.HGet(ctx, schema.ItemKey(schema.DefaultPrefix, "i1"), schema.ItemFieldLast).Val() == fmt.Sprint(t0.Add(time.Second).UnixMilli())
	}, func() string { return tail(log1.String(), 30) })
	stop1()
	if err := <-done1; err != nil {
		t.Fatalf("worker: %v", err)
	}

	rd, err := reader.New(rdb, reader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, stored, err := rd.Settings(ctx)
	if err != nil || !stored || st.Weight("buy") != 8 || st.ModelID != rig.enc.ModelID() || st.HalfLife != schema.DefaultHalfLife {
		t.Fatalf("stored settings %+v, stored %v, err %v", st, stored, err)
	}
	ps := privacy.NewPseudonymizer(rig.ring).Pseudonym("u1")
	p, err := rd.Profile(ctx, ps)
	if err != nil {
		t.Fatal(err)
	}
	now := t0.Add(time.Second)
	if act := p.ActivityAt(now); math.Abs(act-9) > 1e-3 {
		t.Fatalf("profile activity %.4f, want 1 (view) + 8 (buy)", act)
	}

	svc, err := downstream.New(rdb, downstream.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := svc.Recommend(ctx, "nobody", 5, "")
	if err != nil || len(rec.Items) != 1 || rec.Items[0].ItemID != "i1" {
		t.Fatalf("recommend: %+v, %v", rec, err)
	}
	if pop, act := rec.Items[0].Popular, p.ActivityAt(now); math.Abs(pop-act) > 1e-3 {
		t.Errorf("item popularity %.4f disagrees with the activity %.4f of its only user", pop, act)
	}

	at := t0.Add(48 * time.Hour)
	rep, err := svc.Churn(ctx, downstream.ChurnQuery{At: at})
	if err != nil || len(rep.Users) != 1 {
		t.Fatalf("churn: %+v, %v", rep, err)
	}
	want := apps.ChurnOptions{ActionWeights: map[string]float64{"view": 1, "cart": 2, "fav": 2, "buy": 8, "review": 3}}.Score(p, at)
	def := apps.ChurnScore(p, at)
	if got := rep.Users[0].Risk; math.Abs(got-want) > 1e-12 || math.Abs(got-def) < 1e-5 {
		t.Errorf("churn risk %.6f: want %.6f (the stored weights), not %.6f (the defaults)", got, want, def)
	}
	t.Logf("popularity %.4f = activity %.4f; churn risk %.6f with weight 8 (%.6f with the default 4)",
		rec.Items[0].Popular, p.ActivityAt(now), rep.Users[0].Risk, def)

	// Another worker with the default weights refuses to start, naming the difference.
	var log2 lockedBuffer
	_, stop2, done2 := start(nil, false, &log2)
	defer stop2()
	select {
	case err := <-done2:
		if !errors.Is(err, ErrSettingsDiffer) || !strings.Contains(err.Error(), "weight of buy 4 (stored 8)") ||
			!strings.Contains(err.Error(), "--migrate-settings") {
			t.Fatalf("worker with other weights: %v", err)
		}
	case <-ctx.Done():
		t.Fatalf("a worker with other settings did not refuse to start:\n%s", tail(log2.String(), 20))
	}
	// With MigrateSettings it starts and replaces them.
	var log3 lockedBuffer
	_, stop3, done3 := start(nil, true, &log3)
	waitUntil(t, ctx, "the migrated settings", time.Minute, func() bool {
		s, _, err := rd.Settings(ctx)
		return err == nil && s.Weight("buy") == 4
	}, func() string { return tail(log3.String(), 20) })
	stop3()
	if err := <-done3; err != nil {
		t.Fatalf("migrating worker: %v", err)
	}
	if !strings.Contains(log3.String(), "settings migrated") {
		t.Errorf("the migration is not logged:\n%s", tail(log3.String(), 20))
	}
}
