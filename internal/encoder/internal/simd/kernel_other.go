//go:build !amd64

package simd

// HaveAVX2FMA is false off amd64.
const HaveAVX2FMA = false

// Kernel6x16 is not available off amd64.
func Kernel6x16(k int, a *float32, lda int, bp *float32, c *float32, ldc int, acc int) {
	panic("simd: Kernel6x16 needs amd64 with AVX2 and FMA")
}

// GeluErf does nothing off amd64 and returns 0.
func GeluErf(x []float32) int { return 0 }

// ExpSub does nothing off amd64 and returns 0.
func ExpSub(x []float32, mx float32) int { return 0 }

// HaveAVX512 is false off amd64.
const HaveAVX512 = false

// Kernel12x32 is not available off amd64.
func Kernel12x32(k int, a []float32, lda int, bp []float32, c []float32, ldc int, acc int) {
	panic("simd: Kernel12x32 needs amd64 with AVX-512")
}

// HaveVNNI is false off amd64.
const HaveVNNI = false

// KernelI8 is not available off amd64.
func KernelI8(groups int, a []int8, lda int, bp []uint8, c []float32, ldc int, rowScale []float32, rowComp []int32, colScale, bias []float32) {
	panic("simd: KernelI8 needs amd64 with AVX512-VNNI")
}

// QuantizeRowI8 is not available off amd64.
func QuantizeRowI8(x []float32, dst []int8) (scale float32, sum, sumsq int32) {
	panic("simd: QuantizeRowI8 needs amd64 with AVX-512")
}

// HaveBF16 is false off amd64.
const HaveBF16 = false

// KernelBF16 is not available off amd64.
func KernelBF16(groups int, a []uint16, lda int, bp []uint16, c []float32, ldc int, bias []float32) {
	panic("simd: KernelBF16 needs amd64 with AVX512-BF16")
}

// ToBF16 is not available off amd64.
func ToBF16(x []float32, dst []uint16) {
	panic("simd: ToBF16 needs amd64 with AVX512-BF16")
}

// Softmax is not available off amd64.
func Softmax(x []float32, scale float32) {
	panic("simd: Softmax needs amd64 with AVX-512")
}

// AddNorm is not available off amd64.
func AddNorm(x, y, g, b []float32, eps float32) {
	panic("simd: AddNorm needs amd64 with AVX-512")
}

// GeluErf16 does nothing off amd64 and returns 0.
func GeluErf16(x []float32) int { return 0 }
