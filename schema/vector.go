package schema

import (
	"encoding/binary"
	"fmt"
	"math"
)

// EncodeVector returns v as a little-endian float32 blob (4 bytes per value).
func EncodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// DecodeVector parses a little-endian float32 blob; an empty blob is a nil vector.
func DecodeVector(b []byte) ([]float32, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("schema: vector blob of %d bytes is not a multiple of 4", len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}

// EncodeVectorF16 returns v as little-endian IEEE 754 half floats (2 bytes per value), the
// optional encoding of "dvec". Rounding is to nearest, ties to even; values beyond the half
// range become infinities, tiny ones subnormals or zero.
func EncodeVectorF16(v []float32) []byte {
	b := make([]byte, 2*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint16(b[2*i:], F32ToF16(x))
	}
	return b
}

// DecodeVectorF16 parses a little-endian IEEE 754 half-float blob; an empty blob is nil.
func DecodeVectorF16(b []byte) ([]float32, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if len(b)%2 != 0 {
		return nil, fmt.Errorf("schema: float16 vector blob of %d bytes is not a multiple of 2", len(b))
	}
	v := make([]float32, len(b)/2)
	for i := range v {
		v[i] = F16ToF32(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return v, nil
}

// DecodeDecayedVector decodes the "dvec" field of a profile whose "dim" is dim: a blob of
// exactly 2*dim bytes is float16, anything else float32. f16 reports which one it was.
func DecodeDecayedVector(b []byte, dim int) (v []float32, f16 bool, err error) {
	if dim > 0 && len(b) == 2*dim {
		v, err = DecodeVectorF16(b)
		return v, true, err
	}
	v, err = DecodeVector(b)
	return v, false, err
}

// F32ToF16 converts f to IEEE 754 binary16 bits, rounding to nearest, ties to even.
func F32ToF16(f float32) uint16 {
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

// F16ToF32 converts IEEE 754 binary16 bits to float32 (exact).
func F16ToF32(h uint16) float32 {
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

// Normalize returns x scaled to unit L2 length (a copy), or nil when x is empty, all zero or
// not finite. Cosine similarity of stored vectors is the dot product of their Normalize.
func Normalize(x []float32) []float32 {
	// Four partial sums in float64, so that the additions do not wait on each other.
	var n0, n1, n2, n3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		a, b, c, d := float64(x[i]), float64(x[i+1]), float64(x[i+2]), float64(x[i+3])
		n0 += a * a
		n1 += b * b
		n2 += c * c
		n3 += d * d
	}
	for ; i < len(x); i++ {
		n0 += float64(x[i]) * float64(x[i])
	}
	n := n0 + n1 + n2 + n3
	if n == 0 || math.IsNaN(n) || math.IsInf(n, 0) {
		return nil
	}
	inv := 1 / math.Sqrt(n)
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(float64(v) * inv)
	}
	return out
}
