package profilestore

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/profilestream/profilestream/internal/redistest"
	"github.com/profilestream/profilestream/schema"
)

// TestDecayedFloat16Fold: with Options.DecayedFloat16 the decayed mean is stored as 2*dim bytes;
// a store that keeps profiles in its cache and one that re-reads them fold the same batches to
// the same profiles (what is kept in memory is what is stored), and the decayed mean stays
// within float16 precision of the float32 fold.
func TestDecayedFloat16Fold(t *testing.T) {
	evs := genEvents(61, 1500, 5, 2)
	want := cleanFold(t, evs)
	f16 := func(cache int) func(o *Options) {
		return func(o *Options) { o.DecayedFloat16, o.CacheSize = true, cache }
	}
	cached := newStore(t, redistest.Start(t).Client(), f16(0))
	reread := newStore(t, redistest.Start(t).Client(), f16(-1))
	foldAll(t, cached, evs, 50)
	foldAll(t, reread, evs, 50)
	a, b := allProfiles(t, cached), allProfiles(t, reread)
	sameProfiles(t, a, b)
	for k, p := range a {
		if fmt.Sprint(p.DecayedMean) != fmt.Sprint(b[k].DecayedMean) {
			t.Fatalf("%s: cached and re-read float16 folds differ", k)
		}
		for i, x := range p.DecayedMean {
			if d := math.Abs(float64(x - want[k].DecayedMean[i])); d > 2e-3 {
				t.Fatalf("%s: dvec[%d] %v, float32 fold %v", k, i, x, want[k].DecayedMean[i])
			}
		}
		blob, err := cached.rdb.HGet(context.Background(), schema.ProfileKey("ps", k), schema.FieldDecayedVector).Result()
		if err != nil || len(blob) != 2*testDim {
			t.Fatalf("%s: dvec blob %d bytes, %v", k, len(blob), err)
		}
	}
}
