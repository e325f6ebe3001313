//go:build amd64

package simd

import "golang.org/x/sys/cpu"

// HaveAVX2FMA reports whether Kernel4x16 may run on this CPU.
var HaveAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// Kernel4x16 sets C[0:4][0:16] = sum over p < k of A[0:4][p] * Bp[p][0:16]. A rows are lda
// floats apart, Bp is k rows of 16 packed floats, C rows are ldc floats apart.
//
//go:noescape
func Kernel4x16(k int, a *float32, lda int, bp *float32, c *float32, ldc int)
