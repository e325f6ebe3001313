//go:build amd64

#include "textflag.h"

// func kernelBF16(groups int, a *uint16, lda int, bp *uint16, c *float32, ldc int, bias *float32)
//
// The bfloat16 12x32 tile: C[r][j] = sum over p < 2*groups of A[r][p] * Bp(p, j) + bias[j], for
// r < 12 and j < 32, with A bfloat16 (rows lda bytes apart, read 2 values at a time and
// broadcast into a register), Bp bfloat16 packed as groups of 32 columns x 2
// consecutive p (128 bytes a group), products summed in float32 by AVX512-BF16 VDPBF16PS. C
// rows are ldc floats apart. Go's assembler has no AVX512-BF16 mnemonics: VDPBF16PS and
// VCVTNEPS2BF16 are emitted as their EVEX bytes (register forms only; GNU as encodings).
TEXT ·kernelBF16(SB), NOSPLIT, $0-56
	MOVQ groups+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	MOVQ bp+24(FP), DI
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), BX
	SHLQ $2, BX
	LEAQ (R8)(R8*2), R9
	LEAQ (SI)(R8*4), R10
	ADDQ R8, R10
	LEAQ (R10)(R8*4), R11
	ADDQ R8, R11

	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23

bloop:
	TESTQ CX, CX
	JE    bdone
	VMOVDQU32 (DI), Z24
	VMOVDQU32 64(DI), Z25
	VPBROADCASTD (SI), Z26
	BYTE $0x62; BYTE $0x92; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xc2 // vdpbf16ps zmm0, zmm24, zmm26
	BYTE $0x62; BYTE $0x92; BYTE $0x36; BYTE $0x40; BYTE $0x52; BYTE $0xca // vdpbf16ps zmm1, zmm25, zmm26
	VPBROADCASTD (SI)(R8*1), Z27
	BYTE $0x62; BYTE $0x92; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xd3 // vdpbf16ps zmm2, zmm24, zmm27
	BYTE $0x62; BYTE $0x92; BYTE $0x36; BYTE $0x40; BYTE $0x52; BYTE $0xdb // vdpbf16ps zmm3, zmm25, zmm27
	VPBROADCASTD (SI)(R8*2), Z26
	BYTE $0x62; BYTE $0x92; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xe2 // vdpbf16ps zmm4, zmm24, zmm26
	BYTE $0x62; BYTE $0x92; BYTE $0x36; BYTE $0x40; BYTE $0x52; BYTE $0xea // vdpbf16ps zmm5, zmm25, zmm26
	VPBROADCASTD (SI)(R9*1), Z27
	BYTE $0x62; BYTE $0x92; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xf3 // vdpbf16ps zmm6, zmm24, zmm27
	BYTE $0x62; BYTE $0x92; BYTE $0x36; BYTE $0x40; BYTE $0x52; BYTE $0xfb // vdpbf16ps zmm7, zmm25, zmm27
	VPBROADCASTD (SI)(R8*4), Z26
	BYTE $0x62; BYTE $0x12; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xc2 // vdpbf16ps zmm8, zmm24, zmm26
	BYTE $0x62; BYTE $0x12; BYTE $0x36; BYTE $0x40; BYTE $0x52; BYTE $0xca // vdpbf16ps zmm9, zmm25, zmm26
	VPBROADCASTD (R10), Z27
	BYTE $0x62; BYTE $0x12; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xd3 // vdpbf16ps zmm10, zmm24, zmm27
	BYTE $0x62; BYTE $0x12; BYTE $0x36; BYTE $0x40; BYTE $0x52; BYTE $0xdb // vdpbf16ps zmm11, zmm25, zmm27
	VPBROADCASTD (R10)(R8*1), Z26
	BYTE $0x62; BYTE $0x12; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xe2 // vdpbf16ps zmm12, zmm24, zmm26
	BYTE $0x62; BYTE $0x12; BYTE $0x36; BYTE $0x40; BYTE $0x52; BYTE $0xea // vdpbf16ps zmm13, zmm25, zmm26
	VPBROADCASTD (R10)(R8*2), Z27
	BYTE $0x62; BYTE $0x12; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xf3 // vdpbf16ps zmm14, zmm24, zmm27
	BYTE $0x62; BYTE $0x12; BYTE $0x36; BYTE $0x40; BYTE $0x52; BYTE $0xfb // vdpbf16ps zmm15, zmm25, zmm27
	VPBROADCASTD (R10)(R9*1), Z26
	BYTE $0x62; BYTE $0x82; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xc2 // vdpbf16ps zmm16, zmm24, zmm26
	BYTE $0x62; BYTE $0x82; BYTE $0x36; BYTE $0x40; BYTE $0x52; BYTE $0xca // vdpbf16ps zmm17, zmm25, zmm26
	VPBROADCASTD (R10)(R8*4), Z27
	BYTE $0x62; BYTE $0x82; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xd3 // vdpbf16ps zmm18, zmm24, zmm27
	BYTE $0x62; BYTE $0x82; BYTE $0x36; BYTE $0x40; BYTE $0x52; BYTE $0xdb // vdpbf16ps zmm19, zmm25, zmm27
	VPBROADCASTD (R11), Z26
	BYTE $0x62; BYTE $0x82; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xe2 // vdpbf16ps zmm20, zmm24, zmm26
	BYTE $0x62; BYTE $0x82; BYTE $0x36; BYTE $0x40; BYTE $0x52; BYTE $0xea // vdpbf16ps zmm21, zmm25, zmm26
	VPBROADCASTD (R11)(R8*1), Z27
	BYTE $0x62; BYTE $0x82; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xf3 // vdpbf16ps zmm22, zmm24, zmm27
	BYTE $0x62; BYTE $0x82; BYTE $0x36; BYTE $0x40; BYTE $0x52; BYTE $0xfb // vdpbf16ps zmm23, zmm25, zmm27
	ADDQ $4, SI
	ADDQ $4, R10
	ADDQ $4, R11
	ADDQ $128, DI
	DECQ CX
	JMP  bloop

bdone:
	MOVQ    bias+48(FP), AX
	VMOVUPS (AX), Z28
	VMOVUPS 64(AX), Z29
	VADDPS Z28, Z0, Z0
	VADDPS Z29, Z1, Z1
	VMOVUPS Z0, (DX)
	VMOVUPS Z1, 64(DX)
	ADDQ BX, DX
	VADDPS Z28, Z2, Z2
	VADDPS Z29, Z3, Z3
	VMOVUPS Z2, (DX)
	VMOVUPS Z3, 64(DX)
	ADDQ BX, DX
	VADDPS Z28, Z4, Z4
	VADDPS Z29, Z5, Z5
	VMOVUPS Z4, (DX)
	VMOVUPS Z5, 64(DX)
	ADDQ BX, DX
	VADDPS Z28, Z6, Z6
	VADDPS Z29, Z7, Z7
	VMOVUPS Z6, (DX)
	VMOVUPS Z7, 64(DX)
	ADDQ BX, DX
	VADDPS Z28, Z8, Z8
	VADDPS Z29, Z9, Z9
	VMOVUPS Z8, (DX)
	VMOVUPS Z9, 64(DX)
	ADDQ BX, DX
	VADDPS Z28, Z10, Z10
	VADDPS Z29, Z11, Z11
	VMOVUPS Z10, (DX)
	VMOVUPS Z11, 64(DX)
	ADDQ BX, DX
	VADDPS Z28, Z12, Z12
	VADDPS Z29, Z13, Z13
	VMOVUPS Z12, (DX)
	VMOVUPS Z13, 64(DX)
	ADDQ BX, DX
	VADDPS Z28, Z14, Z14
	VADDPS Z29, Z15, Z15
	VMOVUPS Z14, (DX)
	VMOVUPS Z15, 64(DX)
	ADDQ BX, DX
	VADDPS Z28, Z16, Z16
	VADDPS Z29, Z17, Z17
	VMOVUPS Z16, (DX)
	VMOVUPS Z17, 64(DX)
	ADDQ BX, DX
	VADDPS Z28, Z18, Z18
	VADDPS Z29, Z19, Z19
	VMOVUPS Z18, (DX)
	VMOVUPS Z19, 64(DX)
	ADDQ BX, DX
	VADDPS Z28, Z20, Z20
	VADDPS Z29, Z21, Z21
	VMOVUPS Z20, (DX)
	VMOVUPS Z21, 64(DX)
	ADDQ BX, DX
	VADDPS Z28, Z22, Z22
	VADDPS Z29, Z23, Z23
	VMOVUPS Z22, (DX)
	VMOVUPS Z23, 64(DX)
	VZEROUPPER
	RET

// func cvtBF16(x *float32, n int, dst *uint16)
//
// dst[i] = x[i] rounded to bfloat16 (nearest even), for n floats (a positive multiple of 16).
TEXT ·cvtBF16(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ dst+16(FP), DI
	SHRQ $4, CX

cloop:
	VMOVUPS       (SI), Z1
	BYTE $0x62; BYTE $0xf2; BYTE $0x7e; BYTE $0x48; BYTE $0x72; BYTE $0xc9 // vcvtneps2bf16 ymm1, zmm1
	VMOVDQU       Y1, (DI)
	ADDQ          $64, SI
	ADDQ          $32, DI
	DECQ          CX
	JNE           cloop
	VZEROUPPER
	RET

