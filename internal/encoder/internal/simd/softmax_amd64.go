//go:build amd64

package simd

import "math"

var softmaxTab = func() (t [12][16]float32) {
	vals := [12]float32{
		-87, 1.44269504088896341, 0.693359375, -2.12194440e-4,
		1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1,
		1, float32(math.Inf(-1)),
	}
	for i, v := range vals {
		for j := range t[i] {
			t[i][j] = v
		}
	}
	return t
}()

// Softmax sets x = softmax(x * scale) (scale > 0) with AVX-512: maximum, exponentials (the
// Cephes expf scheme of ExpSub) and their sum, division, each pass 16 lanes at a time with a
// masked tail. Use it only when HaveAVX512 is true.
func Softmax(x []float32, scale float32) {
	if len(x) == 0 {
		return
	}
	softmax16(&x[0], len(x), scale, &softmaxTab)
}

//go:noescape
func softmax16(x *float32, n int, scale float32, tab *[12][16]float32)
