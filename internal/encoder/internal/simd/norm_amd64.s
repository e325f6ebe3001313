//go:build amd64

#include "textflag.h"

// func addNorm16(x *float32, y *float32, gamma *float32, beta *float32, n int, invn float32, eps float32)
//
// x = LayerNorm(x + y) * g + b over n floats (a positive multiple of 16; y nil: no addition),
// in three passes: the sum (after adding y, stored back), the centered sum of squares, the
// normalization. Sums are float32 in 16 lanes.
TEXT ·addNorm16(SB), NOSPLIT, $0-48
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), R9
	MOVQ gamma+16(FP), R10
	MOVQ beta+24(FP), R11
	MOVQ n+32(FP), CX
	SHRQ $4, CX
	VPXORD Z0, Z0, Z0
	MOVQ SI, DI
	MOVQ CX, BX
	TESTQ R9, R9
	JE   sloop

aloop:
	VMOVUPS (DI), Z1
	VADDPS  (R9), Z1, Z1
	VMOVUPS Z1, (DI)
	VADDPS  Z1, Z0, Z0
	ADDQ    $64, DI
	ADDQ    $64, R9
	DECQ    BX
	JNE     aloop
	JMP     mean

sloop:
	VADDPS (DI), Z0, Z0
	ADDQ   $64, DI
	DECQ   BX
	JNE    sloop

mean:
	VEXTRACTF32X8 $1, Z0, Y1
	VADDPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VPERMILPS     $0x4e, X0, X1
	VADDPS        X1, X0, X0
	VPERMILPS     $0xb1, X0, X1
	VADDPS        X1, X0, X0
	VMULSS        invn+40(FP), X0, X0
	VBROADCASTSS  X0, Z2
	VPXORD        Z3, Z3, Z3
	MOVQ          SI, DI
	MOVQ          CX, BX

vloop:
	VMOVUPS     (DI), Z1
	VSUBPS      Z2, Z1, Z1
	VFMADD231PS Z1, Z1, Z3
	ADDQ        $64, DI
	DECQ        BX
	JNE         vloop
	VEXTRACTF32X8 $1, Z3, Y1
	VADDPS        Y1, Y3, Y3
	VEXTRACTF128  $1, Y3, X1
	VADDPS        X1, X3, X3
	VPERMILPS     $0x4e, X3, X1
	VADDPS        X1, X3, X3
	VPERMILPS     $0xb1, X3, X1
	VADDPS        X1, X3, X3
	VMULSS        invn+40(FP), X3, X3
	VADDSS        eps+44(FP), X3, X3
	VSQRTSS       X3, X3, X3
	MOVL          $0x3f800000, AX
	VMOVD         AX, X4
	VDIVSS        X3, X4, X4
	VBROADCASTSS  X4, Z4
	MOVQ          SI, DI

nloop:
	VMOVUPS (DI), Z1
	VSUBPS  Z2, Z1, Z1
	VMULPS  Z4, Z1, Z1
	VMULPS  (R10), Z1, Z1
	VADDPS  (R11), Z1, Z1
	VMOVUPS Z1, (DI)
	ADDQ    $64, DI
	ADDQ    $64, R10
	ADDQ    $64, R11
	DECQ    CX
	JNE     nloop
	VZEROUPPER
	RET
