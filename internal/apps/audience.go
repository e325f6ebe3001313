package apps

import (
	"context"
	"errors"
	"fmt"

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

// ErrNoSeeds is returned (wrapped) when no seed user has a profile.
var ErrNoSeeds = errors.New("apps: no seed user with a profile")

// LookAlike returns the n users most similar to the seeds, most similar first, by reader's
// hybrid similarity (reader.Scorer: text, words, categories, items, behaviour) to the seeds
// combined into one profile (reader.Combine: every seed weighs the same), excluding the seeds
// themselves. Seeds without a profile are ignored. Cost: a full scan of the profiles.
func (a *Audiences) LookAlike(ctx context.Context, seeds []string, n int) ([]Scored, error) {
	if n <= 0 {
		return nil, nil
	}
	rd, err := reader.New(a.rdb, reader.Options{Prefix: a.opts.Prefix, ScanCount: a.opts.ScanCount})
	if err != nil {
		return nil, err
	}
	isSeed := map[string]bool{}
	var ps []*reader.Profile
	for _, s := range seeds {
		isSeed[s] = true
		p, err := rd.Profile(ctx, s)
		if errors.Is(err, reader.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("apps: look-alike: read seeds: %w", err)
		}
		ps = append(ps, p)
	}
	if len(ps) == 0 {
		return nil, ErrNoSeeds
	}
	nb, err := rd.NearestProfile(ctx, reader.Combine(ps), n, func(ps string) bool { return isSeed[ps] })
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
