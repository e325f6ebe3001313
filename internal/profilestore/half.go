package profilestore

import (
	"encoding/binary"
	"fmt"
	"math"
)

// IEEE 754 binary16 ("half") conversions for the optional float16 encoding of the decayed mean
// (Options.DecayedFloat16). float32 -> float16 rounds to nearest, ties to even; values beyond
// the half range become infinities, tiny ones subnormals or zero.

func f32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	man := b & 0x7fffff
	if exp == 0xff { // infinity or NaN
		if man != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 { // subnormal half (or zero): value = m * 2^-24
		shift := uint32(126 - exp)
		if shift > 24 {
			return sign
		}
		m := man | 0x800000
		half := m >> shift
		rem := m & (1<<shift - 1)
		if mid := uint32(1) << (shift - 1); rem > mid || (rem == mid && half&1 == 1) {
			half++
		}
		return sign | uint16(half)
	}
	half := uint32(e)<<10 | man>>13
	if rem := man & 0x1fff; rem > 0x1000 || (rem == 0x1000 && half&1 == 1) {
		half++ // a carry into the exponent is right, up to infinity
	}
	return sign | uint16(half)
}

func f16ToF32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	man := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	case exp == 0:
		f := float32(man) / (1 << 24)
		if sign != 0 {
			f = -f
		}
		return f
	}
	return math.Float32frombits(sign | (exp+112)<<23 | man<<13)
}

// EncodeVectorF16 returns v as little-endian IEEE 754 half floats (2 bytes per value).
func EncodeVectorF16(v []float32) []byte {
	b := make([]byte, 2*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint16(b[2*i:], f32ToF16(x))
	}
	return b
}

// DecodeVectorF16 parses a little-endian IEEE 754 half-float blob.
func DecodeVectorF16(b []byte) ([]float32, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if len(b)%2 != 0 {
		return nil, fmt.Errorf("profilestore: float16 vector blob of %d bytes is not a multiple of 2", len(b))
	}
	v := make([]float32, len(b)/2)
	for i := range v {
		v[i] = f16ToF32(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return v, nil
}

// roundF16 rounds v in place to the values float16 can hold, so that a profile kept in memory
// equals what a float16 write stores.
func roundF16(v []float32) {
	for i, x := range v {
		v[i] = f16ToF32(f32ToF16(x))
	}
}
