// Package lookalikebench measures look-alike and nearest-profile queries at scale: the segment
// index of reader.Nearest against its exact scan, on synthetic profiles in a private
// redis-server (`make bench`, FIGURE store.lookalike.*).
//
// The store is synthetic because the question is how the query path scales, not how good the
// vectors are: Options.Profiles unit vectors of Options.Dim dimensions drawn from
// Options.Clusters Gaussian clusters on the sphere (a random unit centre plus isotropic noise of
// norm Options.Spread, normalized), written with only the fields Nearest reads (vec, model, dim,
// seg) in pipelines. The segment model stands in for internal/online's: spherical k-means with
// Options.Segments centroids (k-means++ starts and Lloyd iterations on a uniform sample of
// Options.Sample profiles), then every profile is put in the member set of its nearest centroid,
// which is what the online segmenter converges to (its assignments follow the centroids with
// some lag and hysteresis, which this bench does not model).
//
// Queries are of two kinds, half each: a user-like query (a fresh point of the mixture, as
// Similar asks) and a look-alike seed (the normalized mean of 20 profiles drawn from two
// clusters, as apps.Audience asks: it lies between segments, the hard case for an index). The
// reference top 10 of every query is a brute-force pass over the vectors in memory with the
// scan's own cosine; reader's exact scan is timed on Options.ExactQueries of them (a full scan
// each) and must agree with the brute force. recall@10 is the share of the reference top 10 the
// index returns, over every query; latencies are wall-clock times of whole Nearest calls
// (median and 95th percentile), one query at a time.
package lookalikebench

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/redisproc"
	"github.com/profilestream/profilestream/reader"
	"github.com/profilestream/profilestream/schema"
)

// Options are the bench's settings; DefaultOptions gives the defaults of `make bench`.
type Options struct {
	Profiles     int     // synthetic profiles written
	Dim          int     // vector dimension
	Clusters     int     // Gaussian clusters the profiles are drawn from
	Spread       float64 // norm of a profile's noise around its unit cluster centre
	Segments     int     // centroids of the segment model (0: sqrt(Profiles))
	Sample       int     // profiles the k-means is fitted on
	Iterations   int     // Lloyd iterations of the k-means
	Queries      int     // queries (half user-like, half look-alike seeds)
	ExactQueries int     // of them, how many are also run through the exact scan (a full scan each)
	K            int     // neighbours per query
	Probes       []int   // the index is measured at each of these probe counts
	Seed         int64
}

// DefaultOptions returns the settings `make bench` runs with: a million 384-dimensional
// profiles in 1,000 clusters, 1,000 segments.
func DefaultOptions() Options {
	return Options{
		Profiles: 1_000_000, Dim: 384, Clusters: 1000, Spread: 1.0, Segments: 1000, Sample: 20000,
		Iterations: 6, Queries: 200, ExactQueries: 5, K: 10,
		Probes: []int{8, 16, 32, 64}, Seed: 1,
	}
}

// Point is the index measured at one probe count.
type Point struct {
	Probes             int
	Recall             float64 // recall@K over every query
	RecallUser         float64 // over the user-like queries
	RecallSeed         float64 // over the look-alike seeds
	P50, P95           time.Duration
	CandidatesPerQuery float64 // profiles fetched per query (expected: profiles x probes / segments)
}

// Result is what Run measured.
type Result struct {
	Profiles, Segments      int
	Points                  []Point // one per Options.Probes, in order
	Default                 Point   // at reader.DefaultNearestProbes
	ExactP50, ExactP95      time.Duration
	ExactMismatches         int // exact-scan queries whose top K differs from the brute force
	AssignMismatches        int // of 2,000 profiles, how many assignNear put in another segment than the nearest
	BuildTime, KMeansTime   time.Duration
	RedisBytes              int64 // used_memory after the build
	ProfilesPerSegmentMax   int
	ProfilesPerSegmentEmpty int
}

// Run starts a private redis-server, builds the store, measures and prints FIGURE lines to w.
func Run(ctx context.Context, o Options, w io.Writer) (*Result, error) {
	p, err := redisproc.Start(ctx, redisproc.Options{})
	if err != nil {
		return nil, err
	}
	defer p.Stop()
	rdb := redis.NewClient(&redis.Options{Addr: p.Addr, ReadTimeout: 5 * time.Minute, WriteTimeout: time.Minute})
	defer func() { _ = rdb.Close() }()
	res, err := Measure(ctx, rdb, o, w)
	if err != nil {
		return nil, err
	}
	Print(w, res)
	return res, nil
}

// Measure builds the store in rdb (which it must own: it writes keys under the prefix "ps") and
// measures; it logs progress to w.
func Measure(ctx context.Context, rdb redis.UniversalClient, o Options, w io.Writer) (*Result, error) {
	if o.Segments <= 0 {
		o.Segments = int(math.Round(math.Sqrt(float64(o.Profiles))))
	}
	if o.Profiles < o.Segments || o.Profiles < o.K || o.Dim <= 0 || o.Clusters <= 0 {
		return nil, fmt.Errorf("lookalikebench: need profiles >= segments and k, dim > 0, clusters > 0")
	}
	rng := rand.New(rand.NewSource(o.Seed))
	res := &Result{Profiles: o.Profiles, Segments: o.Segments}
	start := time.Now()

	centres := make([][]float32, o.Clusters)
	for i := range centres {
		centres[i] = randUnit(rng, o.Dim)
	}
	vecs := make([][]float32, o.Profiles)
	gen := make([]int, o.Profiles)
	flat := make([]float32, o.Profiles*o.Dim)
	for i := range vecs {
		vecs[i] = flat[i*o.Dim : (i+1)*o.Dim : (i+1)*o.Dim]
		gen[i] = rng.Intn(o.Clusters)
		drawNear(rng, vecs[i], centres[gen[i]], o.Spread)
	}
	fmt.Fprintf(w, "lookalikebench: %d profiles of %d dims drawn (%s)\n", o.Profiles, o.Dim, time.Since(start).Round(time.Millisecond))

	t := time.Now()
	sample := make([][]float32, min(o.Sample, o.Profiles))
	for i, j := range rng.Perm(o.Profiles)[:len(sample)] {
		sample[i] = vecs[j]
	}
	cents := kmeans(rng, sample, o.Segments, o.Iterations)
	seg := assignNear(vecs, gen, centres, cents)
	for _, i := range rng.Perm(o.Profiles)[:min(2000, o.Profiles)] {
		if nearestCentroid(vecs[i], cents) != seg[i] {
			res.AssignMismatches++
		}
	}
	res.KMeansTime = time.Since(t)
	fmt.Fprintf(w, "lookalikebench: %d segments fitted on %d profiles and assigned (%s)\n", o.Segments, len(sample), res.KMeansTime.Round(time.Millisecond))

	t = time.Now()
	if err := write(ctx, rdb, vecs, seg, cents); err != nil {
		return nil, err
	}
	res.BuildTime = time.Since(t)
	sizes := make([]int, o.Segments)
	for _, s := range seg {
		sizes[s]++
	}
	for _, n := range sizes {
		res.ProfilesPerSegmentMax = max(res.ProfilesPerSegmentMax, n)
		if n == 0 {
			res.ProfilesPerSegmentEmpty++
		}
	}
	if info, err := rdb.Info(ctx, "memory").Result(); err == nil {
		for _, line := range strings.Split(info, "\r\n") {
			if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
				res.RedisBytes, _ = strconv.ParseInt(v, 10, 64)
			}
		}
	}
	fmt.Fprintf(w, "lookalikebench: written to Redis (%s, %.2f GB)\n", res.BuildTime.Round(time.Millisecond), float64(res.RedisBytes)/1e9)

	queries := make([][]float32, o.Queries)
	seedQuery := make([]bool, o.Queries)
	for i := range queries {
		if i%2 == 0 {
			queries[i] = make([]float32, o.Dim)
			drawNear(rng, queries[i], centres[rng.Intn(o.Clusters)], o.Spread)
			continue
		}
		seedQuery[i] = true
		a, b := rng.Intn(o.Clusters), rng.Intn(o.Clusters)
		q := make([]float32, o.Dim)
		x := make([]float32, o.Dim)
		for s := range 20 {
			c := centres[a]
			if s%2 == 1 {
				c = centres[b]
			}
			drawNear(rng, x, c, o.Spread)
			for j := range q {
				q[j] += x[j]
			}
		}
		queries[i] = schema.Normalize(q)
	}
	t = time.Now()
	truth := bruteForce(vecs, queries, o.K)
	fmt.Fprintf(w, "lookalikebench: reference top %d of %d queries by brute force (%s)\n", o.K, o.Queries, time.Since(t).Round(time.Millisecond))

	r, err := reader.New(rdb, reader.Options{})
	if err != nil {
		return nil, err
	}
	var exact []time.Duration
	for i := 0; i < min(o.ExactQueries, len(queries)); i++ {
		t := time.Now()
		got, err := r.Nearest(ctx, queries[i], "m", o.K, nil, reader.Exact())
		if err != nil {
			return nil, fmt.Errorf("lookalikebench: exact query: %w", err)
		}
		exact = append(exact, time.Since(t))
		if hits(got, truth[i]) != len(truth[i]) {
			res.ExactMismatches++
		}
	}
	res.ExactP50, res.ExactP95 = quantile(exact, 0.5), quantile(exact, 0.95)
	fmt.Fprintf(w, "lookalikebench: exact scan p50 %s over %d queries\n", res.ExactP50.Round(time.Millisecond), len(exact))

	probes := append([]int(nil), o.Probes...)
	if !containsInt(probes, reader.DefaultNearestProbes) {
		probes = append(probes, reader.DefaultNearestProbes)
	}
	for _, np := range probes {
		pt := Point{Probes: np}
		var lat []time.Duration
		var h, hu, hs, n, nu, ns int
		for i, q := range queries {
			t := time.Now()
			got, err := r.Nearest(ctx, q, "m", o.K, nil, reader.Probes(np))
			if err != nil {
				return nil, fmt.Errorf("lookalikebench: indexed query: %w", err)
			}
			lat = append(lat, time.Since(t))
			x := hits(got, truth[i])
			h += x
			n += len(truth[i])
			if seedQuery[i] {
				hs += x
				ns += len(truth[i])
			} else {
				hu += x
				nu += len(truth[i])
			}
			for _, c := range probedSegments(q, cents, np) {
				pt.CandidatesPerQuery += float64(sizes[c])
			}
		}
		pt.Recall, pt.RecallUser, pt.RecallSeed = ratio(h, n), ratio(hu, nu), ratio(hs, ns)
		pt.P50, pt.P95 = quantile(lat, 0.5), quantile(lat, 0.95)
		pt.CandidatesPerQuery /= float64(len(queries))
		fmt.Fprintf(w, "lookalikebench: probes %d: recall@%d %.4f, p50 %s\n", np, o.K, pt.Recall, pt.P50.Round(100*time.Microsecond))
		if np == reader.DefaultNearestProbes {
			res.Default = pt
		}
		if containsInt(o.Probes, np) {
			res.Points = append(res.Points, pt)
		}
	}
	return res, nil
}

// Print writes the FIGURE lines of a result.
func Print(w io.Writer, r *Result) {
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'g', 4, 64) }
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', 4, 64) }
	fmt.Fprintf(w, "FIGURE store.lookalike.profiles %d\n", r.Profiles)
	fmt.Fprintf(w, "FIGURE store.lookalike.segments %d\n", r.Segments)
	fmt.Fprintf(w, "FIGURE store.lookalike.probes %d\n", r.Default.Probes)
	fmt.Fprintf(w, "FIGURE store.lookalike.recall_at10 %s\n", g(r.Default.Recall))
	fmt.Fprintf(w, "FIGURE store.lookalike.recall_at10_user %s\n", g(r.Default.RecallUser))
	fmt.Fprintf(w, "FIGURE store.lookalike.recall_at10_seed %s\n", g(r.Default.RecallSeed))
	fmt.Fprintf(w, "FIGURE store.lookalike.candidates_per_query %s\n", g(r.Default.CandidatesPerQuery))
	fmt.Fprintf(w, "FIGURE store.lookalike.query_ms_p50 %s\n", ms(r.Default.P50))
	fmt.Fprintf(w, "FIGURE store.lookalike.query_ms_p95 %s\n", ms(r.Default.P95))
	fmt.Fprintf(w, "FIGURE store.lookalike.exact_query_ms_p50 %s\n", ms(r.ExactP50))
	fmt.Fprintf(w, "FIGURE store.lookalike.exact_query_ms_p95 %s\n", ms(r.ExactP95))
	if r.Default.P50 > 0 {
		fmt.Fprintf(w, "FIGURE store.lookalike.exact_vs_index_ratio %s\n", g(float64(r.ExactP50)/float64(r.Default.P50)))
	}
	fmt.Fprintf(w, "FIGURE store.lookalike.exact_mismatches %d\n", r.ExactMismatches)
	fmt.Fprintf(w, "FIGURE store.lookalike.assign_mismatches_of_2000 %d\n", r.AssignMismatches)
	for _, p := range r.Points {
		fmt.Fprintf(w, "FIGURE store.lookalike.probes_%d.recall_at10 %s\n", p.Probes, g(p.Recall))
		fmt.Fprintf(w, "FIGURE store.lookalike.probes_%d.query_ms_p50 %s\n", p.Probes, ms(p.P50))
		fmt.Fprintf(w, "FIGURE store.lookalike.probes_%d.query_ms_p95 %s\n", p.Probes, ms(p.P95))
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func hits(got []reader.Neighbor, want []int) int {
	w := make(map[string]bool, len(want))
	for _, i := range want {
		w[pseudonym(i)] = true
	}
	n := 0
	for _, g := range got {
		if w[g.Pseudonym] {
			n++
		}
	}
	return n
}

func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[int(math.Ceil(q*float64(len(s))))-1]
}

func pseudonym(i int) string { return "k1.s" + strconv.Itoa(i) }

func randUnit(rng *rand.Rand, d int) []float32 {
	v := make([]float32, d)
	for j := range v {
		v[j] = float32(rng.NormFloat64())
	}
	return schema.Normalize(v)
}

// drawNear sets v to a unit vector: centre plus isotropic Gaussian noise of expected norm spread.
func drawNear(rng *rand.Rand, v, centre []float32, spread float64) {
	s := spread / math.Sqrt(float64(len(v)))
	var nn float64
	for j := range v {
		x := float64(centre[j]) + s*rng.NormFloat64()
		v[j] = float32(x)
		nn += x * x
	}
	inv := float32(1 / math.Sqrt(nn))
	for j := range v {
		v[j] *= inv
	}
}

func dot32(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// parallel runs fn(i) for i in [0, n) on GOMAXPROCS goroutines.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				fn(i)
			}
		}(w)
	}
	wg.Wait()
}

func nearestCentroid(v []float32, cents [][]float32) int {
	best, bs := 0, float32(-2)
	for c, x := range cents {
		if s := dot32(v, x); s > bs {
			best, bs = c, s
		}
	}
	return best
}

// assignNear puts every profile in the segment of its nearest centroid among the
// assignCandidates centroids nearest to the centre of the cluster it was drawn from (a profile's
// noise moves it far less than the distance to the other centroids: Measure checks the result
// against the full search on a sample, FIGURE store.lookalike.assign_mismatches_of_2000). It is
// the full search at a small fraction of the cost, which at a million profiles and 1,000
// segments is most of the build.
func assignNear(vecs [][]float32, gen []int, centres, cents [][]float32) []int {
	if len(cents) <= assignCandidates {
		return assign(vecs, cents)
	}
	cand := make([][]int, len(centres))
	for c, x := range centres {
		cand[c] = probedSegments(x, cents, assignCandidates)
	}
	seg := make([]int, len(vecs))
	parallel(len(vecs), func(i int) {
		best, bs := 0, float32(-2)
		for _, c := range cand[gen[i]] {
			if s := dot32(vecs[i], cents[c]); s > bs {
				best, bs = c, s
			}
		}
		seg[i] = best
	})
	return seg
}

const assignCandidates = 128

func assign(vecs, cents [][]float32) []int {
	seg := make([]int, len(vecs))
	parallel(len(vecs), func(i int) { seg[i] = nearestCentroid(vecs[i], cents) })
	return seg
}

// kmeans is spherical k-means on sample: k-means++ starts (on a subsample of at most 20k points),
// then iters Lloyd iterations; an empty cluster keeps its centroid.
func kmeans(rng *rand.Rand, sample [][]float32, k, iters int) [][]float32 {
	d := len(sample[0])
	cents := make([][]float32, 0, k)
	cents = append(cents, append([]float32(nil), sample[rng.Intn(len(sample))]...))
	dist := make([]float64, len(sample))
	for i := range dist {
		dist[i] = math.Inf(1)
	}
	for len(cents) < k {
		last := cents[len(cents)-1]
		var total float64
		parallel(len(sample), func(i int) {
			dd := 1 - float64(dot32(sample[i], last))
			if dd < dist[i] {
				dist[i] = max(dd, 0)
			}
		})
		for _, x := range dist {
			total += x
		}
		u := rng.Float64() * total
		pick := len(sample) - 1
		for i, x := range dist {
			if u -= x; u <= 0 {
				pick = i
				break
			}
		}
		cents = append(cents, append([]float32(nil), sample[pick]...))
	}
	for range iters {
		seg := assign(sample, cents)
		sums := make([][]float64, k)
		for i, s := range seg {
			if sums[s] == nil {
				sums[s] = make([]float64, d)
			}
			for j, x := range sample[i] {
				sums[s][j] += float64(x)
			}
		}
		for c, s := range sums {
			if s == nil {
				continue
			}
			v := make([]float32, d)
			for j, x := range s {
				v[j] = float32(x)
			}
			if u := schema.Normalize(v); u != nil {
				cents[c] = u
			}
		}
	}
	return cents
}

// probedSegments returns the np segments whose centroids are most similar to q (as the index
// ranks them).
func probedSegments(q []float32, cents [][]float32, np int) []int {
	idx := make([]int, len(cents))
	sims := make([]float32, len(cents))
	for i, c := range cents {
		idx[i], sims[i] = i, dot32(q, c)
	}
	sort.SliceStable(idx, func(a, b int) bool { return sims[idx[a]] > sims[idx[b]] })
	return idx[:min(np, len(idx))]
}

// bruteForce returns the indices of the k profiles nearest to each query, scored as reader's
// scan scores them (float64 dot over the vector's norm), ties by pseudonym as reader breaks them.
// A float32 pass keeps the k+screenMargin best, which are then scored in float64 (the float32
// error, about 1e-6, is far below the score gaps between the 10th and the 30th neighbour).
func bruteForce(vecs, queries [][]float32, k int) [][]int {
	const screenMargin = 20
	out := make([][]int, len(queries))
	parallel(len(queries), func(qi int) {
		q := queries[qi]
		type hit struct {
			i int
			s float64
		}
		m := k + screenMargin
		top := make([]hit, 0, m+1)
		floor := math.Inf(-1)
		for i, v := range vecs {
			s := float64(dot32(q, v))
			if s < floor {
				continue
			}
			top = append(top, hit{i, s})
			if len(top) > 4*m {
				sort.Slice(top, func(a, b int) bool { return top[a].s > top[b].s })
				top = top[:m]
				floor = top[m-1].s
			}
		}
		for j, h := range top {
			v := vecs[h.i]
			var dot, nn float64
			for d, x := range q {
				y := float64(v[d])
				dot += float64(x) * y
				nn += y * y
			}
			top[j].s = dot / math.Sqrt(nn)
		}
		sort.Slice(top, func(a, b int) bool {
			if top[a].s != top[b].s {
				return top[a].s > top[b].s
			}
			return pseudonym(top[a].i) < pseudonym(top[b].i)
		})
		for _, h := range top[:min(k, len(top))] {
			out[qi] = append(out[qi], h.i)
		}
	})
	return out
}

// write stores the profiles (vec, model, dim, seg), the segment model hash and the member sets in
// pipelines of 1,000 commands, two at a time.
func write(ctx context.Context, rdb redis.UniversalClient, vecs [][]float32, seg []int, cents [][]float32) error {
	const batch = 1000
	dim := strconv.Itoa(len(vecs[0]))
	var mu sync.Mutex
	var firstErr error
	parallel((len(vecs)+batch-1)/batch, func(b int) {
		pipe := rdb.Pipeline()
		for i := b * batch; i < min((b+1)*batch, len(vecs)); i++ {
			pipe.HSet(ctx, schema.ProfileKey("ps", pseudonym(i)), schema.FieldVector, schema.EncodeVector(vecs[i]),
				schema.FieldModel, "m", schema.FieldDim, dim, schema.FieldSegment, seg[i])
		}
		if _, err := pipe.Exec(ctx); err != nil {
			mu.Lock()
			if firstErr == nil {
				firstErr = err
			}
			mu.Unlock()
		}
	})
	if firstErr != nil {
		return fmt.Errorf("lookalikebench: write profiles: %w", firstErr)
	}
	members := make([][]any, len(cents))
	for i, s := range seg {
		members[s] = append(members[s], pseudonym(i))
	}
	pipe := rdb.Pipeline()
	fields := []any{"version", 1, "k", len(cents), "dim", dim}
	for c, v := range cents {
		fields = append(fields, "centroid:"+strconv.Itoa(c), schema.EncodeVector(v))
	}
	pipe.HSet(ctx, schema.SegmentCentroidsKey("ps"), fields...)
	n := 0
	for s, m := range members {
		for len(m) > 0 {
			part := m[:min(batch, len(m))]
			m = m[len(part):]
			pipe.SAdd(ctx, schema.SegmentMembersKey("ps", s), part...)
			if n++; n%batch == 0 {
				if _, err := pipe.Exec(ctx); err != nil {
					return fmt.Errorf("lookalikebench: write members: %w", err)
				}
			}
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("lookalikebench: write segments: %w", err)
	}
	return nil
}
