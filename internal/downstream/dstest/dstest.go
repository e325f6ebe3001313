// Package dstest seeds a Redis with profiles, segments and items for the tests of the read side
// (internal/downstream, internal/serve), by running real folds: events go through
// profilestore.Fold, online.Model.Observe and a sweep, and apps.ItemIndex.Observe, as in the
// worker, so the hashes are whatever the writers write today. Vectors are synthetic: each
// category has a direction in a small space, and a user's clicks are noisy copies of the
// directions of the categories the user prefers.
package dstest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/apps"
	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/itemindex"
	"github.com/profilestream/profilestream/internal/online"
	"github.com/profilestream/profilestream/internal/privacy"
	"github.com/profilestream/profilestream/internal/profilestore"
	"github.com/profilestream/profilestream/reader"
	"github.com/profilestream/profilestream/schema"
)

// Dim is the dimension of the synthetic vectors; ModelID names their "model".
const (
	Dim     = 8
	ModelID = "dstest-model"
)

// Categories of the synthetic shop, one direction each.
var Categories = []string{"Books", "Beauty", "Games"}

// World is a seeded Redis.
type World struct {
	Client *redis.Client
	Store  *profilestore.Store
	Model  *online.Model
	Items  *apps.ItemIndex
	// ItemWriter writes the item index (as the worker does); Items reads it.
	ItemWriter *itemindex.Writer
	Pz         *privacy.Pseudonymizer
	// Users are the raw user ids, Users[i] prefers Categories[i%len(Categories)].
	Users []string
	// End is the time of the newest event.
	End time.Time
	// Events are the events fed so far, in order.
	Events []event.Event

	off int64
}

// KeySpec is the pseudonym key ring of the world (a test key, never used elsewhere).
const KeySpec = "t1:dGVzdC1rZXktMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// Seed writes users users (raw ids "user-000"...) with 4..11 clicks each on items of their
// preferred category, spread over 20 days before end, into rdb with key prefix "ps", and
// segments them into K = len(Categories) segments.
func Seed(ctx context.Context, rdb *redis.Client, users int, end time.Time) (*World, error) {
	ring, err := privacy.ParseKeyRing(KeySpec)
	if err != nil {
		return nil, err
	}
	st, err := profilestore.New(rdb, profilestore.Options{ModelID: ModelID, Dim: Dim, HalfLife: 240 * time.Hour})
	if err != nil {
		return nil, err
	}
	rd, err := reader.New(rdb, reader.Options{})
	if err != nil {
		return nil, err
	}
	w := &World{Client: rdb, Store: st, Pz: privacy.NewPseudonymizer(ring), End: end}
	w.Model, err = online.New(rdb, segStore{st, rd}, online.Options{K: len(Categories), MinUsersToInit: 3 * len(Categories),
		Margin: -1, SweepRate: 1e6, Seed: 1, WorkerID: "dstest", Now: func() time.Time { return end }})
	if err != nil {
		return nil, err
	}
	if w.ItemWriter, err = itemindex.New(rdb, itemindex.Options{ModelID: ModelID}); err != nil {
		return nil, err
	}
	w.Items, err = apps.NewItemIndex(rdb, apps.ItemOptions{ModelID: ModelID, RefreshInterval: time.Nanosecond,
		Now: func() time.Time { return end }})
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(7, 11))
	var evs []event.Event
	for u := 0; u < users; u++ {
		raw := fmt.Sprintf("user-%03d", u)
		w.Users = append(w.Users, raw)
		cat := u % len(Categories)
		n := 4 + rng.IntN(8)
		last := end.Add(-time.Duration(rng.IntN(20*24)) * time.Hour)
		if u == 0 {
			last = end
		}
		for i := 0; i < n; i++ {
			c := cat
			if rng.IntN(5) == 0 {
				c = rng.IntN(len(Categories))
			}
			item := fmt.Sprintf("%s-%02d", Categories[c], rng.IntN(12))
			evs = append(evs, w.Click(raw, item, c, last.Add(-time.Duration(n-1-i)*6*time.Hour), rng))
		}
	}
	for i := 0; i < len(evs); i += 64 {
		if err := w.Feed(ctx, evs[i:min(i+64, len(evs))]); err != nil {
			return nil, err
		}
	}
	if err := w.Model.SweepOnce(ctx, segStore{st, rd}); err != nil { // assign users seen before init
		return nil, err
	}
	if err := w.Model.Merge(ctx); err != nil {
		return nil, err
	}
	return w, nil
}

// Click is a click of raw user id on item of category Categories[c] at ts, with a vector in the
// category's direction (noisy when rng is not nil). The event is already pseudonymized, as after internal/privacy.
func (w *World) Click(raw, item string, c int, ts time.Time, rng *rand.Rand) event.Event {
	w.off++
	v := make([]float32, Dim)
	v[c] = 1
	for j := range v {
		if rng != nil {
			v[j] += float32(rng.NormFloat64() * 0.15)
		}
	}
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	for j := range v {
		v[j] /= float32(math.Sqrt(n))
	}
	return event.Event{Origin: event.Origin{Topic: "clicks", Partition: 0, Offset: w.off},
		Pseudonym: w.Pz.Pseudonym(raw), KeyID: w.Pz.ActiveKeyID(), Kind: event.KindView,
		ItemID: item, Category: Categories[c], ItemTitle: "A " + Categories[c] + " item " + item, TS: ts, Vector: v}
}

// Feed folds events, segments the updated users and observes the items, as the worker does.
func (w *World) Feed(ctx context.Context, evs []event.Event) error {
	w.Events = append(w.Events, evs...)
	res, err := w.Store.Fold(ctx, evs)
	if err != nil {
		return err
	}
	ups := make([]online.Update, len(res.Updated))
	for i, u := range res.Updated {
		ups[i] = online.Update{Pseudonym: u.Pseudonym, Vector: u.Vector,
			Categories: u.Categories, MeanRating: u.MeanRating, Events: u.Events,
			Segment: u.Segment, CentroidVersion: u.CentroidVersion}
	}
	if _, err := w.Model.Observe(ctx, ups); err != nil {
		return err
	}
	return w.ItemWriter.Observe(ctx, evs)
}

// segStore adapts profilestore to online (as internal/worker's segmentStore does).
type segStore struct {
	s  *profilestore.Store
	rd *reader.Reader
}

func (a segStore) SetSegments(ctx context.Context, as []online.Assignment) error {
	out := make([]profilestore.SegmentAssignment, len(as))
	for i, x := range as {
		out[i] = profilestore.SegmentAssignment(x)
	}
	return a.s.SetSegments(ctx, out)
}

func (a segStore) Scan(ctx context.Context, fn func(*schema.Profile) error) error {
	return a.rd.Scan(ctx, fn)
}
