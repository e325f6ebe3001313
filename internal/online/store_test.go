package online

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/profilestore"
	"github.com/profilestream/profilestream/internal/redistest"
	"github.com/profilestream/profilestream/reader"
	"github.com/profilestream/profilestream/schema"
)

// psAdapter connects the model to the real profile store, as the worker does.
type psAdapter struct {
	s  *profilestore.Store
	rd *reader.Reader
}

func (a psAdapter) SetSegments(ctx context.Context, as []Assignment) error {
	out := make([]profilestore.SegmentAssignment, len(as))
	for i, x := range as {
		out[i] = profilestore.SegmentAssignment(x)
	}
	return a.s.SetSegments(ctx, out)
}

func (a psAdapter) Scan(ctx context.Context, fn func(*schema.Profile) error) error {
	return a.rd.Scan(ctx, fn)
}

// TestWithProfileStore folds real events, observes the fold's updates, and checks that the
// profiles, the membership sets and the sweep agree.
func TestWithProfileStore(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	store, err := profilestore.New(srv.Client(), profilestore.Options{ModelID: "test", Dim: 8})
	if err != nil {
		t.Fatal(err)
	}
	rd, err := reader.New(srv.Client(), reader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(t, srv.Client(), psAdapter{store, rd}, Options{K: 2, MinUsersToInit: 20, SweepRate: 100000})
	xs, labels := blobs(21, 120, 2, 8, 0.15)
	ts := time.Unix(1_700_000_000, 0)
	for start := 0; start < len(xs); start += 10 {
		var evs []event.Event
		for i := start; i < start+10; i++ {
			evs = append(evs, event.Event{
				Origin:    event.Origin{Topic: "reviews", Partition: 0, Offset: int64(i)},
				Pseudonym: fmt.Sprintf("k1.user%03d", i), Kind: event.KindReview, Category: fmt.Sprint("cat", labels[i]),
				Text: "x", Rating: 4, TS: ts, Vector: xs[i],
			})
		}
		res, err := store.Fold(ctx, evs)
		if err != nil {
			t.Fatal(err)
		}
		ups := make([]Update, len(res.Updated))
		for i, u := range res.Updated {
			ups[i] = Update{Pseudonym: u.Pseudonym, Vector: u.Vector, Categories: u.Categories, MeanRating: u.MeanRating,
				Segment: u.Segment, CentroidVersion: u.CentroidVersion}
		}
		if _, err := m.Observe(ctx, ups); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Merge(ctx); err != nil {
		t.Fatal(err)
	}
	// The first batch (10 users) came before initialization: stored as unassigned until the sweep.
	if p, err := store.Get(ctx, "k1.user000"); err != nil || p.Segment != -1 {
		t.Fatalf("early user: %+v %v", p, err)
	}
	if err := m.SweepOnce(ctx, psAdapter{store, rd}); err != nil {
		t.Fatal(err)
	}
	if p := m.SweepProgress(); p.Scanned != 120 || p.Reassigned < 10 {
		t.Fatalf("sweep %+v", p)
	}
	// Every profile is assigned with the current version, to the segment whose member set holds
	// it, and each segment holds one blob.
	members := map[string]int{}
	for s := 0; s < 2; s++ {
		ms, err := Members(ctx, srv.Client(), "ps", s)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ms {
			members[p] = s
		}
	}
	segOfLabel := map[int]int{}
	for i := range xs {
		name := fmt.Sprintf("k1.user%03d", i)
		p, err := store.Get(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if p.Segment < 0 || p.CentroidVersion != m.Version() {
			t.Fatalf("%s: segment %d version %d (model %d)", name, p.Segment, p.CentroidVersion, m.Version())
		}
		if s, ok := members[name]; !ok || s != p.Segment {
			t.Fatalf("%s: profile segment %d, member of %d (%v)", name, p.Segment, s, ok)
		}
		if s, ok := segOfLabel[labels[i]]; ok && s != p.Segment {
			t.Fatalf("blob %d split over segments %d and %d", labels[i], s, p.Segment)
		}
		segOfLabel[labels[i]] = p.Segment
	}
	segs, err := m.Segments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range segs {
		if s.Label != "cat0" && s.Label != "cat1" {
			t.Fatalf("segment %d label %q", s.ID, s.Label)
		}
		if s.MeanRating != 4 {
			t.Fatalf("segment %d mean rating %v", s.ID, s.MeanRating)
		}
	}
	// Forget removes the user from its member set.
	if err := store.Forget(ctx, "k1.user005"); err != nil {
		t.Fatal(err)
	}
	ms, _ := Members(ctx, srv.Client(), "ps", members["k1.user005"])
	for _, p := range ms {
		if p == "k1.user005" {
			t.Fatal("forgotten user still a member")
		}
	}
}
