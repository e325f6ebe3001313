package profilestore

import (
	"context"
	"errors"
	"math"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/redistest"
	"github.com/profilestream/profilestream/reader"
	"github.com/profilestream/profilestream/schema"
)

const testDim = 8

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// bothWriteModes runs fn as subtest "tx" (the fenced MULTI/EXEC, the default on a single server) and
// as subtest "script" (the Lua compare-and-set, the cluster path); newStore picks the mode from
// the test name.
func bothWriteModes(t *testing.T, fn func(t *testing.T)) {
	t.Run("tx", fn)
	t.Run("script", fn)
}

func newStore(t testing.TB, rdb redis.UniversalClient, mod func(*Options)) *Store {
	t.Helper()
	o := Options{ModelID: "test-model", Dim: testDim, Now: func() time.Time { return t0.Add(1000 * time.Hour) },
		UseScript: strings.Contains(t.Name(), "/script")}
	if mod != nil {
		mod(&o)
	}
	s, err := New(rdb, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func unitVec(r *rand.Rand) []float32 {
	v := make([]float32, testDim)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return schema.Normalize(v)
}

// genEvents makes n events of nUsers users over nParts partitions of topic "t", offsets in
// order per partition, about half of them with a vector.
func genEvents(seed int64, n, nUsers, nParts int) []event.Event {
	words := []string{"battery", "screen", "novel", "garden", "guitar", "coffee", "puzzle", "lamp", "shoes", "tent"}
	rw := rand.New(rand.NewSource(seed + 1)) // texts: a stream of their own, so the other fields are as before
	r := rand.New(rand.NewSource(seed))
	offs := make([]int64, nParts)
	cats := []string{"books", "music", "toys", "food", "garden"}
	evs := make([]event.Event, n)
	for i := range evs {
		p := r.Intn(nParts)
		e := event.Event{
			Origin:    event.Origin{Topic: "t", Partition: p, Offset: offs[p]},
			Pseudonym: "k1.u" + string(rune('a'+r.Intn(nUsers))),
			Kind:      event.Kinds[r.Intn(len(event.Kinds))],
			Category:  cats[r.Intn(len(cats))],
			ItemID:    "i" + string(rune('a'+r.Intn(26))),
			TS:        t0.Add(time.Duration(r.Intn(1000)) * time.Hour),
		}
		offs[p]++
		if r.Intn(2) == 0 {
			e.Vector = unitVec(r)
		}
		if e.Kind == event.KindReview {
			e.Rating = float32(1 + r.Intn(5))
			e.Text = words[rw.Intn(len(words))] + " " + words[rw.Intn(len(words))] + " " + words[rw.Intn(len(words))]
		} else if rw.Intn(3) == 0 {
			e.ItemTitle = words[rw.Intn(len(words))] + " 手机"
		}
		evs[i] = e
	}
	return evs
}

func foldAll(t testing.TB, s *Store, evs []event.Event, batch int) FoldResult {
	t.Helper()
	var tot FoldResult
	for i := 0; i < len(evs); i += batch {
		j := min(i+batch, len(evs))
		r, err := s.Fold(context.Background(), evs[i:j])
		if err != nil {
			t.Fatalf("fold: %v", err)
		}
		tot.Applied += r.Applied
		tot.Duplicates += r.Duplicates
		tot.Erased += r.Erased
		tot.Rejected += r.Rejected
		tot.Conflicts += r.Conflicts
	}
	return tot
}

func allProfiles(t testing.TB, s *Store) map[string]*schema.Profile {
	t.Helper()
	out := map[string]*schema.Profile{}
	rd, err := reader.New(s.rdb, reader.Options{Prefix: s.opts.Prefix})
	if err != nil {
		t.Fatal(err)
	}
	if err := rd.Scan(context.Background(), func(p *schema.Profile) error { out[p.Pseudonym] = p; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// sameProfiles compares everything a fold determines (not versions, creation ids, update times).
func sameProfiles(t testing.TB, want, got map[string]*schema.Profile) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("profiles: want %d, got %d", len(want), len(got))
	}
	for k, w := range want {
		g := got[k]
		if g == nil {
			t.Fatalf("profile %s missing", k)
		}
		if w.Events != g.Events || w.RatingCount != g.RatingCount || !w.FirstSeen.Equal(g.FirstSeen) || !w.LastSeen.Equal(g.LastSeen) {
			t.Fatalf("profile %s: counts differ: want n=%d rn=%d, got n=%d rn=%d", k, w.Events, w.RatingCount, g.Events, g.RatingCount)
		}
		for _, kind := range event.Kinds {
			if w.Kinds[kind.String()] != g.Kinds[kind.String()] {
				t.Fatalf("profile %s: kind %s: want %d got %d", k, kind, w.Kinds[kind.String()], g.Kinds[kind.String()])
			}
		}
		for name, a := range map[string][2]float64{
			"vw": {w.VectorWeight, g.VectorWeight}, "dw": {w.DecayedWeight, g.DecayedWeight},
			"act": {w.Activity, g.Activity}, "rsum": {w.RatingSum, g.RatingSum},
		} {
			if math.Abs(a[0]-a[1]) > 1e-9*math.Max(1, math.Abs(a[0])) {
				t.Fatalf("profile %s: %s want %v got %v", k, name, a[0], a[1])
			}
		}
		for name, a := range map[string][2][]float32{"vec": {w.Vector, g.Vector}, "dvec": {w.DecayedMean, g.DecayedMean}} {
			if len(a[0]) != len(a[1]) {
				t.Fatalf("profile %s: %s length %d vs %d", k, name, len(a[0]), len(a[1]))
			}
			// Q8 vectors (layout 2), rounded on every write: a batching or cache state other
			// than the reference's rounds differently; the drift must stay tiny.
			if c, r := vecCosine(a[0], a[1]); c < 0.999 || math.Abs(r-1) > 0.03 {
				t.Fatalf("profile %s: %s cosine %v norm ratio %v to the reference", k, name, c, r)
			}
		}
		sameSketches(t, k, w, g)
		for p, wm := range w.Watermarks {
			if g.Watermarks[p] != wm {
				t.Fatalf("profile %s: watermark %s want %d got %d", k, p, wm, g.Watermarks[p])
			}
		}
		if len(w.Categories) != len(g.Categories) {
			t.Fatalf("profile %s: %d categories, want %d", k, len(g.Categories), len(w.Categories))
		}
		for i, c := range w.Categories {
			d := g.Categories[i]
			if c.Category != d.Category || math.Abs(c.Count-d.Count) > 1e-6*math.Max(1, c.Count) { // float32 in Redis
				t.Fatalf("profile %s: category %d want %+v got %+v", k, i, c, d)
			}
		}
		if len(w.RecentItems) != len(g.RecentItems) {
			t.Fatalf("profile %s: %d recent items, want %d", k, len(g.RecentItems), len(w.RecentItems))
		}
		for i, it := range w.RecentItems {
			if d := g.RecentItems[i]; it.ItemID != d.ItemID || it.Kind != d.Kind || !it.TS.Equal(d.TS) {
				t.Fatalf("profile %s: recent item %d want %+v got %+v", k, i, it, d)
			}
		}
		if !w.DecayedAt.Equal(g.DecayedAt) || w.KeyID != g.KeyID || w.ModelID != g.ModelID {
			t.Fatalf("profile %s: dts/kid/model differ", k)
		}
	}
}

func TestFoldAndGet(t *testing.T) {
	rdb := redistest.Start(t).Client()
	s := newStore(t, rdb, nil)
	ctx := context.Background()
	v1 := []float32{1, 0, 0, 0, 0, 0, 0, 0}
	v2 := []float32{0, 1, 0, 0, 0, 0, 0, 0}
	evs := []event.Event{
		{Origin: event.Origin{Topic: "clicks", Partition: 0, Offset: 10}, Pseudonym: "k1.abc", Kind: event.KindView, Category: "books", ItemID: "b1", TS: t0, Vector: v1},
		{Origin: event.Origin{Topic: "clicks", Partition: 0, Offset: 11}, Pseudonym: "k1.abc", Kind: event.KindBuy, Category: "toys", ItemID: "t1", TS: t0.Add(720 * time.Hour), Vector: v2},
		{Origin: event.Origin{Topic: "reviews", Partition: 3, Offset: 5}, Pseudonym: "k1.abc", Kind: event.KindReview, Rating: 4, TS: t0.Add(time.Hour)},
		{Origin: event.Origin{Topic: "clicks", Partition: 0, Offset: 12}, Pseudonym: "", Kind: event.KindView, TS: t0},
	}
	res, err := s.Fold(ctx, evs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Applied != 3 || res.Rejected != 1 || len(res.Updated) != 1 {
		t.Fatalf("result %+v", res)
	}
	p, err := s.Get(ctx, "k1.abc")
	if err != nil {
		t.Fatal(err)
	}
	if p.Events != 3 || p.Kinds[event.KindView.String()] != 1 || p.Kinds[event.KindBuy.String()] != 1 || p.Kinds[event.KindReview.String()] != 1 {
		t.Fatalf("counts %+v", p)
	}
	if p.KeyID != "k1" || p.ModelID != "test-model" || p.Dim != testDim || p.Schema != schema.ProfileSchema || p.Version != 1 {
		t.Fatalf("meta %+v", p)
	}
	// lifetime mean: view weight 1 on v1, buy weight 4 on v2 -> (0.2, 0.8), within a Q8 step
	if math.Abs(float64(p.Vector[0])-0.2) > 0.8/127 || math.Abs(float64(p.Vector[1])-0.8) > 0.8/127 {
		t.Fatalf("vector %v", p.Vector)
	}
	// decayed: the view is one half-life older than the buy -> weights 0.5 and 4
	if math.Abs(float64(p.DecayedMean[0])-0.5/4.5) > 1.0/127 || math.Abs(p.DecayedWeight-4.5) > 1e-9 {
		t.Fatalf("decayed %v %v", p.DecayedMean, p.DecayedWeight)
	}
	if !p.DecayedAt.Equal(t0.Add(720*time.Hour)) || !p.FirstSeen.Equal(t0) || !p.LastSeen.Equal(t0.Add(720*time.Hour)) {
		t.Fatalf("times %v %v %v", p.DecayedAt, p.FirstSeen, p.LastSeen)
	}
	if got := p.DecayedWeightAt(t0.Add(1440 * time.Hour)); math.Abs(got-2.25) > 1e-9 {
		t.Fatalf("decayed weight a half-life later: %v", got)
	}
	if p.MeanRating() != 4 || p.Watermarks["clicks:0"] != 11 || p.Watermarks["reviews:3"] != 5 {
		t.Fatalf("rating/watermarks %v %v", p.MeanRating(), p.Watermarks)
	}
	if len(p.Categories) != 2 || p.Categories[0].Category != "toys" || math.Abs(p.Categories[1].Count-0.5) > 1e-9 {
		t.Fatalf("categories %+v", p.Categories)
	}
	if len(p.RecentItems) != 2 || p.RecentItems[0].ItemID != "t1" || p.RecentItems[0].Kind != "buy" {
		t.Fatalf("items %+v", p.RecentItems)
	}
	if p.Segment != -1 {
		t.Fatalf("segment %d", p.Segment)
	}
	if _, err := s.Get(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("want ErrNotFound, got %v", err)
	}
}

func TestSetSegments(t *testing.T) {
	rdb := redistest.Start(t).Client()
	s := newStore(t, rdb, nil)
	ctx := context.Background()
	foldAll(t, s, genEvents(1, 20, 2, 1), 20)
	err := s.SetSegments(ctx, []SegmentAssignment{
		{Pseudonym: "k1.ua", Segment: 3, Distance: 0.25, CentroidVersion: 7},
		{Pseudonym: "k1.nobody", Segment: 1, Distance: 0.1, CentroidVersion: 7},
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Get(ctx, "k1.ua")
	if err != nil {
		t.Fatal(err)
	}
	if p.Segment != 3 || p.SegmentDistance != 0.25 || p.CentroidVersion != 7 || p.SegmentAt.IsZero() {
		t.Fatalf("segment fields %+v", p)
	}
	if n, _ := rdb.Exists(ctx, schema.ProfileKey("ps", "k1.nobody")).Result(); n != 0 {
		t.Fatal("SetSegments created a profile")
	}
	// an older centroid version does not overwrite
	if err := s.SetSegments(ctx, []SegmentAssignment{{Pseudonym: "k1.ua", Segment: 1, CentroidVersion: 6}}); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Get(ctx, "k1.ua"); p.Segment != 3 {
		t.Fatalf("stale assignment applied: %d", p.Segment)
	}
	// a fold after SetSegments keeps the segment fields
	foldAll(t, s, genEvents(2, 20, 2, 1)[:0], 1)
	evs := genEvents(1, 40, 2, 1)[20:]
	foldAll(t, s, evs, 20)
	if p, _ := s.Get(ctx, "k1.ua"); p.Segment != 3 {
		t.Fatalf("fold overwrote segment: %d", p.Segment)
	}
}

func TestRejected(t *testing.T) {
	s := newStore(t, redistest.Start(t).Client(), nil)
	ok := event.Event{Origin: event.Origin{Topic: "t"}, Pseudonym: "k1.u", Kind: event.KindView, TS: t0}
	for i, tc := range []struct {
		name   string
		mod    func(e *event.Event)
		reject bool
	}{
		{"valid", func(e *event.Event) {}, false},
		{"empty vector is no vector", func(e *event.Event) { e.Vector = []float32{} }, false},
		{"no pseudonym", func(e *event.Event) { e.Pseudonym = "" }, true},
		{"kind zero", func(e *event.Event) { e.Kind = 0 }, true},
		{"kind out of range", func(e *event.Event) { e.Kind = 9 }, true},
		{"zero time", func(e *event.Event) { e.TS = time.Time{} }, true},
		{"wrong dimension", func(e *event.Event) { e.Vector = []float32{1} }, true},
		{"NaN", func(e *event.Event) { e.Vector = make([]float32, testDim); e.Vector[3] = float32(math.NaN()) }, true},
		{"Inf", func(e *event.Event) { e.Vector = make([]float32, testDim); e.Vector[0] = float32(math.Inf(1)) }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := ok
			e.Offset = int64(i) // increasing: never a duplicate
			tc.mod(&e)
			r, err := s.Fold(context.Background(), []event.Event{e})
			if err != nil {
				t.Fatal(err)
			}
			if (r.Rejected == 1) != tc.reject || (r.Applied == 1) == tc.reject {
				t.Fatalf("%+v", r)
			}
		})
	}
}

// sameSketches compares the interest sketches and the behavioural vector of two profiles (the
// tests keep fewer distinct terms and items than the sketches hold, so nothing is evicted and
// the result does not depend on folding order, up to float32 rounding).
func sameSketches(t testing.TB, k string, w, g *schema.Profile) {
	t.Helper()
	close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-4*math.Max(1, math.Abs(a)) }
	wt, gt := map[string]float64{}, map[string]float64{}
	for _, x := range w.Terms {
		wt[x.Term] = x.Weight
	}
	for _, x := range g.Terms {
		gt[x.Term] = x.Weight
	}
	if len(wt) != len(gt) {
		t.Fatalf("profile %s: terms %v, want %v", k, g.Terms, w.Terms)
	}
	for term, x := range wt {
		if !close(x, gt[term]) {
			t.Fatalf("profile %s: term %s weight %v, want %v", k, term, gt[term], x)
		}
	}
	wi, gi := map[string]float64{}, map[string]float64{}
	for _, x := range w.ItemSketch {
		wi[x.ItemID] = x.Weight
	}
	for _, x := range g.ItemSketch {
		gi[x.ItemID] = x.Weight
	}
	full := len(wi) == 16 // the default TopItems: entries may have been evicted, in an order-dependent way
	if len(wi) != len(gi) {
		t.Fatalf("profile %s: item sketch %v, want %v", k, g.ItemSketch, w.ItemSketch)
	}
	for id, x := range wi {
		if full {
			break // an entry evicted and seen again restarts from a small weight: order-dependent
		}
		if !close(x, gi[id]) {
			t.Fatalf("profile %s: item %s weight %v, want %v", k, id, gi[id], x)
		}
	}
	if len(w.BehaviorVector) != len(g.BehaviorVector) {
		t.Fatalf("profile %s: bvec length %d, want %d", k, len(g.BehaviorVector), len(w.BehaviorVector))
	}
	// float16 sums, rounded after every fold: they differ in the last places depending on the
	// folding order, so compare the norm of the difference with the norm.
	var dd, nn float64
	for i := range w.BehaviorVector {
		d := float64(w.BehaviorVector[i] - g.BehaviorVector[i])
		dd += d * d
		nn += float64(w.BehaviorVector[i]) * float64(w.BehaviorVector[i])
	}
	if dd > 1e-4*nn {
		t.Fatalf("profile %s: bvec %v, want %v", k, g.BehaviorVector, w.BehaviorVector)
	}
}

// vecCosine returns the cosine of a and b and the ratio of their norms (|b|/|a|); 1, 1 for two
// empty vectors.
func vecCosine(a, b []float32) (cos, ratio float64) {
	var d, na, nb float64
	for i := range a {
		d += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 && nb == 0 {
		return 1, 1
	}
	return d / math.Sqrt(na*nb), math.Sqrt(nb / na)
}
