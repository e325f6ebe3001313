package apps

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/itemindex"
	"github.com/profilestream/profilestream/reader"
	"github.com/profilestream/profilestream/schema"
)

// Sources of a Recommendation.
const (
	// SourceProfile: ranked by the hybrid similarity of the user's profile to the items' profiles,
	// blended with popularity, category affinity and co-occurrence.
	SourceProfile = "profile"
	// SourcePopular: the user has no usable vector (unknown user, no text yet, or a vector of
	// another encoder model) and no item with co-occurrences: the most popular items.
	SourcePopular = "popular"
	// SourceCooccur: the user has no usable vector but items that co-occur with others: ranked
	// by co-occurrence, popularity and category affinity.
	SourceCooccur = "cooccur"
)

// Default blend weights of Recommend (see RecommendOptions).
const (
	DefaultPopularityWeight = 0.3
	DefaultCategoryWeight   = 0.5
	DefaultCooccurWeight    = 2
	DefaultProfileWeight    = 1
	DefaultCooccurRecency   = 0.5
)

// RecommendOptions tune one Recommend call. The zero value asks for 10 items, any category, no
// diversity re-ranking, the default blend, at the index's clock.
type RecommendOptions struct {
	// K is the number of items. Default 10.
	K int
	// Category keeps only items of this category ("" = all).
	Category string
	// MMRLambda turns on maximal-marginal-relevance re-ranking when > 0: items are picked one by
	// one maximising MMRLambda*relevance - (1-MMRLambda)*max cosine to the items already picked,
	// among the 10*K most relevant. 1 is pure relevance; lower values trade relevance for
	// diversity. 0 (default) is off.
	MMRLambda float64
	// Now is the time popularity and category counts are decayed to. Zero: ItemOptions.Now().
	Now time.Time
	// PopularityWeight weighs the popularity prior (log-scaled decayed popularity relative to
	// the most popular item, in [0,1]) added to the cosine. 0 means DefaultPopularityWeight,
	// negative turns it off. Higher favours safe bets over personal taste.
	PopularityWeight float64
	// CategoryWeight weighs the user's affinity to the item's category (the category's share of
	// the user's decayed category counts, in [0,1]) added to the cosine. 0 means
	// DefaultCategoryWeight, negative turns it off.
	CategoryWeight float64
	// CooccurWeight weighs the item's co-occurrence with the user's items: the sum, over the
	// user's newest CooccurRecent items, of how many users interacted with both, log-scaled
	// relative to the best candidate, in [0,1]. 0 means DefaultCooccurWeight (2: collaborative
	// evidence outranks content, content and popularity order the rest), negative turns it off.
	CooccurWeight float64
	// CooccurRecency discounts the co-occurrences of the user's older items: the list of the
	// n-th newest item (n = 1, 2, ...) counts n^-CooccurRecency. 0 means DefaultCooccurRecency
	// (0.5, measured on the DEV users of make eval-apps), negative counts every item the same.
	CooccurRecency float64
	// ProfileWeight weighs the profile term: the hybrid similarity (reader.Scorer, the one
	// similarity of profiles: dense, lexical with IDF, categories with IDF) of the user's profile
	// to the item's profile (ItemProfile: the item's vector, its category, the terms of its
	// title), a z-score against random pairs of users mapped to [-1, 1] (z/3, clipped). 0 means
	// DefaultProfileWeight (measured on the DEV users of make eval-apps), negative turns it off.
	ProfileWeight float64
}

// ScoredItem is one recommended item.
type ScoredItem struct {
	ItemID   string  `json:"item"`
	Category string  `json:"category,omitempty"`
	Title    string  `json:"title,omitempty"`
	Score    float64 `json:"score"`      // the ranking score (blend for "profile", popularity for "popular")
	Cosine   float64 `json:"cosine"`     // the profile term: hybrid similarity of the user's profile to the item's, in [-1, 1] (0 for "popular")
	Popular  float64 `json:"popularity"` // decayed popularity at Now
}

// Recommendation is the answer of Recommend.
type Recommendation struct {
	Pseudonym string       `json:"pseudonym"`
	Source    string       `json:"source"` // SourceProfile or SourcePopular
	Items     []ScoredItem `json:"items"`
}

// Recommend returns up to K items for a user: the items whose profiles are most similar to the
// user's profile by the hybrid similarity (reader.Scorer: the item's vector, title terms and
// category against the user's lifetime vector, lexical sketch and categories), blended with a
// popularity prior, the user's decayed category affinity and the item's co-occurrence with the
// user's newest items:
//
//	score = ProfileWeight*sim(user, item) + PopularityWeight*prior(item)
//	        + CategoryWeight*share(user, category(item)) + CooccurWeight*cooccur(user, item)
//
// excluding the user's items (the profile's recent items and the index's interacted-items set),
// optionally filtered by category and re-ranked by MMR. A profile part the two do not share
// (another model's vectors, an item without a title) is left out of the similarity, as
// reader.Scorer does; when fewer than K items could be scored, the rest is filled with popular
// items. A user with no profile, or a profile with nothing comparable and no item with
// co-occurrences, gets popular items (Source "popular").
// Cost: O(items x (dim + sketch sizes)) over the in-memory copy of the index.
func (x *ItemIndex) Recommend(ctx context.Context, pseudonym string, o RecommendOptions) (Recommendation, error) {
	if o.K <= 0 {
		o.K = 10
	}
	if o.Now.IsZero() {
		o.Now = x.opts.Now()
	}
	wp, wc, wco, wprof, rec0 := o.PopularityWeight, o.CategoryWeight, o.CooccurWeight, o.ProfileWeight, o.CooccurRecency
	if wprof == 0 {
		wprof = DefaultProfileWeight
	}
	if rec0 == 0 {
		rec0 = DefaultCooccurRecency
	}
	if wp == 0 {
		wp = DefaultPopularityWeight
	}
	if wc == 0 {
		wc = DefaultCategoryWeight
	}
	if wco == 0 {
		wco = DefaultCooccurWeight
	}
	wp, wc, wco, wprof, rec0 = math.Max(wp, 0), math.Max(wc, 0), math.Max(wco, 0), math.Max(wprof, 0), math.Max(rec0, 0)
	if x.opts.MaxCooccur <= 0 || x.opts.MaxUserItems <= 0 {
		wco = 0
	}

	snap, err := x.snapshot(ctx)
	if err != nil {
		return Recommendation{}, err
	}
	rec := Recommendation{Pseudonym: pseudonym, Source: SourcePopular}
	prof, err := x.rd.Profile(ctx, pseudonym)
	if err != nil && !errors.Is(err, reader.ErrNotFound) {
		return rec, fmt.Errorf("apps: recommend: %w", err)
	}
	exclude := map[string]bool{}
	if prof != nil {
		for _, it := range prof.RecentItems {
			exclude[it.ItemID] = true
		}
	}
	var mine []string // the user's items, newest first
	if x.opts.MaxUserItems > 0 {
		ids, err := x.UserItems(ctx, pseudonym)
		if err != nil {
			return rec, fmt.Errorf("apps: recommend: %w", err)
		}
		mine = ids
		for _, id := range ids {
			exclude[id] = true
		}
	}
	var co map[string]float64 // item -> co-occurrence in [0,1]
	if wco > 0 && len(mine) > 0 {
		if co, err = x.cooccurScores(ctx, mine[:min(len(mine), x.opts.CooccurRecent)], exclude, rec0); err != nil {
			return rec, fmt.Errorf("apps: recommend: %w", err)
		}
	}
	keep := func(it *Item) bool {
		return !exclude[it.ID] && (o.Category == "" || it.Category == o.Category)
	}
	// The profile term needs a profile with some comparable part (a vector of the index's model,
	// terms or categories).
	useProf := wprof > 0 && prof != nil && ((prof.ModelID == x.opts.ModelID && len(prof.Vector) > 0) || len(prof.Terms) > 0 || len(prof.Categories) > 0)
	if !useProf && len(co) == 0 {
		rec.Items = x.popular(snap, keep, o.K, o.Now, nil)
		return rec, nil
	}
	rec.Source = SourceProfile
	if !useProf {
		rec.Source = SourceCooccur
	}

	share := make([]float64, len(snap.cats))
	if wc > 0 && prof != nil {
		var sum float64
		cats := prof.TopCategories(o.Now, 0)
		for _, c := range cats {
			sum += c.Count
		}
		for _, c := range cats {
			if i, ok := snap.cats[c.Category]; ok && sum > 0 {
				share[i] = c.Count / sum
			}
		}
	}
	pool := o.K
	if o.MMRLambda > 0 {
		pool = 10 * o.K
	}
	h := &candHeap{}
	for _, it := range snap.items {
		if o.Category != "" && it.Category != o.Category || exclude[it.ID] {
			continue
		}
		cob := co[it.ID]
		if !useProf && cob == 0 {
			continue
		}
		var sim float64
		if useProf {
			sim = profileTerm(snap.scorer.Similarity(prof, it.profile))
		}
		c := cand{it: it, cos: sim}
		c.score = wprof*sim + wp*it.prior + wc*share[it.catIdx] + wco*cob
		if h.Len() == pool && !candLess((*h)[0], c) {
			continue
		}
		if exclude[it.ID] {
			continue
		}
		if h.Len() < pool {
			heap.Push(h, c)
		} else {
			(*h)[0] = c
			heap.Fix(h, 0)
		}
	}
	ranked := make([]cand, h.Len())
	for i := len(ranked) - 1; i >= 0; i-- {
		ranked[i] = heap.Pop(h).(cand)
	}
	if o.MMRLambda > 0 {
		ranked = mmr(ranked, o.K, o.MMRLambda)
	}
	if len(ranked) > o.K {
		ranked = ranked[:o.K]
	}
	chosen := map[string]bool{}
	for _, c := range ranked {
		chosen[c.it.ID] = true
		rec.Items = append(rec.Items, ScoredItem{ItemID: c.it.ID, Category: c.it.Category, Title: c.it.Title,
			Score: c.score, Cosine: c.cos, Popular: c.it.Popularity(o.Now, x.opts.HalfLife)})
	}
	if len(rec.Items) < o.K {
		rec.Items = append(rec.Items, x.popular(snap, keep, o.K-len(rec.Items), o.Now, chosen)...)
	}
	return rec, nil
}

// profileTerm bounds the hybrid similarity (a z-score against random pairs of users) to [-1, 1]:
// z/3, clipped, so that no single part's outlier outweighs the other terms of the blend.
func profileTerm(z float64) float64 {
	return math.Max(-1, math.Min(1, z/3))
}

// cooccurScores reads the co-occurrence lists of the user's items (one pipeline; mine newest
// first) and returns, per candidate item not excluded, the count summed over the lists, the n-th
// list's counts weighted n^-recency, log-scaled relative to the best candidate:
// log2(1+c)/log2(1+max c), in (0,1].
func (x *ItemIndex) cooccurScores(ctx context.Context, mine []string, exclude map[string]bool, recency float64) (map[string]float64, error) {
	pipe := x.rdb.Pipeline()
	cmds := make([]*redis.ZSliceCmd, len(mine))
	for i, id := range mine {
		cmds[i] = pipe.ZRevRangeWithScores(ctx, schema.ItemCooccurKey(x.opts.Prefix, id), 0, int64(x.opts.MaxCooccur)-1)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	sum := map[string]float64{}
	var best float64
	for n, c := range cmds {
		r := math.Pow(float64(n+1), -recency)
		for _, z := range c.Val() {
			id, _ := z.Member.(string)
			if id == "" || exclude[id] {
				continue
			}
			sum[id] += r * z.Score
			best = math.Max(best, sum[id])
		}
	}
	for id, v := range sum {
		sum[id] = math.Log2(1+v) / math.Log2(1+best)
	}
	return sum, nil
}

// popularityPrior maps an item's popularity to [0,1] on a log scale relative to the most popular
// item: 1 for the top item, about 0.5 for one 32 times less popular, 0 for none.
func popularityPrior(score, maxScore float64) float64 {
	if score <= itemindex.NoPopularity/2 {
		return 0
	}
	return math.Log2(1+1024*math.Exp2(score-maxScore)) / math.Log2(1025)
}

func (x *ItemIndex) popular(s *snapshot, keep func(*Item) bool, k int, now time.Time, skip map[string]bool) []ScoredItem {
	var out []ScoredItem
	for _, it := range s.items {
		if len(out) >= k {
			break
		}
		if !keep(it) || skip[it.ID] {
			continue
		}
		p := it.Popularity(now, x.opts.HalfLife)
		out = append(out, ScoredItem{ItemID: it.ID, Category: it.Category, Title: it.Title, Score: p, Popular: p})
	}
	return out
}

type cand struct {
	it         *Item
	cos, score float64
}

// candHeap is a min-heap by score (ties: larger id first out, for a deterministic order).
type candHeap []cand

func (h candHeap) Len() int           { return len(h) }
func (h candHeap) Less(i, j int) bool { return candLess(h[i], h[j]) }

func candLess(a, b cand) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.it.ID > b.it.ID
}
func (h candHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *candHeap) Push(v any)   { *h = append(*h, v.(cand)) }
func (h *candHeap) Pop() any {
	old := *h
	v := old[len(old)-1]
	*h = old[:len(old)-1]
	return v
}

// mmr re-ranks candidates (sorted by relevance, highest first) by maximal marginal relevance:
// repeatedly pick argmax lambda*score - (1-lambda)*max_{s picked} cos(item, s). Items without a
// vector count as dissimilar to everything.
func mmr(c []cand, k int, lambda float64) []cand {
	if k > len(c) {
		k = len(c)
	}
	picked := make([]cand, 0, k)
	used := make([]bool, len(c))
	maxSim := make([]float64, len(c))
	for len(picked) < k {
		best, bestV := -1, math.Inf(-1)
		for i := range c {
			if used[i] {
				continue
			}
			v := lambda * c[i].score
			if len(picked) > 0 {
				v -= (1 - lambda) * maxSim[i]
			}
			if v > bestV {
				best, bestV = i, v
			}
		}
		used[best] = true
		picked = append(picked, c[best])
		for i := range c {
			if used[i] || c[i].it.Vector == nil || c[best].it.Vector == nil {
				continue
			}
			if s := dot(c[i].it.Vector, c[best].it.Vector); len(picked) == 1 || s > maxSim[i] {
				maxSim[i] = s
			}
		}
	}
	return picked
}

// RecommendFor is the one-call form for command-line tools: it builds a read-only ItemIndex on
// client under prefix whose model is the one of the user's profile (any model when the user has
// no profile, who then gets popular items) and runs Recommend once. Long-running services should
// keep one ItemIndex instead, whose in-memory copy of the items is reused across calls.
func RecommendFor(ctx context.Context, client redis.UniversalClient, prefix, pseudonym string, o RecommendOptions) (Recommendation, error) {
	if prefix == "" {
		prefix = schema.DefaultPrefix
	}
	model, err := client.HGet(ctx, schema.ProfileKey(prefix, pseudonym), schema.FieldModel).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return Recommendation{}, fmt.Errorf("apps: recommend: %w", err)
	}
	if model == "" {
		model = "(none)"
	}
	x, err := NewItemIndex(client, ItemOptions{Prefix: prefix, ModelID: model})
	if err != nil {
		return Recommendation{}, err
	}
	return x.Recommend(ctx, pseudonym, o)
}
