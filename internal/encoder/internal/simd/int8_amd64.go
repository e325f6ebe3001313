//go:build amd64

package simd

import "golang.org/x/sys/cpu"

// HaveVNNI reports whether the int8 kernels (AVX-512 with AVX512-VNNI) may run on this CPU.
var HaveVNNI = HaveAVX512 && cpu.X86.HasAVX512VNNI

// KernelI8 computes one 12x32 tile of an int8 product with fused dequantization:
//
//	C[r][j] = float(sum_p A[r][p]*Bp(p, j) - rowComp[r]) * colScale[j] * rowScale[r] + bias[j]
//
// for r < 12, j < 32, p < 4*groups. A holds 12 rows of signed bytes lda bytes apart (each at
// least 4*groups long); bp holds groups blocks of 128 unsigned bytes (32 columns x 4
// consecutive p); rowScale and rowComp have 12 entries, colScale and bias 32. C rows are ldc
// floats apart. Use it only when HaveVNNI is true.
func KernelI8(groups int, a []int8, lda int, bp []uint8, c []float32, ldc int, rowScale []float32, rowComp []int32, colScale, bias []float32) {
	if groups > 0 {
		_, _ = a[11*lda+4*groups-1], bp[128*groups-1]
	}
	_, _, _, _, _ = c[11*ldc+31], rowScale[11], rowComp[11], colScale[31], bias[31]
	kernelI8(groups, &a[0], lda, &bp[0], &c[0], ldc, &rowScale[0], &rowComp[0], &colScale[0], &bias[0])
}

// QuantizeRowI8 quantizes x symmetrically to dst (same length, a multiple of 16): scale is
// max|x|/127 (0 for a zero row), dst[i] = round(x[i]/scale), sum is the sum of dst and sumsq
// the sum of their squares (127^2 n at most). Use it only when HaveAVX512 is true.
func QuantizeRowI8(x []float32, dst []int8) (scale float32, sum, sumsq int32) {
	n := len(x)
	if n == 0 || n%16 != 0 || len(dst) < n {
		panic("simd: QuantizeRowI8 needs a length that is a positive multiple of 16")
	}
	m := absMax16(&x[0], n)
	if m == 0 || m != m {
		clear(dst[:n])
		return 0, 0, 0
	}
	sum = quantI8(&x[0], n, 127/m, &dst[0], &sumsq)
	return m / 127, sum, sumsq
}

//go:noescape
func kernelI8(groups int, a *int8, lda int, bp *uint8, c *float32, ldc int, rs *float32, rc *int32, cs *float32, bias *float32)

//go:noescape
func absMax16(x *float32, n int) float32

//go:noescape
func quantI8(x *float32, n int, inv float32, dst *int8, sumsq *int32) int32
