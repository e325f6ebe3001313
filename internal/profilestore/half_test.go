package profilestore

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/profilestream/profilestream/internal/redistest"
)

func TestF16EveryHalfRoundTrips(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := f16ToF32(uint16(h))
		if math.IsNaN(float64(f)) {
			if g := f32ToF16(f); g&0x7c00 != 0x7c00 || g&0x3ff == 0 {
				t.Fatalf("NaN %#04x -> %#04x", h, g)
			}
			continue
		}
		if g := f32ToF16(f); g != uint16(h) {
			t.Fatalf("%#04x -> %v -> %#04x", h, f, g)
		}
	}
}

// TestF16RoundsToNearest: the half chosen for a float32 is at least as close as its neighbours.
func TestF16RoundsToNearest(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, tc := range []struct {
		name  string
		scale float64
	}{{"unit", 1}, {"small", 1e-5}, {"subnormal", 1e-7}, {"large", 3e4}} {
		for i := 0; i < 100000; i++ {
			f := float32(r.NormFloat64() * tc.scale)
			if math.Abs(float64(f)) >= 65520 {
				continue // beyond the half range: infinity (checked below)
			}
			h := f32ToF16(f)
			d := math.Abs(float64(f) - float64(f16ToF32(h)))
			for _, n := range []uint16{h - 1, h + 1} {
				g := f16ToF32(n)
				if math.IsNaN(float64(g)) || math.IsInf(float64(g), 0) || (n^h)&0x8000 != 0 {
					continue
				}
				if dn := math.Abs(float64(f) - float64(g)); dn < d {
					t.Fatalf("%s: %v -> %v, but %v is closer", tc.name, f, f16ToF32(h), g)
				}
			}
		}
	}
	for _, f := range []float32{0, float32(math.Copysign(0, -1)), 65504, 65520, 1e9, -1e9, float32(math.Inf(1))} {
		g := f16ToF32(f32ToF16(f))
		if f == 65504 && g != 65504 || math.Abs(float64(f)) >= 65520 && !math.IsInf(float64(g), 0) || f == 0 && g != 0 {
			t.Fatalf("%v -> %v", f, g)
		}
	}
}

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
		if fmt.Sprint(p.DecayedVector) != fmt.Sprint(b[k].DecayedVector) {
			t.Fatalf("%s: cached and re-read float16 folds differ", k)
		}
		for i, x := range p.DecayedVector {
			if d := math.Abs(float64(x - want[k].DecayedVector[i])); d > 2e-3 {
				t.Fatalf("%s: dvec[%d] %v, float32 fold %v", k, i, x, want[k].DecayedVector[i])
			}
		}
		blob, err := cached.rdb.HGet(context.Background(), ProfileKey("ps", k), fDVec).Result()
		if err != nil || len(blob) != 2*testDim {
			t.Fatalf("%s: dvec blob %d bytes, %v", k, len(blob), err)
		}
	}
}
