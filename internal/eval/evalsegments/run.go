// Package evalsegments is `make eval-segments` (cmd/evalsegments only wires flags): it replays the
// shared Amazon review sets through internal/online's Model, the code the worker runs, and
// compares the segments it leaves with sklearn's batch k-means on the same final vectors.
//
// Vectors: every review gets a vector from the transformer encoder (internal/encoder: -model
// DIR, or the bundled model when it is a real sentence model) or, as the labelled fallback, from
// a TF-IDF vectorizer written here (4000 most frequent terms of the set, sublinear tf, smoothed
// idf, sparse random projection to 384 dimensions). Vectors are cached in a temporary file keyed
// by the input file and the vectorizer.
//
// Replay (quality): the set's reviews are sorted by timestamp and fed one at a time. Each review
// folds into its user's profile (the running sum of the user's review vectors, as the worker's
// lifetime mean), and the user's new normalized mean, stored segment and centroid version go to
// Model.Observe, so users are assigned while their profiles grow and drift. Merges run every
// -merge-every events and staleness sweep passes (Model.SweepOnce over the replay's profile
// store) every -sweep-every events; at the end one more merge and one sweep pass run, as the
// worker's Run loop would. The segments stored in the profiles at the end are compared, by NMI
// against each user's majority category, with sklearn KMeans(n_init=10) on the users' final
// vectors with the same k as the model ended with: the figure is the median over -seeds
// replays (the seed drives initialization) of NMI(ours) / NMI(KMeans).
//
// Speed: Clusterer.Assign (with hysteresis from the previous label) + Add, the in-memory update
// Observe makes per user, against sklearn MiniBatchKMeans.partial_fit per sample with batches
// of 1024, on the same 1024-row batches of the 5-core set's final vectors, in -speed-reps
// interleaved repetitions (the order alternates); the figure is the median of the per-repetition
// ratios. Observe itself (Redis membership writes included) is timed the same way in batches of
// 1024 users.
//
// A drift run then streams users of two categories first and of two other categories second,
// with a forgetting half-life, and prints segment weights and labels before and after the shift.
package evalsegments

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/online"
	"github.com/profilestream/profilestream/internal/redisproc"
)

// Config is one evaluation run.
type Config struct {
	DataDir    string // holds amazon-reviews-5core/ and amazon-reviews-2023-multicat/
	Vectorizer Vectorizer
	// K for the model; 0 lets the model choose k from the data (the default).
	K          int
	MergeEvery int
	SweepEvery int
	RefitEvery int
	Seeds      int
	SpeedReps  int
	Python     string
	Script     string // tools/sklearn_ref/segments_ref.py
	Out        io.Writer
}

type setSpec struct{ name, dir string }

var sets = []setSpec{{"en5core", "amazon-reviews-5core"}, {"en2023", "amazon-reviews-2023-multicat"}}

// Run runs the evaluation and prints FIGURE lines to c.Out.
func Run(ctx context.Context, c Config) error {
	w := c.Out
	t0 := time.Now()
	for _, s := range sets {
		p := filepath.Join(c.DataDir, s.dir, "reviews.jsonl.gz")
		if _, err := os.Stat(p); err != nil {
			fmt.Fprintf(w, "SKIP eval-segments: %s not found (the shared Amazon data is needed; pass -data)\n", p)
			return nil
		}
	}
	// The reference is checked first: no figure is printed without it.
	if err := checkSklearn(ctx, c.Python); err != nil {
		return err
	}
	proc, err := redisproc.Start(ctx, redisproc.Options{})
	if err != nil {
		return fmt.Errorf("the replay needs a private redis-server: %w", err)
	}
	defer proc.Stop()
	client := redis.NewClient(&redis.Options{Addr: proc.Addr})
	defer client.Close()

	var speedSet *Set
	var speedK int
	for _, s := range sets {
		set, err := loadVectors(ctx, c, s)
		if err != nil {
			return err
		}
		k, err := evalSet(ctx, c, client, set)
		if err != nil {
			return err
		}
		if speedSet == nil || len(set.Users) > len(speedSet.Users) {
			speedSet, speedK = set, k
		}
	}
	if err := evalSpeed(ctx, c, client, speedSet, speedK); err != nil {
		return err
	}
	if err := driftRun(ctx, w, client, speedSet, speedK); err != nil {
		return err
	}
	fmt.Fprintf(w, "total %.1fs\n", time.Since(t0).Seconds())
	return nil
}

func loadVectors(ctx context.Context, c Config, s setSpec) (*Set, error) {
	t := time.Now()
	p := filepath.Join(c.DataDir, s.dir, "reviews.jsonl.gz")
	set, err := LoadSet(s.name, p)
	if err != nil {
		return nil, err
	}
	key, err := cacheKey(p, c.Vectorizer.id)
	if err != nil {
		return nil, err
	}
	cache := cachePath(key)
	hit, err := loadCache(cache, set)
	if err != nil {
		return nil, err
	}
	if !hit {
		if err := c.Vectorizer.vectors(ctx, set); err != nil {
			return nil, err
		}
		if err := writeCache(cache, set); err != nil {
			fmt.Fprintf(c.Out, "note: vector cache not written: %v\n", err)
		}
	}
	set.finishVectors()
	fmt.Fprintf(c.Out, "\n== %s: %d users, %d reviews; vectors: %s (cache %s, hit=%v, %.1fs)\n",
		set.Name, len(set.Users), len(set.Events), c.Vectorizer.Label, cache, hit, time.Since(t).Seconds())
	return set, nil
}

// finalVectors returns the users that have a vector, their vectors and dominant-category ids.
func finalVectors(set *Set) (idx []int, xs [][]float32, truth []int) {
	cats := map[string]int{}
	for i, u := range set.Users {
		if u.Vector == nil {
			continue
		}
		if _, ok := cats[u.Dominant]; !ok {
			cats[u.Dominant] = len(cats)
		}
		idx = append(idx, i)
		xs = append(xs, u.Vector)
		truth = append(truth, cats[u.Dominant])
	}
	return idx, xs, truth
}

// evalSet replays the set -seeds times and compares with sklearn; it returns the k of the first
// replay.
func evalSet(ctx context.Context, c Config, client redis.UniversalClient, set *Set) (int, error) {
	w := c.Out
	idx, xs, truth := finalVectors(set)
	if len(xs) == 0 {
		return 0, fmt.Errorf("%s: no user has a vector", set.Name)
	}
	ncat := map[int]bool{}
	for _, t := range truth {
		ncat[t] = true
	}
	fmt.Fprintf(w, "%s: %d users with a vector, %d majority categories, dim %d\n", set.Name, len(xs), len(ncat), len(xs[0]))
	var ours []ReplayResult
	var oursNMI, nearNMI, oursSSE []float64
	t := time.Now()
	for seed := 1; seed <= c.Seeds; seed++ {
		r, err := Replay(ctx, client, set, ReplayOptions{
			Model:      online.Options{K: c.K, Seed: uint64(seed)},
			MergeEvery: c.MergeEvery, SweepEvery: c.SweepEvery, RefitEvery: c.RefitEvery,
		})
		if err != nil {
			return 0, fmt.Errorf("%s replay: %w", set.Name, err)
		}
		labels := make([]int, len(idx))
		for i, ui := range idx {
			labels[i] = r.Labels[ui]
		}
		ours = append(ours, r)
		lr := r.LastRefit
		fmt.Fprintf(w, "  seed %d: k %d, version %d, refits published %d of %d; last refit: published %v, sample inertia %.4f -> %.4f, fresh start %v\n",
			seed, r.K, r.Version, r.Published, r.Refits, lr.Published, lr.Before, lr.After, lr.Fresh)
		if len(lr.Scores) > 0 {
			var parts []string
			for _, sc := range lr.Scores {
				parts = append(parts, fmt.Sprintf("k%d %.3f", sc.K, sc.Silhouette))
			}
			fmt.Fprintf(w, "    last refit's silhouettes: %s\n", strings.Join(parts, ", "))
		}
		oursNMI = append(oursNMI, NMI(labels, truth))
		oursSSE = append(oursSSE, sse(xs, labels))
		nearNMI = append(nearNMI, NMI(nearestLabels(xs, r.Centroids), truth))
	}
	fmt.Fprintf(w, "ours: %d replays of %d events (one Observe each, merge every %d, sweep every %d, refit every %d): %.1fs\n",
		c.Seeds, len(set.Events), c.MergeEvery, c.SweepEvery, c.RefitEvery, time.Since(t).Seconds())
	var ks []float64
	for _, r := range ours {
		ks = append(ks, float64(r.K))
	}
	fmt.Fprintf(w, "ours per seed: k %s; NMI of stored segments %s; NMI by nearest final centroid %s\n",
		list(ks, "%.0f"), list(oursNMI, "%.4f"), list(nearNMI, "%.4f"))

	sk, err := startSklearn(ctx, c.Python, c.Script, xs)
	if err != nil {
		return 0, fmt.Errorf("%s: sklearn comparison: %w", set.Name, err)
	}
	defer sk.Close()
	batch := map[int]float64{}
	batchSSE := map[int]float64{}
	var ratios []float64
	for i, r := range ours {
		if _, ok := batch[r.K]; !ok {
			l, err := sk.KMeans(r.K)
			if err != nil {
				return 0, err
			}
			batch[r.K] = NMI(l, truth)
			batchSSE[r.K] = sse(xs, l)
		}
		ratios = append(ratios, oursNMI[i]/batch[r.K])
	}
	k0 := ours[0].K
	mb, err := sk.MiniBatch(k0, c.Seeds)
	if err != nil {
		return 0, err
	}
	var mbNMI []float64
	for _, l := range mb {
		mbNMI = append(mbNMI, NMI(l, truth))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "METHOD (sklearn %s)\tk\tNMI vs majority category\tSSE\t\n", sk.Version)
	fmt.Fprintf(tw, "ours: stored segments after the replay (median of %d)\t%s\t%.4f\t%.1f\t\n", c.Seeds, list(ks, "%.0f"), median(oursNMI), median(oursSSE))
	var bks []int
	for k := range batch {
		bks = append(bks, k)
	}
	sort.Ints(bks)
	for _, k := range bks {
		fmt.Fprintf(tw, "sklearn KMeans(n_init=10) on the final vectors\t%d\t%.4f\t%.1f\t\n", k, batch[k], batchSSE[k])
	}
	fmt.Fprintf(tw, "sklearn MiniBatchKMeans(1024) on the final vectors (median of %d)\t%d\t%.4f\t\t\n", c.Seeds, k0, median(mbNMI))
	tw.Flush()
	fmt.Fprintf(w, "NMI ratio ours/KMeans per seed %s (target >= 0.95)\n", list(ratios, "%.4f"))
	fmt.Fprintf(w, "FIGURE eval.segments.%s.nmi_ratio_vs_batch %.4f\n", set.Name, median(ratios))
	fmt.Fprintf(w, "FIGURE eval.segments.%s.nmi_ours %.4f\n", set.Name, median(oursNMI))
	fmt.Fprintf(w, "FIGURE eval.segments.%s.k %g\n", set.Name, median(ks))
	return k0, nil
}
