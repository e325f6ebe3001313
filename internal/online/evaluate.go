package online

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"text/tabwriter"

	"github.com/profilestream/profilestream/schema"
)

// Evaluation sample sizes: clustering runs on at most evalClusterSample vectors, the silhouette
// (quadratic in the sample) on at most evalSilhouetteSample of them.
const (
	evalClusterSample    = 5000
	evalSilhouetteSample = 1000
)

// Evaluate clusters a sample of vectors into k segments with batch spherical k-means (k-means++
// seeding, then Lloyd iterations) and returns the mean cosine inertia (mean 1 - cos to the
// nearest centroid; lower is tighter) and the mean silhouette with cosine distance (-1..1;
// higher means better separated segments). Vectors need not be normalized. The sample is drawn
// with a fixed seed, so a run is reproducible.
func Evaluate(ctx context.Context, vectors [][]float32, k int) (inertia, silhouette float64, err error) {
	xs := make([][]float32, 0, len(vectors))
	for _, v := range vectors {
		if x := schema.Normalize(v); x != nil {
			xs = append(xs, x)
		}
	}
	if k < 2 || len(xs) < 2*k {
		return 0, 0, fmt.Errorf("online: evaluate needs k >= 2 and at least 2k vectors (k=%d, %d vectors)", k, len(xs))
	}
	if len(xs[0]) == 0 {
		return 0, 0, fmt.Errorf("online: evaluate: empty vectors")
	}
	rng := rand.New(rand.NewPCG(42, uint64(k)))
	rng.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
	if len(xs) > evalClusterSample {
		xs = xs[:evalClusterSample]
	}
	dim := len(xs[0])
	for _, x := range xs {
		if len(x) != dim {
			return 0, 0, fmt.Errorf("online: evaluate: mixed dimensions %d and %d", dim, len(x))
		}
	}
	c := NewClusterer(k, dim)
	c.InitKMeansPP(xs, rng, 50)
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	inertia = c.Inertia(xs) / float64(len(xs))
	s := xs
	if len(s) > evalSilhouetteSample {
		s = s[:evalSilhouetteSample]
	}
	silhouette, err = Silhouette(ctx, s, c.Labels(s), k)
	return inertia, silhouette, err
}

// Silhouette returns the mean silhouette coefficient of labelled unit vectors with cosine
// distance. Points in singleton clusters count 0, as in sklearn.
func Silhouette(ctx context.Context, xs [][]float32, labels []int, k int) (float64, error) {
	n := len(xs)
	sizes := make([]int, k)
	for _, l := range labels {
		sizes[l]++
	}
	var total float64
	sum := make([]float64, k)
	for i := 0; i < n; i++ {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
		clear(sum)
		for j := 0; j < n; j++ {
			if j != i {
				sum[labels[j]] += float64(1 - dot(xs[i], xs[j]))
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
	return total / float64(n), nil
}

// EvalRow is one line of EvaluateRange's table.
type EvalRow struct {
	K          int
	Inertia    float64
	Silhouette float64
}

// EvaluateRange runs Evaluate for every k in [kMin, kMax].
func EvaluateRange(ctx context.Context, vectors [][]float32, kMin, kMax int) ([]EvalRow, error) {
	var rows []EvalRow
	for k := kMin; k <= kMax; k++ {
		in, sil, err := Evaluate(ctx, vectors, k)
		if err != nil {
			return rows, err
		}
		rows = append(rows, EvalRow{K: k, Inertia: in, Silhouette: sil})
	}
	return rows, nil
}

// FormatEvaluation writes EvaluateRange's rows as a table, one FIGURE line per value after it,
// and marks the k with the best silhouette.
func FormatEvaluation(w io.Writer, rows []EvalRow) error {
	best := -1
	for i, r := range rows {
		if best < 0 || r.Silhouette > rows[best].Silhouette {
			best = i
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "K\tMEAN INERTIA (1-cos)\tSILHOUETTE (cosine)\t")
	for i, r := range rows {
		mark := ""
		if i == best {
			mark = "<- best silhouette"
		}
		fmt.Fprintf(tw, "%d\t%.4f\t%.4f\t%s\n", r.K, r.Inertia, r.Silhouette, mark)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rows {
		fmt.Fprintf(w, "FIGURE segments.evaluate.k%d.inertia %.4f\nFIGURE segments.evaluate.k%d.silhouette %.4f\n", r.K, r.Inertia, r.K, r.Silhouette)
	}
	return nil
}

// SampleProfiles reads up to n profile vectors through sc (the first n it walks), for Evaluate.
func SampleProfiles(ctx context.Context, sc ProfileScanner, n int) ([][]float32, error) {
	var out [][]float32
	err := sc.Scan(ctx, func(p *schema.Profile) error {
		if len(out) >= n {
			return errEnough
		}
		if v := p.UnitVector(); v != nil {
			out = append(out, v)
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return nil, fmt.Errorf("online: sample profiles: %w", err)
	}
	return out, nil
}

type enough struct{}

func (enough) Error() string { return "enough profiles" }

var errEnough error = enough{}
