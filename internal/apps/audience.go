package apps

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/profilestream/profilestream/reader"
	"github.com/profilestream/profilestream/schema"
	"github.com/redis/go-redis/v9"
)

// AudienceOptions configure Audiences.
type AudienceOptions struct {
	// Prefix of every key, as configured for profilestore. Default "ps".
	Prefix string
	// ScanCount is the COUNT hint of the profile SCAN. Default 1000: larger pages mean fewer
	// round trips and more memory per page.
	ScanCount int64
}

// Audiences finds look-alike users. It is safe for concurrent use.
type Audiences struct {
	rdb  redis.UniversalClient
	opts AudienceOptions
}

// NewAudiences returns Audiences on client (a *redis.Client, *redis.ClusterClient or *redis.Ring).
func NewAudiences(client redis.UniversalClient, opts AudienceOptions) (*Audiences, error) {
	if client == nil {
		return nil, errors.New("apps: nil client")
	}
	if opts.Prefix == "" {
		opts.Prefix = schema.DefaultPrefix
	}
	if opts.ScanCount <= 0 {
		opts.ScanCount = 1000
	}
	return &Audiences{rdb: client, opts: opts}, nil
}

// Scored is a user with a similarity score.
type Scored struct {
	Pseudonym string  `json:"pseudonym"`
	Score     float64 `json:"score"`
}

// ErrNoSeeds is returned (wrapped) when no seed user has a vector.
var ErrNoSeeds = errors.New("apps: no seed user with a vector")

// LookAlike returns the n users most similar to the seeds, most similar first: cosine between
// each user's lifetime mean embedding and the seed centroid (the mean of the seeds' normalized
// lifetime means), excluding the seeds themselves. Seeds without a profile or vector are
// ignored; users whose vectors come from another model than the first usable seed's are
// skipped. Cost: a full SCAN of the profiles and O(users x dim) arithmetic.
func (a *Audiences) LookAlike(ctx context.Context, seeds []string, n int) ([]Scored, error) {
	if n <= 0 {
		return nil, nil
	}
	pipe := a.rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, len(seeds))
	for i, s := range seeds {
		cmds[i] = pipe.HMGet(ctx, a.profileKey(s), schema.FieldVector, schema.FieldModel, schema.FieldDim, schema.FieldMovedTo)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("apps: look-alike: read seeds: %w", err)
	}
	isSeed := map[string]bool{}
	var centroid []float32
	model := ""
	for i, s := range seeds {
		isSeed[s] = true
		v, m, ok := vecFields(cmds[i].Val())
		if !ok || (model != "" && (m != model || len(v) != len(centroid))) {
			continue
		}
		if centroid == nil {
			centroid, model = make([]float32, len(v)), m
		}
		for j, f := range schema.Normalize(v) {
			centroid[j] += f
		}
	}
	q := schema.Normalize(centroid)
	if q == nil {
		return nil, ErrNoSeeds
	}
	rd, err := reader.New(a.rdb, reader.Options{Prefix: a.opts.Prefix, ScanCount: a.opts.ScanCount})
	if err != nil {
		return nil, err
	}
	nb, err := rd.Nearest(ctx, q, model, n, func(ps string) bool { return isSeed[ps] })
	if err != nil {
		return nil, fmt.Errorf("apps: look-alike: %w", err)
	}
	out := make([]Scored, len(nb))
	for i, x := range nb {
		out[i] = Scored{Pseudonym: x.Pseudonym, Score: x.Similarity}
	}
	return out, nil
}

// LookAlikeSegment is LookAlike with the members of a segment (the set written by
// internal/online, "<prefix>:v1:seg:<id>:members") as seeds.
func (a *Audiences) LookAlikeSegment(ctx context.Context, segment, n int) ([]Scored, error) {
	key := schema.SegmentMembersKey(a.opts.Prefix, segment)
	m, err := a.rdb.SMembers(ctx, key).Result()
	if err != nil {
		return nil, fmt.Errorf("apps: look-alike: members of segment %d: %w", segment, err)
	}
	return a.LookAlike(ctx, m, n)
}

func (a *Audiences) profileKey(ps string) string { return schema.ProfileKey(a.opts.Prefix, ps) }

// vecFields decodes HMGET vec, model, dim, mv; ok is false for a missing, moved or empty vector.
func vecFields(vals []interface{}) (v []float32, model string, ok bool) {
	if len(vals) != 4 || vals[3] != nil {
		return nil, "", false
	}
	vs, _ := vals[0].(string)
	model, _ = vals[1].(string)
	ds, _ := vals[2].(string)
	dim, _ := strconv.Atoi(ds)
	v = decodeVector(vs)
	if v == nil || len(v) != dim {
		return nil, "", false
	}
	return v, model, true
}
