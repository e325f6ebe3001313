package online

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/profilestream/profilestream/internal/redistest"
	"github.com/profilestream/profilestream/schema"
)

// BenchmarkClustererUpdate is the in-memory per-user update of Observe (Assign with hysteresis,
// then Add) at k=8, dim=256.
func BenchmarkClustererUpdate(b *testing.B) {
	const k, dim, n = 8, 256, 4096
	rng := rand.New(rand.NewPCG(1, 2))
	xs := make([][]float32, n)
	for i := range xs {
		v := make([]float32, dim)
		for j := range v {
			v[j] = float32(rng.NormFloat64())
		}
		xs[i] = schema.Normalize(v)
	}
	c := NewClusterer(k, dim)
	c.InitKMeansPP(xs[:512], rng, 5)
	prev := make([]int, n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := i % n
		s, _ := c.Assign(xs[r], prev[r], 0.05)
		c.Add(s, xs[r], 1)
		prev[r] = s
	}
}

func TestDot4MatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 33, 256, 384} {
		vec := func() []float32 {
			v := make([]float32, n+5) // longer than x, as centroid rows may be
			for j := range v {
				v[j] = float32(rng.NormFloat64())
			}
			return v
		}
		x, a, b, c, d := vec()[:n], vec(), vec(), vec(), vec()
		g0, g1, g2, g3 := dot4go(x, a, b, c, d)
		s0, s1, s2, s3 := dot4(x, a, b, c, d)
		for i, p := range [][2]float32{{g0, s0}, {g1, s1}, {g2, s2}, {g3, s3}} {
			if diff := p[0] - p[1]; diff > 1e-3 || diff < -1e-3 {
				t.Errorf("n=%d dot %d: go %v, dot4 %v", n, i, p[0], p[1])
			}
		}
	}
}

// BenchmarkObserve1024 is Observe on batches of 1024 users who already have a segment (Redis
// membership writes only for the few who move), k=8, dim=256. One op is one batch.
func BenchmarkObserve1024(b *testing.B) {
	srv := redistest.Start(b)
	st := newMemStore()
	m, err := New(srv.Client(), st, Options{K: 8, MinUsersToInit: 1024, RefitInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	const n, dim = 4096, 256
	ups := make([]Update, n)
	for i := range ups {
		v := make([]float32, dim)
		for j := range v {
			v[j] = float32(rng.NormFloat64())
		}
		v[i%8] += 8
		ups[i] = Update{Pseudonym: fmt.Sprintf("u%d", i), Vector: v, Segment: -1,
			Categories: []schema.CategoryCount{{Category: "c", Count: 1}}, MeanRating: 4}
	}
	ctx := context.Background()
	sync := func(batch []Update) {
		for i := range batch {
			st.mu.Lock()
			if p, ok := st.profiles[batch[i].Pseudonym]; ok {
				batch[i].Segment, batch[i].CentroidVersion = p.Segment, p.CentroidVersion
			}
			st.mu.Unlock()
		}
	}
	for s := 0; s < n; s += 1024 {
		if _, err := m.Observe(ctx, ups[s:s+1024]); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := (i % 4) * 1024
		b.StopTimer()
		sync(ups[s : s+1024])
		b.StartTimer()
		if _, err := m.Observe(ctx, ups[s:s+1024]); err != nil {
			b.Fatal(err)
		}
	}
}

func TestNearestMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for k := 1; k <= 9; k++ {
		xs, _ := blobs(uint64(k), 200, k, 20, 0.5)
		c := NewClusterer(k, 20)
		c.InitKMeansPP(xs, rng, 3)
		for _, x := range xs {
			got, dist := c.Nearest(x)
			want, best := 0, float32(-2)
			for i := 0; i < k; i++ {
				if s := dot(x, c.Centroid(i)); s > best {
					want, best = i, s
				}
			}
			if got != want && c.Similarity(x, got) < best-1e-5 {
				t.Fatalf("k=%d: Nearest %d (sim %v), brute force %d (sim %v)", k, got, 1-dist, want, best)
			}
		}
	}
}
