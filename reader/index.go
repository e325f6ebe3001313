package reader

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/schema"
)

// The segment index of Nearest and Similar.
//
// The online segmenter (internal/online) keeps a spherical k-means model of the users' lifetime
// mean vectors in Redis: k unit centroids in the model hash (schema.SegmentCentroidsKey) and, per
// segment, the set of its members' pseudonyms (schema.SegmentMembersKey); every user with a
// vector sits in the set of the centroid nearest to its vector. That is an inverted-file index
// (IVF) with the centroids as its coarse quantizer, kept up to date by the worker for free. A
// query compares q with the k centroids, reads the member sets of the probes nearest segments
// (SSCAN pages of ScanCount pseudonyms, pipelined), fetches those members' vectors (pipelined
// HMGETs) and scores them exactly as the full scan does. When the probed segments hold fewer than
// k scored users it keeps probing the next nearest segments, one at a time.
//
// What it trades: the candidates are about users x probes / k profiles instead of every
// profile, and a true neighbour is missed when it sits in a segment that was not probed (near a
// segment boundary, or when the query lies between segments, as a look-alike seed centroid
// often does) or in no segment yet (its profile is newer than the segmenter's last assignment,
// or the segmenter has not initialized). Recall grows with probes; `make bench`
// (internal/eval/lookalikebench) measures recall@10 against the exact scan and both latencies on
// a million profiles. The speed-up is k / probes: the segmenter's automatic k (4 to 16 segments)
// only divides the work by a few; a deployment that serves look-alikes online at scale runs the
// segmenter with a fixed k near sqrt(users) (`--k`), see docs/capacity.md.
//
// The centroids are read once per centroid version (the model hash's "version" and "init_ms",
// one HMGET per query checks them) and kept in the Reader: a merge moves them a little without a
// new version, and ranking the segments with the centroids of the current version is close
// enough. The model hash does not name the encoder model: a deployment has one (docs/schema.md),
// and centroids of another dimension than the query are not used.
//
// In a Redis Cluster the member sets and the profiles live in different slots: the pipelines of
// a *redis.ClusterClient split by node, so a query costs one round trip per node per page.

// DefaultNearestProbes is the default of Options.NearestProbes: the number of segments a
// Nearest, NearestProfile or Similar query probes. Measured with `make bench` (1M synthetic
// profiles, 1,000 segments) it finds 99.65% of the exact top 10 (16 probes 99.05%), reading 3%
// of the profiles (docs/capacity.md, "Queries"). With k <= 32 segments every query scans.
const DefaultNearestProbes = 32

// QueryOption changes one Nearest or Similar call.
type QueryOption func(*queryOptions)

type queryOptions struct {
	probes int // <= 0: exact scan
}

// Exact makes the query scan every profile: exact (every user with a vector of the query's
// model is scored) at O(users x dim) per query. Use it for offline jobs, for small stores, and to
// measure the index's recall.
func Exact() QueryOption { return func(o *queryOptions) { o.probes = -1 } }

// Probes makes the query probe the n segments nearest to it (see Options.NearestProbes; n <= 0
// is Exact).
func Probes(n int) QueryOption { return func(o *queryOptions) { o.probes = n } }

// Fields of the segment model hash (docs/schema.md, "Model hash").
const (
	centroidsVersionField = "version"
	centroidsInitField    = "init_ms"
	centroidsKField       = "k"
	centroidsDimField     = "dim"
	centroidFieldPrefix   = "centroid:"
)

// centroidCache holds the centroids of one version of the segment model.
type centroidCache struct {
	mu      sync.Mutex
	version string
	dim     int
	c       [][]float32 // nil entries: segments without a centroid
}

// centroids returns the current segment centroids (nil when there is no model yet).
func (r *Reader) centroids(ctx context.Context) ([][]float32, int, error) {
	key := schema.SegmentCentroidsKey(r.opts.Prefix)
	h, err := r.rdb.HMGet(ctx, key, centroidsVersionField, centroidsKField, centroidsDimField, centroidsInitField).Result()
	if err != nil {
		return nil, 0, fmt.Errorf("segment model: %w", err)
	}
	version, _ := h[0].(string)
	ks, _ := h[1].(string)
	initMS, _ := h[3].(string)
	ds, _ := h[2].(string)
	k, _ := strconv.Atoi(ks)
	dim, _ := strconv.Atoi(ds)
	if version == "" || k <= 0 || dim <= 0 {
		return nil, 0, nil
	}
	version += "@" + initMS // a model re-initialized after a reset starts at version 1 again
	r.cent.mu.Lock()
	if r.cent.version == version && r.cent.dim == dim && len(r.cent.c) == k {
		c := r.cent.c
		r.cent.mu.Unlock()
		return c, dim, nil
	}
	r.cent.mu.Unlock()
	fields := make([]string, k)
	for i := range fields {
		fields[i] = centroidFieldPrefix + strconv.Itoa(i)
	}
	vals, err := r.rdb.HMGet(ctx, key, fields...).Result()
	if err != nil {
		return nil, 0, fmt.Errorf("segment centroids: %w", err)
	}
	c := make([][]float32, k)
	for i, v := range vals {
		s, _ := v.(string)
		if x, err := schema.DecodeVector([]byte(s)); err == nil && len(x) == dim {
			c[i] = x
		}
	}
	r.cent.mu.Lock()
	r.cent.version, r.cent.dim, r.cent.c = version, dim, c
	r.cent.mu.Unlock()
	return c, dim, nil
}

// nearestIndexed runs a query through the segment index: visit is called with pages of
// candidate profile keys (each key once), the members of the probes segments nearest to q, then
// of one more segment at a time while enough() is false. It reports false (and visits nothing)
// when the index cannot answer: no segment model, centroids of another dimension than q, or
// probes covering every segment (then the scan is as cheap and exact).
func (r *Reader) nearestIndexed(ctx context.Context, q []float32, probes int, enough func() bool, visit func(keys []string) error) (bool, error) {
	cents, dim, err := r.centroids(ctx)
	if err != nil {
		return false, err
	}
	if cents == nil || dim != len(q) || probes >= len(cents) {
		return false, nil
	}
	order := make([]int, 0, len(cents))
	sims := make([]float64, len(cents))
	for i, c := range cents {
		if c != nil {
			order = append(order, i)
			sims[i] = cosine(q, c)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return sims[order[a]] > sims[order[b]] })
	seen := make(map[string]struct{})
	for done := 0; done < len(order); {
		n := probes
		if done > 0 {
			if enough() {
				break
			}
			n = 1 // too few users in the probed segments: one more
		}
		n = min(n, len(order)-done)
		if err := r.probe(ctx, order[done:done+n], seen, visit); err != nil {
			return false, err
		}
		done += n
	}
	return true, nil
}

// probe visits the members of segments not seen yet: SSCAN pages of every segment in one
// pipeline, then visit with the new members' profile keys, until every cursor is back at 0.
func (r *Reader) probe(ctx context.Context, segments []int, seen map[string]struct{}, visit func(keys []string) error) error {
	type cursor struct {
		key string
		at  uint64
	}
	open := make([]cursor, len(segments))
	for i, s := range segments {
		open[i] = cursor{key: schema.SegmentMembersKey(r.opts.Prefix, s)}
	}
	for len(open) > 0 {
		pipe := r.rdb.Pipeline()
		cmds := make([]*redis.ScanCmd, len(open))
		for i, c := range open {
			cmds[i] = pipe.SScan(ctx, c.key, c.at, "", r.opts.ScanCount)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return fmt.Errorf("segment members: %w", err)
		}
		var keys []string
		next := open[:0]
		for i, c := range open {
			members, at := cmds[i].Val()
			for _, ps := range members {
				if _, ok := seen[ps]; ok {
					continue
				}
				seen[ps] = struct{}{}
				keys = append(keys, schema.ProfileKey(r.opts.Prefix, ps))
			}
			if at != 0 {
				next = append(next, cursor{key: c.key, at: at})
			}
		}
		open = next
		if len(keys) > 0 {
			if err := visit(keys); err != nil {
				return fmt.Errorf("candidates: %w", err)
			}
		}
	}
	return nil
}

// fetchProfiles reads whole profiles (pipelined HGETALLs, across nodes on a cluster) and calls fn
// for each that exists and has not moved, as Scan does.
func (r *Reader) fetchProfiles(ctx context.Context, keys []string, fn func(*Profile) error) error {
	return r.readProfiles(ctx, r.rdb.Pipeline(), keys, fn)
}

// readProfiles reads keys' profiles with pipelined HGETALLs on pipe and calls fn for each that
// exists and has not moved (a key-rotation move's frozen profile or tombstone), in keys' order.
func (r *Reader) readProfiles(ctx context.Context, pipe redis.Pipeliner, keys []string, fn func(*Profile) error) error {
	cmds := make([]*redis.MapStringStringCmd, len(keys))
	for i, k := range keys {
		cmds[i] = pipe.HGetAll(ctx, k)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return err
	}
	for i, k := range keys {
		h := cmds[i].Val()
		if len(h) == 0 || h[schema.FieldMovedTo] != "" {
			continue
		}
		p, err := Decode(schema.PseudonymFromProfileKey(r.opts.Prefix, k), h)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

// candidates calls fn with the candidate profiles of a NearestProfile query for q: the members of
// the segments nearest to q's lifetime vector, or every profile (Scan) when the index cannot
// answer (probes <= 0, no vector, no centroids). enough reports when the probed segments gave
// enough candidates.
func (r *Reader) candidates(ctx context.Context, q *Profile, probes int, enough func() bool, fn func(*Profile) error) error {
	if v := schema.Normalize(q.Vector); v != nil && probes > 0 {
		used, err := r.nearestIndexed(ctx, v, probes, enough, func(keys []string) error {
			return r.fetchProfiles(ctx, keys, fn)
		})
		if err != nil {
			return fmt.Errorf("reader: nearest through segments: %w", err)
		}
		if used {
			return nil
		}
	}
	return r.Scan(ctx, fn)
}
