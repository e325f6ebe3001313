// Package simd holds the encoder's assembly matrix micro-kernel. It is a package of its own
// because Go assembly cannot live in a package that uses cgo (the encoder's OpenBLAS build).
//
// Kernel4x16 multiplies 4 rows of A with one packed panel of 16 columns of B using AVX2 and FMA
// instructions; the caller (encoder's packedGemm) packs B, walks the tiles and handles edges.
// Use it only when HaveAVX2FMA is true.
package simd
