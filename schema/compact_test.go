package schema_test

import (
	"math"
	"math/rand"
	"testing"

	"github.com/profilestream/profilestream/schema"
)

// TestQ8: a Q8 vector decodes within one step (max|x|/127) of the input, is reproducible for a
// seed, and its rounding is unbiased: the mean of many seeds' decodings is close to the input.
func TestQ8(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	v := make([]float32, 384)
	for i := range v {
		v[i] = float32(r.NormFloat64() * 0.05)
	}
	var m float64
	for _, x := range v {
		m = math.Max(m, math.Abs(float64(x)))
	}
	step := m / 127
	b := schema.EncodeVectorQ8(nil, v, 7)
	if len(b) != schema.Q8Len(len(v)) || string(b) != string(schema.EncodeVectorQ8(nil, v, 7)) {
		t.Fatalf("Q8 of %d bytes, or not reproducible", len(b))
	}
	sum := make([]float64, len(v))
	const seeds = 400
	for s := uint64(0); s < seeds; s++ {
		d, err := schema.DecodeVectorQ8(schema.EncodeVectorQ8(nil, v, s), len(v))
		if err != nil {
			t.Fatal(err)
		}
		for i := range d {
			if math.Abs(float64(d[i]-v[i])) > step*1.0001 {
				t.Fatalf("value %d: %v decodes to %v, step %v", i, v[i], d[i], step)
			}
			sum[i] += float64(d[i])
		}
	}
	for i := range v {
		if bias := sum[i]/seeds - float64(v[i]); math.Abs(bias) > 0.1*step {
			t.Fatalf("value %d: rounding bias %v (step %v)", i, bias, step)
		}
	}
	if d, _ := schema.DecodeVectorQ8(schema.EncodeVectorQ8(nil, make([]float32, 4), 1), 4); d == nil || d[0] != 0 {
		t.Fatalf("zero vector: %v", d)
	}
	if _, err := schema.DecodeVectorQ8(b[:10], len(v)); err == nil {
		t.Fatal("a short blob decoded")
	}
}

func BenchmarkEncodeVectorQ8(b *testing.B) {
	v := make([]float32, 384)
	for i := range v {
		v[i] = float32(i%17) * 0.01
	}
	buf := make([]byte, 0, 400)
	for i := 0; i < b.N; i++ {
		buf = schema.EncodeVectorQ8(buf[:0], v, uint64(i))
	}
}
