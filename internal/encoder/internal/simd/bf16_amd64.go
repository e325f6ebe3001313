//go:build amd64

package simd

import "golang.org/x/sys/cpu"

// HaveBF16 reports whether the bfloat16 kernels (AVX-512 with AVX512-BF16) may run on this CPU.
var HaveBF16 = HaveAVX512 && cpu.X86.HasAVX512BF16

// KernelBF16 computes one 12x32 tile of a bfloat16 product with float32 sums:
//
//	C[r][j] = sum_p A[r][p]*Bp(p, j) + bias[j]
//
// for r < 12, j < 32, p < 2*groups. A holds 12 rows of bfloat16 values (as uint16) lda values
// apart (each at least 2*groups long); bp holds groups blocks of 64 values (32 columns x 2
// consecutive p); bias has 32 entries. C rows are ldc floats apart. Use it only when HaveBF16
// is true.
func KernelBF16(groups int, a []uint16, lda int, bp []uint16, c []float32, ldc int, bias []float32) {
	if groups > 0 {
		_, _ = a[11*lda+2*groups-1], bp[64*groups-1]
	}
	_, _ = c[11*ldc+31], bias[31]
	kernelBF16(groups, &a[0], 2*lda, &bp[0], &c[0], ldc, &bias[0])
}

// ToBF16 rounds x to bfloat16 (nearest even) into dst; len(x) must be a positive multiple of
// 16 and dst at least as long. Use it only when HaveBF16 is true.
func ToBF16(x []float32, dst []uint16) {
	n := len(x)
	if n == 0 || n%16 != 0 || len(dst) < n {
		panic("simd: ToBF16 needs a length that is a positive multiple of 16")
	}
	cvtBF16(&x[0], n, &dst[0])
}

//go:noescape
func kernelBF16(groups int, a *uint16, lda int, bp *uint16, c *float32, ldc int, bias *float32)

//go:noescape
func cvtBF16(x *float32, n int, dst *uint16)
