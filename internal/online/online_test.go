package online

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/redistest"
	"github.com/profilestream/profilestream/schema"
)

// blobs returns n unit vectors around k orthogonal-ish directions in dim dimensions, the true
// label of each, and the category name of its cluster ("cat<label>").
func blobs(seed uint64, n, k, dim int, noise float64) (xs [][]float32, labels []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	centres := make([][]float64, k)
	for i := range centres {
		c := make([]float64, dim)
		c[i%dim] = 1 // axis-aligned: well separated
		centres[i] = c
	}
	for p := 0; p < n; p++ {
		l := rng.IntN(k)
		x := make([]float32, dim)
		for j := range x {
			x[j] = float32(centres[l][j] + noise*rng.NormFloat64())
		}
		xs = append(xs, schema.Normalize(x))
		labels = append(labels, l)
	}
	return xs, labels
}

// memStore is an in-memory SegmentWriter and ProfileScanner.
type memStore struct {
	mu       sync.Mutex
	profiles map[string]*schema.Profile
	writes   int
}

func newMemStore() *memStore { return &memStore{profiles: map[string]*schema.Profile{}} }

func (s *memStore) SetSegments(_ context.Context, as []Assignment) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range as {
		p, ok := s.profiles[a.Pseudonym]
		if !ok {
			p = &schema.Profile{Pseudonym: a.Pseudonym, Segment: -1}
			s.profiles[a.Pseudonym] = p
		}
		p.Segment, p.CentroidVersion = a.Segment, a.CentroidVersion
		s.writes++
	}
	return nil
}

func (s *memStore) Scan(ctx context.Context, fn func(*schema.Profile) error) error {
	s.mu.Lock()
	names := make([]string, 0, len(s.profiles))
	for n := range s.profiles {
		names = append(names, n)
	}
	s.mu.Unlock()
	sort.Strings(names)
	for _, n := range names {
		s.mu.Lock()
		p := *s.profiles[n]
		s.mu.Unlock()
		p.Pseudonym = n
		if err := fn(&p); err != nil {
			return err
		}
	}
	return nil
}

func (s *memStore) get(p string) schema.Profile {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.profiles[p]
}

// observeAll feeds xs as users u<offset+i>, with their stored segment read from st, in batches.
func observeAll(t *testing.T, m *Model, st *memStore, xs [][]float32, labels []int, offset int) {
	t.Helper()
	ctx := context.Background()
	for start := 0; start < len(xs); start += 50 {
		var ups []Update
		for i := start; i < min(start+50, len(xs)); i++ {
			name := fmt.Sprintf("u%d", offset+i)
			seg, ver := -1, int64(0)
			st.mu.Lock()
			if p, ok := st.profiles[name]; ok {
				seg, ver = p.Segment, p.CentroidVersion
			} else {
				st.profiles[name] = &schema.Profile{Pseudonym: name, Segment: -1}
			}
			st.profiles[name].Vector = xs[i]
			st.mu.Unlock()
			ups = append(ups, Update{
				Pseudonym: name, Vector: xs[i], Segment: seg, CentroidVersion: ver, MeanRating: float64(1 + labels[i]%5),
				Categories: []schema.CategoryCount{{Category: fmt.Sprintf("cat%d", labels[i]), Count: 3}, {Category: "misc", Count: 1}},
			})
		}
		if _, err := m.Observe(ctx, ups); err != nil {
			t.Fatal(err)
		}
	}
}

// purity is the fraction of points whose cluster's majority true label is their own.
func purity(pred, truth []int, k int) float64 {
	counts := map[[2]int]int{}
	for i := range pred {
		counts[[2]int{pred[i], truth[i]}]++
	}
	best := map[int]int{}
	for key, n := range counts {
		if n > best[key[0]] {
			best[key[0]] = n
		}
	}
	var s int
	for _, n := range best {
		s += n
	}
	return float64(s) / float64(len(pred))
}

func TestClustererAssignHysteresis(t *testing.T) {
	c := NewClusterer(2, 2)
	c.SetSegment(0, []float64{1, 0}, 1)
	c.SetSegment(1, []float64{0, 1}, 1)
	// x is slightly closer to segment 1 (45 degrees + a bit).
	x := schema.Normalize([]float32{0.95, 1})
	tests := []struct {
		name    string
		current int
		margin  float64
		want    int
	}{
		{"unassigned takes nearest", -1, 0.05, 1},
		{"stays within margin", 0, 0.05, 0},
		{"moves without margin", 0, 0, 1},
		{"already nearest", 1, 0.05, 1},
		{"moves when clearly closer", 0, 0.001, 1},
		{"out of range current", 7, 0.05, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, d := c.Assign(x, tc.current, tc.margin)
			if got != tc.want {
				t.Fatalf("Assign = %d, want %d", got, tc.want)
			}
			if want := 1 - c.Similarity(x, got); math.Abs(float64(d-want)) > 1e-6 {
				t.Fatalf("distance %v, want %v", d, want)
			}
		})
	}
}

func TestClustererLearningRateAndDecay(t *testing.T) {
	c := NewClusterer(1, 2)
	c.Add(0, []float32{1, 0}, 1)
	c.Add(0, []float32{0, 1}, 1)
	if got := c.Centroid(0); math.Abs(float64(got[0]-got[1])) > 1e-6 || c.Count(0) != 2 {
		t.Fatalf("centroid %v count %v, want the diagonal with count 2", got, c.Count(0))
	}
	c.Decay(0.5)
	if c.Count(0) != 1 {
		t.Fatalf("count after decay %v, want 1", c.Count(0))
	}
	// After decay a new sample pulls harder: weight 1 against 1, not against 2.
	c.Add(0, []float32{1, 0}, 1)
	want := schema.Normalize([]float32{1.5, 0.5})
	if got := c.Centroid(0); math.Abs(float64(got[0]-want[0])) > 1e-6 {
		t.Fatalf("centroid %v, want %v", got, want)
	}
}

func TestClustererInitAndReseed(t *testing.T) {
	xs, labels := blobs(1, 600, 5, 16, 0.15)
	c := NewClusterer(5, 16)
	if !c.InitKMeansPP(xs, rand.New(rand.NewPCG(3, 4)), 10) {
		t.Fatal("init refused")
	}
	if p := purity(c.Labels(xs), labels, 5); p < 0.99 {
		t.Fatalf("purity %.3f after k-means++ + Lloyd on separated blobs", p)
	}
	// Deterministic given the sample and seed.
	c2 := NewClusterer(5, 16)
	c2.InitKMeansPP(xs, rand.New(rand.NewPCG(3, 4)), 10)
	for i := 0; i < 5; i++ {
		for j, v := range c.Centroid(i) {
			if c2.Centroid(i)[j] != v {
				t.Fatal("init is not deterministic")
			}
		}
	}
	// Starve segment 2: its count far below 1% of the largest.
	c.SetSegment(2, c.Sum(2), 0.5)
	if got := c.Starved(0.01); len(got) != 1 || got[0] != 2 {
		t.Fatalf("Starved = %v, want [2]", got)
	}
	if far := c.FarPoints(xs, 2, rand.New(rand.NewPCG(1, 1))); len(far) != 2 {
		t.Fatalf("FarPoints gave %d points", len(far))
	}
}

func newModel(t *testing.T, client redis.UniversalClient, st SegmentWriter, o Options) *Model {
	t.Helper()
	m, err := New(client, st, o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestModelInitMembershipAndStats(t *testing.T) {
	srv := redistest.Start(t)
	client := srv.Client()
	ctx := context.Background()
	st := newMemStore()
	m := newModel(t, client, st, Options{K: 4, MinUsersToInit: 100, WorkerID: "w1", Margin: -1})
	xs, labels := blobs(2, 400, 4, 16, 0.1)

	// Before MinUsersToInit users: unassigned and said so.
	res, err := m.Observe(ctx, []Update{{Pseudonym: "early", Vector: xs[0], Segment: -1}, {Pseudonym: "novec", Segment: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Unassigned != 1 || res.Skipped != 1 || res.Seen != 1 || res.NeedToInit != 100 {
		t.Fatalf("pre-init result %+v", res)
	}
	if p := st.get("early"); p.Segment != -1 {
		t.Fatalf("early user assigned %d before init", p.Segment)
	}
	observeAll(t, m, st, xs[1:], labels[1:], 1)
	if m.Version() != 1 {
		t.Fatalf("version %d after init, want 1", m.Version())
	}
	if err := m.Merge(ctx); err != nil {
		t.Fatal(err)
	}
	segs, err := m.Segments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != 4 {
		t.Fatalf("%d segments", len(segs))
	}
	var total int64
	labelsSeen := map[string]bool{}
	for _, s := range segs {
		total += s.Size
		members, err := Members(ctx, client, "ps", s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(members)) != s.Size {
			t.Fatalf("segment %d: Members %d, SCARD %d", s.ID, len(members), s.Size)
		}
		for _, p := range members {
			if got := st.get(p).Segment; got != s.ID {
				t.Fatalf("%s in members of %d but stored segment %d", p, s.ID, got)
			}
		}
		if !strings.HasPrefix(s.Label, "cat") || s.MeanRating < 1 || len(s.Centroid) != 16 {
			t.Fatalf("segment %+v", s)
		}
		labelsSeen[s.Label] = true
	}
	// Users seen before init were left unassigned (the sweep picks them up): 99 early ones.
	if total < 250 || total > 400 {
		t.Fatalf("total members %d", total)
	}
	if len(labelsSeen) != 4 {
		t.Fatalf("labels %v, want 4 distinct (one per blob)", labelsSeen)
	}
	n, err := client.XLen(ctx, "ps:v1:segchanges").Result()
	if err != nil || n != total {
		t.Fatalf("change stream has %d entries (%v), want %d", n, err, total)
	}
	var buf strings.Builder
	if err := FormatSegments(&buf, segs); err != nil || !strings.Contains(buf.String(), "LABEL") {
		t.Fatalf("table %q %v", buf.String(), err)
	}
}

// twoWorkers runs two workers on disjoint partitions of the same blobs and checks that after
// merges both hold identical centroids, which match the recovered blobs.
func twoWorkers(t *testing.T, a, b redis.UniversalClient) {
	ctx := context.Background()
	stA, stB := newMemStore(), newMemStore()
	o := Options{K: 3, MinUsersToInit: 60, Margin: -1}
	oa, ob := o, o
	oa.WorkerID, ob.WorkerID = "A", "B"
	ma, mb := newModel(t, a, stA, oa), newModel(t, b, stB, ob)
	xs, labels := blobs(5, 1200, 3, 24, 0.2)
	half := len(xs) / 2
	// Interleave: each worker observes its own partition in chunks, merging in between.
	for chunk := 0; chunk < 4; chunk++ {
		lo, hi := chunk*half/4, (chunk+1)*half/4
		observeAll(t, ma, stA, xs[lo:hi], labels[lo:hi], lo)
		observeAll(t, mb, stB, xs[half+lo:half+hi], labels[half+lo:half+hi], half+lo)
		for _, m := range []*Model{ma, mb} {
			if err := m.Merge(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := ma.Merge(ctx); err != nil { // pull B's last deltas
		t.Fatal(err)
	}
	ca, cb := ma.Centroids(), mb.Centroids()
	if ca == nil || cb == nil {
		t.Fatal("a worker has no centroids")
	}
	for i := range ca {
		for j := range ca[i] {
			if ca[i][j] != cb[i][j] {
				t.Fatalf("centroid %d differs at %d: %v vs %v", i, j, ca[i][j], cb[i][j])
			}
		}
	}
	if ma.Version() != mb.Version() {
		t.Fatalf("versions %d vs %d", ma.Version(), mb.Version())
	}
	c := NewClusterer(3, 24)
	for i, v := range ca {
		s := make([]float64, len(v))
		for j, x := range v {
			s[j] = float64(x)
		}
		c.SetSegment(i, s, 1)
	}
	if p := purity(c.Labels(xs), labels, 3); p < 0.99 {
		t.Fatalf("merged centroids have purity %.3f", p)
	}
	// The shared counts add up to every observed sample of both workers plus the init sample.
	segs, err := ma.Segments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var w float64
	for _, s := range segs {
		w += s.Weight
	}
	if w < float64(len(xs)-60) || w > float64(len(xs)+60) {
		t.Fatalf("total weight %.0f for %d samples", w, len(xs))
	}
}

func TestTwoWorkersConverge(t *testing.T) {
	srv := redistest.Start(t)
	twoWorkers(t, srv.Client(), srv.Client())
}

func TestTwoWorkersConvergeCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster start is slow")
	}
	cl := redistest.StartCluster(t)
	twoWorkers(t, cl.Client(), cl.Client())
}

func TestInitRaceFirstWins(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	xs, _ := blobs(7, 200, 3, 8, 0.2)
	var ms []*Model
	for i := 0; i < 4; i++ {
		ms = append(ms, newModel(t, srv.Client(), newMemStore(), Options{K: 3, MinUsersToInit: 30, WorkerID: fmt.Sprint("w", i), Seed: uint64(i + 1)}))
	}
	var wg sync.WaitGroup
	for i, m := range ms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ups []Update
			for j := i * 50; j < i*50+50; j++ {
				ups = append(ups, Update{Pseudonym: fmt.Sprint("u", j), Vector: xs[j], Segment: -1})
			}
			if _, err := m.Observe(ctx, ups); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	by, err := srv.Client().HGet(ctx, "ps:v1:seg:centroids", "init_by").Result()
	if err != nil {
		t.Fatal(err)
	}
	// Everyone merges its deltas, then everyone pulls the result: all hold the same centroids.
	for round := 0; round < 2; round++ {
		for _, m := range ms {
			if err := m.Merge(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, m := range ms {
		if err := m.Merge(ctx); err != nil {
			t.Fatal(err)
		}
	}
	ref := ms[len(ms)-1].Centroids()
	for i, m := range ms[:len(ms)-1] {
		if err := m.Merge(ctx); err != nil { // pull what the later workers added
			t.Fatal(err)
		}
		c := m.Centroids()
		for s := range ref {
			for j := range ref[s] {
				if c[s][j] != ref[s][j] {
					t.Fatalf("worker %d differs from the last after merges (init by %s)", i, by)
				}
			}
		}
	}
}

func TestMergeDecayAndReseed(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return now }
	st := newMemStore()
	m := newModel(t, srv.Client(), st, Options{K: 2, MinUsersToInit: 20, HalfLife: time.Hour, Now: clock, Margin: -1})
	xs, labels := blobs(9, 200, 2, 8, 0.1)
	observeAll(t, m, st, xs, labels, 0)
	if err := m.Merge(ctx); err != nil {
		t.Fatal(err)
	}
	weight := func() []float64 {
		segs, err := m.Segments(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return []float64{segs[0].Weight, segs[1].Weight}
	}
	before := weight()
	now = now.Add(time.Hour)
	if err := m.Merge(ctx); err != nil {
		t.Fatal(err)
	}
	after := weight()
	for i := range before {
		if math.Abs(after[i]-before[i]/2) > 1e-3*before[i] {
			t.Fatalf("segment %d weight %.3f after one half-life, want %.3f", i, after[i], before[i]/2)
		}
	}
	// Starve segment 1 by feeding only segment-0 points for 20 half-lives: it gets reseeded
	// (count reset to 1) and the version is bumped.
	var only0 [][]float32
	var l0 []int
	for i, x := range xs {
		if labels[i] == labels[0] {
			only0, l0 = append(only0, x), append(l0, labels[i])
		}
	}
	v0 := m.Version()
	starved := 1 - m.centroidOf(xs[0])
	reseeded := false
	prev := weight()[starved]
	for r := 0; r < 12; r++ {
		now = now.Add(time.Hour)
		observeAll(t, m, st, only0, l0, 1000*(r+1))
		if err := m.Merge(ctx); err != nil {
			t.Fatal(err)
		}
		w := weight()[starved]
		if w > prev+0.5 { // nothing of its blob was fed: only a reseed can raise its weight
			reseeded = true
		}
		prev = w
	}
	if !reseeded {
		t.Fatalf("starved segment %d was never reseeded", starved)
	}
	if m.Version() <= v0 {
		t.Fatalf("version %d did not move from %d after a reseed", m.Version(), v0)
	}
}

func TestSweepReassignsStaleAtBoundedRate(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	st := newMemStore()
	m := newModel(t, srv.Client(), st, Options{K: 3, MinUsersToInit: 30, SweepRate: 1000, Margin: -1})
	xs, labels := blobs(11, 300, 3, 8, 0.2)
	observeAll(t, m, st, xs[:29], labels[:29], 0)
	observeAll(t, m, st, xs[29:], labels[29:], 29)
	// 29 users were observed before init: stale at version 0.
	stale := 0
	for _, p := range st.profiles {
		if p.CentroidVersion < m.Version() {
			stale++
		}
	}
	if stale == 0 {
		t.Fatal("no stale users to sweep")
	}
	start := time.Now()
	if err := m.SweepOnce(ctx, st); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if took < 250*time.Millisecond {
		t.Fatalf("sweep of 300 profiles at 1000/s took %v", took)
	}
	p := m.SweepProgress()
	if p.Scanned != 300 || p.Reassigned != int64(stale) || !p.Done || p.Passes != 1 {
		t.Fatalf("progress %+v, want 300 scanned, %d reassigned", p, stale)
	}
	for _, p := range st.profiles {
		if p.CentroidVersion != m.Version() || p.Segment < 0 {
			t.Fatalf("profile %s still at version %d segment %d", p.Pseudonym, p.CentroidVersion, p.Segment)
		}
	}
	// Membership covers everyone now.
	var total int
	for s := 0; s < 3; s++ {
		ms, err := Members(ctx, srv.Client(), "ps", s)
		if err != nil {
			t.Fatal(err)
		}
		total += len(ms)
	}
	if total != 300 {
		t.Fatalf("members %d, want 300", total)
	}
	// A second pass finds nothing stale.
	if err := m.SweepOnce(ctx, st); err != nil {
		t.Fatal(err)
	}
	if p := m.SweepProgress(); p.Reassigned != 0 || p.Passes != 2 {
		t.Fatalf("second pass %+v", p)
	}
}

func TestRunMergesAndStops(t *testing.T) {
	srv := redistest.Start(t)
	st := newMemStore()
	m := newModel(t, srv.Client(), st, Options{K: 2, MinUsersToInit: 20, MergeInterval: 20 * time.Millisecond, SweepRate: 10000})
	xs, labels := blobs(13, 100, 2, 8, 0.2)
	observeAll(t, m, st, xs[:19], labels[:19], 0)
	observeAll(t, m, st, xs[19:], labels[19:], 19)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for m.SweepProgress().Passes == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if p := m.SweepProgress(); p.Passes == 0 || p.Reassigned == 0 {
		t.Fatalf("Run did not sweep: %+v", p)
	}
	merges, err := srv.Client().HGet(context.Background(), "ps:v1:seg:centroids", "merges").Int()
	if err != nil || merges == 0 {
		t.Fatalf("merges %d %v", merges, err)
	}
}

func TestShapeMismatchRefused(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	xs, labels := blobs(1, 50, 2, 8, 0.1)
	m := newModel(t, srv.Client(), newMemStore(), Options{K: 2, MinUsersToInit: 20})
	observeAll(t, m, newMemStore(), xs, labels, 0)
	other := newModel(t, srv.Client(), newMemStore(), Options{K: 3, MinUsersToInit: 30})
	if _, err := other.Observe(ctx, []Update{{Pseudonym: "x", Vector: xs[0], Segment: -1}}); err == nil || !strings.Contains(err.Error(), "K=2") {
		t.Fatalf("K mismatch not refused: %v", err)
	}
	wrongDim := newModel(t, srv.Client(), newMemStore(), Options{K: 2, MinUsersToInit: 20})
	if _, err := wrongDim.Observe(ctx, []Update{{Pseudonym: "x", Vector: make([]float32, 5), Segment: -1}}); err != nil {
		t.Fatalf("zero vector should be skipped, got %v", err)
	}
	if _, err := wrongDim.Observe(ctx, []Update{{Pseudonym: "x", Vector: []float32{1, 2, 3}, Segment: -1}}); err == nil {
		t.Fatal("dimension mismatch not refused")
	}
}

func TestEvaluatePicksTrueK(t *testing.T) {
	xs, _ := blobs(17, 800, 4, 16, 0.15)
	rows, err := EvaluateRange(context.Background(), xs, 2, 6)
	if err != nil {
		t.Fatal(err)
	}
	best := rows[0]
	for _, r := range rows {
		if r.Silhouette > best.Silhouette {
			best = r
		}
	}
	if best.K != 4 {
		t.Fatalf("best silhouette at k=%d, want 4: %+v", best.K, rows)
	}
	for i := 1; i < len(rows); i++ {
		if rows[i].Inertia > rows[i-1].Inertia+1e-9 {
			t.Fatalf("inertia rises with k: %+v", rows)
		}
	}
	var buf strings.Builder
	if err := FormatEvaluation(&buf, rows); err != nil || !strings.Contains(buf.String(), "FIGURE segments.evaluate.k4.silhouette") {
		t.Fatalf("%q %v", buf.String(), err)
	}
	if _, _, err := Evaluate(context.Background(), xs[:3], 4); err == nil {
		t.Fatal("too few vectors accepted")
	}
}

func TestLabel(t *testing.T) {
	tests := []struct {
		in   []schema.CategoryCount
		want string
	}{
		{nil, "(no categories)"},
		{[]schema.CategoryCount{{Category: "Beauty", Count: 10}}, "Beauty"},
		{[]schema.CategoryCount{{Category: "Beauty", Count: 10}, {Category: "Fashion", Count: 5}, {Category: "Music", Count: 1}}, "Beauty / Fashion"},
		{[]schema.CategoryCount{{Category: "A", Count: 4}, {Category: "B", Count: 3}, {Category: "C", Count: 2}, {Category: "D", Count: 2}}, "A / B / C"},
	}
	for _, tc := range tests {
		if got := Label(tc.in); got != tc.want {
			t.Errorf("Label(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// centroidOf returns the segment nearest to x (test helper).
func (m *Model) centroidOf(x []float32) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, _ := m.cl.Nearest(x)
	return s
}

func TestObservePullsWhenUserIsNewer(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	xs, labels := blobs(23, 200, 2, 8, 0.2)
	a := newModel(t, srv.Client(), newMemStore(), Options{K: 2, MinUsersToInit: 20, VersionDrift: 1e-9})
	b := newModel(t, srv.Client(), newMemStore(), Options{K: 2, MinUsersToInit: 20, VersionDrift: 1e-9})
	observeAll(t, a, newMemStore(), xs[:100], labels[:100], 0)
	if _, err := b.Observe(ctx, nil); err != nil { // adopts version 1
		t.Fatal(err)
	}
	if err := a.Merge(ctx); err != nil { // any movement bumps the version
		t.Fatal(err)
	}
	if a.Version() <= b.Version() {
		t.Fatalf("versions a=%d b=%d", a.Version(), b.Version())
	}
	if _, err := b.Observe(ctx, []Update{{Pseudonym: "u", Vector: xs[150], Segment: 0, CentroidVersion: a.Version()}}); err != nil {
		t.Fatal(err)
	}
	if b.Version() != a.Version() {
		t.Fatalf("b did not pull the newer model: %d vs %d", b.Version(), a.Version())
	}
}

// BenchmarkMerge measures one merge (Lua: decay, add deltas, renormalize, version check, stats
// flush) with K=8 and 384 dimensions, after an Observe of 64 users (not timed).
func BenchmarkMerge(b *testing.B) {
	srv := redistest.Start(b)
	ctx := context.Background()
	xs, labels := blobs(31, 2000, 8, 384, 0.3)
	m, err := New(srv.Client(), nil, Options{K: 8, HalfLife: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	var ups []Update
	for i, x := range xs {
		ups = append(ups, Update{Pseudonym: fmt.Sprint("u", i), Vector: x, Segment: -1,
			Categories: []schema.CategoryCount{{Category: fmt.Sprint("cat", labels[i]), Count: 1}}})
	}
	if _, err := m.Observe(ctx, ups); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if _, err := m.Observe(ctx, ups[:64]); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := m.Merge(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
