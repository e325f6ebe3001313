package worker

import (
	"context"

	"github.com/profilestream/profilestream/internal/online"
	"github.com/profilestream/profilestream/internal/profilestore"
	"github.com/profilestream/profilestream/reader"
	"github.com/profilestream/profilestream/schema"
)

// segmentStore lets online write assignments into profiles (through profilestore) and sweep
// them (through reader's one SCAN loop), without online importing either: the data flows
// profilestore -> online, and this adapter is the seam.
type segmentStore struct {
	s  *profilestore.Store
	rd *reader.Reader
}

func (a segmentStore) SetSegments(ctx context.Context, as []online.Assignment) error {
	out := make([]profilestore.SegmentAssignment, len(as))
	for i, x := range as {
		out[i] = profilestore.SegmentAssignment(x)
	}
	return a.s.SetSegments(ctx, out)
}

func (a segmentStore) Scan(ctx context.Context, fn func(*schema.Profile) error) error {
	return a.rd.Scan(ctx, fn)
}

// updates converts the fold's result into online's input.
func updates(us []profilestore.Updated) []online.Update {
	out := make([]online.Update, len(us))
	for i, u := range us {
		out[i] = online.Update{
			Pseudonym: u.Pseudonym, Vector: u.Vector, Categories: u.Categories,
			MeanRating: u.MeanRating, Events: u.Events, Segment: u.Segment, CentroidVersion: u.CentroidVersion,
		}
	}
	return out
}
