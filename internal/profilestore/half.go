package profilestore

import "github.com/profilestream/profilestream/schema"

// roundF16 rounds v in place to the values float16 can hold (the optional encoding of the
// decayed mean, Options.DecayedFloat16; codecs in package schema), so that a profile kept in
// memory equals what a float16 write stores.
func roundF16(v []float32) {
	for i, x := range v {
		v[i] = schema.F16ToF32(schema.F32ToF16(x))
	}
}

// keepInF16Range scales v down by 64 when an entry grows past 16384, so that a decayed sum
// stored as float16 (largest finite value 65504) never overflows. Only the direction of such a
// vector ("bvec") is read.
func keepInF16Range(v []float32) {
	for _, x := range v {
		if x > 16384 || x < -16384 {
			for i := range v {
				v[i] /= 64
			}
			return
		}
	}
}
