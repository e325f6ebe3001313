package evalapps

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"text/tabwriter"

	"github.com/profilestream/profilestream/internal/apps"
)

// devGrid runs a grid of Recommend's blend weights on the DEV users (never on the TEST users
// the figures report) and prints their hit@10 next to the co-occurrence baseline's on the same
// users: how apps.DefaultProfileWeight, DefaultCooccurRecency and the other defaults were chosen.
func devGrid(ctx context.Context, w io.Writer, idx *apps.ItemIndex, held map[string]rec, users []string, cooccur func(string) []string) error {
	hitOf := func(u string, ids []string) float64 {
		for _, id := range ids {
			if id == held[u].item {
				return 1
			}
		}
		return 0
	}
	var base float64
	for _, u := range users {
		base += hitOf(u, cooccur(u))
	}
	type point struct {
		name string
		o    apps.RecommendOptions
	}
	var grid []point
	for _, wprof := range []float64{-1, 0.5, 1, 2} {
		for _, rc := range []float64{-1, 0.25, 0.5, 1} {
			for _, wco := range []float64{1, 2, 4} {
				grid = append(grid, point{fmt.Sprintf("profile %g, recency %g, cooccur %g", wprof, rc, wco),
					apps.RecommendOptions{K: 10, ProfileWeight: wprof, CooccurRecency: rc, CooccurWeight: wco}})
			}
		}
	}
	for _, wp := range []float64{-1, 0.1, 1} {
		for _, wc := range []float64{-1, 0.25, 1} {
			grid = append(grid, point{fmt.Sprintf("popularity %g, category %g", wp, wc),
				apps.RecommendOptions{K: 10, PopularityWeight: wp, CategoryWeight: wc}})
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "DEV grid (%d users; cooccur %.4f)\thit@10\tminus cooccur\n", len(users), base/float64(max(len(users), 1)))
	for _, g := range grid {
		var hit float64
		for _, u := range users {
			o := g.o
			o.Now = held[u].ts
			r, err := idx.Recommend(ctx, "ev."+u, o)
			if err != nil {
				return err
			}
			ids := make([]string, len(r.Items))
			for i, it := range r.Items {
				ids[i] = it.ItemID
			}
			hit += hitOf(u, ids)
		}
		n := float64(max(len(users), 1))
		fmt.Fprintf(tw, "%s\t%.4f\t%+.4f\n", g.name, hit/n, (hit-base)/n)
	}
	return tw.Flush()
}

// pairedBootstrap returns the mean of a-b over paired observations and its percentile interval
// at level over n resamples of the pairs (the same resampled users for both methods).
func pairedBootstrap(a, b []float64, n int, level float64, seed uint64) (mean, lo, hi float64) {
	if len(a) == 0 || len(a) != len(b) || n <= 0 {
		return 0, 0, 0
	}
	d := make([]float64, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
		mean += d[i]
	}
	mean /= float64(len(d))
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	means := make([]float64, n)
	for k := range means {
		var s float64
		for range d {
			s += d[rng.IntN(len(d))]
		}
		means[k] = s / float64(len(d))
	}
	sort.Float64s(means)
	q := func(p float64) float64 { return means[min(len(means)-1, int(p*float64(len(means)-1)+0.5))] }
	al := (1 - level) / 2
	return mean, q(al), q(1 - al)
}
