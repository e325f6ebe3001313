// Package behavior learns embeddings of category and item ids from their co-occurrence in
// users' click histories, and shares them with every worker and reader through one Redis hash
// (schema.BehaviorTableKey).
//
// A profile's sketches ("cats", "bitems") say which ids one user clicked. Two ids that the same
// users click are related, whatever their numbers are. Fit counts, over a sample of profiles,
// how often two ids appear in the same profile (each profile adds 1/(n-1) to every pair of its
// n ids, so that a long history does not outweigh many short ones), turns the counts into
// positive pointwise mutual information (PPMI, with the context distribution smoothed by the
// power 0.75 as in word2vec), and keeps the top schema.BehaviorDim singular directions of that
// matrix (truncated SVD by randomized subspace iteration, seeded: the same profiles give the same
// table). An id's vector is its row of U·sqrt(Σ), normalized. This is the classic count-based
// equivalent of word2vec's skip-gram with negative sampling (Levy and Goldberg, 2014).
//
// Refit reads the sample of profiles with SCAN, fits and publishes a new table with a bumped
// version in one atomic RENAME; Runner does it every interval on the one worker that holds a
// short lock. Nothing here is per-event state: a table is derived from the profiles, and a
// reader projects every profile it compares with the one table it loaded
// (schema.BehaviorTable.ProfileVector), so two versions are never mixed.
package behavior

import (
	"errors"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/profilestream/profilestream/schema"
)

// FitOptions bounds a fit.
type FitOptions struct {
	// MinProfiles is how many profiles an id must appear in to get a learned vector (default 1:
	// an id of one profile still co-occurs with that profile's other ids; measured on Taobao DEV,
	// behaviour part alone owner MRR 0.410 with 1, 0.312 with 2, 0.215 with 3).
	MinProfiles int
	// MaxIDs bounds the table (the ids in most profiles are kept; default 50,000: 6.4 MB).
	MaxIDs int
	// Iterations of the randomized subspace iteration (default 4).
	Iterations int
}

func (o FitOptions) withDefaults() FitOptions {
	if o.MinProfiles <= 0 {
		o.MinProfiles = 1
	}

	if o.MaxIDs <= 0 {
		o.MaxIDs = 50000
	}
	if o.Iterations <= 0 {
		o.Iterations = 4
	}
	return o
}

// Doc is one profile's ids: "c:<category>" and "i:<item>" (schema.BehaviorCategoryPrefix,
// schema.BehaviorItemPrefix), each once.
type Doc []string

// ErrTooFew is returned by Fit when fewer than two ids qualify.
var ErrTooFew = errors.New("behavior: too few ids to fit")

// Fit learns a unit vector of schema.BehaviorDim for every id in at least MinProfiles docs (at
// most MaxIDs of them). Deterministic for the same docs in the same order.
func Fit(docs []Doc, o FitOptions) (map[string][]float32, error) {
	o = o.withDefaults()
	df := map[string]int{}
	for _, d := range docs {
		for _, id := range d {
			df[id]++
		}
	}
	var ids []string
	for id, n := range df {
		if n >= o.MinProfiles {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool {
		if df[ids[i]] != df[ids[j]] {
			return df[ids[i]] > df[ids[j]]
		}
		return ids[i] < ids[j]
	})
	if len(ids) > o.MaxIDs {
		ids = ids[:o.MaxIDs]
	}
	if len(ids) < 2 {
		return nil, ErrTooFew
	}
	index := make(map[string]int32, len(ids))
	for i, id := range ids {
		index[id] = int32(i)
	}
	n := len(ids)
	// co-occurrence counts, symmetric, pairs of distinct ids
	co := map[uint64]float64{}
	var row []int32
	for _, d := range docs {
		row = row[:0]
		for _, id := range d {
			if i, ok := index[id]; ok {
				row = append(row, i)
			}
		}
		if len(row) < 2 {
			continue
		}
		w := 1 / float64(len(row)-1)
		for a := range row {
			for b := range row {
				if a != b {
					co[uint64(row[a])<<32|uint64(uint32(row[b]))] += w
				}
			}
		}
	}
	marg := make([]float64, n)
	var total float64
	for k, c := range co {
		marg[k>>32] += c
		total += c
	}
	if total == 0 {
		return nil, ErrTooFew
	}
	ctx := make([]float64, n) // smoothed context distribution
	var ctxSum float64
	for i, m := range marg {
		ctx[i] = math.Pow(m, 0.75)
		ctxSum += ctx[i]
	}
	// PPMI in CSR
	type entry struct {
		col int32
		val float32
	}
	rows := make([][]entry, n)
	for k, c := range co {
		i, j := int32(k>>32), int32(uint32(k))
		pmi := math.Log((c / total) / ((marg[i] / total) * (ctx[j] / ctxSum)))
		if pmi > 0 {
			rows[i] = append(rows[i], entry{j, float32(pmi)})
		}
	}
	for i := range rows {
		sort.Slice(rows[i], func(a, b int) bool { return rows[i][a].col < rows[i][b].col })
	}
	// y = M x (x, y: n x l, column-major by row: x[i*l+c])
	k := schema.BehaviorDim
	l := min(k+16, n)
	mul := func(x []float64) []float64 {
		y := make([]float64, n*l)
		for i, r := range rows {
			yi := y[i*l : (i+1)*l]
			for _, e := range r {
				xj := x[int(e.col)*l : (int(e.col)+1)*l]
				v := float64(e.val)
				for c := range yi {
					yi[c] += v * xj[c]
				}
			}
		}
		return y
	}
	// M^T x: the PPMI matrix is not symmetric (the context side is smoothed)
	mulT := func(x []float64) []float64 {
		y := make([]float64, n*l)
		for i, r := range rows {
			xi := x[i*l : (i+1)*l]
			for _, e := range r {
				yj := y[int(e.col)*l : (int(e.col)+1)*l]
				v := float64(e.val)
				for c := range xi {
					yj[c] += v * xi[c]
				}
			}
		}
		return y
	}
	rng := rand.New(rand.NewPCG(0x6265686176, uint64(n)))
	q := make([]float64, n*l)
	for i := range q {
		q[i] = rng.NormFloat64()
	}
	q = orthonormalize(mul(q), n, l)
	for it := 0; it < o.Iterations; it++ {
		q = orthonormalize(mul(orthonormalize(mulT(q), n, l)), n, l)
	}
	// B = Q^T M (l x n); B B^T = Q^T M M^T Q = (M^T Q)^T (M^T Q)
	z := mulT(q) // n x l: rows of M^T Q
	g := make([]float64, l*l)
	for i := 0; i < n; i++ {
		zi := z[i*l : (i+1)*l]
		for a := 0; a < l; a++ {
			for b := a; b < l; b++ {
				g[a*l+b] += zi[a] * zi[b]
			}
		}
	}
	for a := 0; a < l; a++ {
		for b := 0; b < a; b++ {
			g[a*l+b] = g[b*l+a]
		}
	}
	eig, vec := jacobiEigen(g, l)
	order := make([]int, l)
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return eig[order[a]] > eig[order[b]] })
	dims := min(k, l)
	out := make(map[string][]float32, n)
	for i, id := range ids {
		qi := q[i*l : (i+1)*l]
		v := make([]float32, k)
		var norm float64
		for d := 0; d < dims; d++ {
			c := order[d]
			sigma := math.Sqrt(math.Max(eig[c], 0))
			var u float64 // (Q V)_{i,c}
			for a := 0; a < l; a++ {
				u += qi[a] * vec[a*l+c]
			}
			x := u * math.Sqrt(sigma)
			v[d] = float32(x)
			norm += x * x
		}
		if norm == 0 {
			continue
		}
		s := float32(1 / math.Sqrt(norm))
		for d := range v {
			v[d] *= s
		}
		out[id] = v
	}
	return out, nil
}

// orthonormalize makes the l columns of x (n x l, row-major) orthonormal (modified
// Gram-Schmidt; a column that vanishes is replaced by zeros).
func orthonormalize(x []float64, n, l int) []float64 {
	for c := 0; c < l; c++ {
		for p := 0; p < c; p++ {
			var dot float64
			for i := 0; i < n; i++ {
				dot += x[i*l+c] * x[i*l+p]
			}
			for i := 0; i < n; i++ {
				x[i*l+c] -= dot * x[i*l+p]
			}
		}
		var norm float64
		for i := 0; i < n; i++ {
			norm += x[i*l+c] * x[i*l+c]
		}
		s := 0.0
		if norm > 1e-20 {
			s = 1 / math.Sqrt(norm)
		}
		for i := 0; i < n; i++ {
			x[i*l+c] *= s
		}
	}
	return x
}

// jacobiEigen returns the eigenvalues and eigenvectors (columns of vec, row-major l x l) of the
// symmetric matrix a (l x l, row-major; overwritten), by cyclic Jacobi rotations.
func jacobiEigen(a []float64, l int) (eig, vec []float64) {
	vec = make([]float64, l*l)
	for i := 0; i < l; i++ {
		vec[i*l+i] = 1
	}
	for sweep := 0; sweep < 100; sweep++ {
		var off float64
		for p := 0; p < l; p++ {
			for q := p + 1; q < l; q++ {
				off += a[p*l+q] * a[p*l+q]
			}
		}
		if off < 1e-22 {
			break
		}
		for p := 0; p < l; p++ {
			for q := p + 1; q < l; q++ {
				apq := a[p*l+q]
				if math.Abs(apq) < 1e-300 {
					continue
				}
				theta := (a[q*l+q] - a[p*l+p]) / (2 * apq)
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := 0; k < l; k++ {
					akp, akq := a[k*l+p], a[k*l+q]
					a[k*l+p] = c*akp - s*akq
					a[k*l+q] = s*akp + c*akq
				}
				for k := 0; k < l; k++ {
					apk, aqk := a[p*l+k], a[q*l+k]
					a[p*l+k] = c*apk - s*aqk
					a[q*l+k] = s*apk + c*aqk
				}
				for k := 0; k < l; k++ {
					vkp, vkq := vec[k*l+p], vec[k*l+q]
					vec[k*l+p] = c*vkp - s*vkq
					vec[k*l+q] = s*vkp + c*vkq
				}
			}
		}
	}
	eig = make([]float64, l)
	for i := 0; i < l; i++ {
		eig[i] = a[i*l+i]
	}
	return eig, vec
}
