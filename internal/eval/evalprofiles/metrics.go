package evalprofiles

import (
	"crypto/sha256"
	"encoding/binary"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
)

// SimMatrix is a dense matrix of similarities: row i, column j at V[i*Cols+j].
type SimMatrix struct {
	Rows, Cols int
	V          []float32
}

// NewSimMatrix returns a rows x cols matrix with s(i, j) in cell (i, j).
func NewSimMatrix(rows, cols int, s func(i, j int) float64) SimMatrix {
	m := SimMatrix{Rows: rows, Cols: cols, V: make([]float32, rows*cols)}
	for i := range rows {
		for j := range cols {
			m.V[i*cols+j] = float32(s(i, j))
		}
	}
	return m
}

// At returns cell (i, j).
func (m SimMatrix) At(i, j int) float64 { return float64(m.V[i*m.Cols+j]) }

// OwnerRanks ranks, for every query q (a row), the candidates (the columns) by similarity and
// returns the rank of owner[q] (1 = most similar). Ties are counted against the owner (a
// candidate as similar as the owner ranks above it), so a representation that cannot tell users
// apart gets no free hits. An owner < 0 (no profile) gets rank Cols+1.
func OwnerRanks(qs SimMatrix, owner []int) []int {
	ranks := make([]int, qs.Rows)
	for q := range qs.Rows {
		o := owner[q]
		if o < 0 || o >= qs.Cols {
			ranks[q] = qs.Cols + 1
			continue
		}
		own := qs.V[q*qs.Cols+o]
		r := 1
		for j := range qs.Cols {
			if j != o && qs.V[q*qs.Cols+j] >= own {
				r++
			}
		}
		ranks[q] = r
	}
	return ranks
}

// TopOne is the share of rank-1 queries.
func TopOne(ranks []int) float64 {
	if len(ranks) == 0 {
		return 0
	}
	n := 0
	for _, r := range ranks {
		if r == 1 {
			n++
		}
	}
	return float64(n) / float64(len(ranks))
}

// MRR is the mean reciprocal rank.
func MRR(ranks []int) float64 {
	if len(ranks) == 0 {
		return 0
	}
	s := 0.0
	for _, r := range ranks {
		s += 1 / float64(r)
	}
	return s / float64(len(ranks))
}

// BootstrapMRR returns the percentile bootstrap interval (level, e.g. 0.95) of the MRR over
// queries: b resamples of the queries with replacement, seeded.
func BootstrapMRR(ranks []int, b int, level float64, seed uint64) (lo, hi float64) {
	n := len(ranks)
	if n == 0 || b <= 0 {
		return 0, 0
	}
	rr := make([]float64, n)
	for i, r := range ranks {
		rr[i] = 1 / float64(r)
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	means := make([]float64, b)
	for k := range b {
		s := 0.0
		for range n {
			s += rr[rng.IntN(n)]
		}
		means[k] = s / float64(n)
	}
	sort.Float64s(means)
	a := (1 - level) / 2
	return quantile(means, a), quantile(means, 1-a)
}

// BootstrapMRRDiff returns the paired percentile bootstrap interval of MRR(a) - MRR(b), two
// representations' ranks of the same queries: each resample draws the same queries for both.
func BootstrapMRRDiff(a, b []int, n int, level float64, seed uint64) (lo, hi float64) {
	if len(a) == 0 || len(a) != len(b) || n <= 0 {
		return 0, 0
	}
	d := make([]float64, len(a))
	for i := range a {
		d[i] = 1/float64(a[i]) - 1/float64(b[i])
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	means := make([]float64, n)
	for k := range n {
		s := 0.0
		for range d {
			s += d[rng.IntN(len(d))]
		}
		means[k] = s / float64(len(d))
	}
	sort.Float64s(means)
	al := (1 - level) / 2
	return quantile(means, al), quantile(means, 1-al)
}

// quantile of sorted xs with linear interpolation.
func quantile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	pos := p * float64(len(xs)-1)
	i := int(math.Floor(pos))
	if i >= len(xs)-1 {
		return xs[len(xs)-1]
	}
	f := pos - float64(i)
	return xs[i]*(1-f) + xs[i+1]*f
}

// NeighbourPrecision is neighbour-category precision at k: for every user i (a row of the square
// matrix hh) the k most similar other users, and the share of them whose label is label[i],
// averaged over users. Ties are broken by index (deterministic). Users with an empty label are
// left out as queries and count as a different label as neighbours.
func NeighbourPrecision(hh SimMatrix, label []string, k int) float64 {
	n := hh.Rows
	idx := make([]int, 0, n)
	total, users := 0.0, 0
	for i := range n {
		if label[i] == "" {
			continue
		}
		idx = idx[:0]
		for j := range n {
			if j != i {
				idx = append(idx, j)
			}
		}
		row := hh.V[i*hh.Cols : (i+1)*hh.Cols]
		sort.SliceStable(idx, func(a, b int) bool { return row[idx[a]] > row[idx[b]] })
		kk := min(k, len(idx))
		if kk == 0 {
			continue
		}
		hit := 0
		for _, j := range idx[:kk] {
			if label[j] == label[i] {
				hit++
			}
		}
		total += float64(hit) / float64(kk)
		users++
	}
	if users == 0 {
		return 0
	}
	return total / float64(users)
}

// NMI is the normalized mutual information of two labelings of the same items, with the
// arithmetic-mean normalization (sklearn's default): I(a;b) / ((H(a)+H(b))/2). Two constant
// labelings give 1; one constant and one not give 0.
func NMI[A, B comparable](a []A, b []B) float64 {
	n := float64(len(a))
	if len(a) == 0 || len(a) != len(b) {
		return 0
	}
	ca, cb := map[A]float64{}, map[B]float64{}
	type pair struct {
		a A
		b B
	}
	cab := map[pair]float64{}
	for i := range a {
		ca[a[i]]++
		cb[b[i]]++
		cab[pair{a[i], b[i]}]++
	}
	ent := func(c []float64) float64 {
		h := 0.0
		for _, x := range c {
			p := x / n
			h -= p * math.Log(p)
		}
		return h
	}
	va := make([]float64, 0, len(ca))
	for _, x := range ca {
		va = append(va, x)
	}
	vb := make([]float64, 0, len(cb))
	for _, x := range cb {
		vb = append(vb, x)
	}
	ha, hb := ent(va), ent(vb)
	if ha == 0 && hb == 0 {
		return 1
	}
	if ha == 0 || hb == 0 {
		return 0
	}
	mi := 0.0
	for p, x := range cab {
		mi += x / n * math.Log(x*n/(ca[p.a]*cb[p.b]))
	}
	return math.Max(0, mi/((ha+hb)/2))
}

// KernelKMeans clusters the n items of the square similarity matrix s into k clusters with
// kernel k-means: the squared distance of item i to cluster c is
// s(i,i) - 2 mean_{j in c} s(i,j) + mean_{j,l in c} s(j,l). With cosine similarities of unit
// vectors this is exactly k-means on the vectors; it also clusters a representation that only
// defines a similarity. k-means++ starts, restarts tries (lowest objective wins), seeded.
func KernelKMeans(s SimMatrix, k, restarts int, seed uint64) []int {
	n := s.Rows
	if n == 0 {
		return nil
	}
	k = max(1, min(k, n))
	restarts = max(1, restarts)
	rng := rand.New(rand.NewPCG(seed, 0x51a5e5))
	var best []int
	bestObj := math.Inf(1)
	for range restarts {
		lab, obj := kernelKMeansOnce(s, k, rng)
		if obj < bestObj {
			best, bestObj = lab, obj
		}
	}
	return best
}

func kernelKMeansOnce(s SimMatrix, k int, rng *rand.Rand) ([]int, float64) {
	n := s.Rows
	dist := func(i, j int) float64 { return math.Max(0, s.At(i, i)+s.At(j, j)-s.At(i, j)-s.At(j, i)) }
	// k-means++ seeds
	seeds := []int{rng.IntN(n)}
	d := make([]float64, n)
	for i := range n {
		d[i] = dist(i, seeds[0])
	}
	for len(seeds) < k {
		sum := 0.0
		for _, x := range d {
			sum += x
		}
		next := rng.IntN(n)
		if sum > 0 {
			r := rng.Float64() * sum
			for i, x := range d {
				r -= x
				if r <= 0 {
					next = i
					break
				}
			}
		}
		seeds = append(seeds, next)
		for i := range n {
			d[i] = math.Min(d[i], dist(i, next))
		}
	}
	lab := make([]int, n)
	for i := range n {
		bi, bd := 0, math.Inf(1)
		for c, sd := range seeds {
			if x := dist(i, sd); x < bd {
				bi, bd = c, x
			}
		}
		lab[i] = bi
	}
	obj := math.Inf(1)
	for iter := 0; iter < 100; iter++ {
		members := make([][]int, k)
		for i, c := range lab {
			members[c] = append(members[c], i)
		}
		self := make([]float64, k) // mean_{j,l in c} s(j,l)
		for c, m := range members {
			if len(m) == 0 {
				continue
			}
			t := 0.0
			for _, j := range m {
				for _, l := range m {
					t += s.At(j, l)
				}
			}
			self[c] = t / float64(len(m)*len(m))
		}
		changed := 0
		obj = 0
		next := make([]int, n)
		for i := range n {
			bi, bd := lab[i], math.Inf(1)
			for c, m := range members {
				if len(m) == 0 {
					continue
				}
				t := 0.0
				for _, j := range m {
					t += s.At(i, j)
				}
				if x := s.At(i, i) - 2*t/float64(len(m)) + self[c]; x < bd {
					bi, bd = c, x
				}
			}
			next[i] = bi
			obj += bd
			if bi != lab[i] {
				changed++
			}
		}
		lab = next
		if changed == 0 {
			break
		}
	}
	return lab, obj
}

// Split is the DEV/TEST half of a user.
type Split string

// The two halves.
const (
	SplitDev  Split = "dev"
	SplitTest Split = "test"
)

// SplitOf is the split rule, the same as the development half of internal/eval/simtune (where
// reader's fusion weights are chosen): the FNV-1a 32-bit hash of "simtune:" + the raw user id,
// even is DEV, odd is TEST. So TEST holds no user the shipped weights were tuned on. It depends on
// nothing but the id: a user is in the same half in every run, data set and representation.
func SplitOf(userID string) Split {
	h := fnv.New32a()
	_, _ = h.Write([]byte("simtune:" + userID))
	if h.Sum32()%2 == 0 {
		return SplitDev
	}
	return SplitTest
}

// userHash orders the users of a split for the cap (Options.MaxUsers): the first 8 bytes of
// SHA-256("evalprofiles:" + raw user id), so the users kept are a uniform sample (FNV's order
// groups ids that share a prefix).
func userHash(userID string) uint64 {
	h := sha256.Sum256([]byte("evalprofiles:" + userID))
	return binary.BigEndian.Uint64(h[:8])
}
