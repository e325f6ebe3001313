package reader_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/profilestore"
	"github.com/profilestream/profilestream/internal/redistest"
	"github.com/profilestream/profilestream/pseudonym"
	"github.com/profilestream/profilestream/reader"
	"github.com/profilestream/profilestream/schema"
)

const dim = 16

func randomEvents(seed int64, n, users int) []event.Event {
	r := rand.New(rand.NewSource(seed))
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	evs := make([]event.Event, n)
	for i := range evs {
		e := event.Event{
			Origin:    event.Origin{Topic: "t", Partition: i % 2, Offset: int64(i)},
			Pseudonym: fmt.Sprintf("k1.u%02d", r.Intn(users)),
			Kind:      event.Kinds[r.Intn(len(event.Kinds))],
			Category:  fmt.Sprintf("c%d", r.Intn(30)),
			ItemID:    fmt.Sprintf("i%d", r.Intn(100)),
			TS:        t0.Add(time.Duration(r.Intn(2000)) * time.Hour),
		}
		if r.Intn(3) > 0 {
			e.Vector = make([]float32, dim)
			for j := range e.Vector {
				e.Vector[j] = float32(r.NormFloat64())
			}
		}
		if e.Kind == event.KindReview {
			e.Rating = float32(1 + r.Intn(5))
		}
		evs[i] = e
	}
	return evs
}

func newStore(t *testing.T, rdb redis.UniversalClient, model string) *profilestore.Store {
	t.Helper()
	st, err := profilestore.New(rdb, profilestore.Options{ModelID: model, Dim: dim})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestContract checks that reader decodes every field exactly as profilestore wrote it (layout 2:
// Q8 vectors, binary lists).
func TestContract(t *testing.T) {
	rdb := freshRedis()
	defer rdb.Close()
	ctx := context.Background()
	st, err := profilestore.New(rdb, profilestore.Options{ModelID: "m", Dim: dim})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Fold(ctx, randomEvents(1, 2000, 20)); err != nil {
		t.Fatal(err)
	}
	if err := st.SetSegments(ctx, []profilestore.SegmentAssignment{{Pseudonym: "k1.u03", Segment: 7, Distance: 0.125, CentroidVersion: 9}}); err != nil {
		t.Fatal(err)
	}
	r, _ := reader.New(rdb, reader.Options{})
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	n := 0
	err = r.Scan(ctx, func(w *reader.Profile) error { // the scan and a single read agree
		n++
		g, err := r.Profile(ctx, w.Pseudonym)
		if err != nil {
			return err
		}
		checks := []struct {
			name      string
			want, got any
		}{
			{"schema", w.Schema, g.Schema}, {"kid", w.KeyID, g.KeyID}, {"model", w.ModelID, g.ModelID},
			{"dim", w.Dim, g.Dim}, {"hl", w.HalfLife, g.HalfLife}, {"n", w.Events, g.Events},
			{"buys", w.Kinds["buy"], g.Kinds["buy"]}, {"reviews", w.Kinds["review"], g.Kinds["review"]},
			{"vec", fmt.Sprint(w.Vector), fmt.Sprint(g.Vector)}, {"vw", w.VectorWeight, g.VectorWeight},
			{"dvec", fmt.Sprint(w.DecayedMean), fmt.Sprint(g.DecayedMean)}, {"dw", w.DecayedWeightAt(now), g.DecayedWeightAt(now)},
			{"act", w.ActivityAt(now), g.ActivityAt(now)}, {"dts", w.DecayedAt, g.DecayedAt},
			{"rating", w.MeanRating(), g.MeanRating()}, {"first", w.FirstSeen, g.FirstSeen}, {"last", w.LastSeen, g.LastSeen},
			{"upd", w.UpdatedAt, g.UpdatedAt}, {"cats", fmt.Sprint(w.TopCategories(now, 10)), fmt.Sprint(g.TopCategories(now, 10))},
			{"items", len(w.RecentItems), len(g.RecentItems)}, {"item0", w.RecentItems[0].ItemID, g.RecentItems[0].ItemID},
			{"seg", w.Segment, g.Segment}, {"segd", w.SegmentDistance, g.SegmentDistance}, {"segv", w.CentroidVersion, g.CentroidVersion},
			{"segt", w.SegmentAt, g.SegmentAt},
		}
		for _, c := range checks {
			if c.want != c.got {
				return fmt.Errorf("%s: field %s: writer %v, reader %v", w.Pseudonym, c.name, c.want, c.got)
			}
		}
		if dv := g.DecayedVector(now); g.DecayedMean != nil && math.Abs(float64(dv[0])-float64(g.DecayedMean[0])*g.DecayedWeightAt(now)) > 1e-5 {
			return fmt.Errorf("DecayedVector %v", dv[0])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 20 {
		t.Fatalf("scanned %d profiles", n)
	}
	for _, f := range []string{schema.FieldVector, schema.FieldDecayedVector} {
		if blob, _ := rdb.HGet(ctx, schema.ProfileKey("ps", "k1.u03"), f).Result(); len(blob) != schema.Q8Len(dim) {
			t.Fatalf("%s blob of %d bytes, dim %d: not Q8", f, len(blob), dim)
		}
	}
}

func TestProfileByUserID(t *testing.T) {
	rdb := freshRedis()
	defer rdb.Close()
	ctx := context.Background()
	oldKey := pseudonym.Key{ID: "k1", Secret: []byte(strings.Repeat("o", 32))}
	newKey := pseudonym.Key{ID: "k2", Secret: []byte(strings.Repeat("n", 32))}
	before, _ := pseudonym.NewRing(oldKey)         // the writer's ring before the rotation
	ring, err := pseudonym.NewRing(newKey, oldKey) // during the rotation: new key active
	if err != nil {
		t.Fatal(err)
	}
	st := newStore(t, rdb, "m")
	evs := randomEvents(2, 50, 2) // users u00, u01, pseudonymized under the old key
	for i := range evs {
		evs[i].Pseudonym = before.Pseudonym("", strings.TrimPrefix(evs[i].Pseudonym, "k1."))
	}
	if _, err := st.Fold(ctx, evs); err != nil {
		t.Fatal(err)
	}
	// u01 moves to its new pseudonym (key rotation); reads must follow
	oldU01, newU01 := before.Pseudonym("", "u01"), ring.Pseudonym("", "u01")
	if err := st.Move(ctx, oldU01, newU01); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, ns, raw, want string
		err                 error
	}{
		{"not rotated yet: found under the old key", "", "u00", before.Pseudonym("", "u00"), nil},
		{"rotated: found under the new key", "", "u01", newU01, nil},
		{"unknown user", "", "u99", "", reader.ErrNotFound},
		{"another namespace is another user", "shop-b", "u00", "", reader.ErrNotFound},
	} {
		r, _ := reader.New(rdb, reader.Options{Keys: ring, Namespace: tc.ns})
		p, err := r.ProfileByUserID(ctx, tc.raw)
		if !errors.Is(err, tc.err) || (err == nil && p.Pseudonym != tc.want) {
			t.Errorf("%s: got %v, %v; want %s, %v", tc.name, p, err, tc.want, tc.err)
		}
	}
	// The old pseudonym's hash is a tombstone naming the new one: Profile follows it.
	r, _ := reader.New(rdb, reader.Options{})
	if p, err := r.Profile(ctx, oldU01); err != nil || p.Pseudonym != newU01 {
		t.Errorf("Profile(old pseudonym) = %v, %v; want the moved profile %s", p, err, newU01)
	}
	if _, err := r.ProfileByUserID(ctx, "u00"); err == nil {
		t.Error("ProfileByUserID without Keys did not fail")
	}
}

// TestProfileFollowsMoves: a chain of moves is followed; a move to nowhere and a cycle end in
// ErrNotFound.
func TestProfileFollowsMoves(t *testing.T) {
	rdb := freshRedis()
	defer rdb.Close()
	ctx := context.Background()
	set := func(ps string, kv ...string) {
		if err := rdb.HSet(ctx, schema.ProfileKey("ps", ps), kv).Err(); err != nil {
			t.Fatal(err)
		}
	}
	set("a", schema.FieldMovedTo, "b")
	set("b", schema.FieldMovedTo, "c")
	set("c", schema.FieldEvents, "7")
	set("gone", schema.FieldMovedTo, "nobody")
	set("x", schema.FieldMovedTo, "y")
	set("y", schema.FieldMovedTo, "x")
	r, _ := reader.New(rdb, reader.Options{})
	for _, tc := range []struct {
		from, want string
		err        error
	}{{"a", "c", nil}, {"c", "c", nil}, {"gone", "", reader.ErrNotFound}, {"x", "", reader.ErrNotFound}} {
		p, err := r.Profile(ctx, tc.from)
		if !errors.Is(err, tc.err) || (err == nil && (p.Pseudonym != tc.want || p.Events != 7)) {
			t.Errorf("Profile(%s) = %+v, %v; want %s, %v", tc.from, p, err, tc.want, tc.err)
		}
	}
}

// bruteSimilar is the reference: every other profile scored with the Scorer's Scores, ties by
// pseudonym.
func bruteSimilar(sc *reader.Scorer, ps []*reader.Profile, me string, k int) []string {
	var q *reader.Profile
	for _, p := range ps {
		if p.Pseudonym == me {
			q = p
		}
	}
	type scored struct {
		p string
		s float64
	}
	var others []*reader.Profile
	for _, p := range ps {
		if p.Pseudonym != me {
			others = append(others, p)
		}
	}
	var all []scored
	for i, s := range sc.Scores(q, others) {
		all = append(all, scored{others[i].Pseudonym, s})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].s != all[j].s {
			return all[i].s > all[j].s
		}
		return all[i].p < all[j].p
	})
	var out []string
	for i := 0; i < k && i < len(all); i++ {
		out = append(out, all[i].p)
	}
	return out
}

func TestSimilar(t *testing.T) {
	single := freshRedis()
	defer single.Close()
	for _, tc := range []struct {
		name string
		rdb  func(t *testing.T) redis.UniversalClient
	}{
		{"single", func(t *testing.T) redis.UniversalClient { return single }},
		{"cluster", func(t *testing.T) redis.UniversalClient {
			if testing.Short() {
				t.Skip("cluster")
			}
			return redistest.StartCluster(t).Client()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rdb := tc.rdb(t)
			ctx := context.Background()
			st := newStore(t, rdb, "m")
			if _, err := st.Fold(ctx, randomEvents(3, 1500, 40)); err != nil {
				t.Fatal(err)
			}
			// a profile of another model is compared on its other parts
			other := newStore(t, rdb, "other-model")
			oe := randomEvents(4, 5, 1)
			for i := range oe {
				oe[i].Pseudonym = "k1.other"
			}
			if _, err := other.Fold(ctx, oe); err != nil {
				t.Fatal(err)
			}
			r, _ := reader.New(rdb, reader.Options{ScanCount: 7})
			var ps []*reader.Profile
			if err := r.Scan(ctx, func(p *reader.Profile) error {
				ps = append(ps, p)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			sc, err := r.Scorer(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []int{1, 5, 100} {
				got, err := r.Similar(ctx, "k1.u05", k)
				if err != nil {
					t.Fatal(err)
				}
				want := bruteSimilar(sc, ps, "k1.u05", k)
				if len(got) != len(want) {
					t.Fatalf("k=%d: %d neighbors, want %d", k, len(got), len(want))
				}
				for i := range got {
					if got[i].Pseudonym != want[i] {
						t.Fatalf("k=%d: neighbor %d is %s, want %s", k, i, got[i].Pseudonym, want[i])
					}
					if i > 0 && got[i].Similarity > got[i-1].Similarity {
						t.Fatalf("not sorted")
					}
				}
			}
			if _, err := r.Similar(ctx, "k1.nobody", 3); !errors.Is(err, reader.ErrNotFound) {
				t.Fatalf("similar to unknown: %v", err)
			}
		})
	}
}
