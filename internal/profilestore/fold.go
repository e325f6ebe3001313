package profilestore

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/schema"
)

// FoldResult counts what one Fold call did with its events.
type FoldResult struct {
	Applied    int // events folded into a profile
	Duplicates int // events skipped because their offset was at or below the partition's watermark
	Erased     int // events refused because the user is in the erasure ledger
	Rejected   int // invalid events dropped: no pseudonym, invalid kind, zero time, vector of the wrong dimension or not finite
	Conflicts  int // compare-and-set conflicts that were resolved by re-reading
	// DuplicatesByTopic and ErasedByTopic split Duplicates and Erased by the events' topic
	// (for the per-topic counters), so a batch mixing topics is still folded in one call.
	DuplicatesByTopic map[string]int
	ErasedByTopic     map[string]int
	// Updated has one entry per user whose profile this call changed, in first-seen order.
	Updated []Updated
	// Folded holds the events this call folded (Applied of them; not the duplicates, erased or
	// rejected ones), with the pseudonym they were folded under (a moved profile's new one):
	// what the item index observes, so that a redelivered batch adds no popularity again.
	Folded []event.Event
}

// Updated is what online needs of a user whose profile changed.
type Updated struct {
	Pseudonym  string
	Vector     []float32 // L2-normalized lifetime mean; nil if no text yet
	Categories []schema.CategoryCount
	MeanRating float64
	Events     int64
	// Segment and CentroidVersion are the user's stored assignment (-1 and 0 when none) as of
	// the read this fold was computed from (or the local cache, which SetSegments through this
	// Store keeps current; an assignment written by another process may be seen one fold late).
	Segment         int
	CentroidVersion int64
}

type userBatch struct {
	pseudonym string
	events    []*event.Event // sorted by (topic, partition, offset)
	// base is the state the write is computed from (nil: absent in Redis), owned by this Fold:
	// taken out of the cache (fromCache) or freshly read; apply folds into it in place.
	base      *schema.Profile
	fromCache bool
	erased    bool
}

type pendingWrite struct {
	u       *userBatch
	next    *schema.Profile
	ch      *change
	expVer  string
	expCID  string
	applied int
	fresh   []event.Event // the events folded (copies)
	dups    topicCounts
}

// Fold folds a batch of events into the users' profiles, each event exactly once per
// (topic, partition, offset). See the package documentation for the protocol. The batch needs
// no particular order across users or partitions, but a user's events of one partition must
// not be folded out of offset order across calls (Kafka's order). On error, some users may have
// been written; folding the same batch again is safe and completes the rest.
func (s *Store) Fold(ctx context.Context, events []event.Event) (FoldResult, error) {
	var res FoldResult
	groups := map[string]*userBatch{}
	var order []*userBatch
	for i := range events {
		e := &events[i]
		if !s.valid(e) {
			res.Rejected++
			continue
		}
		u := groups[e.Pseudonym]
		if u == nil {
			u = &userBatch{pseudonym: e.Pseudonym}
			groups[e.Pseudonym] = u
			order = append(order, u)
		}
		u.events = append(u.events, e)
	}
	for _, u := range order {
		sortEvents(u.events)
	}

	pending := order
	useCache := true
	for attempt := 0; len(pending) > 0; attempt++ {
		pending = mergeSameUser(pending)
		if attempt > s.opts.MaxRetries {
			return res, fmt.Errorf("profilestore: fold: %d users still conflicting after %d re-reads: %w",
				len(pending), s.opts.MaxRetries, ErrConflict)
		}
		if err := s.readBases(ctx, pending, useCache); err != nil {
			return res, err
		}
		useCache = false
		now := time.UnixMilli(s.opts.Now().UnixMilli()).UTC()
		var writes []pendingWrite
		var redirected []*userBatch
		for _, u := range pending {
			if u.erased {
				res.erased(u.events)
				continue
			}
			if u.base != nil && u.base.MovedTo != "" {
				redirected = append(redirected, redirect(u))
				continue
			}
			w := pendingWrite{u: u, expVer: "0"}
			if u.base != nil {
				w.expVer, w.expCID = fmtInt(u.base.Version), u.base.CreationID
			}
			w.next, w.ch, w.fresh, w.dups = s.apply(u, now)
			w.applied = len(w.fresh)
			if w.applied == 0 {
				res.duplicates(w.dups)
				if u.fromCache {
					s.cache.put(u.pseudonym, u.base) // untouched: give it back
				}
				continue
			}
			writes = append(writes, w)
		}
		pending = redirected
		if len(writes) == 0 {
			continue
		}
		cw := make([]casWrite, len(writes))
		for i, w := range writes {
			cw[i] = casWrite{pseudonym: w.u.pseudonym, expVer: w.expVer, expCID: w.expCID, cid: w.next.CreationID,
				fields: encodeChanges(w.next, w.ch), df: w.ch.df}
		}
		results, dfDone, err := s.writeCAS(ctx, cw)
		if err != nil {
			for _, w := range writes {
				s.cache.remove(w.u.pseudonym)
			}
			return res, fmt.Errorf("profilestore: fold: write %d profiles: %w", len(writes), err)
		}
		df := map[string]int64{}
		for i, w := range writes {
			v := results[i]
			switch {
			case v == -2:
				s.cache.remove(w.u.pseudonym)
				res.erased(w.u.events)
			case v == -1 || v == -3:
				s.cache.remove(w.u.pseudonym)
				if v == -1 {
					res.Conflicts++
				}
				pending = append(pending, w.u)
			default:
				w.next.Version = v
				if !dfDone {
					for f, n := range w.ch.df {
						df[f] += n
					}
				}
				res.Applied += w.applied
				res.Folded = append(res.Folded, w.fresh...)
				res.duplicates(w.dups)
				// Read everything online needs before the profile goes back into the cache,
				// where SetSegments or another Fold may change it.
				res.Updated = append(res.Updated, Updated{
					Pseudonym:       w.u.pseudonym,
					Vector:          schema.Normalize(w.next.Vector),
					Categories:      w.next.TopCategories(w.next.DecayedAt, s.opts.TopCategories),
					MeanRating:      w.next.MeanRating(),
					Events:          w.next.Events,
					Segment:         w.next.Segment,
					CentroidVersion: w.next.CentroidVersion,
				})
				s.cache.put(w.u.pseudonym, w.next)
			}
		}
		if err := s.countDF(ctx, df); err != nil {
			return res, err
		}
	}
	return res, nil
}

// countDF adds the counts of what entered the sketches of written profiles to the global
// document-frequency hash (schema.DFKey), one HINCRBY per field in one pipeline: the Lua
// compare-and-set path's (Redis Cluster) way; the single-server transaction counts them inside
// its atomic step (undoScript). Here it runs after the profile writes and is not part of their
// atomic step: a crash in between loses these counts (a redelivery is a duplicate and counts
// nothing), so document frequencies may be slightly low, never counted twice for one event.
func (s *Store) countDF(ctx context.Context, df map[string]int64) error {
	if len(df) == 0 {
		return nil
	}
	pipe := s.rdb.Pipeline()
	key := schema.DFKey(s.opts.Prefix)
	for f, n := range df {
		pipe.HIncrBy(ctx, key, f, n)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("profilestore: fold: document frequencies: %w", err)
	}
	return nil
}

// mergeSameUser merges batches of the same pseudonym (a batch redirected from a moved profile
// can meet the target's own batch), so that one write step never writes a user twice.
func mergeSameUser(us []*userBatch) []*userBatch {
	seen := make(map[string]*userBatch, len(us))
	out := us[:0:0]
	for _, u := range us {
		if m, ok := seen[u.pseudonym]; ok {
			m.events = append(m.events, u.events...)
			sortEvents(m.events)
			continue
		}
		seen[u.pseudonym] = u
		out = append(out, u)
	}
	return out
}

func sortEvents(evs []*event.Event) {
	sort.SliceStable(evs, func(i, j int) bool {
		a, b := evs[i], evs[j]
		if a.Topic != b.Topic {
			return a.Topic < b.Topic
		}
		if a.Partition != b.Partition {
			return a.Partition < b.Partition
		}
		return a.Offset < b.Offset
	})
}

// redirect returns u's events addressed to the pseudonym u's profile moved to.
func redirect(u *userBatch) *userBatch {
	t := &userBatch{pseudonym: u.base.MovedTo}
	for _, e := range u.events {
		c := *e
		c.Pseudonym, c.KeyID = t.pseudonym, ""
		t.events = append(t.events, &c)
	}
	return t
}

// valid reports whether an event can be folded at all: it needs a pseudonym, a valid kind, a
// time, and either no vector or a finite vector of the configured dimension (an empty vector
// counts as none).
func (s *Store) valid(e *event.Event) bool {
	if e.Pseudonym == "" || e.Kind < event.KindView || e.Kind > event.KindReview || e.TS.IsZero() {
		return false
	}
	if len(e.Vector) == 0 {
		return true
	}
	if len(e.Vector) != s.opts.Dim {
		return false
	}
	for _, x := range e.Vector {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}

// readBases fills base and erased of every user: from the cache when allowed (the entry is taken
// out: this Fold owns it until it puts it back after a successful write), else from Redis in one
// pipeline (HGETALL of the profile and EXISTS of the ledger key per user).
func (s *Store) readBases(ctx context.Context, users []*userBatch, useCache bool) error {
	var toRead []*userBatch
	for _, u := range users {
		u.base, u.erased, u.fromCache = nil, false, false
		if useCache {
			if p := s.cache.take(u.pseudonym); p != nil {
				u.base, u.fromCache = p, true
				continue
			}
		}
		toRead = append(toRead, u)
	}
	if len(toRead) == 0 {
		return nil
	}
	pipe := s.rdb.Pipeline()
	hs := make([]*redis.MapStringStringCmd, len(toRead))
	ex := make([]*redis.IntCmd, len(toRead))
	for i, u := range toRead {
		hs[i] = pipe.HGetAll(ctx, s.key(u.pseudonym))
		ex[i] = pipe.Exists(ctx, s.ledger(u.pseudonym))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("profilestore: fold: read %d profiles: %w", len(toRead), err)
	}
	for i, u := range toRead {
		u.erased = ex[i].Val() == 1
		if h := hs[i].Val(); len(h) > 0 {
			p, err := decodeProfile(u.pseudonym, h)
			if err != nil {
				return err
			}
			u.base = p
		}
	}
	return nil
}

// change is what apply changed in a profile it folded in place: the fields encodeChanges writes.
type change struct {
	isNew bool
	old   schema.Profile // shallow copy before the fold: its scalar fields (slices and maps are shared)
	kinds [len(event.Kinds) + 1]int64
	// vec, cats and items are set when the (in place updated) vectors, categories or recent
	// items changed; wm lists the watermarks that moved.
	vec, cats, items    bool
	terms, bitems, bvec bool
	wm                  []string
	// df counts what entered a sketch (schema.DFKey fields), added to the global
	// document-frequency hash once the write succeeded.
	df map[string]int64
}

// apply folds u's events into u.base in place (a new profile when u.base is nil) and returns
// the profile and what changed. u.base must be owned by the caller: taken out of the cache or
// freshly read. When no event is new (all at or below their watermarks) the profile is left
// untouched and applied is 0.
func (s *Store) apply(u *userBatch, now time.Time) (next *schema.Profile, ch *change, fresh []event.Event, dups topicCounts) {
	if u.base != nil {
		fresh := false
		for _, e := range u.events {
			if wm, ok := u.base.Watermarks[wmKey(e)]; !ok || e.Offset > wm {
				fresh = true
				break
			}
		}
		if !fresh {
			for _, e := range u.events {
				dups = dups.add(e.Topic, 1)
			}
			return u.base, nil, nil, dups
		}
	}
	ch = &change{}
	if u.base == nil {
		ch.isNew = true
		ch.countDF(schema.DFUsers)
		next = &schema.Profile{
			Pseudonym:  u.pseudonym,
			Schema:     schema.ProfileSchema,
			CreationID: newCreationID(),
			Kinds:      map[string]int64{},
			Watermarks: map[string]int64{},
			Segment:    -1,
		}
	} else {
		next = u.base
	}
	ch.old = *next
	for _, k := range event.Kinds {
		ch.kinds[k] = next.Kinds[k.String()]
	}
	if next.Schema != schema.ProfileSchema {
		// An older layout: every field whose encoding changed is rewritten by this write.
		next.Schema = schema.ProfileSchema
		ch.vec = ch.vec || next.Vector != nil || next.DecayedMean != nil
		ch.cats = ch.cats || len(next.Categories) > 0
		ch.items = ch.items || len(next.RecentItems) > 0
		ch.terms = ch.terms || len(next.Terms) > 0
		ch.bitems = ch.bitems || len(next.ItemSketch) > 0
	}
	if next.ModelID != s.opts.ModelID || next.Dim != s.opts.Dim {
		// Embeddings of different models do not mix: start the vectors afresh.
		next.Vector, next.VectorWeight, next.DecayedMean, next.DecayedWeight = nil, 0, nil, 0
		next.ModelID, next.Dim = s.opts.ModelID, s.opts.Dim
		ch.vec = true
	}
	next.HalfLife = time.Duration(s.opts.HalfLife.Milliseconds()) * time.Millisecond
	next.DecayedF16 = false // layout 2 stores both vectors as Q8
	for _, e := range u.events {
		k := wmKey(e)
		if wm, ok := next.Watermarks[k]; ok && e.Offset <= wm {
			dups = dups.add(e.Topic, 1)
			continue
		}
		if !containsString(ch.wm, k) {
			ch.wm = append(ch.wm, k)
		}
		next.Watermarks[k] = e.Offset
		if next.KeyID == "" {
			next.KeyID = keyIDOf(e, s.opts.KeyID)
		}
		s.foldOne(next, e, ch)
		fresh = append(fresh, *e)
	}
	if ch.bvec {
		keepInF16Range(next.BehaviorVector)
		roundF16(next.BehaviorVector) // stored as float16
	}
	next.UpdatedAt = now
	return next, ch, fresh, dups
}

func wmKey(e *event.Event) string { return e.Topic + ":" + strconv.Itoa(e.Partition) }

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// keyIDOf returns the event's key id, else the one in a "<keyid>.<digest>" pseudonym, else def.
func keyIDOf(e *event.Event, def string) string {
	if e.KeyID != "" {
		return e.KeyID
	}
	if i := strings.IndexByte(e.Pseudonym, '.'); i > 0 {
		return e.Pseudonym[:i]
	}
	return def
}

// foldOne adds one event to p and records in ch which in-place fields changed.
func (s *Store) foldOne(p *schema.Profile, e *event.Event, ch *change) {
	ts := time.UnixMilli(e.TS.UnixMilli()).UTC() // the stored resolution, so cache and Redis agree
	w := s.opts.ActionWeights[e.Kind]
	if p.Events == 0 || ts.Before(p.FirstSeen) {
		p.FirstSeen = ts
	}
	if p.Events == 0 || ts.After(p.LastSeen) {
		p.LastSeen = ts
	}
	p.Events++
	p.Kinds[e.Kind.String()]++

	// Decay: everything decayed is kept as of DecayedAt, the newest event time. A newer event
	// moves the reference forward (decaying what is stored); an older one is discounted instead,
	// so the result does not depend on arrival order.
	c := 1.0
	switch {
	case p.DecayedAt.IsZero():
		p.DecayedAt = ts
	case ts.After(p.DecayedAt):
		f := schema.DecayFactorBetween(p.DecayedAt, ts, p.HalfLife)
		p.DecayedWeight *= f
		p.Activity *= f
		for i := range p.Categories {
			p.Categories[i].Count *= f
		}
		ch.cats = ch.cats || (len(p.Categories) > 0 && f != 1)
		decaySketches(p, f, ch)
		p.DecayedAt = ts
	default:
		c = schema.DecayFactorBetween(ts, p.DecayedAt, p.HalfLife)
	}
	dw := w * c
	p.Activity += dw
	if e.Category != "" {
		if s.addCategory(p, e.Category, dw) {
			ch.countDF(schema.DFCategoryPrefix + e.Category)
		}
		ch.cats = true
	}
	s.foldSketches(p, e, dw, ch)
	if len(e.Vector) > 0 {
		ch.vec = true
		if p.Vector == nil {
			p.Vector = make([]float32, len(e.Vector))
			p.DecayedMean = make([]float32, len(e.Vector))
		}
		p.VectorWeight += w
		meanUpdate(p.Vector, e.Vector, w/p.VectorWeight)
		p.DecayedWeight += dw
		if p.DecayedWeight > 0 {
			meanUpdate(p.DecayedMean, e.Vector, dw/p.DecayedWeight)
		}
	}
	if e.Rating > 0 {
		p.RatingSum += float64(e.Rating)
		p.RatingCount++
	}
	if e.ItemID != "" && s.opts.RecentItems > 0 {
		ch.items = s.addItem(p, schema.RecentItem{ItemID: e.ItemID, Kind: e.Kind.String(), TS: ts}) || ch.items
	}
}

// meanUpdate moves mean toward x by fraction a: mean += a*(x-mean), computed in float64.
func meanUpdate(mean, x []float32, a float64) {
	for i := range mean {
		m := float64(mean[i])
		mean[i] = float32(m + a*(float64(x[i])-m))
	}
}

// addCategory adds w to category cat of p; it reports whether cat entered the kept list (was
// absent and is kept).
func (s *Store) addCategory(p *schema.Profile, cat string, w float64) bool {
	i := 0
	for i < len(p.Categories) && p.Categories[i].Category != cat {
		i++
	}
	entered := i == len(p.Categories)
	if entered {
		p.Categories = append(p.Categories, schema.CategoryCount{Category: cat})
	}
	p.Categories[i].Count += w
	// the count only grew: move the entry up to its place (highest count first, ties by name)
	for ; i > 0 && catBefore(p.Categories[i], p.Categories[i-1]); i-- {
		p.Categories[i], p.Categories[i-1] = p.Categories[i-1], p.Categories[i]
	}
	if keep := 2 * s.opts.TopCategories; len(p.Categories) > keep {
		p.Categories = p.Categories[:keep]
		return entered && i < keep
	}
	return entered
}

func catBefore(a, b schema.CategoryCount) bool {
	if a.Count != b.Count {
		return a.Count > b.Count
	}
	return a.Category < b.Category
}

// addItem adds it to p's recent items and reports whether the list changed.
func (s *Store) addItem(p *schema.Profile, it schema.RecentItem) bool {
	i := 0
	for i < len(p.RecentItems) && p.RecentItems[i].ItemID != it.ItemID {
		i++
	}
	switch {
	case i == len(p.RecentItems):
		p.RecentItems = append(p.RecentItems, it)
	case !it.TS.Before(p.RecentItems[i].TS):
		p.RecentItems[i] = it
	default:
		return false // an older interaction with an item already listed
	}
	// the entry's time only grew: move it up (newest first, ties by item id)
	for ; i > 0 && itemBefore(p.RecentItems[i], p.RecentItems[i-1]); i-- {
		p.RecentItems[i], p.RecentItems[i-1] = p.RecentItems[i-1], p.RecentItems[i]
	}
	if len(p.RecentItems) > s.opts.RecentItems {
		p.RecentItems = p.RecentItems[:s.opts.RecentItems]
	}
	return true
}

func itemBefore(a, b schema.RecentItem) bool {
	if !a.TS.Equal(b.TS) {
		return a.TS.After(b.TS)
	}
	return a.ItemID < b.ItemID
}

// topicCounts counts events per topic (nil = none).
type topicCounts map[string]int

func (t topicCounts) add(topic string, n int) topicCounts {
	if t == nil {
		t = topicCounts{}
	}
	t[topic] += n
	return t
}

func (r *FoldResult) duplicates(t topicCounts) {
	for topic, n := range t {
		r.Duplicates += n
		if r.DuplicatesByTopic == nil {
			r.DuplicatesByTopic = map[string]int{}
		}
		r.DuplicatesByTopic[topic] += n
	}
}

func (r *FoldResult) erased(events []*event.Event) {
	for _, e := range events {
		r.Erased++
		if r.ErasedByTopic == nil {
			r.ErasedByTopic = map[string]int{}
		}
		r.ErasedByTopic[e.Topic]++
	}
}
