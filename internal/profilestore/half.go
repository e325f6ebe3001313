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
