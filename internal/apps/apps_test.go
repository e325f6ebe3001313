package apps

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/itemindex"
	"github.com/profilestream/profilestream/internal/profilestore"
	"github.com/profilestream/profilestream/internal/redistest"
	"github.com/profilestream/profilestream/reader"
	"github.com/profilestream/profilestream/schema"
)

var t0 = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeEncoder maps a text to a fixed vector (unknown texts to e0).
type fakeEncoder map[string][]float32

func (f fakeEncoder) Encode(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v, ok := f[t]
		if !ok {
			v = []float32{1, 0, 0, 0}
		}
		out[i] = v
	}
	return out, nil
}

type env struct {
	ctx   context.Context
	store *profilestore.Store
	w     *itemindex.Writer // the worker's side of the item index
	idx   *ItemIndex
	off   int64
}

// readOptions are the ItemOptions that read what a Writer with o writes.
func readOptions(o itemindex.Options) ItemOptions {
	return ItemOptions{Prefix: o.Prefix, ModelID: o.ModelID, HalfLife: o.HalfLife, MaxUserItems: o.MaxUserItems,
		MaxCooccur: o.MaxCooccur, CooccurRecent: o.CooccurRecent, RefreshInterval: time.Nanosecond} // always reload in tests
}

func newEnv(t *testing.T, o itemindex.Options) *env {
	t.Helper()
	srv := redistest.Start(t)
	c := srv.Client()
	st, err := profilestore.New(c, profilestore.Options{ModelID: "m", Dim: 4, HalfLife: 240 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	o.ModelID = "m"
	w, err := itemindex.New(c, o)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := NewItemIndex(c, readOptions(o))
	if err != nil {
		t.Fatal(err)
	}
	return &env{ctx: context.Background(), store: st, w: w, idx: idx}
}

// click builds a click event of user on item with the item's vector.
func (e *env) click(user, item, cat string, vec []float32, at time.Time) event.Event {
	e.off++
	return event.Event{Origin: event.Origin{Topic: "clicks", Partition: 0, Offset: e.off}, Pseudonym: user,
		Kind: event.KindView, ItemID: item, Category: cat, TS: at, Vector: vec}
}

func (e *env) feed(t *testing.T, evs ...event.Event) {
	t.Helper()
	if _, err := e.store.Fold(e.ctx, evs); err != nil {
		t.Fatal(err)
	}
	if err := e.w.Observe(e.ctx, evs); err != nil {
		t.Fatal(err)
	}
}

func ids(items []ScoredItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ItemID
	}
	return out
}

var (
	vA  = []float32{1, 0, 0, 0}
	vA2 = []float32{0.95, 0.31, 0, 0}
	vB  = []float32{0, 1, 0, 0}
	vC  = []float32{0, 0, 1, 0}
)

func TestColdStartAndExclusion(t *testing.T) {
	e := newEnv(t, itemindex.Options{})
	var evs []event.Event
	// Popularity: c1 clicked by 4 users, b1 by 3, a1 (with alice) by 2, a2 by 1.
	for i, it := range []struct {
		id  string
		vec []float32
	}{{"c1", vC}, {"c1", vC}, {"c1", vC}, {"c1", vC}, {"b1", vB}, {"b1", vB}, {"b1", vB}, {"a1", vA}, {"a2", vA2}} {
		evs = append(evs, e.click(fmt.Sprintf("other%d", i), it.id, "cat-"+it.id[:1], it.vec, t0))
	}
	// Alice clicked a1: her vector points at A.
	evs = append(evs, e.click("alice", "a1", "cat-a", vA, t0.Add(time.Hour)))
	e.feed(t, evs...)

	tests := []struct {
		name, user string
		opts       RecommendOptions
		source     string
		want       []string
	}{
		{"cold start gets popular", "nobody", RecommendOptions{K: 2}, SourcePopular, []string{"c1", "b1"}},
		{"cold start with category", "nobody", RecommendOptions{K: 2, Category: "cat-a"}, SourcePopular, []string{"a1", "a2"}},
		{"profile, own item excluded", "alice", RecommendOptions{K: 1, PopularityWeight: -1, CategoryWeight: -1}, SourceProfile, []string{"a2"}},
		{"profile fills up with popular", "alice", RecommendOptions{K: 3, Category: "cat-a"}, SourceProfile, []string{"a2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := e.idx.Recommend(e.ctx, tc.user, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if r.Source != tc.source || fmt.Sprint(ids(r.Items)) != fmt.Sprint(tc.want) {
				t.Fatalf("got %s %v, want %s %v", r.Source, ids(r.Items), tc.source, tc.want)
			}
		})
	}
	// The one-call form gives the same answers.
	for _, tc := range tests {
		r, err := RecommendFor(e.ctx, e.idx.rdb, "", tc.user, tc.opts)
		if err != nil || r.Source != tc.source || fmt.Sprint(ids(r.Items)) != fmt.Sprint(tc.want) {
			t.Fatalf("RecommendFor %s: got %s %v (%v), want %s %v", tc.name, r.Source, ids(r.Items), err, tc.source, tc.want)
		}
	}
	// The exclusion comes from the index's own per-user set too: with the profile's recent
	// items turned off, a1 is still excluded.
	got, err := e.idx.UserItems(e.ctx, "alice")
	if err != nil || fmt.Sprint(got) != "[a1]" {
		t.Fatalf("user items %v %v", got, err)
	}
	// Erasure: profilestore.Forget deletes the set (it is in schema.UserKeys), and the set
	// refuses new writes afterwards.
	if err := e.store.Forget(e.ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.idx.UserItems(e.ctx, "alice"); len(got) != 0 {
		t.Fatalf("erasure left the user's items: %v", got)
	}
	if k := schema.UserItemsKey("ps", "alice"); !slices.Contains(schema.UserKeys("ps", "alice"), k) {
		t.Fatalf("%s is not in schema.UserKeys", k)
	}
	if err := e.w.Observe(e.ctx, []event.Event{e.click("alice", "b1", "cat-b", vB, t0.Add(2*time.Hour))}); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.idx.UserItems(e.ctx, "alice"); len(got) != 0 {
		t.Fatalf("erased user's items were written again: %v", got)
	}
}

func TestUserItemsCap(t *testing.T) {
	e := newEnv(t, itemindex.Options{MaxUserItems: 3})
	var evs []event.Event
	for i := 0; i < 5; i++ {
		evs = append(evs, e.click("u", fmt.Sprintf("i%d", i), "c", vA, t0.Add(time.Duration(i)*time.Minute)))
	}
	e.feed(t, evs...)
	got, err := e.idx.UserItems(e.ctx, "u")
	if err != nil || fmt.Sprint(got) != "[i4 i3 i2]" {
		t.Fatalf("got %v %v, want the newest three", got, err)
	}
}

func TestPopularityDecayAndEviction(t *testing.T) {
	e := newEnv(t, itemindex.Options{MaxItems: 2, HalfLife: 24 * time.Hour})
	// old: 4 views ten days ago (decayed to 4/1024 today); fresh: 1 view now; mid: 2 views a day ago.
	var evs []event.Event
	for i := 0; i < 4; i++ {
		evs = append(evs, e.click("u", "old", "c", vA, t0.Add(-240*time.Hour)))
	}
	evs = append(evs, e.click("u", "fresh", "c", vB, t0), e.click("u", "mid", "c", vC, t0.Add(-24*time.Hour)),
		e.click("v", "mid", "c", vC, t0.Add(-24*time.Hour)))
	if err := e.w.Observe(e.ctx, evs); err != nil {
		t.Fatal(err)
	}
	it, err := e.idx.Get(e.ctx, "mid")
	if err != nil || it == nil {
		t.Fatal(it, err)
	}
	if p := it.Popularity(t0, 24*time.Hour); math.Abs(p-1) > 1e-9 {
		t.Fatalf("mid popularity %g, want 2 views halved once = 1", p)
	}
	n, err := e.w.Trim(e.ctx)
	if err != nil || n != 1 {
		t.Fatalf("trim evicted %d (%v), want 1", n, err)
	}
	if it, _ := e.idx.Get(e.ctx, "old"); it != nil {
		t.Fatal("the least popular item (after decay) was not evicted")
	}
	for _, id := range []string{"fresh", "mid"} {
		if it, _ := e.idx.Get(e.ctx, id); it == nil || it.Vector == nil {
			t.Fatalf("%s lost", id)
		}
	}
}

func TestReviewItemVectors(t *testing.T) {
	enc := fakeEncoder{"Books. A title": vC}
	e := newEnv(t, itemindex.Options{Encoder: enc})
	rev := func(item, title string, vec []float32) event.Event {
		e.off++
		return event.Event{Origin: event.Origin{Topic: "reviews", Offset: e.off}, Pseudonym: "u", Kind: event.KindReview,
			ItemID: item, Category: "Books", ItemTitle: title, Text: "x", TS: t0, Vector: vec}
	}
	// untitled: running mean of review vectors over two batches; titled: the title's vector.
	if err := e.w.Observe(e.ctx, []event.Event{rev("r", "", vA), rev("t", "A title", vB)}); err != nil {
		t.Fatal(err)
	}
	if err := e.w.Observe(e.ctx, []event.Event{rev("r", "", vB)}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id   string
		want []float32
	}{{"r", []float32{0.70710677, 0.70710677, 0, 0}}, {"t", vC}}
	for _, tc := range tests {
		it, err := e.idx.Get(e.ctx, tc.id)
		if err != nil || it == nil {
			t.Fatal(err)
		}
		for i := range tc.want {
			if math.Abs(float64(it.Vector[i]-tc.want[i])) > 1e-6 {
				t.Fatalf("%s vector %v, want %v", tc.id, it.Vector, tc.want)
			}
		}
	}
}

func TestMMR(t *testing.T) {
	mk := func(id string, v []float32, s float64) cand {
		return cand{it: &Item{ID: id, Vector: schema.Normalize(v)}, score: s}
	}
	c := []cand{mk("a1", vA, 1.0), mk("a2", vA2, 0.99), mk("b", vB, 0.9), mk("c", vC, 0.5)}
	tests := []struct {
		lambda float64
		want   string
	}{
		{1, "[a1 a2 b]"},   // pure relevance
		{0.5, "[a1 b c]"},  // near-duplicate a2 pushed out
		{0.05, "[a1 b c]"}, // mostly diversity
	}
	for _, tc := range tests {
		got := mmr(c, 3, tc.lambda)
		var s []string
		for _, x := range got {
			s = append(s, x.it.ID)
		}
		if fmt.Sprint(s) != tc.want {
			t.Errorf("lambda %g: got %v, want %s", tc.lambda, s, tc.want)
		}
	}
}

func TestRecommendMMROption(t *testing.T) {
	e := newEnv(t, itemindex.Options{})
	e.feed(t, e.click("x", "a2", "c", vA2, t0), e.click("x", "a3", "c", []float32{0.9, 0, 0.43, 0}, t0),
		e.click("x", "b", "c", vB, t0), e.click("alice", "a1", "c", vA, t0))
	r, err := e.idx.Recommend(e.ctx, "alice", RecommendOptions{K: 2, PopularityWeight: -1, CategoryWeight: -1})
	if err != nil || fmt.Sprint(ids(r.Items)) != "[a2 a3]" {
		t.Fatalf("relevance: %v %v", ids(r.Items), err)
	}
	r, err = e.idx.Recommend(e.ctx, "alice", RecommendOptions{K: 2, MMRLambda: 0.2, PopularityWeight: -1, CategoryWeight: -1})
	if err != nil || fmt.Sprint(ids(r.Items)) != "[a2 b]" {
		t.Fatalf("mmr: %v %v", ids(r.Items), err)
	}
}

func TestLookAlike(t *testing.T) {
	e := newEnv(t, itemindex.Options{})
	e.feed(t, e.click("s1", "i", "c", vA, t0), e.click("s2", "i", "c", vA2, t0),
		e.click("near", "i", "c", []float32{0.9, 0.1, 0.1, 0}, t0), e.click("mid", "i", "c", []float32{0.5, 0.5, 0, 0}, t0),
		e.click("far", "i", "c", vC, t0))
	a, err := NewAudiences(e.idx.rdb, AudienceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.LookAlike(e.ctx, []string{"s1", "s2", "missing"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Pseudonym != "near" || got[1].Pseudonym != "mid" {
		t.Fatalf("got %+v", got)
	}
	if _, err := a.LookAlike(e.ctx, []string{"missing"}, 2); err == nil {
		t.Fatal("no usable seed must be an error")
	}
	if err := e.idx.rdb.SAdd(e.ctx, "ps:v1:seg:3:members", "far").Err(); err != nil {
		t.Fatal(err)
	}
	got, err = a.LookAlikeSegment(e.ctx, 3, 1)
	if err != nil || len(got) != 1 || got[0].Pseudonym == "far" {
		t.Fatalf("segment: %+v %v", got, err)
	}
}

func TestChurnMonotone(t *testing.T) {
	now := t0
	base := func() *reader.Profile {
		return &reader.Profile{Events: 10, Kinds: map[string]int64{"view": 10}, HalfLife: 240 * time.Hour,
			FirstSeen: now.Add(-20 * 24 * time.Hour), LastSeen: now.Add(-24 * time.Hour), DecayedAt: now.Add(-24 * time.Hour),
			Activity: 6}
	}
	t.Run("recency", func(t *testing.T) {
		prev := -1.0
		for d := 0; d <= 60; d += 3 {
			p := base()
			p.LastSeen, p.DecayedAt = now.Add(-time.Duration(d)*24*time.Hour), now.Add(-time.Duration(d)*24*time.Hour)
			if p.LastSeen.Before(p.FirstSeen) {
				p.FirstSeen = p.LastSeen
			}
			s := ChurnScore(p, now)
			if s < prev || s < 0 || s > 1 {
				t.Fatalf("recency %dd: score %g after %g", d, s, prev)
			}
			prev = s
		}
		if prev < 0.9 {
			t.Fatalf("two months of silence scores only %g", prev)
		}
	})
	t.Run("frequency and trend", func(t *testing.T) {
		prev := 2.0
		for _, act := range []float64{0.5, 1, 2, 4, 8} {
			p := base()
			p.Activity = act
			p.Events = int64(2 * act)
			p.Kinds["view"] = p.Events
			s := ChurnScore(p, now)
			if s > prev {
				t.Fatalf("activity %g: score %g rose from %g", act, s, prev)
			}
			prev = s
		}
	})
	if s := ChurnScore(nil, now); s != 1 {
		t.Fatalf("nil profile %g", s)
	}
}

func TestCatalogItemRecommendedByContent(t *testing.T) {
	enc := fakeEncoder{"Books. New book": vA2, "Books. Other": vC}
	e := newEnv(t, itemindex.Options{Encoder: enc})
	if err := e.w.Upsert(e.ctx, []itemindex.CatalogItem{{ID: "new", Category: "Books", Title: "New book"}, {ID: "other", Category: "Books", Title: "Other"}}); err != nil {
		t.Fatal(err)
	}
	e.feed(t, e.click("x", "pop", "Toys", vB, t0), e.click("alice", "a1", "Books", vA, t0))
	it, err := e.idx.Get(e.ctx, "new")
	if err != nil || it == nil || it.Popularity(t0, time.Hour) != 0 || it.Title != "New book" {
		t.Fatalf("catalog item %+v %v", it, err)
	}
	r, err := e.idx.Recommend(e.ctx, "alice", RecommendOptions{K: 1})
	if err != nil || r.Source != SourceProfile || fmt.Sprint(ids(r.Items)) != "[new]" {
		t.Fatalf("got %s %v %v, want the never-clicked catalog item closest to alice", r.Source, ids(r.Items), err)
	}
	// A catalog-only item is the first to go when the index is over its bound.
	w3, err := itemindex.New(e.idx.rdb, itemindex.Options{ModelID: "m", MaxItems: 3})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := w3.Trim(e.ctx); err != nil || n != 1 {
		t.Fatalf("trim %d %v", n, err)
	}
	if it, _ := e.idx.Get(e.ctx, "pop"); it == nil {
		t.Fatal("an interacted item was evicted before a catalog-only one")
	}
}

// TestCluster runs the whole surface on a 3-master Redis Cluster: every script touches one slot
// (item hash, popularity set, or a user's items set with the erasure ledger of the same user).
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster start takes a few seconds")
	}
	c := redistest.StartCluster(t).Client()
	ctx := context.Background()
	st, err := profilestore.New(c, profilestore.Options{ModelID: "m", Dim: 4})
	if err != nil {
		t.Fatal(err)
	}
	w, err := itemindex.New(c, itemindex.Options{ModelID: "m", MaxItems: 20})
	if err != nil {
		t.Fatal(err)
	}
	idx, err := NewItemIndex(c, ItemOptions{ModelID: "m", RefreshInterval: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	vecs := [][]float32{vA, vA2, vB, vC}
	var evs []event.Event
	for i := 0; i < 200; i++ {
		evs = append(evs, event.Event{Origin: event.Origin{Topic: "clicks", Offset: int64(i)},
			Pseudonym: fmt.Sprintf("u%d", i%25), Kind: event.KindView, ItemID: fmt.Sprintf("item%d", i%40),
			Category: fmt.Sprintf("c%d", i%4), TS: t0.Add(time.Duration(i) * time.Minute), Vector: vecs[i%4]})
	}
	if _, err := st.Fold(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if err := w.Observe(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if n, err := w.Trim(ctx); err != nil || n != 20 {
		t.Fatalf("trim %d %v", n, err)
	}
	r, err := idx.Recommend(ctx, "u3", RecommendOptions{K: 5})
	if err != nil || r.Source != SourceProfile || len(r.Items) != 5 {
		t.Fatalf("recommend %+v %v", r, err)
	}
	mine, _ := idx.UserItems(ctx, "u3")
	for _, it := range r.Items {
		for _, m := range mine {
			if it.ItemID == m {
				t.Fatalf("recommended the user's own item %s", m)
			}
		}
	}
	a, _ := NewAudiences(c, AudienceOptions{})
	got, err := a.LookAlike(ctx, []string{"u0", "u4"}, 5)
	if err != nil || len(got) != 5 {
		t.Fatalf("look-alike %v %v", got, err)
	}
}

func TestCooccurrence(t *testing.T) {
	e := newEnv(t, itemindex.Options{})
	// b1 is far from A in content but bought with a1 by two users; c1 once; a2 is A-like.
	evs := []event.Event{
		e.click("u1", "a1", "cat-a", vA, t0), e.click("u1", "b1", "cat-b", vB, t0.Add(time.Minute)),
		e.click("u2", "a1", "cat-a", vA, t0), e.click("u2", "b1", "cat-b", vB, t0.Add(time.Minute)),
		e.click("u3", "a1", "cat-a", vA, t0), e.click("u3", "c1", "cat-c", vC, t0.Add(time.Minute)),
		e.click("u4", "a2", "cat-a", vA2, t0),
	}
	e.feed(t, evs...)
	e.feed(t, evs...) // a redelivery counts nothing twice
	co, err := e.idx.Cooccurring(e.ctx, "a1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(co) != "[{2 b1} {1 c1}]" {
		t.Fatalf("co-occurrence of a1: %v", co)
	}
	e.feed(t, e.click("alice", "a1", "cat-a", vA, t0.Add(time.Hour)))
	tests := []struct {
		name   string
		opts   RecommendOptions
		source string
		want   string
	}{
		// b1: 2 co-buyers (co 1.0, x2) beats a2 (cosine 0.95 + category 0.5), which beats c1 (1 co-buyer, co 0.63).
		{"blend: strong co-occurrence, then content, then weak co-occurrence", RecommendOptions{K: 3}, SourceProfile, "[b1 a2 c1]"},
		{"without co-occurrence: content", RecommendOptions{K: 1, CooccurWeight: -1, PopularityWeight: -1, CategoryWeight: -1}, SourceProfile, "[a2]"},
	}
	for _, tc := range tests {
		r, err := e.idx.Recommend(e.ctx, "alice", tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		if r.Source != tc.source || fmt.Sprint(ids(r.Items)) != tc.want {
			t.Errorf("%s: %s %v, want %s %s", tc.name, r.Source, ids(r.Items), tc.source, tc.want)
		}
	}
	// An erased user adds no co-occurrence.
	if err := e.store.Forget(e.ctx, "u5"); err != nil {
		t.Fatal(err)
	}
	e.feed(t, e.click("u5", "a1", "cat-a", vA, t0), e.click("u5", "c1", "cat-c", vC, t0))
	if co, _ := e.idx.Cooccurring(e.ctx, "a1", 10); fmt.Sprint(co) != "[{2 b1} {1 c1}]" {
		t.Errorf("an erased user changed the co-occurrence: %v", co)
	}
}
