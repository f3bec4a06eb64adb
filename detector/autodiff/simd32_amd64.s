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

// func lstmStep32AVX2(h, c, gates, gx, hPrev, cPrev, whh []float32, hid int)
//
// One row of LSTMStep32, hid a positive multiple of 8. gates = gx +
// hPrev·whh summed as matVecAcc32 sums (for each block of four k, t =
// ((x₀w₀ + x₁w₁) + x₂w₂) + x₃w₃, then y + t), sixteen columns at a time
// with the sums in registers; σ on the input, forget and output gates,
// tanh on the cell gate; c = f·cPrev + i·g, h = tanh(c)·o.
//
// Registers in the product: DI → gates, SI → gx, DX → whh, R12 = 4·hid·4
// (a whh row), R8 = 3·R12, CX the column offset, BX → hPrev[k], R15 →
// whh[k][j], R13 k left, Y12–Y15 the broadcast hPrev[k…k+3], Y4 and Y5
// the sums. In the activations AX → vecConsts32, R15 → the gate, CX
// counts. In the state update R15 → gates (i), R12 = hid·4, R13 =
// 3·hid·4, R8 → cPrev, R9 → h, R10 → c.
TEXT ·lstmStep32AVX2(SB), NOSPLIT, $0-176
	MOVQ gates_base+48(FP), DI
	MOVQ gx_base+72(FP), SI
	MOVQ whh_base+144(FP), DX
	MOVQ hid+168(FP), R12
	SHLQ $4, R12
	LEAQ (R12)(R12*2), R8
	XORQ CX, CX

lcol:
	VMOVUPS (SI)(CX*1), Y4
	VMOVUPS 32(SI)(CX*1), Y5
	MOVQ    hPrev_base+96(FP), BX
	LEAQ    (DX)(CX*1), R15
	MOVQ    hid+168(FP), R13

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

	// Activations: σ on i and f (2·hid values, a multiple of 16), tanh on
	// g, σ on o (sixteen at a time, then eight).
	CONSTS32
	MOVQ DI, R15
	MOVQ hid+168(FP), CX
	SHRQ $3, CX

lsig:
	VMOVUPS (R15), Y0
	VMOVUPS 32(R15), Y5
	SIGMOID2
	VMOVUPS Y0, (R15)
	VMOVUPS Y5, 32(R15)
	ADDQ    $64, R15
	DECQ    CX
	JNZ     lsig
	MOVQ    hid+168(FP), CX

ltanh:
	CMPQ    CX, $16
	JLT     ltanh1
	VMOVUPS (R15), Y0
	VMOVUPS 32(R15), Y5
	TANH2
	VMOVUPS Y0, (R15)
	VMOVUPS Y5, 32(R15)
	ADDQ    $64, R15
	SUBQ    $16, CX
	JMP     ltanh

ltanh1:
	TESTQ   CX, CX
	JZ      lsigo
	VMOVUPS (R15), Y0
	TANH1
	VMOVUPS Y0, (R15)
	ADDQ    $32, R15

lsigo:
	MOVQ hid+168(FP), CX

lsig2:
	CMPQ    CX, $16
	JLT     lsig21
	VMOVUPS (R15), Y0
	VMOVUPS 32(R15), Y5
	SIGMOID2
	VMOVUPS Y0, (R15)
	VMOVUPS Y5, 32(R15)
	ADDQ    $64, R15
	SUBQ    $16, CX
	JMP     lsig2

lsig21:
	TESTQ   CX, CX
	JZ      lstart
	VMOVUPS (R15), Y0
	SIGMOID1
	VMOVUPS Y0, (R15)

	// State: c = f·cPrev + i·g, h = tanh(c)·o, sixteen units at a time,
	// then eight.
lstart:
	MOVQ DI, R15
	MOVQ hid+168(FP), R12
	MOVQ R12, CX
	SHLQ $2, R12
	LEAQ (R12)(R12*2), R13
	MOVQ cPrev_base+120(FP), R8
	MOVQ h_base+0(FP), R9
	MOVQ c_base+24(FP), R10

lstate:
	CMPQ    CX, $16
	JLT     lstate1
	VMOVUPS (R15)(R12*1), Y0
	VMULPS  (R8), Y0, Y0
	VMOVUPS (R15), Y1
	VMULPS  (R15)(R12*2), Y1, Y1
	VADDPS  Y1, Y0, Y0
	VMOVUPS 32(R15)(R12*1), Y5
	VMULPS  32(R8), Y5, Y5
	VMOVUPS 32(R15), Y6
	VMULPS  32(R15)(R12*2), Y6, Y6
	VADDPS  Y6, Y5, Y5
	VMOVUPS Y0, (R10)
	VMOVUPS Y5, 32(R10)
	TANH2
	VMULPS  (R15)(R13*1), Y0, Y0
	VMULPS  32(R15)(R13*1), Y5, Y5
	VMOVUPS Y0, (R9)
	VMOVUPS Y5, 32(R9)
	ADDQ    $64, R15
	ADDQ    $64, R8
	ADDQ    $64, R9
	ADDQ    $64, R10
	SUBQ    $16, CX
	JMP     lstate

lstate1:
	TESTQ   CX, CX
	JZ      ldone
	VMOVUPS (R15)(R12*1), Y0
	VMULPS  (R8), Y0, Y0
	VMOVUPS (R15), Y1
	VMULPS  (R15)(R12*2), Y1, Y1
	VADDPS  Y1, Y0, Y0
	VMOVUPS Y0, (R10)
	TANH1
	VMULPS  (R15)(R13*1), Y0, Y0
	VMOVUPS Y0, (R9)

ldone:
	VZEROUPPER
	RET

// ACT is the loop of the elementwise kernels (args y, x []float32, len(x)
// a multiple of 8, loaded into DI → y, SI → x, CX = len(x)): sixteen
// values at a time through op2 (Y0 and Y5 in place), then eight through
// op1 (Y0). y may be x. CX counts the blocks of eight left.
#define ACT(op2, op1, pair, one, done) \
	SHRQ  $3, CX; \
	JZ    done; \
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
// exp32(clamp(x)) − 1 elsewhere (NaN included). Y4 = 0; Y13 and Y15 keep
// x for the blend.
#define ELU2 \
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
	ACT(EXPC2, EXPC1, epair, eone, edone)

// func sigmoid32AVX2(y, x []float32)
//
// y[i] = 1/(1 + exp32(clamp32(−x[i], −86, 88))), len(x) a multiple of 8.
TEXT ·sigmoid32AVX2(SB), NOSPLIT, $0-48
	MOVQ y_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	ACT(SIGMOID2, SIGMOID1, spair, sone, sdone)

// func tanh32AVX2(y, x []float32)
//
// y[i] = 2/(1 + exp32(clamp32(−2·x[i], −86, 88))) − 1, len(x) a multiple
// of 8.
TEXT ·tanh32AVX2(SB), NOSPLIT, $0-48
	MOVQ y_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	ACT(TANH2, TANH1, tpair, tone, tdone)

// func elu32AVX2(y, x []float32)
//
// y[i] = x[i] if x[i] > 0, else exp32(clamp32(x[i], −86, 88)) − 1; len(x)
// a multiple of 8.
TEXT ·elu32AVX2(SB), NOSPLIT, $0-48
	MOVQ y_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	VXORPS Y4, Y4, Y4
	ACT(ELU2, ELU1, upair, uone, udone)
