package online

import (
	"context"
	"time"

	"github.com/profilestream/profilestream/schema"
)

// Update is what Observe needs to know about one user whose profile was just folded. It mirrors
// profilestore.Updated and adds the user's current assignment, which the fold reads anyway and
// which hysteresis and membership maintenance need (Segment -1 when the user has none).
type Update struct {
	Pseudonym string
	// Vector is the user's L2-normalized lifetime mean embedding, nil if the user has no text
	// yet (such a user is skipped: it has nothing to cluster).
	Vector     []float32
	Categories []schema.CategoryCount
	MeanRating float64
	Events     int64

	// Segment is the user's current segment, -1 when unassigned or unknown.
	Segment int
	// CentroidVersion is the centroid version the current segment was assigned with (0 = none).
	CentroidVersion int64
}

// Assignment is one user's segment as written through SegmentWriter. It mirrors
// profilestore.SegmentAssignment.
type Assignment struct {
	Pseudonym string
	// Segment is the segment id, -1 when the user is unassigned (the model is not initialized).
	Segment int
	// Distance is the cosine distance 1 - cos(user vector, segment centroid).
	Distance        float32
	CentroidVersion int64
}

// SegmentWriter stores assignments into user profiles (profilestore.Store through a small
// adapter). It must write only into existing profiles and be idempotent.
type SegmentWriter interface {
	SetSegments(ctx context.Context, as []Assignment) error
}

// ProfileScanner walks every stored profile once, calling fn for each, in any order (reader.Scan
// over SCAN of <prefix>:v1:p:*, on every master in a cluster; the worker adapts it). It stops with fn's error when fn
// fails. When the SegmentWriter given to New also implements ProfileScanner, Run sweeps stale
// assignments through it.
type ProfileScanner interface {
	Scan(ctx context.Context, fn func(*schema.Profile) error) error
}

// SegmentStats describes one segment as stored in Redis.
type SegmentStats struct {
	ID int
	// Size is the number of members in the membership set.
	Size int64
	// Weight is the centroid's (decayed) count of samples.
	Weight float64
	// TopCategories are the segment's categories with the highest decayed counts, highest first.
	TopCategories []schema.CategoryCount
	// MeanRating is the mean of the members' mean ratings, over samples that had a rating.
	MeanRating float64
	// Label is a short name made from the top 2-3 categories ("Beauty / Fashion").
	Label    string
	Centroid []float32
	// Version is the centroid version of the model.
	Version int64
	// UpdatedAt is the time of the last merge.
	UpdatedAt time.Time
}

// SweepProgress reports the staleness sweep.
type SweepProgress struct {
	// Version is the centroid version the current (or last) pass re-assigns towards.
	Version int64
	// Scanned counts profiles read in this pass; Reassigned those re-assigned (their version was
	// older); Moved those whose segment changed.
	Scanned, Reassigned, Moved int64
	// Passes counts completed passes; Done is true when the last pass finished and the version
	// has not changed since.
	Passes int64
	Done   bool
}

// ObserveResult counts what one Observe call did.
type ObserveResult struct {
	Assigned   int // users assigned a segment
	Moved      int // users whose segment changed (including first assignments)
	Unassigned int // users left at -1 because the model is not initialized yet
	Skipped    int // users without a vector
	// Waiting is set while the model is not initialized: how many users this worker has seen,
	// and how many it needs.
	Seen, NeedToInit int64
}
