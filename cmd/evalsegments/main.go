// Command evalsegments is `make eval-segments`: it measures internal/online's online spherical
// k-means against sklearn on the same profile vectors, in the same run.
//
// Profile vectors: one per reviewer of the shared Amazon data (amazon-reviews-5core and
// amazon-reviews-2023-multicat), the normalized mean of the vectors of the user's reviews. The
// review vectors come from the transformer encoder (internal/encoder: -model DIR, or the bundled
// model) when it is a real sentence model; with -vectors auto (the default) a bundled model of
// fewer than 128 dimensions counts as the placeholder, and then a TF-IDF vectorizer written here
// is used (4000 most frequent terms, sublinear tf, smoothed idf, sparse random projection to 384
// dimensions), labelled as the fallback in the output. Vectors are cached in a temporary file
// keyed by the input files and the vectorizer (model id), so a second run skips encoding.
//
// "Ours" is the production path with default options (K=8 from -k, MinUsersToInit 10*K,
// InitTrials 10, Margin 0.05, no half-life): an online.Model on a private redis-server (started
// here, stopped at the end), fed one user per Observe call in a shuffled order, for -passes
// passes over all users (a fresh shuffle each pass; the user's current segment, remembered by a
// stand-in profile store, is passed along, so hysteresis applies), with a Merge every
// -merge-every updates. Its quality is measured on its final centroids, each user assigned to
// the nearest one. It runs once per seed (-seeds; the seed drives initialization and the
// shuffle), and MiniBatchKMeans runs with as many random_state values; quality figures are the
// medians. Time per update: "core" is Clusterer.Assign+Add in memory (median of 15 rounds),
// compared with the median per-sample time of partial_fit calls on batches of 1024; Observe
// times (with the Redis writes) are printed next to it.
//
// sklearn runs in tools/sklearn_ref/kmeans_ref.py with /usr/bin/python3 on the same vectors:
// KMeans(n_init=10), MiniBatchKMeans(batch_size=1024, n_init=3) and partial_fit with batches of
// 1024. Both sides' inertia is sklearn's definition (Euclidean SSE of each user to the mean of
// its cluster) over the same vectors; NMI is against each user's dominant category.
//
// A drift run then streams users of two categories first and of two other categories second,
// with a forgetting half-life, and prints segment weights and labels before and after the shift.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/online"
	"github.com/profilestream/profilestream/internal/redisproc"
)

func main() {
	dataDir := flag.String("data", "../shared/data", "folder holding amazon-reviews-5core/ and amazon-reviews-2023-multicat/")
	k := flag.Int("k", 8, "number of segments")
	passes := flag.Int("passes", 1, "passes of ours over the shuffled users (more passes changed nothing measurable here)")
	mergeEvery := flag.Int("merge-every", 256, "updates between two merges of ours (stands in for MergeInterval)")
	python := flag.String("python", "/usr/bin/python3", "python with sklearn for the reference")
	ref := flag.String("ref", "tools/sklearn_ref/kmeans_ref.py", "the sklearn reference script")
	vectors := flag.String("vectors", "auto", "auto (encoder when it is a real model, else tfidf), encoder, or tfidf")
	modelDir := flag.String("model", "", "encoder model folder (Hugging Face layout); empty = the bundled model")
	maxLen := flag.Int("max-tokens", 64, "encoder: tokens per review (shorter is faster; the first run encodes every review, later runs read the cache)")
	seeds := flag.Int("seeds", 5, "runs of ours and of MiniBatchKMeans with different seeds; quality figures are medians")
	trials := flag.Int("init-trials", 0, "ours: Options.InitTrials (0 = the default)")
	flag.Parse()
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	vz, err := pickVectorizer(*vectors, *modelDir, *maxLen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "evalsegments:", err)
		os.Exit(1)
	}
	if err := run(ctx, vz, *dataDir, *k, *passes, *mergeEvery, *seeds, *trials, *python, *ref); err != nil {
		fmt.Fprintln(os.Stderr, "evalsegments:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, vz vectorizer, dataDir string, k, passes, mergeEvery, seeds, trials int, python, ref string) error {
	paths := []string{
		filepath.Join(dataDir, "amazon-reviews-5core", "reviews.jsonl.gz"),
		filepath.Join(dataDir, "amazon-reviews-2023-multicat", "reviews.jsonl.gz"),
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			fmt.Printf("SKIP eval-segments: %s not found (the shared Amazon data is needed; pass -data)\n", p)
			return nil
		}
	}
	t0 := time.Now()
	all, err := loadUsers(paths)
	if err != nil {
		return err
	}
	key, err := cacheKey(paths, vz.id)
	if err != nil {
		return err
	}
	cache := cachePath(key)
	hit, err := loadCache(cache, all)
	if err != nil {
		return err
	}
	if !hit {
		if err := vz.vectors(ctx, all); err != nil {
			return err
		}
	}
	var users []*user
	for _, u := range all {
		if u.Vector != nil {
			users = append(users, u)
		}
	}
	if !hit {
		if err := writeCache(cache, all); err != nil {
			fmt.Printf("note: vector cache not written: %v\n", err)
		}
	}
	xs := make([][]float32, len(users))
	truth := make([]int, len(users))
	catIDs := map[string]int{}
	for i, u := range users {
		xs[i] = u.Vector
		if _, ok := catIDs[u.Dominant]; !ok {
			catIDs[u.Dominant] = len(catIDs)
		}
		truth[i] = catIDs[u.Dominant]
	}
	fmt.Printf("vectors: %d users (%d without text dropped), %d dominant categories, dim %d, from %d reviews\n",
		len(users), len(all)-len(users), len(catIDs), len(xs[0]), countReviews(all))
	fmt.Printf("vectorizer: %s (cache %s, hit=%v, %.1fs)\n", vz.label, cache, hit, time.Since(t0).Seconds())

	proc, err := redisproc.Start(ctx, redisproc.Options{})
	if err != nil {
		return fmt.Errorf("ours needs a private redis-server: %w", err)
	}
	defer proc.Stop()
	client := redis.NewClient(&redis.Options{Addr: proc.Addr})
	defer client.Close()

	// Ours, once per seed.
	t1 := time.Now()
	var ours oursResult
	var oSSE, oCos, oNMI []float64
	for seed := 1; seed <= seeds; seed++ {
		r, err := runOurs(ctx, client, users, k, passes, mergeEvery, uint64(seed), trials)
		if err != nil {
			return err
		}
		l := r.final.Labels(xs)
		oSSE = append(oSSE, sse(xs, l, k))
		oCos = append(oCos, r.final.Inertia(xs))
		oNMI = append(oNMI, nmi(l, truth))
		if seed == 1 {
			ours = r
		}
	}
	oursSSE, oursNMI := median(oSSE), median(oNMI)
	fmt.Printf("ours: %d seeds x %d passes x %d users, one Observe each, merge every %d: %.1fs; %.1f us per Observe (incl. Redis membership writes)\n",
		seeds, passes, len(users), mergeEvery, time.Since(t1).Seconds(), ours.observeUS)
	fmt.Printf("ours per seed: SSE %s; NMI %s\n", list(oSSE, "%.1f"), list(oNMI, "%.4f"))
	coreNS := coreUpdateNS(ours.final, xs)
	batchUS, err := observeBatchUS(ctx, client, users, k)
	if err != nil {
		return err
	}

	// sklearn.
	sk, skErr := runSklearn(ctx, python, ref, xs, k, passes, seeds)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\nMETHOD (median of %d seeds where marked *)\tINERTIA (SSE)\tINERTIA (1-cos)\tNMI vs dominant category\tTIME PER UPDATE\t\n", seeds)
	fmt.Fprintf(tw, "ours (online.Model) *\t%.2f\t%.2f\t%.4f\tcore %.2f us; Observe %.1f us single, %.2f us in batches of 1024\t\n",
		oursSSE, median(oCos), oursNMI, coreNS/1000, ours.observeUS, batchUS)
	if skErr != nil {
		tw.Flush()
		fmt.Printf("SKIP sklearn comparison: %v\n", skErr)
		fmt.Printf("FIGURE segments.nmi.ours %.4f\n", oursNMI)
	} else {
		kmLabels, pfLabels := sk.KMeans.Labels, sk.PartialFit.Labels
		kmSSE := sse(xs, kmLabels, k)
		var mSSE, mCos, mNMI []float64
		for _, l := range sk.MiniBatch.Labels {
			mSSE = append(mSSE, sse(xs, l, k))
			mCos = append(mCos, cosInertia(xs, l, k))
			mNMI = append(mNMI, nmi(l, truth))
		}
		mbNMI := median(mNMI)
		fmt.Printf("MiniBatchKMeans per seed: SSE %s; NMI %s\n", list(mSSE, "%.1f"), list(mNMI, "%.4f"))
		pfUS := sk.PartialFit.SecondsPerSample * 1e6
		fmt.Fprintf(tw, "sklearn KMeans(n_init=10)\t%.2f\t%.2f\t%.4f\t(batch; fit %.1fs)\t\n", kmSSE, cosInertia(xs, kmLabels, k), nmi(kmLabels, truth), sk.KMeans.Seconds)
		fmt.Fprintf(tw, "sklearn MiniBatchKMeans(1024) *\t%.2f\t%.2f\t%.4f\t\t\n", median(mSSE), median(mCos), mbNMI)
		fmt.Fprintf(tw, "sklearn partial_fit(1024)\t%.2f\t%.2f\t%.4f\tmedian %.2f us, mean %.2f us (%d calls timed)\t\n", sse(xs, pfLabels, k), cosInertia(xs, pfLabels, k), nmi(pfLabels, truth), pfUS, sk.PartialFit.MeanPerSample*1e6, sk.PartialFit.Calls)
		tw.Flush()
		ratio := oursSSE / kmSSE
		speed := pfUS / (coreNS / 1000)
		fmt.Printf("inertia ratio ours/KMeans %.4f (target <= 1.03); sklearn's own KMeans inertia_ %.2f\n", ratio, sk.KMeans.Inertia)
		fmt.Printf("NMI ours %.4f vs MiniBatchKMeans %.4f (target ours >= minibatch)\n", oursNMI, mbNMI)
		fmt.Printf("update speed: partial_fit %.2f us/sample vs ours core %.2f us/update = %.2fx (above 1 = ours faster); Observe in batches of 1024 incl. Redis: %.2fx\n",
			pfUS, coreNS/1000, speed, pfUS/batchUS)
		fmt.Printf("FIGURE segments.inertia_ratio_vs_kmeans %.4f\n", ratio)
		fmt.Printf("FIGURE segments.nmi.ours %.4f\n", oursNMI)
		fmt.Printf("FIGURE segments.nmi.minibatch %.4f\n", mbNMI)
		fmt.Printf("FIGURE segments.update_speed_ratio_vs_minibatch %.4f\n", speed)
		fmt.Printf("FIGURE segments.update_speed_ratio_vs_minibatch.observe_batch1024 %.4f\n", pfUS/batchUS)
	}
	fmt.Printf("FIGURE segments.ours.us_per_observe_single %.2f\n", ours.observeUS)

	if err := driftRun(ctx, client, users, k); err != nil {
		return err
	}
	fmt.Printf("total %.1fs\n", time.Since(t0).Seconds())
	return nil
}

func countReviews(us []*user) int {
	n := 0
	for _, u := range us {
		n += len(u.Texts)
	}
	return n
}

type oursResult struct {
	final     *online.Clusterer
	observeUS float64
}

func updateOf(u *user, seg int, ver int64) online.Update {
	cats := make([]online.CategoryCount, 0, len(u.Categories))
	for c, n := range u.Categories {
		cats = append(cats, online.CategoryCount{Category: c, Count: float64(n)})
	}
	return online.Update{Pseudonym: u.ID, Vector: u.Vector, Categories: cats, MeanRating: u.MeanRating, Segment: seg, CentroidVersion: ver}
}

// runOurs streams the users through a Model, one per Observe, and returns its final centroids.
func runOurs(ctx context.Context, client redis.UniversalClient, users []*user, k, passes, mergeEvery int, seed uint64, trials int) (oursResult, error) {
	if err := client.FlushAll(ctx).Err(); err != nil {
		return oursResult{}, err
	}
	rec := recorder{}
	m, err := online.New(client, rec, online.Options{K: k, Prefix: "eval", WorkerID: "eval", Seed: seed, InitTrials: trials})
	if err != nil {
		return oursResult{}, err
	}
	rng := rand.New(rand.NewPCG(7, seed))
	order := make([]int, len(users))
	for i := range order {
		order[i] = i
	}
	var spent time.Duration
	n := 0
	for p := 0; p < passes; p++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			u := users[i]
			t := time.Now()
			_, err := m.Observe(ctx, []online.Update{updateOf(u, rec.segment(u.ID), 0)})
			spent += time.Since(t)
			if err != nil {
				return oursResult{}, err
			}
			n++
			if n%mergeEvery == 0 {
				if err := m.Merge(ctx); err != nil {
					return oursResult{}, err
				}
			}
		}
	}
	if err := m.Merge(ctx); err != nil {
		return oursResult{}, err
	}
	c := m.Centroids()
	cl := online.NewClusterer(k, len(c[0]))
	for i, v := range c {
		s := make([]float64, len(v))
		for j, x := range v {
			s[j] = float64(x)
		}
		cl.SetSegment(i, s, 1)
	}
	return oursResult{final: cl, observeUS: float64(spent.Microseconds()) / float64(n)}, nil
}

// recorder is the SegmentWriter of the evaluation: it remembers each user's segment, as the
// profile store would, so the next update carries it (hysteresis).
type recorder map[string]int

func (r recorder) SetSegments(_ context.Context, as []online.Assignment) error {
	for _, a := range as {
		r[a.Pseudonym] = a.Segment
	}
	return nil
}

func (r recorder) segment(p string) int {
	if s, ok := r[p]; ok {
		return s
	}
	return -1
}

// coreUpdateNS times the in-memory update (Assign with hysteresis + Add) on a copy of the model:
// the median over 15 rounds of the time per update, each round at least 20000 updates.
func coreUpdateNS(final *online.Clusterer, xs [][]float32) float64 {
	c := online.NewClusterer(final.K(), final.Dim())
	for i := 0; i < final.K(); i++ {
		s := make([]float64, final.Dim())
		for j, v := range final.Centroid(i) {
			s[j] = float64(v) * 100
		}
		c.SetSegment(i, s, 100)
	}
	var per []float64
	for r := 0; r < 15; r++ {
		n := 0
		t := time.Now()
		for n < 20000 {
			for _, x := range xs {
				s, _ := c.Assign(x, -1, 0.05)
				c.Add(s, x, 1)
				n++
			}
		}
		per = append(per, float64(time.Since(t).Nanoseconds())/float64(n))
	}
	sort.Float64s(per)
	return per[len(per)/2]
}

// observeBatchUS times Observe with batches of 1024 users (Redis writes included).
func observeBatchUS(ctx context.Context, client redis.UniversalClient, users []*user, k int) (float64, error) {
	m, err := online.New(client, nil, online.Options{K: k, Prefix: "evalbatch", WorkerID: "eval", Seed: 1})
	if err != nil {
		return 0, err
	}
	var ups []online.Update
	for _, u := range users {
		ups = append(ups, updateOf(u, -1, 0))
	}
	if _, err := m.Observe(ctx, ups[:min(1024, len(ups))]); err != nil { // initializes
		return 0, err
	}
	n := 0
	t := time.Now()
	for r := 0; r < 3; r++ {
		for s := 0; s < len(ups); s += 1024 {
			b := ups[s:min(s+1024, len(ups))]
			if _, err := m.Observe(ctx, b); err != nil {
				return 0, err
			}
			n += len(b)
		}
	}
	return float64(time.Since(t).Microseconds()) / float64(n), nil
}

type skResult struct {
	Sklearn string `json:"sklearn"`
	KMeans  struct {
		Labels  []int   `json:"labels"`
		Inertia float64 `json:"inertia"`
		Seconds float64 `json:"seconds"`
	} `json:"kmeans"`
	MiniBatch struct {
		Labels [][]int `json:"labels"`
	} `json:"minibatch"`
	PartialFit struct {
		SecondsPerSample float64 `json:"seconds_per_sample"`
		MeanPerSample    float64 `json:"mean_seconds_per_sample"`
		Samples          int     `json:"samples"`
		Calls            int     `json:"calls"`
		Labels           []int   `json:"labels"`
	} `json:"partial_fit"`
	Error string `json:"error"`
}

func runSklearn(ctx context.Context, python, ref string, xs [][]float32, k, passes, seeds int) (*skResult, error) {
	if _, err := os.Stat(python); err != nil {
		return nil, fmt.Errorf("%s not found (Debian python3 with python3-sklearn is needed)", python)
	}
	f, err := os.CreateTemp("", "evalsegments-*.f32")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	if err := writeRaw(f, xs); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, python, ref, f.Name(), fmt.Sprint(len(xs)), fmt.Sprint(len(xs[0])), fmt.Sprint(k), fmt.Sprint(passes), fmt.Sprint(seeds))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	var r skResult
	if jerr := json.Unmarshal(out, &r); jerr == nil && r.Error != "" {
		return nil, fmt.Errorf("sklearn reference: %s", r.Error)
	}
	if err != nil {
		return nil, fmt.Errorf("sklearn reference: %w", err)
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return nil, fmt.Errorf("sklearn reference output: %w", err)
	}
	if len(r.KMeans.Labels) != len(xs) || len(r.MiniBatch.Labels) == 0 || len(r.MiniBatch.Labels[0]) != len(xs) {
		return nil, fmt.Errorf("sklearn reference returned %d labels for %d vectors", len(r.KMeans.Labels), len(xs))
	}
	fmt.Printf("sklearn %s via %s %s\n", r.Sklearn, python, ref)
	return &r, nil
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func list(v []float64, format string) string {
	var parts []string
	for _, x := range v {
		parts = append(parts, fmt.Sprintf(format, x))
	}
	return strings.Join(parts, " ")
}

// sse is sklearn's inertia of a partition: the squared Euclidean distance of every vector to the
// mean of its cluster.
func sse(xs [][]float32, labels []int, k int) float64 {
	dim := len(xs[0])
	sums := make([][]float64, k)
	cnt := make([]float64, k)
	for i := range sums {
		sums[i] = make([]float64, dim)
	}
	for i, x := range xs {
		for j, v := range x {
			sums[labels[i]][j] += float64(v)
		}
		cnt[labels[i]]++
	}
	var s float64
	for i, x := range xs {
		l := labels[i]
		for j, v := range x {
			d := float64(v) - sums[l][j]/cnt[l]
			s += d * d
		}
	}
	return s
}

// cosInertia is the spherical objective of a partition: sum of 1 - cos to the cluster's mean
// direction.
func cosInertia(xs [][]float32, labels []int, k int) float64 {
	dim := len(xs[0])
	c := online.NewClusterer(k, dim)
	for i, x := range xs {
		c.Add(labels[i], x, 1)
	}
	var s float64
	for i, x := range xs {
		s += 1 - float64(c.Similarity(x, labels[i]))
	}
	return s
}

// nmi is the normalized mutual information with arithmetic-mean normalization (sklearn's
// default).
func nmi(a, b []int) float64 {
	n := float64(len(a))
	ca, cb := map[int]float64{}, map[int]float64{}
	joint := map[[2]int]float64{}
	for i := range a {
		ca[a[i]]++
		cb[b[i]]++
		joint[[2]int{a[i], b[i]}]++
	}
	h := func(m map[int]float64) float64 {
		var s float64
		for _, c := range m {
			p := c / n
			s -= p * math.Log(p)
		}
		return s
	}
	var mi float64
	for key, c := range joint {
		mi += c / n * math.Log(c*n/(ca[key[0]]*cb[key[1]]))
	}
	ha, hb := h(ca), h(cb)
	if ha+hb == 0 {
		return 1
	}
	return mi / ((ha + hb) / 2)
}

// driftRun streams users of the two largest categories (90%, plus 10% of the rest) and then of
// the next two, with a forgetting half-life of an eighth of a phase, and prints segment weights
// and labels at the end of each phase.
func driftRun(ctx context.Context, client redis.UniversalClient, users []*user, k int) error {
	byCat := map[string][]*user{}
	for _, u := range users {
		byCat[u.Dominant] = append(byCat[u.Dominant], u)
	}
	var cats []string
	for c := range byCat {
		cats = append(cats, c)
	}
	sort.Slice(cats, func(i, j int) bool {
		if len(byCat[cats[i]]) != len(byCat[cats[j]]) {
			return len(byCat[cats[i]]) > len(byCat[cats[j]])
		}
		return cats[i] < cats[j]
	})
	if len(cats) < 4 {
		fmt.Println("SKIP drift run: fewer than 4 categories")
		return nil
	}
	rng := rand.New(rand.NewPCG(11, 11))
	phase := func(a, b string) []*user {
		var in, rest []*user
		for _, u := range users {
			if u.Dominant == a || u.Dominant == b {
				in = append(in, u)
			} else {
				rest = append(rest, u)
			}
		}
		rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
		s := append(in, rest[:min(len(rest), len(in)/9)]...)
		rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
		return s
	}
	p1, p2 := phase(cats[0], cats[1]), phase(cats[2], cats[3])
	// Two passes over each phase's users, one simulated second per update.
	n1 := 2 * len(p1)
	halfLife := time.Duration(n1/8) * time.Second
	fmt.Printf("\ndrift run: phase 1 = %s + %s (%d users), phase 2 = %s + %s (%d users), 90%%/10%% mix, 2 passes each, half-life %v of simulated time (1 update = 1 s)\n",
		cats[0], cats[1], len(p1), cats[2], cats[3], len(p2), halfLife)
	now := time.Unix(1_700_000_000, 0)
	for _, hl := range []time.Duration{halfLife, 0} {
		prefix := fmt.Sprintf("drift%d", hl/time.Second)
		rec := recorder{}
		m, err := online.New(client, rec, online.Options{K: k, Prefix: prefix, HalfLife: hl, WorkerID: "drift", Seed: 3,
			Now: func() time.Time { return now }})
		if err != nil {
			return err
		}
		feed := func(us []*user) error {
			for pass := 0; pass < 2; pass++ {
				for i, u := range us {
					now = now.Add(time.Second)
					if _, err := m.Observe(ctx, []online.Update{updateOf(u, rec.segment(u.ID), 0)}); err != nil {
						return err
					}
					if i%100 == 99 {
						if err := m.Merge(ctx); err != nil {
							return err
						}
					}
				}
			}
			return m.Merge(ctx)
		}
		if err := feed(p1); err != nil {
			return err
		}
		before, err := m.Segments(ctx)
		if err != nil {
			return err
		}
		if err := feed(p2); err != nil {
			return err
		}
		after, err := m.Segments(ctx)
		if err != nil {
			return err
		}
		name := "with half-life " + hl.String()
		if hl == 0 {
			name = "without forgetting (for contrast)"
		}
		fmt.Printf("drift, %s:\n", name)
		tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "SEG\tWEIGHT BEFORE\tLABEL BEFORE\tWEIGHT AFTER\tLABEL AFTER\tMEMBERS AFTER\t")
		for i := range before {
			fmt.Fprintf(tw, "%d\t%.1f\t%s\t%.1f\t%s\t%d\t\n", i, before[i].Weight, before[i].Label, after[i].Weight, after[i].Label, after[i].Size)
		}
		tw.Flush()
		share := func(segs []online.SegmentStats, a, b string) float64 {
			var in, all float64
			for _, s := range segs {
				all += s.Weight
				if strings.Contains(s.Label, a) || strings.Contains(s.Label, b) {
					in += s.Weight
				}
			}
			return in / all
		}
		tag := "halflife"
		if hl == 0 {
			tag = "noforget"
		}
		fmt.Printf("weight share of segments labelled with the phase-2 categories: before %.2f, after %.2f\n",
			share(before, cats[2], cats[3]), share(after, cats[2], cats[3]))
		fmt.Printf("FIGURE segments.drift.%s.phase2_share_after %.4f\n", tag, share(after, cats[2], cats[3]))
	}
	return nil
}
