//go:build amd64 && !purego

#include "textflag.h"

// The float32 AVX2 kernels (kernels32.go has their Go references): the
// same IEEE operations in the same order as the Go loops, eight values at
// a time in a Y register (VMULPS and VADDPS, never fused), so the results
// are the same bits.

// Offsets into vecConsts32 (32 bytes per constant: eight copies).
#define C32_LOG2E 0
#define C32_SHIFT 32
#define C32_LN2HI 64
#define C32_LN2LO 96
#define C32_P0 128
#define C32_P1 160
#define C32_P2 192
#define C32_P3 224
#define C32_P4 256
#define C32_P5 288
#define C32_ONE 320
#define C32_TWO 352
#define C32_NEG2 384
#define C32_LO 416
#define C32_HI 448
#define C32_SIGN 480

// CONSTS32 loads AX → vecConsts32 and the constants that VMINPS, VMAXPS
// and VDIVPS need in registers: Y10 = 1, Y11 = 88, Y12 = −86, Y14 = 2.
#define CONSTS32 \
	LEAQ    ·vecConsts32(SB), AX; \
	VMOVUPS C32_ONE(AX), Y10; \
	VMOVUPS C32_HI(AX), Y11; \
	VMOVUPS C32_LO(AX), Y12; \
	VMOVUPS C32_TWO(AX), Y14

// CLAMP2 limits Y0 and Y5 to [−86, 88] as clamp32 does (with the value
// second, VMINPS and VMAXPS return it when it is NaN).
#define CLAMP2 \
	VMINPS Y0, Y11, Y0; \
	VMINPS Y5, Y11, Y5; \
	VMAXPS Y0, Y12, Y0; \
	VMAXPS Y5, Y12, Y5

#define CLAMP1 \
	VMINPS Y0, Y11, Y0; \
	VMAXPS Y0, Y12, Y0

// EXP2 sets Y0 = exp32(Y0) and Y5 = exp32(Y5), both already clamped, the
// two chains interleaved so that the processor always has independent
// work (each 256-bit operation is two halves on AMD Zen 1). Step by step
// as exp32: kf = x·log2e + shift, ki = (bits(kf) − bits(shift)) << 23, k =
// kf − shift, r = (x − k·hi) − k·lo, p = ((((P0·r + P1)r + P2)r + P3)r +
// P4)r + P5, e = (p·r² + r) + 1, result bits(e) + ki. Needs CONSTS32;
// clobbers Y1–Y3 and Y6–Y8.
#define EXP2 \
	VMULPS C32_LOG2E(AX), Y0, Y1; \
	VMULPS C32_LOG2E(AX), Y5, Y6; \
	VADDPS C32_SHIFT(AX), Y1, Y1; \
	VADDPS C32_SHIFT(AX), Y6, Y6; \
	VPSUBD C32_SHIFT(AX), Y1, Y2; \
	VPSUBD C32_SHIFT(AX), Y6, Y7; \
	VPSLLD $23, Y2, Y2; \
	VPSLLD $23, Y7, Y7; \
	VSUBPS C32_SHIFT(AX), Y1, Y1; \
	VSUBPS C32_SHIFT(AX), Y6, Y6; \
	VMULPS C32_LN2HI(AX), Y1, Y3; \
	VMULPS C32_LN2HI(AX), Y6, Y8; \
	VSUBPS Y3, Y0, Y3; \
	VSUBPS Y8, Y5, Y8; \
	VMULPS C32_LN2LO(AX), Y1, Y1; \
	VMULPS C32_LN2LO(AX), Y6, Y6; \
	VSUBPS Y1, Y3, Y3; \
	VSUBPS Y6, Y8, Y8; \
	VMULPS Y3, Y3, Y1; \
	VMULPS Y8, Y8, Y6; \
	VMULPS C32_P0(AX), Y3, Y0; \
	VMULPS C32_P0(AX), Y8, Y5; \
	VADDPS C32_P1(AX), Y0, Y0; \
	VADDPS C32_P1(AX), Y5, Y5; \
	VMULPS Y3, Y0, Y0; \
	VMULPS Y8, Y5, Y5; \
	VADDPS C32_P2(AX), Y0, Y0; \
	VADDPS C32_P2(AX), Y5, Y5; \
	VMULPS Y3, Y0, Y0; \
	VMULPS Y8, Y5, Y5; \
	VADDPS C32_P3(AX), Y0, Y0; \
	VADDPS C32_P3(AX), Y5, Y5; \
	VMULPS Y3, Y0, Y0; \
	VMULPS Y8, Y5, Y5; \
	VADDPS C32_P4(AX), Y0, Y0; \
	VADDPS C32_P4(AX), Y5, Y5; \
	VMULPS Y3, Y0, Y0; \
	VMULPS Y8, Y5, Y5; \
	VADDPS C32_P5(AX), Y0, Y0; \
	VADDPS C32_P5(AX), Y5, Y5; \
	VMULPS Y1, Y0, Y0; \
	VMULPS Y6, Y5, Y5; \
	VADDPS Y3, Y0, Y0; \
	VADDPS Y8, Y5, Y5; \
	VADDPS Y10, Y0, Y0; \
	VADDPS Y10, Y5, Y5; \
	VPADDD Y2, Y0, Y0; \
	VPADDD Y7, Y5, Y5

// EXP1 is EXP2 for Y0 alone. Clobbers Y1–Y3.
#define EXP1 \
	VMULPS C32_LOG2E(AX), Y0, Y1; \
	VADDPS C32_SHIFT(AX), Y1, Y1; \
	VPSUBD C32_SHIFT(AX), Y1, Y2; \
	VPSLLD $23, Y2, Y2; \
	VSUBPS C32_SHIFT(AX), Y1, Y1; \
	VMULPS C32_LN2HI(AX), Y1, Y3; \
	VSUBPS Y3, Y0, Y3; \
	VMULPS C32_LN2LO(AX), Y1, Y1; \
	VSUBPS Y1, Y3, Y3; \
	VMULPS Y3, Y3, Y1; \
	VMULPS C32_P0(AX), Y3, Y0; \
	VADDPS C32_P1(AX), Y0, Y0; \
	VMULPS Y3, Y0, Y0; \
	VADDPS C32_P2(AX), Y0, Y0; \
	VMULPS Y3, Y0, Y0; \
	VADDPS C32_P3(AX), Y0, Y0; \
	VMULPS Y3, Y0, Y0; \
	VADDPS C32_P4(AX), Y0, Y0; \
	VMULPS Y3, Y0, Y0; \
	VADDPS C32_P5(AX), Y0, Y0; \
	VMULPS Y1, Y0, Y0; \
	VADDPS Y3, Y0, Y0; \
	VADDPS Y10, Y0, Y0; \
	VPADDD Y2, Y0, Y0

// SIGMOID2 sets Y0 = 1/(1 + exp32(clamp(−Y0))), and Y5 likewise.
#define SIGMOID2 \
	VXORPS C32_SIGN(AX), Y0, Y0; \
	VXORPS C32_SIGN(AX), Y5, Y5; \
	CLAMP2; \
	EXP2; \
	VADDPS Y10, Y0, Y0; \
	VADDPS Y10, Y5, Y5; \
	VDIVPS Y0, Y10, Y0; \
	VDIVPS Y5, Y10, Y5

#define SIGMOID1 \
	VXORPS C32_SIGN(AX), Y0, Y0; \
	CLAMP1; \
	EXP1; \
	VADDPS Y10, Y0, Y0; \
	VDIVPS Y0, Y10, Y0

// TANH2 sets Y0 = 2/(1 + exp32(clamp(−2·Y0))) − 1, and Y5 likewise (−2·x
// as a product, as Go computes it, so a NaN keeps its sign).
#define TANH2 \
	VMULPS C32_NEG2(AX), Y0, Y0; \
	VMULPS C32_NEG2(AX), Y5, Y5; \
	CLAMP2; \
	EXP2; \
	VADDPS Y10, Y0, Y0; \
	VADDPS Y10, Y5, Y5; \
	VDIVPS Y0, Y14, Y0; \
	VDIVPS Y5, Y14, Y5; \
	VSUBPS Y10, Y0, Y0; \
	VSUBPS Y10, Y5, Y5

#define TANH1 \
	VMULPS C32_NEG2(AX), Y0, Y0; \
	CLAMP1; \
	EXP1; \
	VADDPS Y10, Y0, Y0; \
	VDIVPS Y0, Y14, Y0; \
	VSUBPS Y10, Y0, Y0

// The four-chain versions: four blocks of eight in Y0, Y4, Y8 and Y12
// (each chain uses the next three registers), their instructions
// interleaved so that the processor has four independent chains of
// dependent operations at hand. Every constant is read from memory (AX →
// vecConsts32) or loaded into a free register of its chain, so all
// sixteen registers hold the chains; the operations are those of EXP2 in
// the same order, each step written for the four chains in turn (see
// EXP2, SIGMOID2 and TANH2 for what the steps compute).

// EXP4 sets each chain's first register to exp32(clamp32(it)).
#define EXP4 \
	VMOVUPS C32_HI(AX), Y1; \
	VMOVUPS C32_HI(AX), Y5; \
	VMOVUPS C32_HI(AX), Y9; \
	VMOVUPS C32_HI(AX), Y13; \
	VMOVUPS C32_LO(AX), Y2; \
	VMOVUPS C32_LO(AX), Y6; \
	VMOVUPS C32_LO(AX), Y10; \
	VMOVUPS C32_LO(AX), Y14; \
	VMINPS Y0, Y1, Y0; \
	VMINPS Y4, Y5, Y4; \
	VMINPS Y8, Y9, Y8; \
	VMINPS Y12, Y13, Y12; \
	VMAXPS Y0, Y2, Y0; \
	VMAXPS Y4, Y6, Y4; \
	VMAXPS Y8, Y10, Y8; \
	VMAXPS Y12, Y14, Y12; \
	VMULPS C32_LOG2E(AX), Y0, Y1; \
	VMULPS C32_LOG2E(AX), Y4, Y5; \
	VMULPS C32_LOG2E(AX), Y8, Y9; \
	VMULPS C32_LOG2E(AX), Y12, Y13; \
	VADDPS C32_SHIFT(AX), Y1, Y1; \
	VADDPS C32_SHIFT(AX), Y5, Y5; \
	VADDPS C32_SHIFT(AX), Y9, Y9; \
	VADDPS C32_SHIFT(AX), Y13, Y13; \
	VPSUBD C32_SHIFT(AX), Y1, Y2; \
	VPSUBD C32_SHIFT(AX), Y5, Y6; \
	VPSUBD C32_SHIFT(AX), Y9, Y10; \
	VPSUBD C32_SHIFT(AX), Y13, Y14; \
	VPSLLD $23, Y2, Y2; \
	VPSLLD $23, Y6, Y6; \
	VPSLLD $23, Y10, Y10; \
	VPSLLD $23, Y14, Y14; \
	VSUBPS C32_SHIFT(AX), Y1, Y1; \
	VSUBPS C32_SHIFT(AX), Y5, Y5; \
	VSUBPS C32_SHIFT(AX), Y9, Y9; \
	VSUBPS C32_SHIFT(AX), Y13, Y13; \
	VMULPS C32_LN2HI(AX), Y1, Y3; \
	VMULPS C32_LN2HI(AX), Y5, Y7; \
	VMULPS C32_LN2HI(AX), Y9, Y11; \
	VMULPS C32_LN2HI(AX), Y13, Y15; \
	VSUBPS Y3, Y0, Y3; \
	VSUBPS Y7, Y4, Y7; \
	VSUBPS Y11, Y8, Y11; \
	VSUBPS Y15, Y12, Y15; \
	VMULPS C32_LN2LO(AX), Y1, Y1; \
	VMULPS C32_LN2LO(AX), Y5, Y5; \
	VMULPS C32_LN2LO(AX), Y9, Y9; \
	VMULPS C32_LN2LO(AX), Y13, Y13; \
	VSUBPS Y1, Y3, Y3; \
	VSUBPS Y5, Y7, Y7; \
	VSUBPS Y9, Y11, Y11; \
	VSUBPS Y13, Y15, Y15; \
	VMULPS Y3, Y3, Y1; \
	VMULPS Y7, Y7, Y5; \
	VMULPS Y11, Y11, Y9; \
	VMULPS Y15, Y15, Y13; \
	VMULPS C32_P0(AX), Y3, Y0; \
	VMULPS C32_P0(AX), Y7, Y4; \
	VMULPS C32_P0(AX), Y11, Y8; \
	VMULPS C32_P0(AX), Y15, Y12; \
	VADDPS C32_P1(AX), Y0, Y0; \
	VADDPS C32_P1(AX), Y4, Y4; \
	VADDPS C32_P1(AX), Y8, Y8; \
	VADDPS C32_P1(AX), Y12, Y12; \
	VMULPS Y3, Y0, Y0; \
	VMULPS Y7, Y4, Y4; \
	VMULPS Y11, Y8, Y8; \
	VMULPS Y15, Y12, Y12; \
	VADDPS C32_P2(AX), Y0, Y0; \
	VADDPS C32_P2(AX), Y4, Y4; \
	VADDPS C32_P2(AX), Y8, Y8; \
	VADDPS C32_P2(AX), Y12, Y12; \
	VMULPS Y3, Y0, Y0; \
	VMULPS Y7, Y4, Y4; \
	VMULPS Y11, Y8, Y8; \
	VMULPS Y15, Y12, Y12; \
	VADDPS C32_P3(AX), Y0, Y0; \
	VADDPS C32_P3(AX), Y4, Y4; \
	VADDPS C32_P3(AX), Y8, Y8; \
	VADDPS C32_P3(AX), Y12, Y12; \
	VMULPS Y3, Y0, Y0; \
	VMULPS Y7, Y4, Y4; \
	VMULPS Y11, Y8, Y8; \
	VMULPS Y15, Y12, Y12; \
	VADDPS C32_P4(AX), Y0, Y0; \
	VADDPS C32_P4(AX), Y4, Y4; \
	VADDPS C32_P4(AX), Y8, Y8; \
	VADDPS C32_P4(AX), Y12, Y12; \
	VMULPS Y3, Y0, Y0; \
	VMULPS Y7, Y4, Y4; \
	VMULPS Y11, Y8, Y8; \
	VMULPS Y15, Y12, Y12; \
	VADDPS C32_P5(AX), Y0, Y0; \
	VADDPS C32_P5(AX), Y4, Y4; \
	VADDPS C32_P5(AX), Y8, Y8; \
	VADDPS C32_P5(AX), Y12, Y12; \
	VMULPS Y1, Y0, Y0; \
	VMULPS Y5, Y4, Y4; \
	VMULPS Y9, Y8, Y8; \
	VMULPS Y13, Y12, Y12; \
	VADDPS Y3, Y0, Y0; \
	VADDPS Y7, Y4, Y4; \
	VADDPS Y11, Y8, Y8; \
	VADDPS Y15, Y12, Y12; \
	VADDPS C32_ONE(AX), Y0, Y0; \
	VADDPS C32_ONE(AX), Y4, Y4; \
	VADDPS C32_ONE(AX), Y8, Y8; \
	VADDPS C32_ONE(AX), Y12, Y12; \
	VPADDD Y2, Y0, Y0; \
	VPADDD Y6, Y4, Y4; \
	VPADDD Y10, Y8, Y8; \
	VPADDD Y14, Y12, Y12

// SIGMOID4 is SIGMOID2 on the four chains.
#define SIGMOID4 \
	VXORPS C32_SIGN(AX), Y0, Y0; \
	VXORPS C32_SIGN(AX), Y4, Y4; \
	VXORPS C32_SIGN(AX), Y8, Y8; \
	VXORPS C32_SIGN(AX), Y12, Y12; \
	VMOVUPS C32_HI(AX), Y1; \
	VMOVUPS C32_HI(AX), Y5; \
	VMOVUPS C32_HI(AX), Y9; \
	VMOVUPS C32_HI(AX), Y13; \
	VMOVUPS C32_LO(AX), Y2; \
	VMOVUPS C32_LO(AX), Y6; \
	VMOVUPS C32_LO(AX), Y10; \
	VMOVUPS C32_LO(AX), Y14; \
	VMINPS Y0, Y1, Y0; \
	VMINPS Y4, Y5, Y4; \
	VMINPS Y8, Y9, Y8; \
	VMINPS Y12, Y13, Y12; \
	VMAXPS Y0, Y2, Y0; \
	VMAXPS Y4, Y6, Y4; \
	VMAXPS Y8, Y10, Y8; \
	VMAXPS Y12, Y14, Y12; \
	VMULPS C32_LOG2E(AX), Y0, Y1; \
	VMULPS C32_LOG2E(AX), Y4, Y5; \
	VMULPS C32_LOG2E(AX), Y8, Y9; \
	VMULPS C32_LOG2E(AX), Y12, Y13; \
	VADDPS C32_SHIFT(AX), Y1, Y1; \
	VADDPS C32_SHIFT(AX), Y5, Y5; \
	VADDPS C32_SHIFT(AX), Y9, Y9; \
	VADDPS C32_SHIFT(AX), Y13, Y13; \
	VPSUBD C32_SHIFT(AX), Y1, Y2; \
	VPSUBD C32_SHIFT(AX), Y5, Y6; \
	VPSUBD C32_SHIFT(AX), Y9, Y10; \
	VPSUBD C32_SHIFT(AX), Y13, Y14; \
	VPSLLD $23, Y2, Y2; \
	VPSLLD $23, Y6, Y6; \
	VPSLLD $23, Y10, Y10; \
	VPSLLD $23, Y14, Y14; \
	VSUBPS C32_SHIFT(AX), Y1, Y1; \
	VSUBPS C32_SHIFT(AX), Y5, Y5; \
	VSUBPS C32_SHIFT(AX), Y9, Y9; \
	VSUBPS C32_SHIFT(AX), Y13, Y13; \
	VMULPS C32_LN2HI(AX), Y1, Y3; \
	VMULPS C32_LN2HI(AX), Y5, Y7; \
	VMULPS C32_LN2HI(AX), Y9, Y11; \
	VMULPS C32_LN2HI(AX), Y13, Y15; \
	VSUBPS Y3, Y0, Y3; \
	VSUBPS Y7, Y4, Y7; \
	VSUBPS Y11, Y8, Y11; \
	VSUBPS Y15, Y12, Y15; \
	VMULPS C32_LN2LO(AX), Y1, Y1; \
	VMULPS C32_LN2LO(AX), Y5, Y5; \
	VMULPS C32_LN2LO(AX), Y9, Y9; \
	VMULPS C32_LN2LO(AX), Y13, Y13; \
	VSUBPS Y1, Y3, Y3; \
	VSUBPS Y5, Y7, Y7; \
	VSUBPS Y9, Y11, Y11; \
	VSUBPS Y13, Y15, Y15; \
	VMULPS Y3, Y3, Y1; \
	VMULPS Y7, Y7, Y5; \
	VMULPS Y11, Y11, Y9; \
	VMULPS Y15, Y15, Y13; \
	VMULPS C32_P0(AX), Y3, Y0; \
	VMULPS C32_P0(AX), Y7, Y4; \
	VMULPS C32_P0(AX), Y11, Y8; \
	VMULPS C32_P0(AX), Y15, Y12; \
	VADDPS C32_P1(AX), Y0, Y0; \
	VADDPS C32_P1(AX), Y4, Y4; \
	VADDPS C32_P1(AX), Y8, Y8; \
	VADDPS C32_P1(AX), Y12, Y12; \
	VMULPS Y3, Y0, Y0; \
	VMULPS Y7, Y4, Y4; \
	VMULPS Y11, Y8, Y8; \
	VMULPS Y15, Y12, Y12; \
	VADDPS C32_P2(AX), Y0, Y0; \
	VADDPS C32_P2(AX), Y4, Y4; \
	VADDPS C32_P2(AX), Y8, Y8; \
	VADDPS C32_P2(AX), Y12, Y12; \
	VMULPS Y3, Y0, Y0; \
	VMULPS Y7, Y4, Y4; \
	VMULPS Y11, Y8, Y8; \
	VMULPS Y15, Y12, Y12; \
	VADDPS C32_P3(AX), Y0, Y0; \
	VADDPS C32_P3(AX), Y4, Y4; \
	VADDPS C32_P3(AX), Y8, Y8; \
	VADDPS C32_P3(AX), Y12, Y12; \
	VMULPS Y3, Y0, Y0; \
	VMULPS Y7, Y4, Y4; \
	VMULPS Y11, Y8, Y8; \
	VMULPS Y15, Y12, Y12; \
	VADDPS C32_P4(AX), Y0, Y0; \
	VADDPS C32_P4(AX), Y4, Y4; \
	VADDPS C32_P4(AX), Y8, Y8; \
	VADDPS C32_P4(AX), Y12, Y12; \
	VMULPS Y3, Y0, Y0; \
	VMULPS Y7, Y4, Y4; \
	VMULPS Y11, Y8, Y8; \
	VMULPS Y15, Y12, Y12; \
	VADDPS C32_P5(AX), Y0, Y0; \
	VADDPS C32_P5(AX), Y4, Y4; \
	VADDPS C32_P5(AX), Y8, Y8; \
	VADDPS C32_P5(AX), Y12, Y12; \
	VMULPS Y1, Y0, Y0; \
	VMULPS Y5, Y4, Y4; \
	VMULPS Y9, Y8, Y8; \
	VMULPS Y13, Y12, Y12; \
	VADDPS Y3, Y0, Y0; \
	VADDPS Y7, Y4, Y4; \
	VADDPS Y11, Y8, Y8; \
	VADDPS Y15, Y12, Y12; \
	VADDPS C32_ONE(AX), Y0, Y0; \
	VADDPS C32_ONE(AX), Y4, Y4; \
	VADDPS C32_ONE(AX), Y8, Y8; \
	VADDPS C32_ONE(AX), Y12, Y12; \
	VPADDD Y2, Y0, Y0; \
	VPADDD Y6, Y4, Y4; \
	VPADDD Y10, Y8, Y8; \
	VPADDD Y14, Y12, Y12; \
	VADDPS C32_ONE(AX), Y0, Y0; \
	VADDPS C32_ONE(AX), Y4, Y4; \
	VADDPS C32_ONE(AX), Y8, Y8; \
	VADDPS C32_ONE(AX), Y12, Y12; \
	VMOVUPS C32_ONE(AX), Y1; \
	VMOVUPS C32_ONE(AX), Y5; \
	VMOVUPS C32_ONE(AX), Y9; \
	VMOVUPS C32_ONE(AX), Y13; \
	VDIVPS Y0, Y1, Y0; \
	VDIVPS Y4, Y5, Y4; \
	VDIVPS Y8, Y9, Y8; \
	VDIVPS Y12, Y13, Y12

// TANH4 is TANH2 on the four chains.
#define TANH4 \
	VMULPS C32_NEG2(AX), Y0, Y0; \
	VMULPS C32_NEG2(AX), Y4, Y4; \
	VMULPS C32_NEG2(AX), Y8, Y8; \
	VMULPS C32_NEG2(AX), Y12, Y12; \
	VMOVUPS C32_HI(AX), Y1; \
	VMOVUPS C32_HI(AX), Y5; \
	VMOVUPS C32_HI(AX), Y9; \
	VMOVUPS C32_HI(AX), Y13; \
	VMOVUPS C32_LO(AX), Y2; \
	VMOVUPS C32_LO(AX), Y6; \
	VMOVUPS C32_LO(AX), Y10; \
	VMOVUPS C32_LO(AX), Y14; \
	VMINPS Y0, Y1, Y0; \
	VMINPS Y4, Y5, Y4; \
	VMINPS Y8, Y9, Y8; \
	VMINPS Y12, Y13, Y12; \
	VMAXPS Y0, Y2, Y0; \
	VMAXPS Y4, Y6, Y4; \
	VMAXPS Y8, Y10, Y8; \
	VMAXPS Y12, Y14, Y12; \
	VMULPS C32_LOG2E(AX), Y0, Y1; \
	VMULPS C32_LOG2E(AX), Y4, Y5; \
	VMULPS C32_LOG2E(AX), Y8, Y9; \
	VMULPS C32_LOG2E(AX), Y12, Y13; \
	VADDPS C32_SHIFT(AX), Y1, Y1; \
	VADDPS C32_SHIFT(AX), Y5, Y5; \
	VADDPS C32_SHIFT(AX), Y9, Y9; \
	VADDPS C32_SHIFT(AX), Y13, Y13; \
	VPSUBD C32_SHIFT(AX), Y1, Y2; \
	VPSUBD C32_SHIFT(AX), Y5, Y6; \
	VPSUBD C32_SHIFT(AX), Y9, Y10; \
	VPSUBD C32_SHIFT(AX), Y13, Y14; \
	VPSLLD $23, Y2, Y2; \
	VPSLLD $23, Y6, Y6; \
	VPSLLD $23, Y10, Y10; \
	VPSLLD $23, Y14, Y14; \
	VSUBPS C32_SHIFT(AX), Y1, Y1; \
	VSUBPS C32_SHIFT(AX), Y5, Y5; \
	VSUBPS C32_SHIFT(AX), Y9, Y9; \
	VSUBPS C32_SHIFT(AX), Y13, Y13; \
	VMULPS C32_LN2HI(AX), Y1, Y3; \
	VMULPS C32_LN2HI(AX), Y5, Y7; \
	VMULPS C32_LN2HI(AX), Y9, Y11; \
	VMULPS C32_LN2HI(AX), Y13, Y15; \
	VSUBPS Y3, Y0, Y3; \
	VSUBPS Y7, Y4, Y7; \
	VSUBPS Y11, Y8, Y11; \
	VSUBPS Y15, Y12, Y15; \
	VMULPS C32_LN2LO(AX), Y1, Y1; \
	VMULPS C32_LN2LO(AX), Y5, Y5; \
	VMULPS C32_LN2LO(AX), Y9, Y9; \
	VMULPS C32_LN2LO(AX), Y13, Y13; \
	VSUBPS Y1, Y3, Y3; \
	VSUBPS Y5, Y7, Y7; \
	VSUBPS Y9, Y11, Y11; \
	VSUBPS Y13, Y15, Y15; \
	VMULPS Y3, Y3, Y1; \
	VMULPS Y7, Y7, Y5; \
	VMULPS Y11, Y11, Y9; \
	VMULPS Y15, Y15, Y13; \
	VMULPS C32_P0(AX), Y3, Y0; \
	VMULPS C32_P0(AX), Y7, Y4; \
	VMULPS C32_P0(AX), Y11, Y8; \
	VMULPS C32_P0(AX), Y15, Y12; \
	VADDPS C32_P1(AX), Y0, Y0; \
	VADDPS C32_P1(AX), Y4, Y4; \
	VADDPS C32_P1(AX), Y8, Y8; \
	VADDPS C32_P1(AX), Y12, Y12; \
	VMULPS Y3, Y0, Y0; \
	VMULPS Y7, Y4, Y4; \
	VMULPS Y11, Y8, Y8; \
	VMULPS Y15, Y12, Y12; \
	VADDPS C32_P2(AX), Y0, Y0; \
	VADDPS C32_P2(AX), Y4, Y4; \
	VADDPS C32_P2(AX), Y8, Y8; \
	VADDPS C32_P2(AX), Y12, Y12; \
	VMULPS Y3, Y0, Y0; \
	VMULPS Y7, Y4, Y4; \
	VMULPS Y11, Y8, Y8; \
	VMULPS Y15, Y12, Y12; \
	VADDPS C32_P3(AX), Y0, Y0; \
	VADDPS C32_P3(AX), Y4, Y4; \
	VADDPS C32_P3(AX), Y8, Y8; \
	VADDPS C32_P3(AX), Y12, Y12; \
	VMULPS Y3, Y0, Y0; \
	VMULPS Y7, Y4, Y4; \
	VMULPS Y11, Y8, Y8; \
	VMULPS Y15, Y12, Y12; \
	VADDPS C32_P4(AX), Y0, Y0; \
	VADDPS C32_P4(AX), Y4, Y4; \
	VADDPS C32_P4(AX), Y8, Y8; \
	VADDPS C32_P4(AX), Y12, Y12; \
	VMULPS Y3, Y0, Y0; \
	VMULPS Y7, Y4, Y4; \
	VMULPS Y11, Y8, Y8; \
	VMULPS Y15, Y12, Y12; \
	VADDPS C32_P5(AX), Y0, Y0; \
	VADDPS C32_P5(AX), Y4, Y4; \
	VADDPS C32_P5(AX), Y8, Y8; \
	VADDPS C32_P5(AX), Y12, Y12; \
	VMULPS Y1, Y0, Y0; \
	VMULPS Y5, Y4, Y4; \
	VMULPS Y9, Y8, Y8; \
	VMULPS Y13, Y12, Y12; \
	VADDPS Y3, Y0, Y0; \
	VADDPS Y7, Y4, Y4; \
	VADDPS Y11, Y8, Y8; \
	VADDPS Y15, Y12, Y12; \
	VADDPS C32_ONE(AX), Y0, Y0; \
	VADDPS C32_ONE(AX), Y4, Y4; \
	VADDPS C32_ONE(AX), Y8, Y8; \
	VADDPS C32_ONE(AX), Y12, Y12; \
	VPADDD Y2, Y0, Y0; \
	VPADDD Y6, Y4, Y4; \
	VPADDD Y10, Y8, Y8; \
	VPADDD Y14, Y12, Y12; \
	VADDPS C32_ONE(AX), Y0, Y0; \
	VADDPS C32_ONE(AX), Y4, Y4; \
	VADDPS C32_ONE(AX), Y8, Y8; \
	VADDPS C32_ONE(AX), Y12, Y12; \
	VMOVUPS C32_TWO(AX), Y1; \
	VMOVUPS C32_TWO(AX), Y5; \
	VMOVUPS C32_TWO(AX), Y9; \
	VMOVUPS C32_TWO(AX), Y13; \
	VDIVPS Y0, Y1, Y0; \
	VDIVPS Y4, Y5, Y4; \
	VDIVPS Y8, Y9, Y8; \
	VDIVPS Y12, Y13, Y12; \
	VSUBPS C32_ONE(AX), Y0, Y0; \
	VSUBPS C32_ONE(AX), Y4, Y4; \
	VSUBPS C32_ONE(AX), Y8, Y8; \
	VSUBPS C32_ONE(AX), Y12, Y12

// ELU4 is ELU2 on the four chains, x reloaded from SI for the blend.
#define ELU4 \
	VMOVUPS C32_HI(AX), Y1; \
	VMOVUPS C32_HI(AX), Y5; \
	VMOVUPS C32_HI(AX), Y9; \
	VMOVUPS C32_HI(AX), Y13; \
	VMOVUPS C32_LO(AX), Y2; \
	VMOVUPS C32_LO(AX), Y6; \
	VMOVUPS C32_LO(AX), Y10; \
	VMOVUPS C32_LO(AX), Y14; \
	VMINPS Y0, Y1, Y0; \
	VMINPS Y4, Y5, Y4; \
	VMINPS Y8, Y9, Y8; \
	VMINPS Y12, Y13, Y12; \
	VMAXPS Y0, Y2, Y0; \
	VMAXPS Y4, Y6, Y4; \
	VMAXPS Y8, Y10, Y8; \
	VMAXPS Y12, Y14, Y12; \
	VMULPS C32_LOG2E(AX), Y0, Y1; \
	VMULPS C32_LOG2E(AX), Y4, Y5; \
	VMULPS C32_LOG2E(AX), Y8, Y9; \
	VMULPS C32_LOG2E(AX), Y12, Y13; \
	VADDPS C32_SHIFT(AX), Y1, Y1; \
	VADDPS C32_SHIFT(AX), Y5, Y5; \
	VADDPS C32_SHIFT(AX), Y9, Y9; \
	VADDPS C32_SHIFT(AX), Y13, Y13; \
	VPSUBD C32_SHIFT(AX), Y1, Y2; \
	VPSUBD C32_SHIFT(AX), Y5, Y6; \
	VPSUBD C32_SHIFT(AX), Y9, Y10; \
	VPSUBD C32_SHIFT(AX), Y13, Y14; \
	VPSLLD $23, Y2, Y2; \
	VPSLLD $23, Y6, Y6; \
	VPSLLD $23, Y10, Y10; \
	VPSLLD $23, Y14, Y14; \
	VSUBPS C32_SHIFT(AX), Y1, Y1; \
	VSUBPS C32_SHIFT(AX), Y5, Y5; \
	VSUBPS C32_SHIFT(AX), Y9, Y9; \
	VSUBPS C32_SHIFT(AX), Y13, Y13; \
	VMULPS C32_LN2HI(AX), Y1, Y3; \
	VMULPS C32_LN2HI(AX), Y5, Y7; \
	VMULPS C32_LN2HI(AX), Y9, Y11; \
	VMULPS C32_LN2HI(AX), Y13, Y15; \
	VSUBPS Y3, Y0, Y3; \
	VSUBPS Y7, Y4, Y7; \
	VSUBPS Y11, Y8, Y11; \
	VSUBPS Y15, Y12, Y15; \
	VMULPS C32_LN2LO(AX), Y1, Y1; \
	VMULPS C32_LN2LO(AX), Y5, Y5; \
	VMULPS C32_LN2LO(AX), Y9, Y9; \
	VMULPS C32_LN2LO(AX), Y13, Y13; \
	VSUBPS Y1, Y3, Y3; \
	VSUBPS Y5, Y7, Y7; \
	VSUBPS Y9, Y11, Y11; \
	VSUBPS Y13, Y15, Y15; \
	VMULPS Y3, Y3, Y1; \
	VMULPS Y7, Y7, Y5; \
	VMULPS Y11, Y11, Y9; \
	VMULPS Y15, Y15, Y13; \
	VMULPS C32_P0(AX), Y3, Y0; \
	VMULPS C32_P0(AX), Y7, Y4; \
	VMULPS C32_P0(AX), Y11, Y8; \
	VMULPS C32_P0(AX), Y15, Y12; \
	VADDPS C32_P1(AX), Y0, Y0; \
	VADDPS C32_P1(AX), Y4, Y4; \
	VADDPS C32_P1(AX), Y8, Y8; \
	VADDPS C32_P1(AX), Y12, Y12; \
	VMULPS Y3, Y0, Y0; \
	VMULPS Y7, Y4, Y4; \
	VMULPS Y11, Y8, Y8; \
	VMULPS Y15, Y12, Y12; \
	VADDPS C32_P2(AX), Y0, Y0; \
	VADDPS C32_P2(AX), Y4, Y4; \
	VADDPS C32_P2(AX), Y8, Y8; \
	VADDPS C32_P2(AX), Y12, Y12; \
	VMULPS Y3, Y0, Y0; \
	VMULPS Y7, Y4, Y4; \
	VMULPS Y11, Y8, Y8; \
	VMULPS Y15, Y12, Y12; \
	VADDPS C32_P3(AX), Y0, Y0; \
	VADDPS C32_P3(AX), Y4, Y4; \
	VADDPS C32_P3(AX), Y8, Y8; \
	VADDPS C32_P3(AX), Y12, Y12; \
	VMULPS Y3, Y0, Y0; \
	VMULPS Y7, Y4, Y4; \
	VMULPS Y11, Y8, Y8; \
	VMULPS Y15, Y12, Y12; \
	VADDPS C32_P4(AX), Y0, Y0; \
	VADDPS C32_P4(AX), Y4, Y4; \
	VADDPS C32_P4(AX), Y8, Y8; \
	VADDPS C32_P4(AX), Y12, Y12; \
	VMULPS Y3, Y0, Y0; \
	VMULPS Y7, Y4, Y4; \
	VMULPS Y11, Y8, Y8; \
	VMULPS Y15, Y12, Y12; \
	VADDPS C32_P5(AX), Y0, Y0; \
	VADDPS C32_P5(AX), Y4, Y4; \
	VADDPS C32_P5(AX), Y8, Y8; \
	VADDPS C32_P5(AX), Y12, Y12; \
	VMULPS Y1, Y0, Y0; \
	VMULPS Y5, Y4, Y4; \
	VMULPS Y9, Y8, Y8; \
	VMULPS Y13, Y12, Y12; \
	VADDPS Y3, Y0, Y0; \
	VADDPS Y7, Y4, Y4; \
	VADDPS Y11, Y8, Y8; \
	VADDPS Y15, Y12, Y12; \
	VADDPS C32_ONE(AX), Y0, Y0; \
	VADDPS C32_ONE(AX), Y4, Y4; \
	VADDPS C32_ONE(AX), Y8, Y8; \
	VADDPS C32_ONE(AX), Y12, Y12; \
	VPADDD Y2, Y0, Y0; \
	VPADDD Y6, Y4, Y4; \
	VPADDD Y10, Y8, Y8; \
	VPADDD Y14, Y12, Y12; \
	VSUBPS C32_ONE(AX), Y0, Y0; \
	VSUBPS C32_ONE(AX), Y4, Y4; \
	VSUBPS C32_ONE(AX), Y8, Y8; \
	VSUBPS C32_ONE(AX), Y12, Y12; \
	VMOVUPS (SI), Y1; \
	VMOVUPS 32(SI), Y5; \
	VMOVUPS 64(SI), Y9; \
	VMOVUPS 96(SI), Y13; \
	VXORPS Y2, Y2, Y2; \
	VXORPS Y6, Y6, Y6; \
	VXORPS Y10, Y10, Y10; \
	VXORPS Y14, Y14, Y14; \
	VCMPPS $0x1e, Y2, Y1, Y3; \
	VCMPPS $0x1e, Y6, Y5, Y7; \
	VCMPPS $0x1e, Y10, Y9, Y11; \
	VCMPPS $0x1e, Y14, Y13, Y15; \
	VBLENDVPS Y3, Y1, Y0, Y0; \
	VBLENDVPS Y7, Y5, Y4, Y4; \
	VBLENDVPS Y11, Y9, Y8, Y8; \
	VBLENDVPS Y15, Y13, Y12, Y12

// GATES4 is σ on Y0, Y4 and Y12 and tanh on Y8: an LSTM's i, f, g and o.
#define GATES4 \
	VXORPS C32_SIGN(AX), Y0, Y0; \
	VXORPS C32_SIGN(AX), Y4, Y4; \
	VMULPS C32_NEG2(AX), Y8, Y8; \
	VXORPS C32_SIGN(AX), Y12, Y12; \
	VMOVUPS C32_HI(AX), Y1; \
	VMOVUPS C32_HI(AX), Y5; \
	VMOVUPS C32_HI(AX), Y9; \
	VMOVUPS C32_HI(AX), Y13; \
	VMOVUPS C32_LO(AX), Y2; \
	VMOVUPS C32_LO(AX), Y6; \
	VMOVUPS C32_LO(AX), Y10; \
	VMOVUPS C32_LO(AX), Y14; \
	VMINPS Y0, Y1, Y0; \
	VMINPS Y4, Y5, Y4; \
	VMINPS Y8, Y9, Y8; \
	VMINPS Y12, Y13, Y12; \
	VMAXPS Y0, Y2, Y0; \
	VMAXPS Y4, Y6, Y4; \
	VMAXPS Y8, Y10, Y8; \
	VMAXPS Y12, Y14, Y12; \
	VMULPS C32_LOG2E(AX), Y0, Y1; \
	VMULPS C32_LOG2E(AX), Y4, Y5; \
	VMULPS C32_LOG2E(AX), Y8, Y9; \
	VMULPS C32_LOG2E(AX), Y12, Y13; \
	VADDPS C32_SHIFT(AX), Y1, Y1; \
	VADDPS C32_SHIFT(AX), Y5, Y5; \
	VADDPS C32_SHIFT(AX), Y9, Y9; \
	VADDPS C32_SHIFT(AX), Y13, Y13; \
	VPSUBD C32_SHIFT(AX), Y1, Y2; \
	VPSUBD C32_SHIFT(AX), Y5, Y6; \
	VPSUBD C32_SHIFT(AX), Y9, Y10; \
	VPSUBD C32_SHIFT(AX), Y13, Y14; \
	VPSLLD $23, Y2, Y2; \
	VPSLLD $23, Y6, Y6; \
	VPSLLD $23, Y10, Y10; \
	VPSLLD $23, Y14, Y14; \
	VSUBPS C32_SHIFT(AX), Y1, Y1; \
	VSUBPS C32_SHIFT(AX), Y5, Y5; \
	VSUBPS C32_SHIFT(AX), Y9, Y9; \
	VSUBPS C32_SHIFT(AX), Y13, Y13; \
	VMULPS C32_LN2HI(AX), Y1, Y3; \
	VMULPS C32_LN2HI(AX), Y5, Y7; \
	VMULPS C32_LN2HI(AX), Y9, Y11; \
	VMULPS C32_LN2HI(AX), Y13, Y15; \
	VSUBPS Y3, Y0, Y3; \
	VSUBPS Y7, Y4, Y7; \
	VSUBPS Y11, Y8, Y11; \
	VSUBPS Y15, Y12, Y15; \
	VMULPS C32_LN2LO(AX), Y1, Y1; \
	VMULPS C32_LN2LO(AX), Y5, Y5; \
	VMULPS C32_LN2LO(AX), Y9, Y9; \
	VMULPS C32_LN2LO(AX), Y13, Y13; \
	VSUBPS Y1, Y3, Y3; \
	VSUBPS Y5, Y7, Y7; \
	VSUBPS Y9, Y11, Y11; \
	VSUBPS Y13, Y15, Y15; \
	VMULPS Y3, Y3, Y1; \
	VMULPS Y7, Y7, Y5; \
	VMULPS Y11, Y11, Y9; \
	VMULPS Y15, Y15, Y13; \
	VMULPS C32_P0(AX), Y3, Y0; \
	VMULPS C32_P0(AX), Y7, Y4; \
	VMULPS C32_P0(AX), Y11, Y8; \
	VMULPS C32_P0(AX), Y15, Y12; \
	VADDPS C32_P1(AX), Y0, Y0; \
	VADDPS C32_P1(AX), Y4, Y4; \
	VADDPS C32_P1(AX), Y8, Y8; \
	VADDPS C32_P1(AX), Y12, Y12; \
	VMULPS Y3, Y0, Y0; \
	VMULPS Y7, Y4, Y4; \
	VMULPS Y11, Y8, Y8; \
	VMULPS Y15, Y12, Y12; \
	VADDPS C32_P2(AX), Y0, Y0; \
	VADDPS C32_P2(AX), Y4, Y4; \
	VADDPS C32_P2(AX), Y8, Y8; \
	VADDPS C32_P2(AX), Y12, Y12; \
	VMULPS Y3, Y0, Y0; \
	VMULPS Y7, Y4, Y4; \
	VMULPS Y11, Y8, Y8; \
	VMULPS Y15, Y12, Y12; \
	VADDPS C32_P3(AX), Y0, Y0; \
	VADDPS C32_P3(AX), Y4, Y4; \
	VADDPS C32_P3(AX), Y8, Y8; \
	VADDPS C32_P3(AX), Y12, Y12; \
	VMULPS Y3, Y0, Y0; \
	VMULPS Y7, Y4, Y4; \
	VMULPS Y11, Y8, Y8; \
	VMULPS Y15, Y12, Y12; \
	VADDPS C32_P4(AX), Y0, Y0; \
	VADDPS C32_P4(AX), Y4, Y4; \
	VADDPS C32_P4(AX), Y8, Y8; \
	VADDPS C32_P4(AX), Y12, Y12; \
	VMULPS Y3, Y0, Y0; \
	VMULPS Y7, Y4, Y4; \
	VMULPS Y11, Y8, Y8; \
	VMULPS Y15, Y12, Y12; \
	VADDPS C32_P5(AX), Y0, Y0; \
	VADDPS C32_P5(AX), Y4, Y4; \
	VADDPS C32_P5(AX), Y8, Y8; \
	VADDPS C32_P5(AX), Y12, Y12; \
	VMULPS Y1, Y0, Y0; \
	VMULPS Y5, Y4, Y4; \
	VMULPS Y9, Y8, Y8; \
	VMULPS Y13, Y12, Y12; \
	VADDPS Y3, Y0, Y0; \
	VADDPS Y7, Y4, Y4; \
	VADDPS Y11, Y8, Y8; \
	VADDPS Y15, Y12, Y12; \
	VADDPS C32_ONE(AX), Y0, Y0; \
	VADDPS C32_ONE(AX), Y4, Y4; \
	VADDPS C32_ONE(AX), Y8, Y8; \
	VADDPS C32_ONE(AX), Y12, Y12; \
	VPADDD Y2, Y0, Y0; \
	VPADDD Y6, Y4, Y4; \
	VPADDD Y10, Y8, Y8; \
	VPADDD Y14, Y12, Y12; \
	VADDPS C32_ONE(AX), Y0, Y0; \
	VADDPS C32_ONE(AX), Y4, Y4; \
	VADDPS C32_ONE(AX), Y8, Y8; \
	VADDPS C32_ONE(AX), Y12, Y12; \
	VMOVUPS C32_ONE(AX), Y1; \
	VMOVUPS C32_ONE(AX), Y5; \
	VMOVUPS C32_TWO(AX), Y9; \
	VMOVUPS C32_ONE(AX), Y13; \
	VDIVPS Y0, Y1, Y0; \
	VDIVPS Y4, Y5, Y4; \
	VDIVPS Y8, Y9, Y8; \
	VDIVPS Y12, Y13, Y12; \
	VSUBPS C32_ONE(AX), Y8, Y8


// func lstmGates32AVX2(gates, gx, hPrev, whh []float32, hid int)
//
// The gates of one row of LSTMStep32, hid a positive multiple of 8: gates
// = gx + hPrev·whh summed as matVecAcc32 sums (for each block of four k, t
// = ((x₀w₀ + x₁w₁) + x₂w₂) + x₃w₃, then y + t), sixteen columns at a time
// with the sums in registers; then σ on the input, forget and output
// gates and tanh on the cell gate. lstmState32AVX2 does the state.
//
// Registers in the product: DI → gates, SI → gx, DX → whh, R12 = 4·hid·4
// (a whh row), R8 = 3·R12, CX the column offset, BX → hPrev[k], R15 →
// whh[k][j], R13 k left, Y12–Y15 the broadcast hPrev[k…k+3], Y4 and Y5
// the sums. In the activations AX → vecConsts32, R15 → the unit block's
// i, R12 = hid·4, R13 = 3·hid·4, CX counts.
TEXT ·lstmGates32AVX2(SB), NOSPLIT, $0-104
	MOVQ gates_base+0(FP), DI
	MOVQ gx_base+24(FP), SI
	MOVQ whh_base+72(FP), DX
	MOVQ hid+96(FP), R12
	SHLQ $4, R12
	LEAQ (R12)(R12*2), R8
	XORQ CX, CX

lcol:
	VMOVUPS (SI)(CX*1), Y4
	VMOVUPS 32(SI)(CX*1), Y5
	MOVQ    hPrev_base+48(FP), BX
	LEAQ    (DX)(CX*1), R15
	MOVQ    hid+96(FP), R13

lk:
	VBROADCASTSS 0(BX), Y12
	VBROADCASTSS 4(BX), Y13
	VBROADCASTSS 8(BX), Y14
	VBROADCASTSS 12(BX), Y15
	VMULPS       (R15), Y12, Y0
	VMULPS       32(R15), Y12, Y1
	VMULPS       (R15)(R12*1), Y13, Y2
	VMULPS       32(R15)(R12*1), Y13, Y3
	VADDPS       Y2, Y0, Y0
	VADDPS       Y3, Y1, Y1
	VMULPS       (R15)(R12*2), Y14, Y2
	VMULPS       32(R15)(R12*2), Y14, Y3
	VADDPS       Y2, Y0, Y0
	VADDPS       Y3, Y1, Y1
	VMULPS       (R15)(R8*1), Y15, Y2
	VMULPS       32(R15)(R8*1), Y15, Y3
	VADDPS       Y2, Y0, Y0
	VADDPS       Y3, Y1, Y1
	VADDPS       Y0, Y4, Y4
	VADDPS       Y1, Y5, Y5
	ADDQ         $16, BX
	LEAQ         (R15)(R12*4), R15
	SUBQ         $4, R13
	JNZ          lk
	VMOVUPS      Y4, (DI)(CX*1)
	VMOVUPS      Y5, 32(DI)(CX*1)
	ADDQ         $64, CX
	CMPQ         CX, R12
	JLT          lcol

	// Activations, eight units at a time: σ on i, f and o, tanh on g,
	// four chains (GATES4).
	LEAQ ·vecConsts32(SB), AX
	MOVQ DI, R15
	MOVQ hid+96(FP), R12
	MOVQ R12, CX
	SHRQ $3, CX
	SHLQ $2, R12
	LEAQ (R12)(R12*2), R13

lact:
	VMOVUPS (R15), Y0
	VMOVUPS (R15)(R12*1), Y4
	VMOVUPS (R15)(R12*2), Y8
	VMOVUPS (R15)(R13*1), Y12
	GATES4
	VMOVUPS Y0, (R15)
	VMOVUPS Y4, (R15)(R12*1)
	VMOVUPS Y8, (R15)(R12*2)
	VMOVUPS Y12, (R15)(R13*1)
	ADDQ    $32, R15
	DECQ    CX
	JNZ     lact
	VZEROUPPER
	RET

// SNEXT sets r → the next block of eight units' input gate (R15) and
// moves R15 on: by 32 bytes, and past the row's f, g and o (R13 bytes)
// after the row's last block, CX counting the bytes left in the row's i
// (R12 a row), without a branch. BX is clobbered.
#define SNEXT(r) \
	MOVQ    R15, r; \
	ADDQ    $32, R15; \
	LEAQ    (R15)(R13*1), BX; \
	SUBQ    $32, CX; \
	CMOVQEQ BX, R15; \
	CMOVQEQ R12, CX

// CELL sets y = f·cPrev + i·g for the block whose i r points at (cPrev
// at off(R8)) and stores it to off(R10); t is clobbered.
#define CELL(r, y, t, off) \
	VMOVUPS (r)(R12*1), y; \
	VMULPS  off(R8), y, y; \
	VMOVUPS (r), t; \
	VMULPS  (r)(R12*2), t, t; \
	VADDPS  t, y, y; \
	VMOVUPS y, off(R10)

// func lstmState32AVX2(h, c, gates, cPrev []float32, b, hid int)
//
// The state of LSTMStep32 for b rows (hid a positive multiple of 8, gates
// activated): c = f·cPrev + i·g, h = tanh(c)·o. The b·hid/8 blocks of
// eight units go in order across the rows (h, c and cPrev are
// contiguous; SNEXT steps through gates), four at a time (TANH4), then
// two, then one. h may be hPrev and c cPrev. R15 → the next block's i,
// R12 = hid·4, R13 = 3·hid·4, CX bytes left in the row's i, DX blocks
// left, R8 → cPrev, R9 → h, R10 → c, SI, DI, R11 and R14 the blocks' i.
TEXT ·lstmState32AVX2(SB), NOSPLIT, $0-112
	MOVQ h_base+0(FP), R9
	MOVQ c_base+24(FP), R10
	MOVQ gates_base+48(FP), R15
	MOVQ cPrev_base+72(FP), R8
	MOVQ b+96(FP), DX
	MOVQ hid+104(FP), R12
	MOVQ R12, CX
	SHRQ $3, CX
	IMULQ CX, DX
	SHLQ $2, R12
	MOVQ R12, CX
	LEAQ (R12)(R12*2), R13
	LEAQ ·vecConsts32(SB), AX

squad:
	CMPQ    DX, $4
	JLT     spre
	SNEXT(SI)
	SNEXT(DI)
	SNEXT(R11)
	SNEXT(R14)
	CELL(SI, Y0, Y1, 0)
	CELL(DI, Y4, Y5, 32)
	CELL(R11, Y8, Y9, 64)
	CELL(R14, Y12, Y13, 96)
	TANH4
	VMULPS  (SI)(R13*1), Y0, Y0
	VMULPS  (DI)(R13*1), Y4, Y4
	VMULPS  (R11)(R13*1), Y8, Y8
	VMULPS  (R14)(R13*1), Y12, Y12
	VMOVUPS Y0, (R9)
	VMOVUPS Y4, 32(R9)
	VMOVUPS Y8, 64(R9)
	VMOVUPS Y12, 96(R9)
	ADDQ    $128, R8
	ADDQ    $128, R9
	ADDQ    $128, R10
	SUBQ    $4, DX
	JMP     squad

spre:
	CONSTS32
	CMPQ DX, $2
	JLT  sone
	SNEXT(SI)
	SNEXT(DI)
	CELL(SI, Y0, Y1, 0)
	CELL(DI, Y5, Y6, 32)
	TANH2
	VMULPS  (SI)(R13*1), Y0, Y0
	VMULPS  (DI)(R13*1), Y5, Y5
	VMOVUPS Y0, (R9)
	VMOVUPS Y5, 32(R9)
	ADDQ    $64, R8
	ADDQ    $64, R9
	ADDQ    $64, R10
	SUBQ    $2, DX
	JMP     spre

sone:
	TESTQ   DX, DX
	JZ      sdone2
	SNEXT(SI)
	CELL(SI, Y0, Y1, 0)
	TANH1
	VMULPS  (SI)(R13*1), Y0, Y0
	VMOVUPS Y0, (R9)

sdone2:
	VZEROUPPER
	RET

// ACT is the loop of the elementwise kernels (args y, x []float32, len(x)
// a multiple of 8, loaded into DI → y, SI → x, CX = len(x)): 32 values at
// a time through op4 (Y0, Y4, Y8 and Y12 in place), then sixteen through
// op2 (Y0 and Y5), then eight through op1 (Y0). y may be x. CX counts the
// blocks of eight left.
#define ACT(op4, op2, op1, quad, pre, pair, one, done) \
	SHRQ  $3, CX; \
	JZ    done; \
	LEAQ  ·vecConsts32(SB), AX; \
quad: \
	CMPQ    CX, $4; \
	JLT     pre; \
	VMOVUPS (SI), Y0; \
	VMOVUPS 32(SI), Y4; \
	VMOVUPS 64(SI), Y8; \
	VMOVUPS 96(SI), Y12; \
	op4; \
	VMOVUPS Y0, (DI); \
	VMOVUPS Y4, 32(DI); \
	VMOVUPS Y8, 64(DI); \
	VMOVUPS Y12, 96(DI); \
	ADDQ    $128, SI; \
	ADDQ    $128, DI; \
	SUBQ    $4, CX; \
	JMP     quad; \
pre: \
	CONSTS32; \
pair: \
	CMPQ    CX, $2; \
	JLT     one; \
	VMOVUPS (SI), Y0; \
	VMOVUPS 32(SI), Y5; \
	op2; \
	VMOVUPS Y0, (DI); \
	VMOVUPS Y5, 32(DI); \
	ADDQ    $64, SI; \
	ADDQ    $64, DI; \
	SUBQ    $2, CX; \
	JMP     pair; \
one: \
	TESTQ   CX, CX; \
	JZ      done; \
	VMOVUPS (SI), Y0; \
	op1; \
	VMOVUPS Y0, (DI); \
done: \
	VZEROUPPER; \
	RET

#define EXPC2 CLAMP2; EXP2
#define EXPC1 CLAMP1; EXP1

// ELU2 sets Y0 = ELU(Y0) as ELUForward32 computes it: x where x > 0,
// exp32(clamp(x)) − 1 elsewhere (NaN included). Y4 is set to 0; Y13 and Y15
// keep x for the blend.
#define ELU2 \
	VXORPS    Y4, Y4, Y4; \
	VMOVAPS   Y0, Y13; \
	VMOVAPS   Y5, Y15; \
	CLAMP2; \
	EXP2; \
	VSUBPS    Y10, Y0, Y0; \
	VSUBPS    Y10, Y5, Y5; \
	VCMPPS    $0x1e, Y4, Y13, Y1; \
	VCMPPS    $0x1e, Y4, Y15, Y6; \
	VBLENDVPS Y1, Y13, Y0, Y0; \
	VBLENDVPS Y6, Y15, Y5, Y5

#define ELU1 \
	VXORPS    Y4, Y4, Y4; \
	VMOVAPS   Y0, Y13; \
	CLAMP1; \
	EXP1; \
	VSUBPS    Y10, Y0, Y0; \
	VCMPPS    $0x1e, Y4, Y13, Y1; \
	VBLENDVPS Y1, Y13, Y0, Y0

// func exp32AVX2(y, x []float32)
//
// y[i] = exp32(clamp32(x[i], −86, 88)), len(x) a multiple of 8.
TEXT ·exp32AVX2(SB), NOSPLIT, $0-48
	MOVQ y_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	ACT(EXP4, EXPC2, EXPC1, equad, epre, epair, eone, edone)

// func sigmoid32AVX2(y, x []float32)
//
// y[i] = 1/(1 + exp32(clamp32(−x[i], −86, 88))), len(x) a multiple of 8.
TEXT ·sigmoid32AVX2(SB), NOSPLIT, $0-48
	MOVQ y_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	ACT(SIGMOID4, SIGMOID2, SIGMOID1, squad, spre, spair, sone, sdone)

// func tanh32AVX2(y, x []float32)
//
// y[i] = 2/(1 + exp32(clamp32(−2·x[i], −86, 88))) − 1, len(x) a multiple
// of 8.
TEXT ·tanh32AVX2(SB), NOSPLIT, $0-48
	MOVQ y_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	ACT(TANH4, TANH2, TANH1, tquad, tpre, tpair, tone, tdone)

// func elu32AVX2(y, x []float32)
//
// y[i] = x[i] if x[i] > 0, else exp32(clamp32(x[i], −86, 88)) − 1; len(x)
// a multiple of 8.
TEXT ·elu32AVX2(SB), NOSPLIT, $0-48
	MOVQ y_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	ACT(ELU4, ELU2, ELU1, uquad, upre, upair, uone, udone)

// MM2 is one block of columns of two rows (R14 → y[r][j], R14+R8 → the
// next row's, R10 → w[k][j], R11 = out·4, R12 = 3·out·4) for four k: per
// row t = ((x₀w₀ + x₁w₁) + x₂w₂) + x₃w₃, y += t. b0–b3 and b4–b7 hold the
// two rows' broadcast x[r][k…k+3]; Y or X registers (eight or four
// columns).
#define MM2(b0, b1, b2, b3, b4, b5, b6, b7, wl, tp, a0, a1) \
	VMOVUPS (R10), wl; \
	VMULPS  wl, b0, a0; \
	VMULPS  wl, b4, a1; \
	VMOVUPS (R10)(R11*1), wl; \
	VMULPS  wl, b1, tp; \
	VADDPS  tp, a0, a0; \
	VMULPS  wl, b5, tp; \
	VADDPS  tp, a1, a1; \
	VMOVUPS (R10)(R11*2), wl; \
	VMULPS  wl, b2, tp; \
	VADDPS  tp, a0, a0; \
	VMULPS  wl, b6, tp; \
	VADDPS  tp, a1, a1; \
	VMOVUPS (R10)(R12*1), wl; \
	VMULPS  wl, b3, tp; \
	VADDPS  tp, a0, a0; \
	VMULPS  wl, b7, tp; \
	VADDPS  tp, a1, a1; \
	VADDPS  (R14), a0, a0; \
	VMOVUPS a0, (R14); \
	VADDPS  (R14)(R8*1), a1, a1; \
	VMOVUPS a1, (R14)(R8*1)

// MM2ONE is MM2 for one k: y += x·w.
#define MM2ONE(b0, b4, wl, a0, a1) \
	VMOVUPS (R10), wl; \
	VMULPS  wl, b0, a0; \
	VADDPS  (R14), a0, a0; \
	VMOVUPS a0, (R14); \
	VMULPS  wl, b4, a1; \
	VADDPS  (R14)(R8*1), a1, a1; \
	VMOVUPS a1, (R14)(R8*1)

// MM1 is MM2 for one row.
#define MM1(b0, b1, b2, b3, wl, tp, a0) \
	VMOVUPS (R10), wl; \
	VMULPS  wl, b0, a0; \
	VMOVUPS (R10)(R11*1), wl; \
	VMULPS  wl, b1, tp; \
	VADDPS  tp, a0, a0; \
	VMOVUPS (R10)(R11*2), wl; \
	VMULPS  wl, b2, tp; \
	VADDPS  tp, a0, a0; \
	VMOVUPS (R10)(R12*1), wl; \
	VMULPS  wl, b3, tp; \
	VADDPS  tp, a0, a0; \
	VADDPS  (R14), a0, a0; \
	VMOVUPS a0, (R14)

#define MM1ONE(b0, wl, a0) \
	VMOVUPS (R10), wl; \
	VMULPS  wl, b0, a0; \
	VADDPS  (R14), a0, a0; \
	VMOVUPS a0, (R14)

// MM2S, MM2ONES, MM1S and MM1ONES are MM2, MM2ONE, MM1 and MM1ONE for one
// column (X registers, scalar operations): the last cols%4 columns.
#define MM2S(b0, b1, b2, b3, b4, b5, b6, b7, wl, tp, a0, a1) \
	VMOVSS  (R10), wl; \
	VMULSS  wl, b0, a0; \
	VMULSS  wl, b4, a1; \
	VMOVSS  (R10)(R11*1), wl; \
	VMULSS  wl, b1, tp; \
	VADDSS  tp, a0, a0; \
	VMULSS  wl, b5, tp; \
	VADDSS  tp, a1, a1; \
	VMOVSS  (R10)(R11*2), wl; \
	VMULSS  wl, b2, tp; \
	VADDSS  tp, a0, a0; \
	VMULSS  wl, b6, tp; \
	VADDSS  tp, a1, a1; \
	VMOVSS  (R10)(R12*1), wl; \
	VMULSS  wl, b3, tp; \
	VADDSS  tp, a0, a0; \
	VMULSS  wl, b7, tp; \
	VADDSS  tp, a1, a1; \
	VADDSS  (R14), a0, a0; \
	VMOVSS  a0, (R14); \
	VADDSS  (R14)(R8*1), a1, a1; \
	VMOVSS  a1, (R14)(R8*1)

#define MM2ONES(b0, b4, wl, a0, a1) \
	VMOVSS  (R10), wl; \
	VMULSS  wl, b0, a0; \
	VADDSS  (R14), a0, a0; \
	VMOVSS  a0, (R14); \
	VMULSS  wl, b4, a1; \
	VADDSS  (R14)(R8*1), a1, a1; \
	VMOVSS  a1, (R14)(R8*1)

#define MM1S(b0, b1, b2, b3, wl, tp, a0) \
	VMOVSS  (R10), wl; \
	VMULSS  wl, b0, a0; \
	VMOVSS  (R10)(R11*1), wl; \
	VMULSS  wl, b1, tp; \
	VADDSS  tp, a0, a0; \
	VMOVSS  (R10)(R11*2), wl; \
	VMULSS  wl, b2, tp; \
	VADDSS  tp, a0, a0; \
	VMOVSS  (R10)(R12*1), wl; \
	VMULSS  wl, b3, tp; \
	VADDSS  tp, a0, a0; \
	VADDSS  (R14), a0, a0; \
	VMOVSS  a0, (R14)

#define MM1ONES(b0, wl, a0) \
	VMOVSS  (R10), wl; \
	VMULSS  wl, b0, a0; \
	VADDSS  (R14), a0, a0; \
	VMOVSS  a0, (R14)

// COLS starts a pass over the columns: R10 → w[k], R14 → y row, R15 =
// the bytes of the blocks of eight (DX = cols·4).
#define COLS \
	MOVQ AX, R10; \
	MOVQ DI, R14; \
	MOVQ DX, R15; \
	ANDQ $-32, R15

// func matMulAcc32AVX2(y []float32, ys int, x []float32, xs int, w []float32, n, in, out, cols int)
//
// y[r][j] += Σₖ x[r][k]·w[k][j] for n rows and the columns j < cols, cols
// positive (w's rows are out long), summed as matVecAcc32 sums: for each block of
// four k, t = ((x₀w₀ + x₁w₁) + x₂w₂) + x₃w₃, then y + t; the remaining k
// one at a time. Rows go two at a time, columns eight at a time, then
// four (X registers), then one (scalar). in and n positive.
//
// Registers: DI y row, SI x row, DX cols·4, CX rows left, R8 ys·4, R9 xs·4,
// R11 out·4, R12 3·out·4; per k block BX → x[r][k], AX → w[k], R13 k
// left; per column block R10 → w[k][j], R14 → y[r][j], R15 bytes left.
TEXT ·matMulAcc32AVX2(SB), NOSPLIT, $0-120
	MOVQ y_base+0(FP), DI
	MOVQ ys+24(FP), R8
	SHLQ $2, R8
	MOVQ x_base+32(FP), SI
	MOVQ xs+56(FP), R9
	SHLQ $2, R9
	MOVQ cols+112(FP), DX
	SHLQ $2, DX
	MOVQ n+88(FP), CX
	MOVQ out+104(FP), R11
	SHLQ $2, R11
	LEAQ (R11)(R11*2), R12

mpairs:
	CMPQ CX, $2
	JLT  msingle
	MOVQ SI, BX
	MOVQ w_base+64(FP), AX
	MOVQ in+96(FP), R13

mpk4:
	CMPQ         R13, $4
	JLT          mpk1
	VBROADCASTSS 0(BX), Y0
	VBROADCASTSS 4(BX), Y1
	VBROADCASTSS 8(BX), Y2
	VBROADCASTSS 12(BX), Y3
	VBROADCASTSS 0(BX)(R9*1), Y4
	VBROADCASTSS 4(BX)(R9*1), Y5
	VBROADCASTSS 8(BX)(R9*1), Y6
	VBROADCASTSS 12(BX)(R9*1), Y7
	COLS
	TESTQ        R15, R15
	JZ           mpj4t

mpj4:
	MM2(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11)
	ADDQ $32, R10
	ADDQ $32, R14
	SUBQ $32, R15
	JNZ  mpj4

mpj4t:
	TESTQ $16, DX
	JZ    mpj4s
	MM2(X0, X1, X2, X3, X4, X5, X6, X7, X8, X9, X10, X11)
	TESTQ $12, DX
	JZ    mpk4n
	ADDQ  $16, R10
	ADDQ  $16, R14

mpj4s:
	MOVQ DX, R15
	ANDQ $12, R15
	JZ   mpk4n

mpj4s1:
	MM2S(X0, X1, X2, X3, X4, X5, X6, X7, X8, X9, X10, X11)
	ADDQ $4, R10
	ADDQ $4, R14
	SUBQ $4, R15
	JNZ  mpj4s1

mpk4n:
	ADDQ $16, BX
	LEAQ (AX)(R11*4), AX
	SUBQ $4, R13
	JMP  mpk4

mpk1:
	TESTQ        R13, R13
	JZ           mpnext
	VBROADCASTSS (BX), Y0
	VBROADCASTSS (BX)(R9*1), Y4
	COLS
	TESTQ        R15, R15
	JZ           mpj1t

mpj1:
	MM2ONE(Y0, Y4, Y8, Y10, Y11)
	ADDQ $32, R10
	ADDQ $32, R14
	SUBQ $32, R15
	JNZ  mpj1

mpj1t:
	TESTQ $16, DX
	JZ    mpj1s
	MM2ONE(X0, X4, X8, X10, X11)
	TESTQ $12, DX
	JZ    mpk1n
	ADDQ  $16, R10
	ADDQ  $16, R14

mpj1s:
	MOVQ DX, R15
	ANDQ $12, R15
	JZ   mpk1n

mpj1s1:
	MM2ONES(X0, X4, X8, X10, X11)
	ADDQ $4, R10
	ADDQ $4, R14
	SUBQ $4, R15
	JNZ  mpj1s1

mpk1n:
	ADDQ $4, BX
	ADDQ R11, AX
	DECQ R13
	JMP  mpk1

mpnext:
	LEAQ (DI)(R8*2), DI
	LEAQ (SI)(R9*2), SI
	SUBQ $2, CX
	JMP  mpairs

msingle:
	TESTQ CX, CX
	JZ    mdone
	MOVQ  SI, BX
	MOVQ  w_base+64(FP), AX
	MOVQ  in+96(FP), R13

msk4:
	CMPQ         R13, $4
	JLT          msk1
	VBROADCASTSS 0(BX), Y0
	VBROADCASTSS 4(BX), Y1
	VBROADCASTSS 8(BX), Y2
	VBROADCASTSS 12(BX), Y3
	COLS
	TESTQ        R15, R15
	JZ           msj4t

msj4:
	MM1(Y0, Y1, Y2, Y3, Y8, Y9, Y10)
	ADDQ $32, R10
	ADDQ $32, R14
	SUBQ $32, R15
	JNZ  msj4

msj4t:
	TESTQ $16, DX
	JZ    msj4s
	MM1(X0, X1, X2, X3, X8, X9, X10)
	TESTQ $12, DX
	JZ    msk4n
	ADDQ  $16, R10
	ADDQ  $16, R14

msj4s:
	MOVQ DX, R15
	ANDQ $12, R15
	JZ   msk4n

msj4s1:
	MM1S(X0, X1, X2, X3, X8, X9, X10)
	ADDQ $4, R10
	ADDQ $4, R14
	SUBQ $4, R15
	JNZ  msj4s1

msk4n:
	ADDQ $16, BX
	LEAQ (AX)(R11*4), AX
	SUBQ $4, R13
	JMP  msk4

msk1:
	TESTQ        R13, R13
	JZ           mdone
	VBROADCASTSS (BX), Y0
	COLS
	TESTQ        R15, R15
	JZ           msj1t

msj1:
	MM1ONE(Y0, Y8, Y10)
	ADDQ $32, R10
	ADDQ $32, R14
	SUBQ $32, R15
	JNZ  msj1

msj1t:
	TESTQ $16, DX
	JZ    msj1s
	MM1ONE(X0, X8, X10)
	TESTQ $12, DX
	JZ    msk1n
	ADDQ  $16, R10
	ADDQ  $16, R14

msj1s:
	MOVQ DX, R15
	ANDQ $12, R15
	JZ   msk1n

msj1s1:
	MM1ONES(X0, X8, X10)
	ADDQ $4, R10
	ADDQ $4, R14
	SUBQ $4, R15
	JNZ  msj1s1

msk1n:
	ADDQ $4, BX
	ADDQ R11, AX
	DECQ R13
	JMP  msk1

mdone:
	VZEROUPPER
	RET

// GNEXT sets r → the next block's a (R10) and moves R10 on: by 32 bytes,
// and past the row's b half (R9 bytes) after the row's last block, CX
// counting the blocks left in the row (R11 a row), without a branch. BX
// is clobbered.
#define GNEXT(r) \
	MOVQ    R10, r; \
	ADDQ    $32, R10; \
	LEAQ    (R10)(R9*1), BX; \
	DECQ    CX; \
	CMOVQEQ BX, R10; \
	CMOVQEQ R11, CX

// func glu32AVX2(y, x []float32, n, d int)
//
// y[r][j] = σ(x[r][d+j])·x[r][j] as GLUForward32 computes it, for n rows
// and the columns j < d&^7 (d ≥ 8), sixteen at a time, then eight (a row
// at a time; across the rows when d is a multiple of 8, gflat); the Go
// wrapper does the rest. y must not overlap x. DI → y row, SI → x row,
// R10 → its second half, R9 = d·4, R11 = (d&^7)·4, R8 rows left, CX the
// column offset.
TEXT ·glu32AVX2(SB), NOSPLIT, $0-64
	MOVQ  y_base+0(FP), DI
	MOVQ  x_base+24(FP), SI
	MOVQ  n+48(FP), R8
	MOVQ  d+56(FP), R9
	MOVQ  R9, R11
	ANDQ  $-8, R11
	SHLQ  $2, R9
	SHLQ  $2, R11
	TESTQ R8, R8
	JZ    gdone
	TESTQ R11, R11
	JZ    gdone
	CMPQ  R11, R9
	JEQ   gflat
	CONSTS32

grow:
	LEAQ (SI)(R9*1), R10
	XORQ CX, CX

gcol:
	LEAQ    64(CX), R13
	CMPQ    R13, R11
	JGT     gcol1
	VMOVUPS (R10)(CX*1), Y0
	VMOVUPS 32(R10)(CX*1), Y5
	SIGMOID2
	VMULPS  (SI)(CX*1), Y0, Y0
	VMULPS  32(SI)(CX*1), Y5, Y5
	VMOVUPS Y0, (DI)(CX*1)
	VMOVUPS Y5, 32(DI)(CX*1)
	MOVQ    R13, CX
	JMP     gcol

gcol1:
	CMPQ    CX, R11
	JGE     gnext
	VMOVUPS (R10)(CX*1), Y0
	SIGMOID1
	VMULPS  (SI)(CX*1), Y0, Y0
	VMOVUPS Y0, (DI)(CX*1)

gnext:
	LEAQ (SI)(R9*2), SI
	ADDQ R9, DI
	DECQ R8
	JNZ  grow

gdone:
	VZEROUPPER
	RET

	// d a multiple of 8: the n·d/8 blocks of eight columns taken in order
	// across the rows, four at a time (SIGMOID4), then one at a time. y's
	// blocks are contiguous (DI); R10 → the next block's a in x, CX the
	// blocks left in its row, R11 = d/8, R9 = d·4 (from a block's a to its
	// b, and the b half GNEXT skips at a row's end), R8 blocks left,
	// R12–R15 the four blocks' a.
gflat:
	SHRQ $5, R11
	IMULQ R11, R8
	MOVQ SI, R10
	MOVQ R11, CX
	LEAQ ·vecConsts32(SB), AX

gquad:
	CMPQ    R8, $4
	JLT     gsingle
	GNEXT(R12)
	GNEXT(R13)
	GNEXT(R14)
	GNEXT(R15)
	VMOVUPS (R12)(R9*1), Y0
	VMOVUPS (R13)(R9*1), Y4
	VMOVUPS (R14)(R9*1), Y8
	VMOVUPS (R15)(R9*1), Y12
	SIGMOID4
	VMULPS  (R12), Y0, Y0
	VMULPS  (R13), Y4, Y4
	VMULPS  (R14), Y8, Y8
	VMULPS  (R15), Y12, Y12
	VMOVUPS Y0, (DI)
	VMOVUPS Y4, 32(DI)
	VMOVUPS Y8, 64(DI)
	VMOVUPS Y12, 96(DI)
	ADDQ    $128, DI
	SUBQ    $4, R8
	JMP     gquad

gsingle:
	TESTQ R8, R8
	JZ    gdone
	CONSTS32

gone:
	GNEXT(R12)
	VMOVUPS (R12)(R9*1), Y0
	SIGMOID1
	VMULPS  (R12), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	DECQ    R8
	JNZ     gone
	JMP     gdone

// FOLD sets the low lane of X0 to ((s₀ + s₄) + (s₂ + s₆)) + ((s₁ + s₅) +
// (s₃ + s₇)) for the eight lanes s of Y0, as sum32 folds. Clobbers X1.
#define FOLD \
	VEXTRACTF128 $1, Y0, X1; \
	VADDPS       X1, X0, X0; \
	VMOVHLPS     X0, X0, X1; \
	VADDPS       X1, X0, X0; \
	VMOVSHDUP    X0, X1; \
	VADDSS       X1, X0, X0

// func layerNorm32AVX2(y, x, g, b []float32, n, d int, inv float32)
//
// LayerNormForward32 for n rows of width d (both positive, inv = 1/d):
// the mean and the variance summed as sum32 sums (the blocks of eight in
// lanes and FOLD, or 0 when d < 8, then the last d%8 terms one at a
// time), rs = 1/√(σ² + ε) (VSQRTSS gives float32(√float64(v)) exactly:
// float64 has more than twice float32's digits), y = ((x − μ)·rs)·g + b,
// eight columns at a time, then one. y may be x. DI → y row, SI → x row,
// R8 → g, R9 → b, CX rows left, DX = d·4, BX = (d&^7)·4, R10 the column
// offset, X4 = inv, X5 = ε, Y2 = μ, Y3 = rs.
TEXT ·layerNorm32AVX2(SB), NOSPLIT, $0-116
	MOVQ   y_base+0(FP), DI
	MOVQ   x_base+24(FP), SI
	MOVQ   g_base+48(FP), R8
	MOVQ   b_base+72(FP), R9
	MOVQ   n+96(FP), CX
	MOVQ   d+104(FP), DX
	SHLQ   $2, DX
	MOVQ   DX, BX
	ANDQ   $-32, BX
	VMOVSS inv+112(FP), X4
	LEAQ   ·vecConsts32(SB), AX
	VMOVSS ·layerNormEps32(SB), X5

nrow1:
	VXORPS X0, X0, X0
	XORQ   R10, R10
	TESTQ  BX, BX
	JZ     nsum1
	VMOVUPS (SI), Y0
	MOVQ    $32, R10

nsum:
	CMPQ   R10, BX
	JGE    nfold
	VADDPS (SI)(R10*1), Y0, Y0
	ADDQ   $32, R10
	JMP    nsum

nfold:
	FOLD

nsum1:
	CMPQ   R10, DX
	JGE    nmu
	VADDSS (SI)(R10*1), X0, X0
	ADDQ   $4, R10
	JMP    nsum1

nmu:
	VMULSS       X4, X0, X0
	VBROADCASTSS X0, Y2
	VXORPS       X0, X0, X0
	XORQ         R10, R10
	TESTQ        BX, BX
	JZ           nvar1
	VMOVUPS      (SI), Y0
	VSUBPS       Y2, Y0, Y0
	VMULPS       Y0, Y0, Y0
	MOVQ         $32, R10

nvar:
	CMPQ    R10, BX
	JGE     nvfold
	VMOVUPS (SI)(R10*1), Y1
	VSUBPS  Y2, Y1, Y1
	VMULPS  Y1, Y1, Y1
	VADDPS  Y1, Y0, Y0
	ADDQ    $32, R10
	JMP     nvar

nvfold:
	FOLD

nvar1:
	CMPQ   R10, DX
	JGE    nrs
	VMOVSS (SI)(R10*1), X1
	VSUBSS X2, X1, X1
	VMULSS X1, X1, X1
	VADDSS X1, X0, X0
	ADDQ   $4, R10
	JMP    nvar1

nrs:
	VMULSS       X4, X0, X0
	VADDSS       X5, X0, X0
	VSQRTSS      X0, X0, X0
	VMOVSS       C32_ONE(AX), X1
	VDIVSS       X0, X1, X0
	VBROADCASTSS X0, Y3
	XORQ         R10, R10

nout:
	CMPQ    R10, BX
	JGE     nout1
	VMOVUPS (SI)(R10*1), Y0
	VSUBPS  Y2, Y0, Y0
	VMULPS  Y3, Y0, Y0
	VMULPS  (R8)(R10*1), Y0, Y0
	VADDPS  (R9)(R10*1), Y0, Y0
	VMOVUPS Y0, (DI)(R10*1)
	ADDQ    $32, R10
	JMP     nout

nout1:
	CMPQ   R10, DX
	JGE    nnext
	VMOVSS (SI)(R10*1), X0
	VSUBSS X2, X0, X0
	VMULSS X3, X0, X0
	VMULSS (R8)(R10*1), X0, X0
	VADDSS (R9)(R10*1), X0, X0
	VMOVSS X0, (DI)(R10*1)
	ADDQ   $4, R10
	JMP    nout1

nnext:
	ADDQ DX, SI
	ADDQ DX, DI
	DECQ CX
	JNZ  nrow1
	VZEROUPPER
	RET
