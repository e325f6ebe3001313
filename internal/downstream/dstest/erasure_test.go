package dstest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/redistest"
	"github.com/profilestream/profilestream/reader"
	"github.com/profilestream/profilestream/schema"
)

// traces lists everything in Redis that names pseudonym: keys, members of sets and sorted sets,
// fields and values of hashes and streams, string values.
func traces(t *testing.T, ctx context.Context, c *redis.Client, pseudonym string) []string {
	t.Helper()
	keys, err := c.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	add := func(key, what string) { out = append(out, key+": "+what) }
	for _, k := range keys {
		if strings.Contains(k, pseudonym) {
			add(k, "key name")
		}
		switch c.Type(ctx, k).Val() {
		case "set":
			if c.SIsMember(ctx, k, pseudonym).Val() {
				add(k, "set member")
			}
		case "zset":
			if _, err := c.ZScore(ctx, k, pseudonym).Result(); err == nil {
				add(k, "sorted-set member")
			}
		case "hash":
			for f, v := range c.HGetAll(ctx, k).Val() {
				if strings.Contains(f, pseudonym) || strings.Contains(v, pseudonym) {
					add(k, "hash field "+f)
				}
			}
		case "stream":
			for _, m := range c.XRange(ctx, k, "-", "+").Val() {
				for f, v := range m.Values {
					if s, _ := v.(string); strings.Contains(s, pseudonym) {
						add(k, "stream entry "+m.ID+" field "+f)
					}
				}
			}
		case "string":
			if strings.Contains(c.Get(ctx, k).Val(), pseudonym) {
				add(k, "string value")
			}
		}
	}
	return out
}

// TestReplayAfterErasureLeavesNothing folds users through the same stages as the worker (fold,
// segments, item index), erases one with profilestore.Forget (what the worker and `streamer
// forget` call), replays all of the user's events, and checks that Redis holds nothing of the
// user but the erasure-ledger entry.
func TestReplayAfterErasureLeavesNothing(t *testing.T) {
	ctx := context.Background()
	c := redistest.Start(t).Client()
	end := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	w, err := Seed(ctx, c, 40, end)
	if err != nil {
		t.Fatal(err)
	}
	raw := "user-004"
	ps := w.Pz.Pseudonym(raw)
	before := traces(t, ctx, c, ps)
	want := []string{"profile", "item set", "segment members", "segment changes"}
	for i, frag := range []string{":v1:p:{" + ps + "}: key name", ":items: key name", ":members: set member", "segchanges: stream entry"} {
		found := false
		for _, tr := range before {
			found = found || strings.Contains(tr, frag)
		}
		if !found {
			t.Fatalf("seeding left no %s of the user to erase (%q); traces: %v", want[i], frag, before)
		}
	}

	if err := w.Store.Forget(ctx, ps); err != nil {
		t.Fatal(err)
	}
	ledger := schema.ErasureKey("ps", ps) + ": key name"
	check := func(when string) {
		t.Helper()
		for _, tr := range traces(t, ctx, c, ps) {
			if tr != ledger {
				t.Errorf("%s: the user is still in Redis: %s", when, tr)
			}
		}
		if c.Exists(ctx, schema.ErasureKey("ps", ps)).Val() != 1 {
			t.Errorf("%s: no erasure-ledger entry", when)
		}
	}
	check("after erasure")

	// Replay: every event of the user again, as redelivered (same offsets) and as a backfill
	// (new offsets), plus a fresh event, through the worker's stages.
	var mine []event.Event
	for _, e := range w.Events {
		if e.Pseudonym == ps {
			mine = append(mine, e)
		}
	}
	if len(mine) == 0 {
		t.Fatal("no events of the user")
	}
	replay := append([]event.Event(nil), mine...)
	for _, e := range mine {
		w.off++
		e.Offset = w.off
		replay = append(replay, e)
	}
	replay = append(replay, w.Click(raw, "Beauty-01", 1, end.Add(time.Hour), nil))
	if err := w.Feed(ctx, replay); err != nil {
		t.Fatal(err)
	}
	if err := w.Model.SweepOnce(ctx, segStore{w.Store, mustReader(t, w.Client)}); err != nil {
		t.Fatal(err)
	}
	if err := w.Model.Merge(ctx); err != nil {
		t.Fatal(err)
	}
	check("after replay")
}

func mustReader(t *testing.T, rdb redis.UniversalClient) *reader.Reader {
	t.Helper()
	rd, err := reader.New(rdb, reader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rd
}
