//go:build !amd64

package simd

// HaveAVX2FMA is false off amd64.
const HaveAVX2FMA = false

// Kernel4x16 is not available off amd64.
func Kernel4x16(k int, a *float32, lda int, bp *float32, c *float32, ldc int) {
	panic("simd: Kernel4x16 needs amd64 with AVX2 and FMA")
}
