package online

import (
	"context"
	"math/rand/v2"
)

// Bounds of the automatic choice of k (Options.K = 0).
const (
	// DefaultKMin is the default lower bound: the silhouette tends to favour the coarsest
	// split of text embeddings (2 or 3 segments), which is seldom useful as segments.
	DefaultKMin = 4
	// DefaultKMax is the default upper bound.
	DefaultKMax = 16
	// kChoiceSilhouette is how many sample points the silhouette of a candidate k is computed
	// on (quadratic).
	kChoiceSilhouette = 1000
	// kChoiceTrials is the k-means++ starts per candidate k (the chosen k then gets
	// InitTrials starts).
	kChoiceTrials = 3
	// KSwitchGain is how much higher the silhouette of another k must be than that of the
	// current k before a refit changes k, so that k does not flap between two close values.
	KSwitchGain = 0.02
)

// KScore is one candidate k and its mean cosine silhouette on the sample.
type KScore struct {
	K          int
	Silhouette float64
}

// ChooseK clusters sample for every k in [kMin, kMax] (kChoiceTrials k-means++ starts with
// Lloyd refinement each) and returns the k whose clustering has the highest mean silhouette
// (cosine distance) on up to 1000 points of the sample, ties going to the smaller k, with every
// candidate's score. Distances between the silhouette points are computed once and shared by
// all candidates. When incumbent is not nil (the current model at a refit), its k is scored by
// the better of the fresh clustering and the incumbent itself, so that an unlucky fresh start
// does not make the current k look worse than it is. It returns kMin when the sample has fewer
// than 2*kMin points.
func ChooseK(ctx context.Context, sample [][]float32, kMin, kMax int, rng *rand.Rand, incumbent *Clusterer) (int, []KScore, error) {
	kMax = min(kMax, len(sample)/2)
	if kMax < kMin || kMin < 2 {
		return max(kMin, 1), nil, nil
	}
	pts := sample
	if len(pts) > kChoiceSilhouette {
		pts = pts[:kChoiceSilhouette]
	}
	dist := pairwiseCosine(pts)
	best, bestS := kMin, -2.0
	var scores []KScore
	for k := kMin; k <= kMax; k++ {
		if err := ctx.Err(); err != nil {
			return 0, scores, err
		}
		c := NewClusterer(k, len(sample[0]))
		c.InitBest(sample, rng, 20, kChoiceTrials)
		s := silhouetteDist(dist, c.Labels(pts), k)
		if incumbent != nil && incumbent.K() == k {
			s = max(s, silhouetteDist(dist, incumbent.Labels(pts), k))
		}
		scores = append(scores, KScore{K: k, Silhouette: s})
		if s > bestS {
			best, bestS = k, s
		}
	}
	return best, scores, nil
}

// pairwiseCosine returns the n*n matrix of cosine distances 1 - x_i.x_j of unit vectors.
func pairwiseCosine(xs [][]float32) []float32 {
	n := len(xs)
	d := make([]float32, n*n)
	for i := 0; i < n; i++ {
		j := i + 1
		for ; j+4 <= n; j += 4 {
			s0, s1, s2, s3 := dot4(xs[i], xs[j], xs[j+1], xs[j+2], xs[j+3])
			for o, s := range [4]float32{s0, s1, s2, s3} {
				d[i*n+j+o], d[(j+o)*n+i] = 1-s, 1-s
			}
		}
		for ; j < n; j++ {
			s := 1 - dot(xs[i], xs[j])
			d[i*n+j], d[j*n+i] = s, s
		}
	}
	return d
}

// silhouetteDist is Silhouette on a precomputed distance matrix.
func silhouetteDist(dist []float32, labels []int, k int) float64 {
	n := len(labels)
	sizes := make([]int, k)
	for _, l := range labels {
		sizes[l]++
	}
	sum := make([]float64, k)
	var total float64
	for i := 0; i < n; i++ {
		clear(sum)
		row := dist[i*n : (i+1)*n]
		for j, l := range labels {
			if j != i {
				sum[l] += float64(row[j])
			}
		}
		li := labels[i]
		if sizes[li] <= 1 {
			continue
		}
		a := sum[li] / float64(sizes[li]-1)
		b := -1.0
		for l := 0; l < k; l++ {
			if l == li || sizes[l] == 0 {
				continue
			}
			if d := sum[l] / float64(sizes[l]); b < 0 || d < b {
				b = d
			}
		}
		if b < 0 {
			continue
		}
		if m := max(a, b); m > 0 {
			total += (b - a) / m
		}
	}
	return total / float64(n)
}

// initClusterer builds the initial centroids from the sample: with a fixed K, InitTrials
// k-means++ starts; with K = 0, k is chosen first by ChooseK within [KMin, KMax].
func (m *Model) initClusterer(sample [][]float32, dim int) *Clusterer {
	rng := rand.New(rand.NewPCG(m.opts.Seed, uint64(len(sample))))
	k := m.opts.K
	if k == 0 {
		k, _, _ = ChooseK(context.Background(), sample, m.opts.KMin, m.opts.KMax, rng, nil)
	}
	c := NewClusterer(k, dim)
	c.InitBest(sample, rng, refitLloyd, m.opts.InitTrials)
	return c
}
