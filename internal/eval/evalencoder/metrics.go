package evalencoder

import (
	"math"
	"math/rand/v2"
)

// Vectors is a set of row vectors that k-means and the centroid classifier can work on without
// caring whether the rows are dense (embeddings) or sparse (TF-IDF). Centroids are always dense.
type Vectors interface {
	Len() int
	Dim() int
	// Dot is the dot product of row i with the dense vector c.
	Dot(i int, c []float64) float64
	// AddTo adds w times row i to the dense vector c.
	AddTo(i int, c []float64, w float64)
	// SqNorm is the squared L2 norm of row i.
	SqNorm(i int) float64
}

// Dense is a Vectors of float32 rows of equal length.
type Dense [][]float32

func (d Dense) Len() int { return len(d) }
func (d Dense) Dim() int {
	if len(d) == 0 {
		return 0
	}
	return len(d[0])
}
func (d Dense) Dot(i int, c []float64) float64 {
	var s float64
	for j, v := range d[i] {
		s += float64(v) * c[j]
	}
	return s
}
func (d Dense) AddTo(i int, c []float64, w float64) {
	for j, v := range d[i] {
		c[j] += w * float64(v)
	}
}
func (d Dense) SqNorm(i int) float64 {
	var s float64
	for _, v := range d[i] {
		s += float64(v) * float64(v)
	}
	return s
}

// SparseRow is one sparse vector: parallel index and value slices.
type SparseRow struct {
	Idx []int
	Val []float64
}

// Sparse is a Vectors of sparse rows in a space of dimension D.
type Sparse struct {
	Rows []SparseRow
	D    int
}

func (s Sparse) Len() int { return len(s.Rows) }
func (s Sparse) Dim() int { return s.D }
func (s Sparse) Dot(i int, c []float64) float64 {
	var r float64
	row := s.Rows[i]
	for k, j := range row.Idx {
		r += row.Val[k] * c[j]
	}
	return r
}
func (s Sparse) AddTo(i int, c []float64, w float64) {
	row := s.Rows[i]
	for k, j := range row.Idx {
		c[j] += w * row.Val[k]
	}
}
func (s Sparse) SqNorm(i int) float64 {
	var r float64
	for _, v := range s.Rows[i].Val {
		r += v * v
	}
	return r
}

func sqNorm(c []float64) float64 {
	var s float64
	for _, v := range c {
		s += v * v
	}
	return s
}

// sqDist is ||x_i - c||^2 given ||c||^2.
func sqDist(x Vectors, i int, c []float64, cNorm float64) float64 {
	d := x.SqNorm(i) + cNorm - 2*x.Dot(i, c)
	if d < 0 {
		return 0
	}
	return d
}

// KMeans clusters the rows of x into k clusters with Lloyd's algorithm in Euclidean space,
// seeded by k-means++, restarted `restarts` times; it returns the labels of the restart with the
// lowest inertia (sum of squared distances to the assigned centroid) and that inertia. The same
// seed gives the same result. For L2-normalized rows Euclidean k-means ranks like cosine
// (spherical) k-means, which is what the embedding space is compared by.
func KMeans(x Vectors, k, restarts, maxIter int, seed uint64) ([]int, float64) {
	n := x.Len()
	if n == 0 || k <= 0 {
		return nil, 0
	}
	if k > n {
		k = n
	}
	rng := rand.New(rand.NewPCG(seed, 0x6b6d65616e73))
	var best []int
	bestInertia := math.Inf(1)
	for r := 0; r < max(restarts, 1); r++ {
		labels, inertia := kmeansOnce(x, k, maxIter, rng)
		if inertia < bestInertia {
			best, bestInertia = labels, inertia
		}
	}
	return best, bestInertia
}

func kmeansOnce(x Vectors, k, maxIter int, rng *rand.Rand) ([]int, float64) {
	n, dim := x.Len(), x.Dim()
	cent := make([][]float64, k)
	norms := make([]float64, k)
	// k-means++: the first centre uniformly, each next one with probability proportional to the
	// squared distance to the nearest centre chosen so far.
	cent[0] = make([]float64, dim)
	x.AddTo(rng.IntN(n), cent[0], 1)
	norms[0] = sqNorm(cent[0])
	d2 := make([]float64, n)
	for i := range d2 {
		d2[i] = sqDist(x, i, cent[0], norms[0])
	}
	for c := 1; c < k; c++ {
		var tot float64
		for _, v := range d2 {
			tot += v
		}
		pick := rng.IntN(n)
		if tot > 0 {
			u := rng.Float64() * tot
			for i, v := range d2 {
				u -= v
				if u <= 0 {
					pick = i
					break
				}
			}
		}
		cent[c] = make([]float64, dim)
		x.AddTo(pick, cent[c], 1)
		norms[c] = sqNorm(cent[c])
		for i := range d2 {
			d2[i] = min(d2[i], sqDist(x, i, cent[c], norms[c]))
		}
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = -1
	}
	counts := make([]int, k)
	var inertia float64
	for it := 0; it < max(maxIter, 1); it++ {
		changed := 0
		inertia = 0
		for i := 0; i < n; i++ {
			bj, bd := 0, math.Inf(1)
			for j := 0; j < k; j++ {
				if d := sqDist(x, i, cent[j], norms[j]); d < bd {
					bj, bd = j, d
				}
			}
			if labels[i] != bj {
				changed++
				labels[i] = bj
			}
			inertia += bd
		}
		if changed == 0 && it > 0 {
			break
		}
		for j := range cent {
			clear(cent[j])
			counts[j] = 0
		}
		for i, l := range labels {
			x.AddTo(i, cent[l], 1)
			counts[l]++
		}
		for j := range cent {
			if counts[j] == 0 {
				// An empty cluster takes the point farthest from its centre.
				far, fd := 0, -1.0
				for i, l := range labels {
					if d := sqDist(x, i, cent[l], norms[l]); d > fd {
						far, fd = i, d
					}
				}
				x.AddTo(far, cent[j], 1)
				continue
			}
			inv := 1 / float64(counts[j])
			for t := range cent[j] {
				cent[j][t] *= inv
			}
		}
		for j := range cent {
			norms[j] = sqNorm(cent[j])
		}
	}
	return labels, inertia
}

// NMI is the normalized mutual information between two labelings with the arithmetic-mean
// normalization, MI / ((H(a)+H(b))/2), as scikit-learn's default. It is 1 for identical
// partitions (up to renaming), 0 for independent ones, and 1 when both are a single cluster.
func NMI(a, b []int) float64 {
	n := len(a)
	if n == 0 || n != len(b) {
		return 0
	}
	ca, cb := map[int]float64{}, map[int]float64{}
	joint := map[[2]int]float64{}
	for i := range a {
		ca[a[i]]++
		cb[b[i]]++
		joint[[2]int{a[i], b[i]}]++
	}
	fn := float64(n)
	ent := func(m map[int]float64) float64 {
		var h float64
		for _, c := range m {
			p := c / fn
			h -= p * math.Log(p)
		}
		return h
	}
	ha, hb := ent(ca), ent(cb)
	if len(ca) == 1 && len(cb) == 1 {
		return 1
	}
	if ha == 0 || hb == 0 {
		return 0
	}
	var mi float64
	for k, c := range joint {
		mi += c / fn * math.Log(c*fn/(ca[k[0]]*cb[k[1]]))
	}
	v := mi / ((ha + hb) / 2)
	return math.Max(0, math.Min(1, v))
}

// CentroidAccuracy fits one centroid per label on the rows where fit[i] is true (the mean of
// those rows) and returns the share of the other rows whose most cosine-similar centroid has
// their own label. Labels absent from the fit rows get no centroid.
func CentroidAccuracy(x Vectors, labels []int, fit []bool) float64 {
	cent := map[int][]float64{}
	for i, l := range labels {
		if !fit[i] {
			continue
		}
		c := cent[l]
		if c == nil {
			c = make([]float64, x.Dim())
			cent[l] = c
		}
		x.AddTo(i, c, 1)
	}
	keys := make([]int, 0, len(cent))
	norms := map[int]float64{}
	for l, c := range cent {
		keys = append(keys, l)
		norms[l] = math.Sqrt(sqNorm(c))
	}
	// deterministic order for ties
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	var ok, tot int
	for i, l := range labels {
		if fit[i] {
			continue
		}
		tot++
		best, bs := -1, math.Inf(-1)
		for _, k := range keys {
			if norms[k] == 0 {
				continue
			}
			if s := x.Dot(i, cent[k]) / norms[k]; s > bs {
				best, bs = k, s
			}
		}
		if best == l {
			ok++
		}
	}
	if tot == 0 {
		return 0
	}
	return float64(ok) / float64(tot)
}

// TwoFoldCentroidAccuracy is the mean of CentroidAccuracy over the fold split fold[i] (0/1)
// and its swap: every row is scored once, by centroids fitted on the other half.
func TwoFoldCentroidAccuracy(x Vectors, labels []int, fold []int) float64 {
	a := make([]bool, len(fold))
	b := make([]bool, len(fold))
	for i, f := range fold {
		a[i] = f == 0
		b[i] = f == 1
	}
	return (CentroidAccuracy(x, labels, a) + CentroidAccuracy(x, labels, b)) / 2
}
