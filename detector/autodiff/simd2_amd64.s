//go:build amd64 && !purego

#include "textflag.h"
#include "simd_amd64.h"

// Fused AVX2 kernels for processors without AVX-512: the AVX2 versions of
// lstmStepAVX512, gluAVX512 and layerNormRowAVX512 (simd512_amd64.s), and
// a vector Exp. Each does the IEEE operations of its Go loop in the same
// order (VMULPD and VADDPD, never fused), four columns at a time, so the
// results are bit-identical.

// The exponentials are expScale(expParts(t)) as in EXP4 of simd_amd64.s
// (macros are local to their file), but two blocks of four at a time with
// their instructions interleaved, so that the processor always has two
// independent chains of dependent operations at hand (a few per cent
// faster than one block at a time on AMD Zen, where each 256-bit
// operation is two 128-bit halves). Constants are read from memory (AX →
// vecConsts) except the clamp bounds and the dividends, which VMINPD,
// VMAXPD and VDIVPD need in registers: Y10 = 1, Y11 = 700, Y12 = −700,
// Y14 = 2 (CONSTS4). DX → expTable.

// LOOKUP sets dst to the four expTable entries indexed by idx (xi is its
// X register), by four scalar loads through the general registers r1 and
// r2 (on AMD Zen as fast as VGATHERQPD, which is microcoded there, or a
// little faster); yt (xt its X register) is clobbered, and so is idx.
#define LOOKUP(idx, xi, dst, xd, yt, xt, r1, r2) \
	VMOVQ        xi, r1; \
	VPEXTRQ      $1, xi, r2; \
	VMOVSD       (DX)(r1*8), xd; \
	VMOVHPD      (DX)(r2*8), xd, xd; \
	VEXTRACTI128 $1, idx, xi; \
	VMOVQ        xi, r1; \
	VPEXTRQ      $1, xi, r2; \
	VMOVSD       (DX)(r1*8), xt; \
	VMOVHPD      (DX)(r2*8), xt, xt; \
	VINSERTF128  $1, xt, dst, dst

// EXP1 is EXP4 of simd_amd64.s for one block: Y0 = e^Y0, Y0 already in
// [−700, 700]. Clobbers Y1–Y4 and r1, r2.
#define EXP1(r1, r2) \
	VMULPD C_INVLN2N(AX), Y0, Y1; \
	VADDPD C_SHIFTER(AX), Y1, Y1; \
	VPSUBQ C_SHIFTER(AX), Y1, Y2; \
	VSUBPD C_SHIFTER(AX), Y1, Y1; \
	VMULPD C_LN2HI(AX), Y1, Y3; \
	VSUBPD Y3, Y0, Y3; \
	VMULPD C_LN2LO(AX), Y1, Y1; \
	VSUBPD Y1, Y3, Y3; \
	VMULPD C_I120(AX), Y3, Y0; \
	VADDPD C_I24(AX), Y0, Y0; \
	VMULPD Y3, Y0, Y0; \
	VADDPD C_I6(AX), Y0, Y0; \
	VMULPD Y3, Y0, Y0; \
	VADDPD C_HALF(AX), Y0, Y0; \
	VMULPD Y3, Y0, Y0; \
	VADDPD C_ONE(AX), Y0, Y0; \
	VMULPD Y3, Y0, Y0; \
	VPAND  C_IDX(AX), Y2, Y1; \
	LOOKUP(Y1, X1, Y3, X3, Y4, X4, r1, r2); \
	VPSLLQ $46, Y2, Y2; \
	VPAND  C_HIMASK(AX), Y2, Y2; \
	VPADDQ Y2, Y3, Y3; \
	VMULPD Y0, Y3, Y0; \
	VADDPD Y3, Y0, Y0

// EXP2 is EXP1 for two blocks, Y0 and Y5 (each in [−700, 700]), in place.
// Clobbers Y1–Y4, Y6–Y9 and r1, r2. Step by step, for each block: kf =
// t·64/ln2 + shifter, ki = bits(kf) − bits(shifter), k = kf − shifter, r
// = (t − k·hi) − k·lo, p = r(1 + r(1/2 + r(1/6 + r(1/24 + r/120)))), s =
// table[ki & 63] with ki >> 6 added to its exponent, e = s·p + s.
#define EXP2(r1, r2) \
	VMULPD C_INVLN2N(AX), Y0, Y1; \
	VMULPD C_INVLN2N(AX), Y5, Y6; \
	VADDPD C_SHIFTER(AX), Y1, Y1; \
	VADDPD C_SHIFTER(AX), Y6, Y6; \
	VPSUBQ C_SHIFTER(AX), Y1, Y2; \
	VPSUBQ C_SHIFTER(AX), Y6, Y7; \
	VSUBPD C_SHIFTER(AX), Y1, Y1; \
	VSUBPD C_SHIFTER(AX), Y6, Y6; \
	VMULPD C_LN2HI(AX), Y1, Y3; \
	VMULPD C_LN2HI(AX), Y6, Y8; \
	VSUBPD Y3, Y0, Y3; \
	VSUBPD Y8, Y5, Y8; \
	VMULPD C_LN2LO(AX), Y1, Y1; \
	VMULPD C_LN2LO(AX), Y6, Y6; \
	VSUBPD Y1, Y3, Y3; \
	VSUBPD Y6, Y8, Y8; \
	VMULPD C_I120(AX), Y3, Y0; \
	VMULPD C_I120(AX), Y8, Y5; \
	VADDPD C_I24(AX), Y0, Y0; \
	VADDPD C_I24(AX), Y5, Y5; \
	VMULPD Y3, Y0, Y0; \
	VMULPD Y8, Y5, Y5; \
	VADDPD C_I6(AX), Y0, Y0; \
	VADDPD C_I6(AX), Y5, Y5; \
	VMULPD Y3, Y0, Y0; \
	VMULPD Y8, Y5, Y5; \
	VADDPD C_HALF(AX), Y0, Y0; \
	VADDPD C_HALF(AX), Y5, Y5; \
	VMULPD Y3, Y0, Y0; \
	VMULPD Y8, Y5, Y5; \
	VADDPD C_ONE(AX), Y0, Y0; \
	VADDPD C_ONE(AX), Y5, Y5; \
	VMULPD Y3, Y0, Y0; \
	VMULPD Y8, Y5, Y5; \
	VPAND  C_IDX(AX), Y2, Y1; \
	VPAND  C_IDX(AX), Y7, Y6; \
	LOOKUP(Y1, X1, Y3, X3, Y4, X4, r1, r2); \
	LOOKUP(Y6, X6, Y8, X8, Y9, X9, r1, r2); \
	VPSLLQ $46, Y2, Y2; \
	VPSLLQ $46, Y7, Y7; \
	VPAND  C_HIMASK(AX), Y2, Y2; \
	VPAND  C_HIMASK(AX), Y7, Y7; \
	VPADDQ Y2, Y3, Y3; \
	VPADDQ Y7, Y8, Y8; \
	VMULPD Y0, Y3, Y0; \
	VMULPD Y5, Y8, Y5; \
	VADDPD Y3, Y0, Y0; \
	VADDPD Y8, Y5, Y5

// CONSTS4 loads AX → vecConsts, DX → expTable, Y10 = 1, Y11 = 700,
// Y12 = −700, Y14 = 2.
#define CONSTS4 \
	LEAQ    ·vecConsts(SB), AX; \
	LEAQ    ·expTable(SB), DX; \
	VMOVUPD C_ONE(AX), Y10; \
	VMOVUPD C_700(AX), Y11; \
	VMOVUPD C_N700(AX), Y12; \
	VMOVUPD C_TWO(AX), Y14

// SIGMOID1 sets Y0 = 1/(1 + e^t), t = −Y0 clamped to ±700 (sigmoidAVX2's
// lanes; with t second, MINPD and MAXPD keep a NaN as the Go comparisons
// do). Needs CONSTS4; clobbers Y1–Y4.
#define SIGMOID1(r1, r2) \
	VXORPD C_SIGN(AX), Y0, Y0; \
	VMINPD Y0, Y11, Y0; \
	VMAXPD Y0, Y12, Y0; \
	EXP1(r1, r2); \
	VADDPD Y10, Y0, Y0; \
	VDIVPD Y0, Y10, Y0

// SIGMOID2 is SIGMOID1 for Y0 and Y5. Clobbers Y1–Y4, Y6–Y9.
#define SIGMOID2(r1, r2) \
	VXORPD C_SIGN(AX), Y0, Y0; \
	VXORPD C_SIGN(AX), Y5, Y5; \
	VMINPD Y0, Y11, Y0; \
	VMINPD Y5, Y11, Y5; \
	VMAXPD Y0, Y12, Y0; \
	VMAXPD Y5, Y12, Y5; \
	EXP2(r1, r2); \
	VADDPD Y10, Y0, Y0; \
	VADDPD Y10, Y5, Y5; \
	VDIVPD Y0, Y10, Y0; \
	VDIVPD Y5, Y10, Y5

// TANHSMALL sets y = tanh(x) by the Taylor series where |x| < 0.0054,
// leaving the other lanes of y alone (tanhAVX2's blend): t1–t3 are
// clobbered.
#define TANHSMALL(x, y, t1, t2, t3) \
	VMULPD    x, x, t1; \
	VMULPD    C_T17(AX), t1, t2; \
	VADDPD    C_T215(AX), t2, t2; \
	VMULPD    t1, t2, t2; \
	VADDPD    C_TTHIRD(AX), t2, t2; \
	VMULPD    t1, t2, t2; \
	VADDPD    Y10, t2, t2; \
	VMULPD    x, t2, t2; \
	VANDPD    C_ABS(AX), x, t3; \
	VCMPPD    $1, C_TANHSMALL(AX), t3, t3; \
	VBLENDVPD t3, t2, y, y

// TANH1 sets Y0 = tanh(Y13) as tanhAVX2 computes it: 2/(1 + e^t) − 1 with
// t = −2x clamped to ±700, or the series. Needs CONSTS4; clobbers Y1–Y4.
#define TANH1(r1, r2) \
	VMULPD C_NEG2(AX), Y13, Y0; \
	VMINPD Y0, Y11, Y0; \
	VMAXPD Y0, Y12, Y0; \
	EXP1(r1, r2); \
	VADDPD Y10, Y0, Y0; \
	VDIVPD Y0, Y14, Y0; \
	VSUBPD Y10, Y0, Y0; \
	TANHSMALL(Y13, Y0, Y1, Y2, Y3)

// TANH2 is TANH1 for two blocks: Y0 = tanh(Y13), Y5 = tanh(Y15).
// Clobbers Y1–Y4, Y6–Y9.
#define TANH2(r1, r2) \
	VMULPD C_NEG2(AX), Y13, Y0; \
	VMULPD C_NEG2(AX), Y15, Y5; \
	VMINPD Y0, Y11, Y0; \
	VMINPD Y5, Y11, Y5; \
	VMAXPD Y0, Y12, Y0; \
	VMAXPD Y5, Y12, Y5; \
	EXP2(r1, r2); \
	VADDPD Y10, Y0, Y0; \
	VADDPD Y10, Y5, Y5; \
	VDIVPD Y0, Y14, Y0; \
	VDIVPD Y5, Y14, Y5; \
	VSUBPD Y10, Y0, Y0; \
	VSUBPD Y10, Y5, Y5; \
	TANHSMALL(Y13, Y0, Y1, Y2, Y3); \
	TANHSMALL(Y15, Y5, Y6, Y7, Y8)

// func lstmStepAVX2(h, c, tc, gates, gx, hPrev, cPrev, whh []float64, hid int)
//
// lstmStepAVX512 four columns at a time, hid a positive multiple of 4: one
// row of LSTMStep. gates = gx + hPrev·whh summed as matMulAcc sums a row
// (for each block of four k, t = x₀w₀ + x₁w₁ + x₂w₂ + x₃w₃ left to right,
// then y + t; the first block adds t to gx instead of to a copy of it), σ
// on the input, forget and output gates and tanh on the cell gate, c =
// f·cPrev + i·g, tc = tanh(c) when tc is not empty, h = tanh(c)·o.
//
// Registers in the product: DI → gates, BX → hPrev[k], R14 → whh[k],
// R12 = 4·hid·8 (a whh row), R8 = 3·R12, R13 k left, R15 → whh[k][j],
// CX = j·8, AX → the block's y (gx, then gates), Y12–Y15 the broadcast
// hPrev[k…k+3]. In the activations AX → vecConsts, DX → expTable, R15 →
// the gate, CX counts, SI and R8 the table lookup's. In the state update
// R15 → gates (i), R12 = hid·8, R13 = 3·hid·8, R8 → cPrev, R9 → h, R10 →
// c, R11 → tc, BX = len(tc), SI and R14 the table lookup's.
TEXT ·lstmStepAVX2(SB), NOSPLIT, $0-200
	MOVQ gates_base+72(FP), DI
	MOVQ gx_base+96(FP), AX
	MOVQ hPrev_base+120(FP), BX
	MOVQ whh_base+168(FP), R14
	MOVQ hid+192(FP), R13
	MOVQ R13, R12
	SHLQ $5, R12
	LEAQ (R12)(R12*2), R8

lk4:
	VBROADCASTSD 0(BX), Y12
	VBROADCASTSD 8(BX), Y13
	VBROADCASTSD 16(BX), Y14
	VBROADCASTSD 24(BX), Y15
	MOVQ         R14, R15
	XORQ         CX, CX

lj:
	VMOVUPD (R15), Y0
	VMULPD  Y0, Y12, Y1
	VMOVUPD (R15)(R12*1), Y0
	VMULPD  Y0, Y13, Y2
	VADDPD  Y2, Y1, Y1
	VMOVUPD (R15)(R12*2), Y0
	VMULPD  Y0, Y14, Y2
	VADDPD  Y2, Y1, Y1
	VMOVUPD (R15)(R8*1), Y0
	VMULPD  Y0, Y15, Y2
	VADDPD  Y2, Y1, Y1
	VADDPD  (AX)(CX*1), Y1, Y1
	VMOVUPD Y1, (DI)(CX*1)
	ADDQ    $32, R15
	ADDQ    $32, CX
	CMPQ    CX, R12
	JLT     lj
	MOVQ    DI, AX
	ADDQ    $32, BX
	LEAQ    (R14)(R12*4), R14
	SUBQ    $4, R13
	JNZ     lk4

	// Activations: σ on i and f (2·hid values, a multiple of 8), tanh on
	// g, σ on o (eight at a time, then four).
	CONSTS4
	MOVQ DI, R15
	MOVQ hid+192(FP), CX
	SHRQ $2, CX

lsig:
	VMOVUPD (R15), Y0
	VMOVUPD 32(R15), Y5
	SIGMOID2(SI, R8)
	VMOVUPD Y0, (R15)
	VMOVUPD Y5, 32(R15)
	ADDQ    $64, R15
	DECQ    CX
	JNZ     lsig
	MOVQ    hid+192(FP), CX

ltanh:
	CMPQ    CX, $8
	JLT     ltanh1
	VMOVUPD (R15), Y13
	VMOVUPD 32(R15), Y15
	TANH2(SI, R8)
	VMOVUPD Y0, (R15)
	VMOVUPD Y5, 32(R15)
	ADDQ    $64, R15
	SUBQ    $8, CX
	JMP     ltanh

ltanh1:
	TESTQ   CX, CX
	JZ      lsigo
	VMOVUPD (R15), Y13
	TANH1(SI, R8)
	VMOVUPD Y0, (R15)
	ADDQ    $32, R15

lsigo:
	MOVQ hid+192(FP), CX

lsig2:
	CMPQ    CX, $8
	JLT     lsig21
	VMOVUPD (R15), Y0
	VMOVUPD 32(R15), Y5
	SIGMOID2(SI, R8)
	VMOVUPD Y0, (R15)
	VMOVUPD Y5, 32(R15)
	ADDQ    $64, R15
	SUBQ    $8, CX
	JMP     lsig2

lsig21:
	TESTQ   CX, CX
	JZ      lstart
	VMOVUPD (R15), Y0
	SIGMOID1(SI, R8)
	VMOVUPD Y0, (R15)

	// State: c = f·cPrev + i·g, h = tanh(c)·o, eight units at a time,
	// then four.
lstart:
	MOVQ DI, R15
	MOVQ hid+192(FP), R12
	MOVQ R12, CX
	SHLQ $3, R12
	LEAQ (R12)(R12*2), R13
	MOVQ cPrev_base+144(FP), R8
	MOVQ h_base+0(FP), R9
	MOVQ c_base+24(FP), R10
	MOVQ tc_base+48(FP), R11
	MOVQ tc_len+56(FP), BX

lstate:
	CMPQ    CX, $8
	JLT     lstate1
	VMOVUPD (R15)(R12*1), Y1
	VMULPD  (R8), Y1, Y1
	VMOVUPD (R15), Y2
	VMULPD  (R15)(R12*2), Y2, Y2
	VADDPD  Y2, Y1, Y13
	VMOVUPD 32(R15)(R12*1), Y6
	VMULPD  32(R8), Y6, Y6
	VMOVUPD 32(R15), Y7
	VMULPD  32(R15)(R12*2), Y7, Y7
	VADDPD  Y7, Y6, Y15
	VMOVUPD Y13, (R10)
	VMOVUPD Y15, 32(R10)
	TANH2(SI, R14)
	TESTQ   BX, BX
	JZ      lnotc
	VMOVUPD Y0, (R11)
	VMOVUPD Y5, 32(R11)
	ADDQ    $64, R11

lnotc:
	VMULPD  (R15)(R13*1), Y0, Y0
	VMULPD  32(R15)(R13*1), Y5, Y5
	VMOVUPD Y0, (R9)
	VMOVUPD Y5, 32(R9)
	ADDQ    $64, R15
	ADDQ    $64, R8
	ADDQ    $64, R9
	ADDQ    $64, R10
	SUBQ    $8, CX
	JMP     lstate

lstate1:
	TESTQ   CX, CX
	JZ      ldone
	VMOVUPD (R15)(R12*1), Y1
	VMULPD  (R8), Y1, Y1
	VMOVUPD (R15), Y2
	VMULPD  (R15)(R12*2), Y2, Y2
	VADDPD  Y2, Y1, Y13
	VMOVUPD Y13, (R10)
	TANH1(SI, R14)
	TESTQ   BX, BX
	JZ      lnotc1
	VMOVUPD Y0, (R11)

lnotc1:
	VMULPD  (R15)(R13*1), Y0, Y0
	VMOVUPD Y0, (R9)

ldone:
	VZEROUPPER
	RET

// func gluAVX2(y, x []float64, n, d int)
//
// gluAVX512 four columns at a time: y[r][j] = σ(x[r][d+j])·x[r][j] for n
// rows and the columns j < d&^3 (d ≥ 4), eight at a time, then four; the
// Go wrapper does the rest. y must not overlap x. DI → y row, SI → x row,
// R10 → its second half, R9 = d·8, R11 = (d&^3)·8, R8 rows left, CX the
// column offset, BX and R12 the table lookup's.
TEXT ·gluAVX2(SB), NOSPLIT, $0-64
	MOVQ  y_base+0(FP), DI
	MOVQ  x_base+24(FP), SI
	MOVQ  n+48(FP), R8
	MOVQ  d+56(FP), R9
	MOVQ  R9, R11
	ANDQ  $-4, R11
	SHLQ  $3, R9
	SHLQ  $3, R11
	TESTQ R8, R8
	JZ    gdone
	TESTQ R11, R11
	JZ    gdone
	CONSTS4

grow:
	LEAQ (SI)(R9*1), R10
	XORQ CX, CX

gcol:
	LEAQ    64(CX), R13
	CMPQ    R13, R11
	JGT     gcol1
	VMOVUPD (R10)(CX*1), Y0
	VMOVUPD 32(R10)(CX*1), Y5
	SIGMOID2(BX, R12)
	VMULPD  (SI)(CX*1), Y0, Y0
	VMULPD  32(SI)(CX*1), Y5, Y5
	VMOVUPD Y0, (DI)(CX*1)
	VMOVUPD Y5, 32(DI)(CX*1)
	MOVQ    R13, CX
	JMP     gcol

gcol1:
	CMPQ    CX, R11
	JGE     gnext
	VMOVUPD (R10)(CX*1), Y0
	SIGMOID1(BX, R12)
	VMULPD  (SI)(CX*1), Y0, Y0
	VMOVUPD Y0, (DI)(CX*1)

gnext:
	LEAQ (SI)(R9*2), SI
	ADDQ R9, DI
	DECQ R8
	JNZ  grow

gdone:
	VZEROUPPER
	RET

// func layerNormRowAVX2(y, x, g, b []float64, mu, rs float64)
//
// layerNormRowAVX512 four at a time: y[j] = ((x[j] − mu)·rs)·g[j] + b[j]
// for the first len(y)&^3 columns; y may be x.
TEXT ·layerNormRowAVX2(SB), NOSPLIT, $0-112
	MOVQ         y_base+0(FP), DI
	MOVQ         y_len+8(FP), CX
	MOVQ         x_base+24(FP), SI
	MOVQ         g_base+48(FP), R8
	MOVQ         b_base+72(FP), R9
	VBROADCASTSD mu+96(FP), Y1
	VBROADCASTSD rs+104(FP), Y2
	SHRQ         $2, CX
	JZ           ldone

lrow:
	VMOVUPD (SI), Y0
	VSUBPD  Y1, Y0, Y0
	VMULPD  Y2, Y0, Y0
	VMULPD  (R8), Y0, Y0
	VADDPD  (R9), Y0, Y0
	VMOVUPD Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, R8
	ADDQ    $32, R9
	DECQ    CX
	JNZ     lrow

ldone:
	VZEROUPPER
	RET

// func expAVX2(y, x []float64) int
//
// y[i] = expCore(x[i]) from the start of x, eight at a time, then four,
// while all of them lie in (−700, 700) (Exp's own range test: NaN is
// outside); it stops at the first block of four with a value outside, or
// at len(x)&^3, and returns the number of values done. y may be x.
// Registers: BX the index, CX blocks of four left, Y13 = −700, Y15 = 700,
// Y10–Y12 and Y14 the range test's, R9 and R10 the table lookup's.
TEXT ·expAVX2(SB), NOSPLIT, $0-56
	MOVQ    y_base+0(FP), DI
	MOVQ    x_base+24(FP), SI
	MOVQ    x_len+32(FP), CX
	SHRQ    $2, CX
	XORQ    BX, BX
	TESTQ   CX, CX
	JZ      xdone
	LEAQ    ·vecConsts(SB), AX
	LEAQ    ·expTable(SB), DX
	VMOVUPD C_N700(AX), Y13
	VMOVUPD C_700(AX), Y15

xpair:
	CMPQ      CX, $2
	JLT       xone
	VMOVUPD   (SI)(BX*8), Y0
	VMOVUPD   32(SI)(BX*8), Y5
	VCMPPD    $0x1e, Y13, Y0, Y10
	VCMPPD    $0x11, Y15, Y0, Y11
	VCMPPD    $0x1e, Y13, Y5, Y12
	VCMPPD    $0x11, Y15, Y5, Y14
	VANDPD    Y11, Y10, Y10
	VANDPD    Y14, Y12, Y12
	VANDPD    Y12, Y10, Y10
	VMOVMSKPD Y10, R8
	CMPQ      R8, $15
	JNE       xone
	EXP2(R9, R10)
	VMOVUPD   Y0, (DI)(BX*8)
	VMOVUPD   Y5, 32(DI)(BX*8)
	ADDQ      $8, BX
	SUBQ      $2, CX
	JMP       xpair

xone:
	TESTQ     CX, CX
	JZ        xdone
	VMOVUPD   (SI)(BX*8), Y0
	VCMPPD    $0x1e, Y13, Y0, Y10
	VCMPPD    $0x11, Y15, Y0, Y11
	VANDPD    Y11, Y10, Y10
	VMOVMSKPD Y10, R8
	CMPQ      R8, $15
	JNE       xdone
	EXP1(R9, R10)
	VMOVUPD   Y0, (DI)(BX*8)
	ADDQ      $4, BX
	DECQ      CX
	JMP       xpair

xdone:
	MOVQ BX, ret+48(FP)
	VZEROUPPER
	RET
