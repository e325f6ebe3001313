package evalsegments

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/online"
	"github.com/profilestream/profilestream/schema"
)

// profiles stands in for the profile store in a replay: every user's running sum of review
// vectors, category counts and ratings (what the worker's fold keeps), and the stored segment
// assignment. It is the online.Model's SegmentWriter and ProfileScanner, with the profile
// store's rule that an assignment made with an older centroid version than the stored one is
// ignored.
type profiles struct {
	mu    sync.Mutex
	users []*profile
	byID  map[string]*profile
}

type profile struct {
	id      string
	sum     []float32
	cats    map[string]float64
	rating  [2]float64
	events  int64
	seg     int
	version int64
}

func newProfiles(set *Set) *profiles {
	p := &profiles{users: make([]*profile, len(set.Users))}
	for i, u := range set.Users {
		p.users[i] = &profile{id: u.ID, cats: map[string]float64{}, seg: -1}
	}
	p.byID = make(map[string]*profile, len(p.users))
	for _, u := range p.users {
		p.byID[u.id] = u
	}
	return p
}

// fold adds one event to its user's profile and returns the online.Update the worker would pass
// to Observe for it.
func (p *profiles) fold(e Event) online.Update {
	p.mu.Lock()
	defer p.mu.Unlock()
	u := p.users[e.User]
	if e.Vector != nil {
		if u.sum == nil {
			u.sum = make([]float32, len(e.Vector))
		}
		for j, x := range e.Vector {
			u.sum[j] += x
		}
	}
	u.cats[e.Category]++
	if e.Rating > 0 {
		u.rating[0] += e.Rating
		u.rating[1]++
	}
	u.events++
	return p.updateLocked(u)
}

func (p *profiles) updateLocked(u *profile) online.Update {
	cats := make([]schema.CategoryCount, 0, len(u.cats))
	for c, n := range u.cats {
		cats = append(cats, schema.CategoryCount{Category: c, Count: n})
	}
	sort.Slice(cats, func(i, j int) bool { return cats[i].Category < cats[j].Category })
	var mr float64
	if u.rating[1] > 0 {
		mr = u.rating[0] / u.rating[1]
	}
	var vec []float32
	if u.sum != nil {
		vec = schema.Normalize(u.sum)
	}
	return online.Update{Pseudonym: u.id, Vector: vec, Categories: cats, MeanRating: mr, Events: u.events,
		Segment: u.seg, CentroidVersion: u.version}
}

// SetSegments implements online.SegmentWriter.
func (p *profiles) SetSegments(_ context.Context, as []online.Assignment) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, a := range as {
		u := p.byID[a.Pseudonym]
		if u == nil || a.CentroidVersion < u.version {
			continue
		}
		u.seg, u.version = a.Segment, a.CentroidVersion
	}
	return nil
}

// Scan implements online.ProfileScanner.
func (p *profiles) Scan(ctx context.Context, fn func(*schema.Profile) error) error {
	p.mu.Lock()
	var ps []*schema.Profile
	for _, u := range p.users {
		if u.events == 0 {
			continue
		}
		var vec []float32
		if u.sum != nil {
			vec = append([]float32(nil), u.sum...)
		}
		ps = append(ps, &schema.Profile{Pseudonym: u.id, Vector: vec, Segment: u.seg, CentroidVersion: u.version})
	}
	p.mu.Unlock()
	for _, sp := range ps {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(sp); err != nil {
			return err
		}
	}
	return nil
}

// segments returns every user's stored segment (-1 when none).
func (p *profiles) segments() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]int, len(p.users))
	for i, u := range p.users {
		out[i] = u.seg
	}
	return out
}

// ReplayOptions configure one replay.
type ReplayOptions struct {
	// Model are the online.Model options (Prefix, WorkerID and Seed are set by Replay when
	// empty); K 0 lets the model choose k.
	Model online.Options
	// MergeEvery is the number of events between two merges (stands in for MergeInterval).
	MergeEvery int
	// SweepEvery is the number of events between two sweep passes (stands in for Run's sweep
	// loop, which starts a pass whenever the version changed).
	SweepEvery int
	// RefitEvery is the number of events between two refits (stands in for RefitInterval; 0 =
	// never). A refit is preceded by a merge, as in Run; and as in Run, a merge is followed by
	// a refit when Model.RefitDue (the user sample doubled), unless Model.RefitInterval < 0.
	RefitEvery int
}

// ReplayResult is the state at the end of a replay.
type ReplayResult struct {
	K int
	// Labels is every user's stored segment at the end (-1 when unassigned).
	Labels []int
	// Centroids are the model's final centroids.
	Centroids [][]float32
	Version   int64
	// Refits counts refits, Published those that replaced the centroids; LastRefit is the last.
	Refits, Published int
	LastRefit         online.RefitResult
}

// Replay feeds the set's events, in time order, through an online.Model on client as the worker
// does: each event folds into its user's profile, and the user's new lifetime mean vector, with
// the user's stored segment and version, goes to Observe (one user per call, as a worker with
// one event per batch would). Merges and sweep passes run every MergeEvery and SweepEvery events;
// at the end one more merge and one sweep pass run, as Run's loop would. It flushes client's
// database first.
func Replay(ctx context.Context, client redis.UniversalClient, set *Set, o ReplayOptions) (ReplayResult, error) {
	if err := client.FlushAll(ctx).Err(); err != nil {
		return ReplayResult{}, err
	}
	mo := o.Model
	if mo.Prefix == "" {
		mo.Prefix = "eval"
	}
	if mo.WorkerID == "" {
		mo.WorkerID = "eval"
	}
	mo.SweepRate = 1 << 30 // the replay is not paced
	store := newProfiles(set)
	m, err := online.New(client, store, mo)
	if err != nil {
		return ReplayResult{}, err
	}
	var res ReplayResult
	refit := func() error {
		r, err := m.Refit(ctx)
		if err != nil {
			return err
		}
		res.Refits++
		if r.Published {
			res.Published++
		}
		res.LastRefit = r
		return nil
	}
	for i, e := range set.Events {
		if _, err := m.Observe(ctx, []online.Update{store.fold(e)}); err != nil {
			return ReplayResult{}, fmt.Errorf("event %d: %w", i, err)
		}
		if o.MergeEvery > 0 && (i+1)%o.MergeEvery == 0 {
			if err := m.Merge(ctx); err != nil {
				return ReplayResult{}, err
			}
			if m.RefitDue() { // as Run does after a merge
				if err := refit(); err != nil {
					return ReplayResult{}, err
				}
			}
		}
		if o.RefitEvery > 0 && (i+1)%o.RefitEvery == 0 {
			if err := m.Merge(ctx); err != nil {
				return ReplayResult{}, err
			}
			if err := refit(); err != nil {
				return ReplayResult{}, err
			}
		}
		if o.SweepEvery > 0 && (i+1)%o.SweepEvery == 0 {
			if err := m.SweepOnce(ctx, store); err != nil {
				return ReplayResult{}, err
			}
		}
	}
	if err := m.Merge(ctx); err != nil {
		return ReplayResult{}, err
	}
	if err := m.SweepOnce(ctx, store); err != nil {
		return ReplayResult{}, err
	}
	c := m.Centroids()
	res.K, res.Labels, res.Centroids, res.Version = len(c), store.segments(), c, m.Version()
	return res, nil
}
