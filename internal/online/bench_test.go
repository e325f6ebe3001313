package online

import (
	"math/rand/v2"
	"testing"
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
		xs[i] = Normalize(v)
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
