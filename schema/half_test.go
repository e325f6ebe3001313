package schema_test

import (
	"math"
	"math/rand"
	"testing"

	"github.com/profilestream/profilestream/schema"
)

func TestF16EveryHalfRoundTrips(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := schema.F16ToF32(uint16(h))
		if math.IsNaN(float64(f)) {
			if g := schema.F32ToF16(f); g&0x7c00 != 0x7c00 || g&0x3ff == 0 {
				t.Fatalf("NaN %#04x -> %#04x", h, g)
			}
			continue
		}
		if g := schema.F32ToF16(f); g != uint16(h) {
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
			h := schema.F32ToF16(f)
			d := math.Abs(float64(f) - float64(schema.F16ToF32(h)))
			for _, n := range []uint16{h - 1, h + 1} {
				g := schema.F16ToF32(n)
				if math.IsNaN(float64(g)) || math.IsInf(float64(g), 0) || (n^h)&0x8000 != 0 {
					continue
				}
				if dn := math.Abs(float64(f) - float64(g)); dn < d {
					t.Fatalf("%s: %v -> %v, but %v is closer", tc.name, f, schema.F16ToF32(h), g)
				}
			}
		}
	}
	for _, f := range []float32{0, float32(math.Copysign(0, -1)), 65504, 65520, 1e9, -1e9, float32(math.Inf(1))} {
		g := schema.F16ToF32(schema.F32ToF16(f))
		if f == 65504 && g != 65504 || math.Abs(float64(f)) >= 65520 && !math.IsInf(float64(g), 0) || f == 0 && g != 0 {
			t.Fatalf("%v -> %v", f, g)
		}
	}
}
