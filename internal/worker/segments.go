package worker

import (
	"context"

	"github.com/profilestream/profilestream/internal/online"
	"github.com/profilestream/profilestream/internal/profilestore"
	"github.com/profilestream/profilestream/schema"
)

// segmentStore lets online write assignments into profiles and sweep them, without online
// importing profilestore: the data flows profilestore -> online, and this adapter is the seam.
type segmentStore struct{ s *profilestore.Store }

func (a segmentStore) SetSegments(ctx context.Context, as []online.Assignment) error {
	out := make([]profilestore.SegmentAssignment, len(as))
	for i, x := range as {
		out[i] = profilestore.SegmentAssignment(x)
	}
	return a.s.SetSegments(ctx, out)
}

func (a segmentStore) ScanProfiles(ctx context.Context, fn func(online.StoredProfile) error) error {
	return a.s.Scan(ctx, func(p *profilestore.Profile) error {
		var vec []float32
		if p.Vector != nil {
			vec = schema.Normalize(p.Vector)
		}
		return fn(online.StoredProfile{
			Pseudonym: p.Pseudonym, Vector: vec, Categories: categories(p.Categories),
			MeanRating: p.MeanRating(), Segment: p.Segment, CentroidVersion: p.CentroidVersion,
		})
	})
}

func categories(cs []profilestore.CategoryCount) []online.CategoryCount {
	out := make([]online.CategoryCount, len(cs))
	for i, c := range cs {
		out[i] = online.CategoryCount(c)
	}
	return out
}

// updates converts the fold's result into online's input.
func updates(us []profilestore.Updated) []online.Update {
	out := make([]online.Update, len(us))
	for i, u := range us {
		out[i] = online.Update{
			Pseudonym: u.Pseudonym, Vector: u.Vector, Categories: categories(u.Categories),
			MeanRating: u.MeanRating, Events: u.Events, Segment: u.Segment, CentroidVersion: u.CentroidVersion,
		}
	}
	return out
}
