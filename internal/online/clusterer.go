package online

import (
	"math"
	"math/rand/v2"
)

// Clusterer is the in-memory core of the model: k running sums of unit vectors with their
// counts, and the normalized centroids derived from them. It has no Redis and no locking; Model
// wraps it for the shared, concurrent case, and the evaluation uses it directly.
//
// Centroid i is sums[i]/||sums[i]||. Adding a unit vector x with weight w to segment i makes
// sums[i] += w*x and counts[i] += w, which moves the mean sums[i]/counts[i] towards x with
// learning rate w/counts[i] (1/n for unit weights).
//
// For speed, the centroids are kept unnormalized: raw[i] is sums[i] in float32 and inv[i] is
// 1/||sums[i]||, so a similarity is one dot product times inv[i], and Add updates sums, raw and
// the norm in a single pass over the dimensions.
type Clusterer struct {
	k, dim int
	sums   []float64 // k*dim
	counts []float64 // k
	raw    []float32 // k*dim, float32(sums)
	inv    []float32 // k, 1/||sums[i]|| (0 for an empty segment)
}

// NewClusterer returns a clusterer with k empty segments of dimension dim.
func NewClusterer(k, dim int) *Clusterer {
	return &Clusterer{
		k: k, dim: dim,
		sums:   make([]float64, k*dim),
		counts: make([]float64, k),
		raw:    make([]float32, k*dim),
		inv:    make([]float32, k),
	}
}

// K returns the number of segments.
func (c *Clusterer) K() int { return c.k }

// Dim returns the vector dimension.
func (c *Clusterer) Dim() int { return c.dim }

// Centroid returns segment i's unit centroid (a new slice; zero for an empty segment).
func (c *Clusterer) Centroid(i int) []float32 {
	out := make([]float32, c.dim)
	inv := float64(c.inv[i])
	for j, v := range c.sums[i*c.dim : (i+1)*c.dim] {
		out[j] = float32(v * inv)
	}
	return out
}

// Count returns segment i's (possibly decayed) count.
func (c *Clusterer) Count(i int) float64 { return c.counts[i] }

// Centroids returns a copy of all centroids.
func (c *Clusterer) Centroids() [][]float32 {
	out := make([][]float32, c.k)
	for i := range out {
		out[i] = c.Centroid(i)
	}
	return out
}

// SetSegment replaces segment i's running sum and count and recomputes its centroid.
func (c *Clusterer) SetSegment(i int, sum []float64, count float64) {
	copy(c.sums[i*c.dim:(i+1)*c.dim], sum)
	c.counts[i] = count
	c.renorm(i)
}

// Sum returns segment i's running sum (shared storage; do not modify).
func (c *Clusterer) Sum(i int) []float64 { return c.sums[i*c.dim : (i+1)*c.dim] }

func (c *Clusterer) renorm(i int) {
	s := c.sums[i*c.dim : (i+1)*c.dim]
	var n float64
	for _, v := range s {
		n += v * v
	}
	dst := c.raw[i*c.dim : (i+1)*c.dim]
	for j, v := range s {
		dst[j] = float32(v)
	}
	c.inv[i] = invNorm(n)
}

func invNorm(n2 float64) float32 {
	if n2 <= 0 || math.IsNaN(n2) || math.IsInf(n2, 0) {
		return 0
	}
	return float32(1 / math.Sqrt(n2))
}

// Similarity returns cos(x, centroid i) for a unit vector x.
func (c *Clusterer) Similarity(x []float32, i int) float32 {
	r := c.raw[i*c.dim : (i+1)*c.dim]
	s, _, _, _ := dot4(x, r, r, r, r)
	return s * c.inv[i]
}

// Nearest returns the segment whose centroid is most similar to the unit vector x and its cosine
// distance 1 - cos.
func (c *Clusterer) Nearest(x []float32) (seg int, dist float32) {
	best, bestSim := 0, float32(-2)
	d := c.dim
	i := 0
	for ; i+4 <= c.k; i += 4 {
		s0, s1, s2, s3 := dot4(x, c.raw[i*d:(i+1)*d], c.raw[(i+1)*d:(i+2)*d], c.raw[(i+2)*d:(i+3)*d], c.raw[(i+3)*d:(i+4)*d])
		for o, s := range [4]float32{s0 * c.inv[i], s1 * c.inv[i+1], s2 * c.inv[i+2], s3 * c.inv[i+3]} {
			if s > bestSim {
				best, bestSim = i+o, s
			}
		}
	}
	if i < c.k { // the last 1-3 segments: one more dot4, repeating the last row
		row := func(o int) []float32 {
			o = min(i+o, c.k-1)
			return c.raw[o*d : (o+1)*d]
		}
		s0, s1, s2, _ := dot4(x, row(0), row(1), row(2), row(2))
		for o, s := range [3]float32{s0, s1, s2} {
			if i+o < c.k {
				if s *= c.inv[i+o]; s > bestSim {
					best, bestSim = i+o, s
				}
			}
		}
	}
	return best, 1 - bestSim
}

// Assign picks the segment for x given the user's current segment (-1 when none): the nearest
// segment, unless the current one is within margin (cosine distance) of it, in which case the user
// stays (hysteresis). It returns the chosen segment and x's distance to it.
func (c *Clusterer) Assign(x []float32, current int, margin float64) (seg int, dist float32) {
	best, bestDist := c.Nearest(x)
	if current < 0 || current >= c.k || current == best {
		return best, bestDist
	}
	curDist := 1 - c.Similarity(x, current)
	if float64(curDist)-float64(bestDist) < margin {
		return current, curDist
	}
	return best, bestDist
}

// Add adds x with weight w to segment i (learning rate w/count) and renormalizes its centroid.
func (c *Clusterer) Add(i int, x []float32, w float64) {
	s := c.sums[i*c.dim : (i+1)*c.dim]
	r := c.raw[i*c.dim : (i+1)*c.dim]
	s = s[:len(x)]
	r = r[:len(x)]
	// Four partial norms, so that the additions do not wait on each other.
	var n0, n1, n2, n3 float64
	j := 0
	for ; j+4 <= len(x); j += 4 {
		t0 := s[j] + w*float64(x[j])
		t1 := s[j+1] + w*float64(x[j+1])
		t2 := s[j+2] + w*float64(x[j+2])
		t3 := s[j+3] + w*float64(x[j+3])
		s[j], s[j+1], s[j+2], s[j+3] = t0, t1, t2, t3
		r[j], r[j+1], r[j+2], r[j+3] = float32(t0), float32(t1), float32(t2), float32(t3)
		n0 += t0 * t0
		n1 += t1 * t1
		n2 += t2 * t2
		n3 += t3 * t3
	}
	for ; j < len(x); j++ {
		t := s[j] + w*float64(x[j])
		s[j] = t
		r[j] = float32(t)
		n0 += t * t
	}
	c.counts[i] += w
	c.inv[i] = invNorm(n0 + n1 + n2 + n3)
}

// Decay multiplies every sum and count by f (0 < f <= 1): forgetting.
func (c *Clusterer) Decay(f float64) {
	if f >= 1 {
		return
	}
	for j := range c.sums {
		c.sums[j] *= f
	}
	for i := range c.counts {
		c.counts[i] *= f
	}
}

// Starved returns the segments whose count is below frac times the largest count (sklearn's
// reassignment rule for MiniBatchKMeans, frac 0.01 there). Empty segments always count as starved
// when some segment is not empty.
func (c *Clusterer) Starved(frac float64) []int {
	var max float64
	for _, n := range c.counts {
		if n > max {
			max = n
		}
	}
	if max == 0 {
		return nil
	}
	var out []int
	for i, n := range c.counts {
		if n < frac*max || n == 0 {
			out = append(out, i)
		}
	}
	return out
}

// FarPoints picks n distinct points of sample, each with probability proportional to its squared
// cosine distance to its nearest centroid (the k-means++ rule), so that a reseeded centroid lands
// where the current centroids explain the data worst.
func (c *Clusterer) FarPoints(sample [][]float32, n int, rng *rand.Rand) [][]float32 {
	if len(sample) == 0 || n <= 0 {
		return nil
	}
	w := make([]float64, len(sample))
	for i, x := range sample {
		_, d := c.Nearest(x)
		w[i] = float64(d) * float64(d)
	}
	var out [][]float32
	for len(out) < n {
		i := pickWeighted(w, rng)
		if i < 0 {
			break
		}
		out = append(out, sample[i])
		w[i] = 0
	}
	return out
}

// Inertia returns the sum over xs of the cosine distance to the nearest centroid.
func (c *Clusterer) Inertia(xs [][]float32) float64 {
	var s float64
	for _, x := range xs {
		_, d := c.Nearest(x)
		s += float64(d)
	}
	return s
}

// Labels returns each vector's nearest segment.
func (c *Clusterer) Labels(xs [][]float32) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i], _ = c.Nearest(x)
	}
	return out
}

// InitKMeansPP seeds the clusterer from sample: k-means++ seeding with rng (deterministic for a
// given sample and seed), then lloyd spherical Lloyd iterations on the sample. Each segment starts
// with the sum and count of the sample points assigned to it. It needs at least k points.
func (c *Clusterer) InitKMeansPP(sample [][]float32, rng *rand.Rand, lloyd int) bool {
	if len(sample) < c.k {
		return false
	}
	// Greedy k-means++ (as sklearn): the first centre uniform, then at each step 2+ln(k)
	// candidates drawn proportional to the squared distance to the nearest centre, keeping the
	// candidate that lowers the total squared distance most.
	d2 := make([]float64, len(sample))
	for i := range d2 {
		d2[i] = math.Inf(1)
	}
	trials := 2 + int(math.Log(float64(c.k)))
	centres := make([][]float32, 0, c.k)
	first := rng.IntN(len(sample))
	centres = append(centres, sample[first])
	closer := func(dst []float64, cand []float32) float64 {
		var pot float64
		for i, x := range sample {
			d := 1 - float64(dot(x, cand))
			if d < 0 {
				d = 0
			}
			v := min(d*d, d2[i])
			if dst != nil {
				dst[i] = v
			}
			pot += v
		}
		return pot
	}
	closer(d2, centres[0])
	tmp := make([]float64, len(sample))
	for len(centres) < c.k {
		best, bestPot := -1, math.Inf(1)
		for t := 0; t < trials; t++ {
			i := pickWeighted(d2, rng)
			if i < 0 { // every point coincides with a centre: take any
				i = rng.IntN(len(sample))
			}
			if pot := closer(nil, sample[i]); best < 0 || pot < bestPot {
				best, bestPot = i, pot
			}
		}
		centres = append(centres, sample[best])
		closer(tmp, sample[best])
		d2, tmp = tmp, d2
	}
	for i, x := range centres {
		sum := make([]float64, c.dim)
		for j, v := range x {
			sum[j] = float64(v)
		}
		c.SetSegment(i, sum, 0)
	}
	c.lloyd(sample, lloyd)
	return true
}

// lloyd runs up to iters spherical Lloyd iterations on sample from the current centroids: assign
// every point to its nearest centroid, then make each segment's sum and count those of its
// points. A segment that gets no point keeps its previous centroid (with count 0).
func (c *Clusterer) lloyd(sample [][]float32, iters int) {
	labels := make([]int, len(sample))
	for it := 0; it <= iters; it++ {
		changed := it == 0
		for i, x := range sample {
			l, _ := c.Nearest(x)
			if l != labels[i] {
				changed = true
			}
			labels[i] = l
		}
		// Rebuild sums from the assignment; keep an empty segment's previous centroid.
		old := append([]float32(nil), c.raw...)
		clear(c.sums)
		clear(c.counts)
		for i, x := range sample {
			l := labels[i]
			s := c.sums[l*c.dim : (l+1)*c.dim]
			for j, v := range x {
				s[j] += float64(v)
			}
			c.counts[l]++
		}
		for l := 0; l < c.k; l++ {
			if c.counts[l] == 0 {
				for j := 0; j < c.dim; j++ {
					c.sums[l*c.dim+j] = float64(old[l*c.dim+j])
				}
			}
			c.renorm(l)
		}
		if !changed {
			break
		}
	}
}

// InitBest runs InitKMeansPP trials times (drawing from the same rng, so each trial seeds
// differently) and keeps the result with the lowest inertia on the sample, as sklearn's n_init.
func (c *Clusterer) InitBest(sample [][]float32, rng *rand.Rand, lloyd, trials int) bool {
	if len(sample) < c.k {
		return false
	}
	best := -1.0
	var sums []float64
	var counts []float64
	for t := 0; t < max(1, trials); t++ {
		c.InitKMeansPP(sample, rng, lloyd)
		if in := c.Inertia(sample); best < 0 || in < best {
			best = in
			sums = append(sums[:0], c.sums...)
			counts = append(counts[:0], c.counts...)
		}
	}
	copy(c.sums, sums)
	copy(c.counts, counts)
	for i := 0; i < c.k; i++ {
		c.renorm(i)
	}
	return true
}

func pickWeighted(w []float64, rng *rand.Rand) int {
	var total float64
	for _, v := range w {
		total += v
	}
	if total <= 0 || math.IsInf(total, 0) || math.IsNaN(total) {
		return -1
	}
	r := rng.Float64() * total
	for i, v := range w {
		r -= v
		if r < 0 && v > 0 {
			return i
		}
	}
	for i := len(w) - 1; i >= 0; i-- {
		if w[i] > 0 {
			return i
		}
	}
	return -1
}

// dot4go is dot4 in plain Go (the reference for the assembly kernel and its fallback).
func dot4go(x, a, b, c, d []float32) (float32, float32, float32, float32) {
	n := len(x)
	a, b, c, d = a[:n], b[:n], c[:n], d[:n]
	var s0, s1, s2, s3 float32
	for j, v := range x {
		s0 += v * a[j]
		s1 += v * b[j]
		s2 += v * c[j]
		s3 += v * d[j]
	}
	return s0, s1, s2, s3
}

func dot(a, b []float32) float32 {
	var s0, s1, s2, s3 float32
	n := len(a)
	b = b[:n]
	i := 0
	for ; i+4 <= n; i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < n; i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// clone returns an independent copy.
func (c *Clusterer) clone() *Clusterer {
	return &Clusterer{k: c.k, dim: c.dim, sums: append([]float64(nil), c.sums...),
		counts: append([]float64(nil), c.counts...), raw: append([]float32(nil), c.raw...),
		inv: append([]float32(nil), c.inv...)}
}

// Reservoir is a uniform sample of at most Size vectors out of all vectors offered (Vitter's
// algorithm R), drawn with its own seeded generator.
type Reservoir struct {
	size int
	seen int64
	pcg  *rand.PCG
	rng  *rand.Rand
	xs   [][]float32
}

// NewReservoir returns an empty reservoir of the given size and seed.
func NewReservoir(size int, seed uint64) *Reservoir {
	pcg := rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)
	return &Reservoir{size: size, pcg: pcg, rng: rand.New(pcg)}
}

// clone returns an independent copy, generator state included: offering the same vectors to
// the copy and to the original leaves both in the same state.
func (r *Reservoir) clone() *Reservoir {
	pcg := *r.pcg
	return &Reservoir{size: r.size, seen: r.seen, pcg: &pcg, rng: rand.New(&pcg), xs: append([][]float32(nil), r.xs...)}
}

// Offer adds x to the sample with probability Size/seen (x is kept, not copied).
func (r *Reservoir) Offer(x []float32) {
	r.seen++
	if len(r.xs) < r.size {
		r.xs = append(r.xs, x)
		return
	}
	if j := r.rng.Int64N(r.seen); j < int64(r.size) {
		r.xs[j] = x
	}
}

// Seen returns how many vectors were offered.
func (r *Reservoir) Seen() int64 { return r.seen }

// Sample returns the current sample (shared storage).
func (r *Reservoir) Sample() [][]float32 { return r.xs }
