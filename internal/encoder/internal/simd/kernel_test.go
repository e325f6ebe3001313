package simd

import (
	"math"
	"testing"
)

func TestKernel4x16(t *testing.T) {
	if !HaveAVX2FMA {
		t.Skip("no AVX2/FMA on this CPU")
	}
	for _, k := range []int{0, 1, 7, 64} {
		lda, ldc := k+3, 20
		a := make([]float32, 4*lda+1)
		bp := make([]float32, k*16+1)
		for i := range a {
			a[i] = float32(i%11) - 5
		}
		for i := range bp {
			bp[i] = float32(i%7) * 0.5
		}
		c := make([]float32, 4*ldc)
		for i := range c {
			c[i] = 99
		}
		Kernel4x16(k, &a[0], lda, &bp[0], &c[0], ldc)
		for r := 0; r < 4; r++ {
			for j := 0; j < ldc; j++ {
				want := float32(99) // outside the tile: untouched
				if j < 16 {
					var s float64
					for p := 0; p < k; p++ {
						s += float64(a[r*lda+p]) * float64(bp[p*16+j])
					}
					want = float32(s)
				}
				if math.Abs(float64(c[r*ldc+j]-want)) > 1e-3 {
					t.Fatalf("k=%d C[%d][%d] = %v, want %v", k, r, j, c[r*ldc+j], want)
				}
			}
		}
	}
}
