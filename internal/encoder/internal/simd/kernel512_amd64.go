//go:build amd64

package simd

import "golang.org/x/sys/cpu"

// HaveAVX512 reports whether the AVX-512 kernels (F, BW, VL, with the OS saving the zmm
// state, which golang.org/x/sys/cpu checks) may run on this CPU.
var HaveAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL && HaveAVX2FMA

// Kernel12x32 sets (acc == 0) or adds to (acc != 0) C[0:12][0:32] the products
// sum over p < k of A[r][p] * Bp[p][0:32]. A holds 12 rows lda floats apart (read in place),
// Bp k rows of 32 packed floats, C rows are ldc floats apart. Use it only when HaveAVX512 is
// true.
func Kernel12x32(k int, a []float32, lda int, bp []float32, c []float32, ldc int, acc int) {
	if k > 0 {
		_, _ = a[11*lda+k-1], bp[k*32-1]
	}
	_ = c[11*ldc+31]
	kernel12x32(k, &a[0], 4*lda, &bp[0], &c[0], ldc, acc)
}

//go:noescape
func kernel12x32(k int, a *float32, lda int, bp *float32, c *float32, ldc int, acc int)

// geluTab16 holds geluErf16's constants, in geluTab's order.
var geluTab16 = func() (t [17]float32) {
	for i := range t {
		t[i] = geluTab[i][0]
	}
	return t
}()

// GeluErf16 applies the exact-erf GELU to the first len(x) &^ 15 values of x, 16 at a time
// with AVX-512, and returns how many it did; the caller handles the rest. Use it only when
// HaveAVX512 is true.
func GeluErf16(x []float32) int {
	n := len(x) &^ 15
	if n > 0 {
		geluErf16(&x[0], n, &geluTab16)
	}
	return n
}

//go:noescape
func geluErf16(x *float32, n int, tab *[17]float32)
