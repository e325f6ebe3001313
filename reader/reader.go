// Package reader is the read side of profilestream for downstream apps: recommendations,
// marketing, churn alerts.
//
// profilestream keeps one profile per pseudonymous user in Redis: counts per kind of event, a
// lifetime mean embedding of what the user read and wrote, a time-decayed mean, decayed category
// counts, a lexical sketch of the user's words and a sketch of the items the user came back to, a
// hashed behavioural vector, the mean rating, first and last seen, recent items, and the user's
// segment. The layout is the contract in docs/schema.md and package schema; this package decodes
// it with schema's decoder into schema.Profile (Profile is an alias) and never writes.
//
// A profile is addressed by pseudonym, the keyed HMAC of the raw user id (package pseudonym).
// An app that knows raw ids gives the Reader the shared key ring (Options.Keys, and the
// namespace of its ids); ProfileByUserID then tries the user's pseudonym under each key, the
// active key first, then older keys while a key rotation is in progress. A profile that a key
// rotation moved to a new pseudonym is followed to it (the old hash carries the new pseudonym in
// its "mv" field), so a reader never sees a moved profile as absent or twice. Decayed quantities
// are stored as of the user's newest event; the Profile methods decay them to any "now", so a
// user who went quiet fades without any write. Interests turns a profile into what a person
// reads: top terms by TF-IDF, categories, items, recent interactions.
//
// Similarity compares two profiles: one hybrid of the dense, lexical, category, item and
// behavioural parts (see Scorer, and docs/applications.md "Profile similarity"). Similar finds
// the k users most similar to a user and NearestProfile those most similar to any profile
// (look-alike audiences use it with Combine of the seeds); Nearest ranks by the dense vector
// alone, for a query vector. By default all three use the segments of internal/online as an
// index (index.go): the query's lifetime vector is compared with the segment centroids, and only
// the members of the Options.NearestProbes nearest segments are fetched and scored, exactly as
// the full scan scores them. That costs O(users x probes / k) instead of O(users); it misses the
// true neighbours that sit in segments not probed (recall below 1, measured by `make bench`)
// and users in no segment (not yet assigned, or without a lifetime vector: click-only users,
// whom the hybrid can still match on their other parts). Exact (per query) or a negative
// NearestProbes scans every profile instead (a SCAN of every node): O(users) per call, always
// exact. Without centroids, or for a query without a lifetime vector, the scan is used.
package reader

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/pseudonym"
	"github.com/profilestream/profilestream/schema"
)

// ErrNotFound is returned (wrapped) when a user has no profile.
var ErrNotFound = errors.New("reader: profile not found")

// Options configure a Reader.
type Options struct {
	// Prefix of every key, as configured in the writer. Default "ps".
	Prefix string
	// Keys is the pseudonym key ring of the writer (the same keys, active first), and Namespace
	// the pseudonym namespace of the raw ids ("" unless the writer was given one). Needed only
	// by ProfileByUserID; nil makes ProfileByUserID fail.
	Keys      *pseudonym.Ring
	Namespace string
	// ScanCount is the COUNT hint of the SCAN that Scan, Similar and Nearest run. Default 1000: larger pages mean
	// fewer round trips and more memory per page.
	ScanCount int64
	// NearestProbes is how many segments Nearest and Similar probe through the segment index:
	// the candidates are the members of the NearestProbes segments whose centroids are most
	// similar to the query. More probes find more of the true nearest users (recall) and cost
	// proportionally more profiles fetched. 0 means DefaultNearestProbes; a negative value turns
	// the index off (every query scans every profile, exact and O(users)). A query's Probes or
	// Exact option overrides it.
	NearestProbes int
	// ScorerTTL is how long NearestProfile (and so Similar and look-alike audiences) reuses the
	// Scorer it loaded: the document-frequency hash and a calibration over 200 profiles, a read
	// that grows with the vocabulary. A longer TTL means fewer reads per query and IDF and
	// calibration that lag the store by up to the TTL (both drift slowly). 0 means one minute; a
	// negative value loads a Scorer for every call. (*Reader).Scorer always loads a fresh one.
	ScorerTTL time.Duration
}

// Reader reads profiles and segments. It is safe for concurrent use.
type Reader struct {
	rdb    redis.UniversalClient
	opts   Options
	cent   centroidCache // the segment centroids of the index (index.go)
	scorer scorerCache   // NearestProfile's Scorer, reused for ScorerTTL (similarity.go)
}

// New returns a Reader on client (a *redis.Client, *redis.ClusterClient or *redis.Ring).
func New(client redis.UniversalClient, opts Options) (*Reader, error) {
	if client == nil {
		return nil, errors.New("reader: nil client")
	}
	if opts.Prefix == "" {
		opts.Prefix = schema.DefaultPrefix
	}
	if opts.ScanCount <= 0 {
		opts.ScanCount = 1000
	}
	if opts.NearestProbes == 0 {
		opts.NearestProbes = DefaultNearestProbes
	}
	if opts.ScorerTTL == 0 {
		opts.ScorerTTL = time.Minute
	}
	return &Reader{rdb: client, opts: opts}, nil
}

func (r *Reader) profileKey(pseudonym string) string {
	return schema.ProfileKey(r.opts.Prefix, pseudonym)
}

// Profile is one user's profile: schema.Profile, the one decoded profile type (this alias keeps
// reader's name for it). Its methods decay the decayed quantities to any time.
type Profile = schema.Profile

// CategoryCount is a category with its decayed, action-weighted count (schema.CategoryCount).
type CategoryCount = schema.CategoryCount

// Item is one recent item interaction (schema.RecentItem).
type Item = schema.RecentItem

// maxMoves bounds how many moves Profile follows (a rotation moves a profile once; a chain is
// two rotations in quick succession).
const maxMoves = 4

// Profile returns the profile of a pseudonym, or an error wrapping ErrNotFound. A profile moved
// by a key rotation is followed to its new pseudonym, which the returned Profile carries.
func (r *Reader) Profile(ctx context.Context, pseudonym string) (*Profile, error) {
	ps := pseudonym
	for range maxMoves + 1 {
		h, err := r.rdb.HGetAll(ctx, r.profileKey(ps)).Result()
		if err != nil {
			return nil, fmt.Errorf("reader: profile %q: %w", pseudonym, err)
		}
		if len(h) == 0 {
			break
		}
		if to := h[schema.FieldMovedTo]; to != "" {
			ps = to // frozen or a tombstone: the data is (being) merged into the new pseudonym
			continue
		}
		return Decode(ps, h)
	}
	return nil, fmt.Errorf("reader: profile %q: %w", pseudonym, ErrNotFound)
}

// ProfileByUserID pseudonymizes a raw user id with Options.Keys (in Options.Namespace) and
// returns the profile of the first candidate pseudonym that has one (active key first: during a
// key rotation the profile may still live under an older key). The raw id never leaves the
// process.
func (r *Reader) ProfileByUserID(ctx context.Context, rawUserID string) (*Profile, error) {
	if r.opts.Keys == nil {
		return nil, errors.New("reader: ProfileByUserID needs Options.Keys")
	}
	for _, ps := range r.opts.Keys.Candidates(r.opts.Namespace, rawUserID) {
		p, err := r.Profile(ctx, ps)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("reader: profile of user id: %w", ErrNotFound)
}

// SegmentMembers returns the pseudonyms in a segment (the set "<prefix>:v1:seg:<id>:members"
// written by the segmenter), sorted.
func (r *Reader) SegmentMembers(ctx context.Context, segment int) ([]string, error) {
	key := schema.SegmentMembersKey(r.opts.Prefix, segment)
	m, err := r.rdb.SMembers(ctx, key).Result()
	if err != nil {
		return nil, fmt.Errorf("reader: members of segment %d: %w", segment, err)
	}
	sort.Strings(m)
	return m, nil
}

// Neighbor is a user similar to another, with the similarity score (Similarity for Similar and
// NearestProfile, the cosine of lifetime means for Nearest).
type Neighbor struct {
	Pseudonym  string  `json:"pseudonym"`
	Similarity float64 `json:"similarity"`
}

// Similar returns the k users most similar to the given user by the hybrid Similarity (text,
// words, categories, items, behaviour: see Scorer), most similar first, excluding the user.
// It is NearestProfile with the user's profile: through the segment index by default, or a full
// scan (see NearestProfile and opts).
func (r *Reader) Similar(ctx context.Context, pseudonym string, k int, opts ...QueryOption) ([]Neighbor, error) {
	me, err := r.Profile(ctx, pseudonym)
	if err != nil {
		return nil, err
	}
	out, err := r.NearestProfile(ctx, me, k, func(ps string) bool { return ps == pseudonym }, opts...)
	if err != nil {
		return nil, fmt.Errorf("reader: similar to %q: %w", pseudonym, err)
	}
	return out, nil
}

// Nearest returns the k users whose lifetime mean embedding is most similar (cosine) to the
// unit vector q, made by the encoder model, most similar first; skip (may be nil) leaves users
// out (the query's own users). Users without text, and users whose vectors come from another
// model or dimension, are skipped. Similar and look-alike audiences are built on it.
//
// By default Nearest probes the segment index (index.go): it scores the members of the
// Options.NearestProbes segments nearest to q, O(users x probes / segments) profiles, and may
// miss a true neighbour in a segment it did not probe or not yet in any segment. Without
// segment centroids (before the segmenter initialized, or centroids of another dimension), or
// when the probes cover every segment, or with the Exact option, it scans every profile (every
// master of a cluster): O(users x dim), exact. Both paths score a profile the same way
// (nearestTop).
func (r *Reader) Nearest(ctx context.Context, q []float32, model string, k int, skip func(pseudonym string) bool, opts ...QueryOption) ([]Neighbor, error) {
	if len(q) == 0 || k <= 0 {
		return nil, nil
	}
	top := newNearestTop(q, model, k, skip)
	qo := queryOptions{probes: r.opts.NearestProbes}
	for _, o := range opts {
		o(&qo)
	}
	used := false
	if qo.probes > 0 {
		var err error
		used, err = r.nearestIndexed(ctx, q, qo.probes, top.full, func(keys []string) error {
			return r.fetchVectors(ctx, r.rdb.Pipeline(), keys, top.score)
		})
		if err != nil {
			return nil, fmt.Errorf("reader: nearest through segments: %w", err)
		}
	}
	if !used {
		if err := r.nearestScan(ctx, top.score); err != nil {
			return nil, fmt.Errorf("reader: nearest: %w", err)
		}
	}
	return top.result(), nil
}

// nearestTop keeps the k best profiles for a query of Nearest. score is the one place a
// candidate profile is scored, whichever path found it; it is safe for concurrent use.
type nearestTop struct {
	q     []float32
	model string
	k     int
	skip  func(string) bool
	mu    sync.Mutex
	h     neighborHeap
}

func newNearestTop(q []float32, model string, k int, skip func(string) bool) *nearestTop {
	return &nearestTop{q: q, model: model, k: k, skip: skip}
}

// score offers one profile (its pseudonym, vector model, dimension and lifetime mean).
func (t *nearestTop) score(ps, m string, dim int, v []float32) {
	if m != t.model || dim != len(t.q) || len(v) != len(t.q) || (t.skip != nil && t.skip(ps)) {
		return
	}
	n := Neighbor{ps, cosine(t.q, v)}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.h.Len() < t.k {
		heap.Push(&t.h, n)
	} else if less(t.h[0], n) {
		t.h[0] = n
		heap.Fix(&t.h, 0)
	}
}

// full reports whether k profiles have been kept.
func (t *nearestTop) full() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.h.Len() >= t.k
}

// result returns the kept profiles, most similar first (it empties the top).
func (t *nearestTop) result() []Neighbor {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Neighbor, t.h.Len())
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = heap.Pop(&t.h).(Neighbor)
	}
	return out
}

// nearestScan is the exact path of Nearest: every profile of every node, scored by score.
func (r *Reader) nearestScan(ctx context.Context, score func(ps, model string, dim int, v []float32)) error {
	return r.eachNode(ctx, func(ctx context.Context, c *redis.Client) error {
		return r.scanVectors(ctx, c, score)
	})
}

func (r *Reader) scanVectors(ctx context.Context, c *redis.Client, fn func(ps, model string, dim int, v []float32)) error {
	return r.scanKeys(ctx, c, func(keys []string) error {
		return r.fetchVectors(ctx, c.Pipeline(), keys, fn)
	})
}

// fetchVectors reads the lifetime mean vector, model and dimension of the profiles keys in one
// pipeline and calls fn for each profile that has a vector (not for absent or moved profiles).
// Both paths of Nearest read vectors here.
func (r *Reader) fetchVectors(ctx context.Context, pipe redis.Pipeliner, keys []string, fn func(ps, model string, dim int, v []float32)) error {
	cmds := make([]*redis.SliceCmd, len(keys))
	for i, k := range keys {
		cmds[i] = pipe.HMGet(ctx, k, schema.FieldVector, schema.FieldModel, schema.FieldDim, schema.FieldMovedTo, schema.FieldSchema)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return err
	}
	for i, k := range keys {
		vals := cmds[i].Val()
		if len(vals) != 5 || vals[3] != nil {
			continue
		}
		vs, _ := vals[0].(string)
		model, _ := vals[1].(string)
		ds, _ := vals[2].(string)
		dim, _ := strconv.Atoi(ds)
		ls, _ := vals[4].(string)
		layout, _ := strconv.Atoi(ls)
		v, err := schema.DecodeLifetimeVector(layout, []byte(vs), dim)
		if err != nil || v == nil {
			continue
		}
		fn(schema.PseudonymFromProfileKey(r.opts.Prefix, k), model, dim, v)
	}
	return nil
}

// neighborHeap is a min-heap by similarity (ties: larger pseudonym first out), so the root is the
// weakest of the current top k.
type neighborHeap []Neighbor

func less(a, b Neighbor) bool {
	if a.Similarity != b.Similarity {
		return a.Similarity < b.Similarity
	}
	return a.Pseudonym > b.Pseudonym
}
func (h neighborHeap) Len() int           { return len(h) }
func (h neighborHeap) Less(i, j int) bool { return less(h[i], h[j]) }
func (h neighborHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *neighborHeap) Push(x any)        { *h = append(*h, x.(Neighbor)) }
func (h *neighborHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// cosine returns the cosine similarity of unit vector q and any vector v (0 when v is zero).
func cosine(q, v []float32) float64 {
	var dot, nn float64
	for i := range q {
		dot += float64(q[i]) * float64(v[i])
		nn += float64(v[i]) * float64(v[i])
	}
	if nn == 0 {
		return 0
	}
	return dot / math.Sqrt(nn)
}

// Decode parses a profile hash (as HGETALL returns it) following docs/schema.md, with the
// shared decoder of package schema, and sets the pseudonym. Unknown fields are ignored, absent
// fields are zero.
func Decode(pseudonym string, h map[string]string) (*Profile, error) {
	p, err := schema.DecodeProfile(h)
	if err != nil {
		return nil, fmt.Errorf("reader: profile %q: %w", pseudonym, err)
	}
	p.Pseudonym = pseudonym
	return p, nil
}
