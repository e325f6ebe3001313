package profilestore

import (
	"context"
	"encoding/json"
	"math"
	"math/rand"
	"testing"
	"time"

	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/redistest"
	"github.com/profilestream/profilestream/schema"
)

// TestLayout1Upgrade: a profile stored in layout 1 (float32 "vec", float16 "dvec", JSON lists)
// reads as before, and the next fold rewrites it in layout 2 (Q8 vectors, binary lists) and
// continues from it: the result equals a fold that never saw layout 1.
func TestLayout1Upgrade(t *testing.T) {
	evs := genEvents(61, 1500, 5, 2)
	want := cleanFold(t, evs)
	ctx := context.Background()
	s := newStore(t, redistest.Start(t).Client(), func(o *Options) { o.CacheSize = -1 })
	foldAll(t, s, evs[:700], 50)
	for k, p := range allProfiles(t, s) {
		type nw struct {
			N string  `json:"-"`
			C string  `json:"c,omitempty"`
			T string  `json:"t,omitempty"`
			I string  `json:"i,omitempty"`
			W float64 `json:"n"`
		}
		var cats, terms, bitems []nw
		for _, c := range p.Categories {
			cats = append(cats, nw{C: c.Category, W: c.Count})
		}
		for _, x := range p.Terms {
			terms = append(terms, nw{T: x.Term, W: x.Weight})
		}
		for _, x := range p.ItemSketch {
			bitems = append(bitems, nw{I: x.ItemID, W: x.Weight})
		}
		type it struct {
			I string `json:"i"`
			K string `json:"k"`
			T int64  `json:"t"`
		}
		var items []it
		for _, x := range p.RecentItems {
			items = append(items, it{x.ItemID, x.Kind, x.TS.UnixMilli()})
		}
		js := func(v interface{}) string { b, _ := json.Marshal(v); return string(b) }
		if err := s.rdb.HSet(ctx, schema.ProfileKey("ps", k), schema.FieldSchema, "1",
			schema.FieldVector, schema.EncodeVector(p.Vector), schema.FieldDecayedVector, schema.EncodeVectorF16(p.DecayedMean),
			schema.FieldCategories, js(cats), schema.FieldRecentItems, js(items), schema.FieldTerms, js(terms),
			schema.FieldItemSketch, js(bitems)).Err(); err != nil {
			t.Fatal(err)
		}
	}
	old := allProfiles(t, s)
	for _, p := range old {
		if p.Schema != 1 || !p.DecayedF16 || len(p.Categories) == 0 || len(p.RecentItems) == 0 {
			t.Fatalf("layout 1 profile read back as %+v", p)
		}
	}
	foldAll(t, newStore(t, s.rdb, nil), evs[700:], 50)
	got := allProfiles(t, s)
	sameProfiles(t, want, got)
	for k, p := range got {
		h, err := s.rdb.HGetAll(ctx, schema.ProfileKey("ps", k)).Result()
		if err != nil {
			t.Fatal(err)
		}
		if p.Schema != schema.ProfileSchema || len(h[schema.FieldVector]) != schema.Q8Len(testDim) ||
			len(h[schema.FieldDecayedVector]) != schema.Q8Len(testDim) || h[schema.FieldCategories][0] != schema.ListFormatBinary ||
			h[schema.FieldRecentItems][0] != schema.ListFormatBinary {
			t.Fatalf("%s: not rewritten in layout 2: %q", k, h)
		}
	}
}

// TestQ8Drift measures what storing the running means as Q8 costs a long history folded with
// the cache off, one event per write (every event re-reads and re-quantizes both means): the
// lifetime mean of 1,000 events at 384 dimensions against the exact float64 mean.
func TestQ8Drift(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 single-event folds")
	}
	const dim, n = 384, 1000
	s := newStore(t, redistest.Start(t).Client(), func(o *Options) { o.CacheSize, o.Dim = -1, dim })
	r := rand.New(rand.NewSource(7))
	topics := make([][]float64, 5)
	for i := range topics {
		topics[i] = make([]float64, dim)
		for j := range topics[i] {
			topics[i][j] = r.NormFloat64() / math.Sqrt(dim)
		}
	}
	exact := make([]float64, dim)
	var vw float64
	for k := 0; k < n; k++ {
		tp := topics[r.Intn(len(topics))]
		x := make([]float32, dim)
		for j := range x {
			x[j] = float32(tp[j] + 0.8*r.NormFloat64()/math.Sqrt(dim))
		}
		kind := event.Kinds[r.Intn(len(event.Kinds))]
		e := event.Event{Origin: event.Origin{Topic: "t", Offset: int64(k)}, Pseudonym: "k1.drift", Kind: kind,
			TS: t0.Add(time.Duration(k) * time.Minute), Vector: x}
		if _, err := s.Fold(context.Background(), []event.Event{e}); err != nil {
			t.Fatal(err)
		}
		w := s.opts.ActionWeights[kind]
		vw += w
		for j := range exact {
			exact[j] += w / vw * (float64(x[j]) - exact[j])
		}
	}
	p, err := s.Get(context.Background(), "k1.drift")
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float32, dim)
	for j := range want {
		want[j] = float32(exact[j])
	}
	c, ratio := vecCosine(want, p.Vector)
	t.Logf("Q8 lifetime mean after %d single-event writes: cosine %.5f, norm ratio %.4f to the exact mean", n, c, ratio)
	if c < 0.98 || math.Abs(ratio-1) > 0.05 {
		t.Fatalf("Q8 drift: cosine %.5f norm ratio %.4f", c, ratio)
	}
}
