//go:build amd64

package simd

import (
	"math"

	"golang.org/x/sys/cpu"
)

// HaveAVX2FMA reports whether the assembly kernels may run on this CPU.
var HaveAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// Kernel6x16 sets (acc == 0) or adds to (acc != 0) C[0:6][0:16] the products
// sum over p < k of A[0:6][p] * Bp[p][0:16]. A rows are lda floats apart, Bp is k rows of 16
// packed floats, C rows are ldc floats apart.
//
//go:noescape
func Kernel6x16(k int, a *float32, lda int, bp *float32, c *float32, ldc int, acc int)

//go:noescape
func geluErf8(x *float32, n int, tab *[17][8]float32)

// geluTab holds the constants of geluErf8, each repeated over 8 lanes.
var geluTab = func() (t [17][8]float32) {
	vals := [17]float32{
		0.70710678118654752, 4, -4,
		-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06, -5.69250639462346e-05,
		-7.34990630326855e-04, -2.95459980854025e-03, -1.60960333262415e-02,
		-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03, -7.37332916720468e-03,
		-1.42647390514189e-02,
		1, 0.5,
	}
	for i, v := range vals {
		for j := range t[i] {
			t[i][j] = v
		}
	}
	return t
}()

// GeluErf applies the exact-erf GELU to the first len(x) &^ 7 values of x, 8 at a time, and
// returns how many it did; the caller handles the rest.
func GeluErf(x []float32) int {
	n := len(x) &^ 7
	if n > 0 {
		geluErf8(&x[0], n, &geluTab)
	}
	return n
}

//go:noescape
func expSub8(x *float32, n int, mx float32, tab *[12][8]float32)

var expTab = func() (t [12][8]float32) {
	vals := [12]float32{
		-87, 1.44269504088896341, 0.693359375, -2.12194440e-4,
		1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1,
		1, math.Float32frombits(127),
	}
	for i, v := range vals {
		for j := range t[i] {
			t[i][j] = v
		}
	}
	return t
}()

// ExpSub sets x[i] = exp(x[i] - mx) for the first len(x) &^ 7 values (which must not exceed
// mx, as in a softmax after subtracting the maximum) and returns how many it did.
func ExpSub(x []float32, mx float32) int {
	n := len(x) &^ 7
	if n > 0 {
		expSub8(&x[0], n, mx, &expTab)
	}
	return n
}
