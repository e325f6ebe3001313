package apps

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/itemindex"
	"github.com/profilestream/profilestream/reader"
	"github.com/profilestream/profilestream/schema"
)

// ItemOptions configure an ItemIndex, the read side of the item index that
// internal/itemindex writes. ModelID is required; every other field has a default that
// NewItemIndex fills in when left at its zero value. Prefix, HalfLife, MaxUserItems, MaxCooccur
// and CooccurRecent must be those the writer was given.
type ItemOptions struct {
	// Prefix starts every key ("<prefix>:v1:..."), as configured for profilestore. Default "ps".
	Prefix string
	// ModelID names the encoder model of the item vectors; Recommend compares an item only with
	// profiles whose "model" field is the same. Required (the encoder's ModelID()).
	ModelID string
	// HalfLife of the decayed popularity. Default 168h (7 days): shorter follows trends faster
	// but forgets steady sellers; it must be the same for every writer of one Redis.
	HalfLife time.Duration
	// MaxUserItems bounds each user's interacted-items set (newest kept). Default 200; negative
	// means the writer keeps no set (then only the profile's RecentItems, 20 by default, are
	// excluded).
	MaxUserItems int
	// MaxCooccur bounds each item's co-occurrence list (the items most often interacted with by
	// the same users, with counts). Default 200; negative turns co-occurrence off (it also needs
	// the user item sets, MaxUserItems > 0). When the list is full, the least frequent entries
	// are dropped first.
	MaxCooccur int
	// CooccurRecent is how many of the user's newest items Recommend reads the co-occurrence
	// lists of (the writer pairs a new item with as many). Default 50.
	CooccurRecent int
	// RefreshInterval is how old the in-memory copy of the item vectors Recommend searches may
	// get before it is reloaded (a ZRANGE and one HMGET per item, pipelined). Default 30s.
	// Shorter shows new items sooner at the price of more reads.
	RefreshInterval time.Duration
	// Now is the clock of Recommend when RecommendOptions.Now is zero. Default time.Now.
	Now func() time.Time
}

func (o ItemOptions) withDefaults() (ItemOptions, error) {
	if o.Prefix == "" {
		o.Prefix = schema.DefaultPrefix
	}
	if o.ModelID == "" {
		return o, errors.New("apps: ItemOptions.ModelID is required")
	}
	if o.HalfLife == 0 {
		o.HalfLife = itemindex.DefaultHalfLife
	}
	if o.HalfLife < 0 {
		return o, errors.New("apps: HalfLife must be > 0")
	}
	if o.MaxUserItems == 0 {
		o.MaxUserItems = itemindex.DefaultMaxUserItems
	}
	if o.MaxCooccur == 0 {
		o.MaxCooccur = itemindex.DefaultMaxCooccur
	}
	if o.CooccurRecent <= 0 {
		o.CooccurRecent = itemindex.DefaultCooccurRecent
	}
	if o.RefreshInterval == 0 {
		o.RefreshInterval = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o, nil
}

// ItemIndex reads the item index (items, their popularity, users' item sets, co-occurrence)
// and recommends from it. It is safe for concurrent use.
type ItemIndex struct {
	rdb  redis.UniversalClient
	opts ItemOptions
	rd   *reader.Reader

	mu     sync.Mutex
	snap   *snapshot
	loaded time.Time
}

// NewItemIndex returns an ItemIndex on client.
func NewItemIndex(client redis.UniversalClient, opts ItemOptions) (*ItemIndex, error) {
	if client == nil {
		return nil, errors.New("apps: nil client")
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	rd, err := reader.New(client, reader.Options{Prefix: o.Prefix})
	if err != nil {
		return nil, fmt.Errorf("apps: %w", err)
	}
	return &ItemIndex{rdb: client, opts: o, rd: rd}, nil
}

// Cooccurring returns up to n items most often interacted with by users of itemID, with counts,
// most frequent first.
func (x *ItemIndex) Cooccurring(ctx context.Context, itemID string, n int) ([]redis.Z, error) {
	zs, err := x.rdb.ZRevRangeWithScores(ctx, schema.ItemCooccurKey(x.opts.Prefix, itemID), 0, int64(n)-1).Result()
	if err != nil {
		return nil, fmt.Errorf("apps: co-occurring items of %q: %w", itemID, err)
	}
	return zs, nil
}

// Item is one item as the index holds it.
type Item struct {
	ID       string
	Category string
	Title    string
	ModelID  string
	// Vector is the L2-normalized item vector (nil when the item has none yet).
	Vector []float32
	// Score is the sorted-set score, log2 of the decayed popularity in time-free form.
	Score float64

	// profile is the item as a profile, for the hybrid similarity (see ItemProfile).
	profile *schema.Profile

	prior  float64 // popularityPrior relative to the snapshot's top item
	catIdx int     // index of Category in the snapshot's category list
	vecIdx int     // index of Vector among the snapshot's distinct vectors (-1: none)
}

// Popularity returns the item's decayed popularity at now (0 for NoPopularity).
func (it *Item) Popularity(now time.Time, halfLife time.Duration) float64 {
	if it.Score <= itemindex.NoPopularity/2 {
		return 0
	}
	return math.Exp2(it.Score - float64(now.UnixMilli())/float64(halfLife.Milliseconds()))
}

// Get returns one item, or nil when the index does not hold it.
func (x *ItemIndex) Get(ctx context.Context, itemID string) (*Item, error) {
	pipe := x.rdb.Pipeline()
	sc := pipe.ZScore(ctx, schema.ItemPopularityKey(x.opts.Prefix), itemID)
	h := pipe.HMGet(ctx, schema.ItemKey(x.opts.Prefix, itemID), schema.ItemFieldCategory, schema.ItemFieldTitle, schema.ItemFieldModel, schema.ItemFieldVector)
	_, err := pipe.Exec(ctx)
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("apps: get item %q: %w", itemID, err)
	}
	it := itemFromHMGet(itemID, sc.Val(), h.Val())
	return it, nil
}

func itemFromHMGet(id string, score float64, v []interface{}) *Item {
	it := &Item{ID: id, Score: score}
	s := func(i int) string { x, _ := v[i].(string); return x }
	it.Category, it.Title, it.ModelID = s(0), s(1), s(2)
	if vec := decodeVector(s(3)); vec != nil {
		it.Vector = schema.Normalize(vec)
	}
	return it
}

// ItemProfile returns the item as a profile, so that the one similarity of profiles
// (reader.Scorer) compares a user with it: the item vector as the dense part (of the item's
// model), its category as the category part and the terms of its title (schema.Terms) as the
// lexical part. An item without a title has no lexical part, one without a vector no dense part.
func ItemProfile(it *Item) *schema.Profile {
	p := &schema.Profile{Pseudonym: "item:" + it.ID, ModelID: it.ModelID, Vector: it.Vector}
	if it.Category != "" {
		p.Categories = []schema.CategoryCount{{Category: it.Category, Count: 1}}
	}
	if it.Title != "" {
		for t, w := range schema.Terms(it.Title) {
			p.Terms = append(p.Terms, schema.TermWeight{Term: t, Weight: w})
		}
		sort.Slice(p.Terms, func(i, j int) bool { return p.Terms[i].Term < p.Terms[j].Term })
	}
	return p
}

// snapshot is the in-memory copy of the index that Recommend searches.
type snapshot struct {
	// scorer is the deployment's reader.Scorer (document frequencies, calibration) as of the
	// snapshot's load.
	scorer *reader.Scorer
	items  []*Item // by score, highest first
	byID   map[string]*Item
	cats   map[string]int // category -> Item.catIdx
	// vecs are the distinct item vectors: items with the same text (e.g. the same category
	// and no title) share one, and Recommend computes each cosine once.
	vecs [][]float32
}

// Refresh reloads the in-memory copy of the index now.
func (x *ItemIndex) Refresh(ctx context.Context) error {
	zs, err := x.rdb.ZRevRangeWithScores(ctx, schema.ItemPopularityKey(x.opts.Prefix), 0, -1).Result()
	if err != nil {
		return fmt.Errorf("apps: refresh items: %w", err)
	}
	sc, err := x.rd.Scorer(ctx)
	if err != nil {
		return fmt.Errorf("apps: refresh items: %w", err)
	}
	s := &snapshot{scorer: sc, items: make([]*Item, 0, len(zs)), byID: make(map[string]*Item, len(zs)), cats: map[string]int{}}
	vecNo := map[string]int{}
	const chunk = 1000
	for i := 0; i < len(zs); i += chunk {
		j := min(i+chunk, len(zs))
		pipe := x.rdb.Pipeline()
		cmds := make([]*redis.SliceCmd, j-i)
		for k := i; k < j; k++ {
			cmds[k-i] = pipe.HMGet(ctx, schema.ItemKey(x.opts.Prefix, zs[k].Member.(string)), schema.ItemFieldCategory, schema.ItemFieldTitle, schema.ItemFieldModel, schema.ItemFieldVector)
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("apps: refresh items: %w", err)
		}
		for k := i; k < j; k++ {
			it := itemFromHMGet(zs[k].Member.(string), zs[k].Score, cmds[k-i].Val())
			it.prior = popularityPrior(it.Score, zs[0].Score)
			c, ok := s.cats[it.Category]
			if !ok {
				c = len(s.cats)
				s.cats[it.Category] = c
			}
			it.catIdx = c
			if it.ModelID != x.opts.ModelID {
				it.Vector = nil // another model's vector cannot be compared
			}
			it.vecIdx = -1
			if it.Vector != nil {
				b := string(schema.EncodeVector(it.Vector))
				v, ok := vecNo[b]
				if !ok {
					v = len(s.vecs)
					vecNo[b] = v
					s.vecs = append(s.vecs, it.Vector)
				}
				it.vecIdx, it.Vector = v, s.vecs[v]
			}
			it.profile = ItemProfile(it)
			s.items = append(s.items, it)
			s.byID[it.ID] = it
		}
	}
	x.mu.Lock()
	x.snap, x.loaded = s, time.Now()
	x.mu.Unlock()
	return nil
}

func (x *ItemIndex) snapshot(ctx context.Context) (*snapshot, error) {
	x.mu.Lock()
	s, at := x.snap, x.loaded
	x.mu.Unlock()
	if s != nil && time.Since(at) < x.opts.RefreshInterval {
		return s, nil
	}
	if err := x.Refresh(ctx); err != nil {
		if s != nil {
			return s, nil // serve the stale copy; the next call retries
		}
		return nil, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.snap, nil
}

// UserItems returns the items of the user's interacted-items set, newest first.
func (x *ItemIndex) UserItems(ctx context.Context, pseudonym string) ([]string, error) {
	ids, err := x.rdb.ZRevRange(ctx, schema.UserItemsKey(x.opts.Prefix, pseudonym), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("apps: user items: %w", err)
	}
	return ids, nil
}

// decodeVector decodes a float32 blob; nil when it is empty or malformed.
func decodeVector(s string) []float32 {
	v, err := schema.DecodeVector([]byte(s))
	if err != nil {
		return nil
	}
	return v
}

func dot(a, b []float32) float64 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return float64(s)
}
