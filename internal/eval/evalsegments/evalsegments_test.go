package evalsegments

import (
	"context"
	"math"
	"testing"

	"github.com/profilestream/profilestream/internal/online"
	"github.com/profilestream/profilestream/schema"
)

func TestNMI(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b []int
		want float64
	}{
		{"identical", []int{0, 0, 1, 1, 2, 2}, []int{0, 0, 1, 1, 2, 2}, 1},
		{"relabelled", []int{0, 0, 1, 1}, []int{5, 5, 3, 3}, 1},
		{"independent", []int{0, 0, 1, 1}, []int{0, 1, 0, 1}, 0},
		// sklearn.metrics.normalized_mutual_info_score([0,0,1,1,2,2],[0,0,1,1,1,1])
		{"merged", []int{0, 0, 1, 1, 2, 2}, []int{0, 0, 1, 1, 1, 1}, 0.7336804366512111},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := NMI(tc.a, tc.b); math.Abs(got-tc.want) > 1e-9 {
				t.Fatalf("NMI = %v, want %v", got, tc.want)
			}
		})
	}
}

// The replay's profile store folds events into running sums, passes the stored segment along,
// and ignores assignments of an older centroid version, as profilestore does.
func TestProfilesFoldAndVersions(t *testing.T) {
	set := &Set{Users: []*User{{ID: "a"}}, Events: []Event{
		{User: 0, Category: "x", Rating: 4, Vector: []float32{1, 0}},
		{User: 0, Category: "y", Rating: 2, Vector: []float32{0, 1}},
	}}
	p := newProfiles(set)
	u := p.fold(set.Events[0])
	if u.Segment != -1 || u.Events != 1 || u.Vector[0] != 1 {
		t.Fatalf("first update %+v", u)
	}
	ctx := context.Background()
	if err := p.SetSegments(ctx, []online.Assignment{{Pseudonym: "a", Segment: 2, CentroidVersion: 3}}); err != nil {
		t.Fatal(err)
	}
	if err := p.SetSegments(ctx, []online.Assignment{{Pseudonym: "a", Segment: 1, CentroidVersion: 2}}); err != nil {
		t.Fatal(err)
	}
	u = p.fold(set.Events[1])
	if u.Segment != 2 || u.CentroidVersion != 3 || u.MeanRating != 3 || len(u.Categories) != 2 {
		t.Fatalf("second update %+v: want segment 2 at version 3 (the older write ignored), mean rating 3, 2 categories", u)
	}
	if d := math.Abs(float64(u.Vector[0]) - 1/math.Sqrt2); d > 1e-6 || math.Abs(float64(u.Vector[0]-u.Vector[1])) > 1e-6 {
		t.Fatalf("vector %v, want the normalized mean of both reviews", u.Vector)
	}
	var seen int
	if err := p.Scan(ctx, func(sp *schema.Profile) error {
		seen++
		if sp.Segment != 2 || sp.CentroidVersion != 3 || len(sp.Vector) != 2 {
			t.Fatalf("scanned %+v", sp)
		}
		return nil
	}); err != nil || seen != 1 {
		t.Fatalf("scan: %v, %d profiles", err, seen)
	}
}
