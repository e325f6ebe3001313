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
// (look-alike audiences use it with Combine of the seeds), by brute force over all profiles (a
// SCAN of every node): O(users) per call, fine for offline jobs and up to about 10^5 users.
// Nearest ranks by the dense vector alone, for a query vector (a RediSearch vector index over
// "vec", FLOAT32, COSINE, does the same job at scale).
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
}

// Reader reads profiles and segments. It is safe for concurrent use.
type Reader struct {
	rdb  redis.UniversalClient
	opts Options
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
// words, categories, items, behaviour: see Scorer), most similar first, excluding the user. The
// cost is a full scan of the profiles per call (see NearestProfile).
func (r *Reader) Similar(ctx context.Context, pseudonym string, k int) ([]Neighbor, error) {
	me, err := r.Profile(ctx, pseudonym)
	if err != nil {
		return nil, err
	}
	out, err := r.NearestProfile(ctx, me, k, func(ps string) bool { return ps == pseudonym })
	if err != nil {
		return nil, fmt.Errorf("reader: similar to %q: %w", pseudonym, err)
	}
	return out, nil
}

// Nearest returns the k users whose lifetime mean embedding is most similar (cosine) to the
// unit vector q, made by the encoder model, most similar first; skip (may be nil) leaves users
// out (the query's own users). Users without text, and users whose vectors come from another
// model or dimension, are skipped. Similar and look-alike audiences are built on it. The cost is
// a full SCAN of the keyspace (every master of a cluster) and O(users x dim) arithmetic.
func (r *Reader) Nearest(ctx context.Context, q []float32, model string, k int, skip func(pseudonym string) bool) ([]Neighbor, error) {
	if len(q) == 0 || k <= 0 {
		return nil, nil
	}
	var mu sync.Mutex
	h := &neighborHeap{}
	err := r.eachNode(ctx, func(ctx context.Context, c *redis.Client) error {
		return r.scanVectors(ctx, c, func(ps, m string, dim int, v []float32) {
			if m != model || dim != len(q) || len(v) != len(q) || (skip != nil && skip(ps)) {
				return
			}
			sim := cosine(q, v)
			mu.Lock()
			defer mu.Unlock()
			if h.Len() < k {
				heap.Push(h, Neighbor{ps, sim})
			} else if less((*h)[0], Neighbor{ps, sim}) {
				(*h)[0] = Neighbor{ps, sim}
				heap.Fix(h, 0)
			}
		})
	})
	if err != nil {
		return nil, err
	}
	out := make([]Neighbor, h.Len())
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = heap.Pop(h).(Neighbor)
	}
	return out, nil
}

func (r *Reader) scanVectors(ctx context.Context, c *redis.Client, fn func(ps, model string, dim int, v []float32)) error {
	return r.scanKeys(ctx, c, func(keys []string) error {
		pipe := c.Pipeline()
		cmds := make([]*redis.SliceCmd, len(keys))
		for i, k := range keys {
			cmds[i] = pipe.HMGet(ctx, k, schema.FieldVector, schema.FieldModel, schema.FieldDim, schema.FieldMovedTo)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return err
		}
		for i, k := range keys {
			vals := cmds[i].Val()
			if len(vals) != 4 || vals[3] != nil {
				continue
			}
			vs, _ := vals[0].(string)
			model, _ := vals[1].(string)
			ds, _ := vals[2].(string)
			dim, _ := strconv.Atoi(ds)
			v, err := schema.DecodeVector([]byte(vs))
			if err != nil || v == nil {
				continue
			}
			fn(schema.PseudonymFromProfileKey(r.opts.Prefix, k), model, dim, v)
		}
		return nil
	})
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
