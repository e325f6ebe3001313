//go:build !(openblas && cgo)

package encoder

import (
	"math"

	"github.com/profilestream/profilestream/internal/encoder/internal/simd"
)

// Backend names the matrix-product kernel this binary was built with.
var Backend = "purego+" + bestISA().String()

// The pure-Go backend uses the AVX-512 or AVX2/FMA assembly micro-kernel the isa level allows
// (chosen from CPUID unless Options.Kernel forces one), and portable Go loops otherwise or for
// products too small to pay for packing.

func serialNT(is isa, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if is >= isaAVX512 && m >= 6 && n >= 16 {
		packedGemm512(m, n, k, a, lda, b, 1, ldb, c, ldc)
		return
	}
	if is >= isaAVX2 && m >= 6 && n >= 8 {
		packedGemm(m, n, k, a, lda, b, 1, ldb, c, ldc)
		return
	}
	goSgemmNT(m, n, k, a, lda, b, ldb, c, ldc)
}

func sgemmNNSmall(is isa, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if is >= isaAVX512 && m >= 6 && n >= 16 {
		packedGemm512(m, n, k, a, lda, b, ldb, 1, c, ldc)
		return
	}
	if is >= isaAVX2 && m >= 6 && n >= 8 {
		packedGemm(m, n, k, a, lda, b, ldb, 1, c, ldc)
		return
	}
	goSgemmNN(m, n, k, a, lda, b, ldb, c, ldc)
}

func attnNT(is isa, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	serialNT(is, m, n, k, a, lda, b, ldb, c, ldc)
}

func geluErfRows(is isa, xs []float32) {
	if is >= isaAVX512 {
		xs = xs[simd.GeluErf16(xs):]
	}
	if is >= isaAVX2 {
		xs = xs[simd.GeluErf(xs):]
	}
	geluErf(xs)
}

func softmaxRows(is isa, s []float32, rows, n int, scale float32) {
	if is >= isaAVX512 {
		for r := 0; r < rows; r++ {
			simd.Softmax(s[r*n:(r+1)*n], scale)
		}
		return
	}
	if is < isaAVX2 || n < 8 {
		for r := 0; r < rows; r++ {
			softmaxScaled(s[r*n:(r+1)*n], scale)
		}
		return
	}
	for r := 0; r < rows; r++ {
		row := s[r*n : (r+1)*n]
		mx := float32(math.Inf(-1))
		for i := range row {
			row[i] *= scale
			mx = max(mx, row[i])
		}
		done := simd.ExpSub(row, mx)
		for i := done; i < len(row); i++ {
			row[i] = expf(row[i] - mx)
		}
		var sum float32
		for _, v := range row {
			sum += v
		}
		inv := 1 / sum
		for i := range row {
			row[i] *= inv
		}
	}
}

func biasRows(y, b []float32, rows, n int) {
	for r := 0; r < rows; r++ {
		row := y[r*n : (r+1)*n]
		for j, v := range b[:n] {
			row[j] += v
		}
	}
}

func addNormRows(is isa, x, y, g, b []float32, rows, n int, eps float32) {
	if is >= isaAVX512 && n%16 == 0 && n > 0 {
		for r := 0; r < rows; r++ {
			var yr []float32
			if y != nil {
				yr = y[r*n : (r+1)*n]
			}
			simd.AddNorm(x[r*n:(r+1)*n], yr, g, b, eps)
		}
		return
	}
	for r := 0; r < rows; r++ {
		row := x[r*n : (r+1)*n]
		if y != nil {
			for j, v := range y[r*n : (r+1)*n] {
				row[j] += v
			}
		}
		layerNormRow(row, g, b, eps)
	}
}
