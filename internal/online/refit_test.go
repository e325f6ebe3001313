package online

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/profilestream/profilestream/internal/redistest"
)

func TestChooseKFindsBlobs(t *testing.T) {
	for _, tc := range []struct {
		name       string
		k          int
		kMin, kMax int
		want       int
	}{
		{"three", 3, 2, 10, 3},
		{"five", 5, 2, 10, 5},
		{"seven", 7, 2, 10, 7},
		{"below the lower bound", 2, 4, 8, 4},
		{"above the upper bound", 9, 2, 6, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			xs, _ := blobs(uint64(tc.k), 600, tc.k, 16, 0.15)
			got, scores, err := ChooseK(context.Background(), xs, tc.kMin, tc.kMax, rand.New(rand.NewPCG(1, 2)), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("ChooseK = %d, want %d (scores %+v)", got, tc.want, scores)
			}
			if len(scores) != tc.kMax-tc.kMin+1 {
				t.Fatalf("%d scores for [%d, %d]", len(scores), tc.kMin, tc.kMax)
			}
		})
	}
}

func TestSilhouetteDistMatchesSilhouette(t *testing.T) {
	xs, labels := blobs(4, 300, 4, 8, 0.3)
	want, err := Silhouette(context.Background(), xs, labels, 4)
	if err != nil {
		t.Fatal(err)
	}
	if got := silhouetteDist(pairwiseCosine(xs), labels, 4); got-want > 1e-4 || want-got > 1e-4 {
		t.Fatalf("silhouetteDist %v, Silhouette %v", got, want)
	}
}

func TestUserSampleIsBottomKOfUsersWithLatestVectors(t *testing.T) {
	const size, users = 50, 1000
	s := NewUserSample(size)
	latest := map[string][]float32{}
	// Users arrive in rounds; user i is active in i%7+1 of 7 rounds, so activity differs.
	for round := 0; round < 7; round++ {
		for i := 0; i < users; i++ {
			if round > i%7 {
				continue
			}
			p := fmt.Sprintf("user-%d", i)
			x := []float32{float32(i), float32(round)}
			latest[p] = x
			s.Offer(p, x)
		}
	}
	if s.Len() != size {
		t.Fatalf("Len %d, want %d", s.Len(), size)
	}
	// The sample is exactly the size users with the smallest hashes, however active.
	type uh struct {
		p string
		h uint64
	}
	var all []uh
	for p := range latest {
		all = append(all, uh{p, userHash(p)})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].h < all[j].h })
	for _, u := range all[:size] {
		i, ok := s.idx[u.p]
		if !ok {
			t.Fatalf("user %s (rank in hash order < %d) is not sampled", u.p, size)
		}
		if got, want := s.xs[i], latest[u.p]; got[0] != want[0] || got[1] != want[1] {
			t.Fatalf("user %s has vector %v, want its latest %v", u.p, got, want)
		}
	}
	if len(s.Vectors()) != size {
		t.Fatalf("Vectors returned %d", len(s.Vectors()))
	}
}

// storedLabels returns every stored profile's segment and the true label of the user, whose
// name is u<i> with labels[i].
func storedLabels(t *testing.T, st *memStore, labels []int) (pred, truth []int) {
	t.Helper()
	st.mu.Lock()
	defer st.mu.Unlock()
	for i, l := range labels {
		p, ok := st.profiles[fmt.Sprintf("u%d", i)]
		if !ok {
			t.Fatalf("user u%d has no profile", i)
		}
		pred, truth = append(pred, p.Segment), append(truth, l)
	}
	return pred, truth
}

// A time-ordered stream that starts inside one blob initializes all centroids there; a refit on
// the users' current vectors followed by a sweep must leave every stored segment right.
func TestRefitAndSweepRecoverFromSkewedStart(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	st := newMemStore()
	m := newModel(t, srv.Client(), st, Options{K: 3, MinUsersToInit: 40, UserSampleSize: 500, RefitInterval: -1})
	xs, labels := blobs(21, 600, 3, 8, 0.2)
	// Time order: the first 60 users all come from blob labels[0].
	var order []int
	for i, l := range labels {
		if l == labels[0] && len(order) < 60 {
			order = append(order, i)
		}
	}
	first := map[int]bool{}
	for _, i := range order {
		first[i] = true
	}
	for i := range labels {
		if !first[i] {
			order = append(order, i)
		}
	}
	oxs, olabels := make([][]float32, len(order)), make([]int, len(order))
	for j, i := range order {
		oxs[j], olabels[j] = xs[i], labels[i]
	}
	observeAll(t, m, st, oxs, olabels, 0)
	if err := m.Merge(ctx); err != nil {
		t.Fatal(err)
	}
	v0 := m.Version()
	r, err := m.Refit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Published || r.After > r.Before || r.Sample != 500 || r.K != 3 {
		t.Fatalf("refit %+v: want published, sample 500, lower inertia", r)
	}
	if m.Version() != v0+1 {
		t.Fatalf("version %d after refit, want %d", m.Version(), v0+1)
	}
	if err := m.SweepOnce(ctx, st); err != nil {
		t.Fatal(err)
	}
	if p := m.SweepProgress(); p.Reassigned != int64(len(order)) || !p.Done {
		t.Fatalf("sweep %+v: want all %d users re-assigned", p, len(order))
	}
	pred, truth := storedLabels(t, st, olabels)
	if p := purity(pred, truth, 3); p < 0.99 {
		t.Fatalf("purity of stored segments after refit and sweep %.3f, want >= 0.99", p)
	}
	// A second refit on the same data finds nothing better and publishes nothing.
	if r, err := m.Refit(ctx); err != nil || r.Published {
		t.Fatalf("second refit %+v, %v: want nothing published", r, err)
	}
}

// With K = 0 the model picks k at initialization and changes it at a refit when the users'
// vectors show more segments; another worker adopts the new k at its next merge.
func TestAutoKAtInitAndRefit(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	st := newMemStore()
	o := Options{KMin: 2, KMax: 6, MinUsersToInit: 100, UserSampleSize: 600, RefitInterval: -1, Margin: -1}
	o.WorkerID, o.Seed = "a", 1
	a := newModel(t, srv.Client(), st, o)
	o.WorkerID, o.Seed = "b", 2
	b := newModel(t, srv.Client(), st, o)
	if a.Options().K != 0 || a.Options().MinUsersToInit != 100 {
		t.Fatalf("options %+v", a.Options())
	}
	two, twoLabels := blobs(31, 300, 2, 8, 0.1)
	observeAll(t, a, st, two, twoLabels, 0)
	if got := len(a.Centroids()); got != 2 {
		t.Fatalf("initialized with k=%d on two blobs, want 2", got)
	}
	observeAll(t, b, st, two[:10], twoLabels[:10], 0) // b adopts k=2 and holds deltas
	if got := len(b.Centroids()); got != 2 {
		t.Fatalf("worker b has k=%d, want 2", got)
	}
	four, fourLabels := blobs(32, 600, 4, 8, 0.1)
	observeAll(t, a, st, four, fourLabels, 300)
	if err := a.Merge(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := a.Refit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Published || r.K != 4 || len(a.Centroids()) != 4 {
		t.Fatalf("refit %+v, k now %d: want k=4 published", r, len(a.Centroids()))
	}
	if err := b.Merge(ctx); err != nil {
		t.Fatalf("worker b merge after the k change: %v", err)
	}
	if got := len(b.Centroids()); got != 4 || b.Version() != a.Version() {
		t.Fatalf("worker b has k=%d version %d, want 4 and %d", got, b.Version(), a.Version())
	}
	if err := a.SweepOnce(ctx, st); err != nil {
		t.Fatal(err)
	}
	labels := append(append([]int(nil), twoLabels...), fourLabels...)
	pred, truth := storedLabels(t, st, labels)
	for i, p := range pred {
		if p < 0 || p >= 4 {
			t.Fatalf("user u%d in segment %d after the sweep", i, p)
		}
	}
	if p := purity(pred, truth, 4); p < 0.99 {
		t.Fatalf("purity %.3f after the k change and sweep, want >= 0.99", p)
	}
	segs, err := a.Segments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != 4 {
		t.Fatalf("Segments returned %d segments, want 4", len(segs))
	}
}

func TestFixedKRefusesOtherK(t *testing.T) {
	if _, err := New(redistest.Start(t).Client(), nil, Options{KMin: 5, KMax: 3}); err == nil {
		t.Fatal("KMin > KMax accepted")
	}
	if _, err := New(redistest.Start(t).Client(), nil, Options{K: -1}); err == nil {
		t.Fatal("negative K accepted")
	}
}

func TestRefitDueWhenUserSampleDoubles(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	st := newMemStore()
	m := newModel(t, srv.Client(), st, Options{K: 2, MinUsersToInit: 20, UserSampleSize: 1000})
	xs, labels := blobs(41, 400, 2, 8, 0.1)
	if m.RefitDue() {
		t.Fatal("refit due before initialization")
	}
	observeAll(t, m, st, xs[:50], labels[:50], 0)
	if m.RefitDue() { // first call after initialization records the base (50 users)
		t.Fatal("refit due right after initialization")
	}
	observeAll(t, m, st, xs[50:99], labels[50:99], 50)
	if m.RefitDue() {
		t.Fatal("refit due at 99 users, base 50")
	}
	observeAll(t, m, st, xs[99:100], labels[99:100], 99)
	if !m.RefitDue() {
		t.Fatal("refit not due at 100 users, base 50")
	}
	if _, err := m.Refit(ctx); err != nil {
		t.Fatal(err)
	}
	if m.RefitDue() {
		t.Fatal("refit still due right after a refit")
	}
	// Updates of users already sampled do not grow the sample.
	observeAll(t, m, st, xs[:100], labels[:100], 0)
	if m.RefitDue() {
		t.Fatal("refit due after updates of the same users")
	}
	never := newModel(t, srv.Client(), st, Options{K: 2, MinUsersToInit: 20, RefitInterval: -1})
	observeAll(t, never, st, xs, labels, 0)
	if never.RefitDue() {
		t.Fatal("refit due with RefitInterval < 0")
	}
}
