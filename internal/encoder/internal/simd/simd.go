// Package simd holds the encoder's assembly kernels. It is a package of its own because Go
// assembly cannot live in a package that uses cgo (the encoder's OpenBLAS build).
//
// Matrix micro-kernels, each computing one tile of C from a packed panel of B: Kernel6x16
// (AVX2 + FMA, float32), Kernel12x32 (AVX-512, float32, A read in place), KernelBF16
// (AVX512-BF16 VDPBF16PS, float32 sums) and KernelI8 (AVX512-VNNI VPDPBUSD, int32 sums with
// dequantization fused into the store). Element-wise kernels: GeluErf and ExpSub (AVX2),
// Softmax, AddNorm, QuantizeRowI8 and ToBF16 (AVX-512). The caller (package encoder) packs,
// walks the tiles and handles edges, and calls a kernel only when its Have* flag (from CPUID,
// golang.org/x/sys/cpu) is true. Go's assembler has no AVX512-BF16 mnemonics: those two
// instructions are written as their EVEX bytes.
package simd
