//go:build amd64

#include "textflag.h"

// func Kernel6x16(k int, a *float32, lda int, bp *float32, c *float32, ldc int, acc int)
//
// C[0:6][0:16] (+)= sum over p < k of A[0:6][p] * Bp[p][0:16]: overwriting C when acc == 0,
// adding to it otherwise. A rows are lda floats apart, Bp is a packed panel of k rows of 16
// floats, C rows are ldc floats apart. AVX2 + FMA: twelve 8-wide accumulators (6 rows x 2
// halves), two panel loads and six broadcasts of A per step.
TEXT ·Kernel6x16(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	SHLQ $2, R8
	MOVQ bp+24(FP), DI
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R9
	SHLQ $2, R9
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	LEAQ (SI)(R8*1), R10
	LEAQ (R10)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	LEAQ (R12)(R8*1), R13
	LEAQ (R13)(R8*1), BX
	XORQ AX, AX

loop:
	TESTQ CX, CX
	JE    done
	VMOVUPS      (DI), Y12
	VMOVUPS      32(DI), Y13
	VBROADCASTSS (SI)(AX*1), Y14
	VFMADD231PS  Y12, Y14, Y0
	VFMADD231PS  Y13, Y14, Y1
	VBROADCASTSS (R10)(AX*1), Y15
	VFMADD231PS  Y12, Y15, Y2
	VFMADD231PS  Y13, Y15, Y3
	VBROADCASTSS (R11)(AX*1), Y14
	VFMADD231PS  Y12, Y14, Y4
	VFMADD231PS  Y13, Y14, Y5
	VBROADCASTSS (R12)(AX*1), Y15
	VFMADD231PS  Y12, Y15, Y6
	VFMADD231PS  Y13, Y15, Y7
	VBROADCASTSS (R13)(AX*1), Y14
	VFMADD231PS  Y12, Y14, Y8
	VFMADD231PS  Y13, Y14, Y9
	VBROADCASTSS (BX)(AX*1), Y15
	VFMADD231PS  Y12, Y15, Y10
	VFMADD231PS  Y13, Y15, Y11
	ADDQ         $4, AX
	ADDQ         $64, DI
	DECQ         CX
	JMP          loop

done:
	MOVQ  acc+48(FP), CX
	TESTQ CX, CX
	JE    store
	VADDPS (DX), Y0, Y0
	VADDPS 32(DX), Y1, Y1
	LEAQ   (DX)(R9*1), R10
	VADDPS (R10), Y2, Y2
	VADDPS 32(R10), Y3, Y3
	ADDQ   R9, R10
	VADDPS (R10), Y4, Y4
	VADDPS 32(R10), Y5, Y5
	ADDQ   R9, R10
	VADDPS (R10), Y6, Y6
	VADDPS 32(R10), Y7, Y7
	ADDQ   R9, R10
	VADDPS (R10), Y8, Y8
	VADDPS 32(R10), Y9, Y9
	ADDQ   R9, R10
	VADDPS (R10), Y10, Y10
	VADDPS 32(R10), Y11, Y11

store:
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	ADDQ    R9, DX
	VMOVUPS Y2, (DX)
	VMOVUPS Y3, 32(DX)
	ADDQ    R9, DX
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	ADDQ    R9, DX
	VMOVUPS Y6, (DX)
	VMOVUPS Y7, 32(DX)
	ADDQ    R9, DX
	VMOVUPS Y8, (DX)
	VMOVUPS Y9, 32(DX)
	ADDQ    R9, DX
	VMOVUPS Y10, (DX)
	VMOVUPS Y11, 32(DX)
	VZEROUPPER
	RET

// func geluErf8(x *float32, n int, tab *[17][8]float32)
//
// x[i] = 0.5 x (1 + erf(x / sqrt 2)) for n (a multiple of 8) floats, with erf the rational
// approximation of the package doc; tab holds the constants, each broadcast to 8 lanes:
// 0 1/sqrt2, 1 +4, 2 -4, 3..9 alpha13..alpha1, 10..14 beta8..beta0, 15 one, 16 half.
TEXT ·geluErf8(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ tab+16(FP), R8
	SHRQ $3, CX

gloop:
	TESTQ CX, CX
	JE    gdone
	VMOVUPS     (SI), Y0
	VMULPS      0(R8), Y0, Y1
	VMINPS      32(R8), Y1, Y1
	VMAXPS      64(R8), Y1, Y1
	VMULPS      Y1, Y1, Y2
	VMOVUPS     96(R8), Y3
	VFMADD213PS 128(R8), Y2, Y3
	VFMADD213PS 160(R8), Y2, Y3
	VFMADD213PS 192(R8), Y2, Y3
	VFMADD213PS 224(R8), Y2, Y3
	VFMADD213PS 256(R8), Y2, Y3
	VFMADD213PS 288(R8), Y2, Y3
	VMULPS      Y1, Y3, Y3
	VMOVUPS     320(R8), Y4
	VFMADD213PS 352(R8), Y2, Y4
	VFMADD213PS 384(R8), Y2, Y4
	VFMADD213PS 416(R8), Y2, Y4
	VFMADD213PS 448(R8), Y2, Y4
	VDIVPS      Y4, Y3, Y3
	VADDPS      480(R8), Y3, Y3
	VMULPS      Y0, Y3, Y3
	VMULPS      512(R8), Y3, Y3
	VMOVUPS     Y3, (SI)
	ADDQ        $32, SI
	DECQ        CX
	JMP         gloop

gdone:
	VZEROUPPER
	RET

// func expSub8(x *float32, n int, mx float32, tab *[12][8]float32)
//
// x[i] = exp(x[i] - mx) for n (a multiple of 8) floats with x[i] <= mx (softmax), by the
// Cephes expf scheme: n = round(y log2 e), r = y - n ln 2 (in two parts), exp(r) by a degree-6
// polynomial, times 2^n built in the exponent bits. tab: 0 -87, 1 log2 e, 2 ln2 high,
// 3 ln2 low, 4..9 polynomial, 10 one, 11 the integer 127.
TEXT ·expSub8(SB), NOSPLIT, $0-32
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS mx+16(FP), Y15
	MOVQ         tab+24(FP), R8
	SHRQ         $3, CX

eloop:
	TESTQ CX, CX
	JE    edone
	VMOVUPS      (SI), Y0
	VSUBPS       Y15, Y0, Y0
	VMAXPS       0(R8), Y0, Y0
	VMULPS       32(R8), Y0, Y1
	VROUNDPS     $0, Y1, Y1
	VMOVAPS      Y0, Y2
	VFNMADD231PS 64(R8), Y1, Y2
	VFNMADD231PS 96(R8), Y1, Y2
	VMOVUPS      128(R8), Y3
	VFMADD213PS  160(R8), Y2, Y3
	VFMADD213PS  192(R8), Y2, Y3
	VFMADD213PS  224(R8), Y2, Y3
	VFMADD213PS  256(R8), Y2, Y3
	VFMADD213PS  288(R8), Y2, Y3
	VMULPS       Y2, Y2, Y4
	VFMADD213PS  Y2, Y4, Y3
	VADDPS       320(R8), Y3, Y3
	VCVTPS2DQ    Y1, Y5
	VPADDD       352(R8), Y5, Y5
	VPSLLD       $23, Y5, Y5
	VMULPS       Y5, Y3, Y3
	VMOVUPS      Y3, (SI)
	ADDQ         $32, SI
	DECQ         CX
	JMP          eloop

edone:
	VZEROUPPER
	RET
