//go:build amd64

#include "textflag.h"

// exp16 sets Z3 = exp(Z1) for lanes with Z1 <= 0 (Cephes expf: n = round(y log2 e),
// r = y - n ln 2 in two parts, a degree-6 polynomial, times 2^n by VSCALEFPS). R8 = tab.
// Clobbers Z1, Z2, Z4, Z5.
#define EXP16 \
	VMAXPS       0(R8), Z1, Z1 \
	VMULPS       64(R8), Z1, Z4 \
	VRNDSCALEPS  $0, Z4, Z4 \
	VMOVAPS      Z1, Z2 \
	VFNMADD231PS 128(R8), Z4, Z2 \
	VFNMADD231PS 192(R8), Z4, Z2 \
	VMOVUPS      256(R8), Z3 \
	VFMADD213PS  320(R8), Z2, Z3 \
	VFMADD213PS  384(R8), Z2, Z3 \
	VFMADD213PS  448(R8), Z2, Z3 \
	VFMADD213PS  512(R8), Z2, Z3 \
	VFMADD213PS  576(R8), Z2, Z3 \
	VMULPS       Z2, Z2, Z5 \
	VFMADD213PS  Z2, Z5, Z3 \
	VADDPS       640(R8), Z3, Z3 \
	VSCALEFPS    Z4, Z3, Z3

// func softmax16(x *float32, n int, scale float32, tab *[12][16]float32)
//
// x = softmax(x * scale) over n > 0 floats (scale > 0), in three passes: the maximum, the
// exponentials and their sum, the division. The last n % 16 values go through masked loads
// and stores. tab: 0 -87, 1 log2 e, 2 ln2 high, 3 ln2 low, 4..9 polynomial, 10 one, 11 -inf.
TEXT ·softmax16(SB), NOSPLIT, $0-32
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), DX
	VBROADCASTSS scale+16(FP), Z15
	MOVQ         tab+24(FP), R8
	MOVQ         DX, CX
	ANDQ         $15, CX
	MOVL         $1, AX
	SHLL         CX, AX
	DECL         AX
	KMOVW        AX, K1
	MOVQ         DX, CX
	SHRQ         $4, CX

	// pass 1: maximum
	VMOVUPS 704(R8), Z0
	MOVQ    SI, DI
	MOVQ    CX, BX

mloop:
	TESTQ   BX, BX
	JE      mtail
	VMAXPS  (DI), Z0, Z0
	ADDQ    $64, DI
	DECQ    BX
	JMP     mloop

mtail:
	VMOVUPS 704(R8), Z1
	VMOVUPS (DI), K1, Z1
	VMAXPS  Z1, Z0, Z0
	VEXTRACTF32X8 $1, Z0, Y1
	VMAXPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VMAXPS        X1, X0, X0
	VPERMILPS     $0x4e, X0, X1
	VMAXPS        X1, X0, X0
	VPERMILPS     $0xb1, X0, X1
	VMAXPS        X1, X0, X0
	VBROADCASTSS  X0, Z14
	VMULPS        Z15, Z14, Z14

	// pass 2: exponentials and their sum
	VPXORD Z13, Z13, Z13
	MOVQ   SI, DI
	MOVQ   CX, BX

eloop:
	TESTQ       BX, BX
	JE          etail
	VMOVUPS     (DI), Z1
	VFMSUB213PS Z14, Z15, Z1
	EXP16
	VADDPS      Z3, Z13, Z13
	VMOVUPS     Z3, (DI)
	ADDQ        $64, DI
	DECQ        BX
	JMP         eloop

etail:
	VMOVUPS.Z   (DI), K1, Z1
	VFMSUB213PS Z14, Z15, Z1
	EXP16
	VADDPS      Z3, Z13, K1, Z13
	VMOVUPS     Z3, K1, (DI)
	VEXTRACTF32X8 $1, Z13, Y1
	VADDPS        Y1, Y13, Y13
	VEXTRACTF128  $1, Y13, X1
	VADDPS        X1, X13, X13
	VPERMILPS     $0x4e, X13, X1
	VADDPS        X1, X13, X13
	VPERMILPS     $0xb1, X13, X1
	VADDPS        X1, X13, X13
	VBROADCASTSS  X13, Z13
	VMOVUPS       640(R8), Z12
	VDIVPS        Z13, Z12, Z12

	// pass 3: divide by the sum
	MOVQ SI, DI
	MOVQ CX, BX

dloop:
	TESTQ   BX, BX
	JE      dtail
	VMULPS  (DI), Z12, Z1
	VMOVUPS Z1, (DI)
	ADDQ    $64, DI
	DECQ    BX
	JMP     dloop

dtail:
	VMOVUPS.Z (DI), K1, Z1
	VMULPS    Z1, Z12, Z1
	VMOVUPS   Z1, K1, (DI)
	VZEROUPPER
	RET
