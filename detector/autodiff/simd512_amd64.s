//go:build amd64 && !purego

#include "textflag.h"
#include "simd_amd64.h"

// AVX-512 versions of the AVX2 kernels of simd_amd64.s: the same
// operations in the same order, eight float64 columns at a time instead of
// four, so the results are the same bits as the AVX2 kernels' and the Go
// loops'. Constants come from vecConsts with embedded broadcasts (.BCST
// reads one float64 and fills the eight lanes); lane masks live in K
// registers instead of vector registers.

// func matMulAccAVX512(y []float64, ys int, x []float64, xs int, w []float64, n, in, out int)
//
// matMulAccAVX2 eight columns at a time (MATMULACC in simd_amd64.h): the
// same sums in the same order for every column. out must be a positive
// multiple of 8.
TEXT ·matMulAccAVX512(SB), NOSPLIT, $0-112
	MATMULACC(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z12, Z13, 64)

// EXP8 is EXP4 of simd_amd64.s for the eight (already clamped) exponents
// in Z0, left in Z9. AX → vecConsts, DX → expTable. Clobbers Z1–Z8, K2.
#define EXP8 \
	VMULPD.BCST C_INVLN2N(AX), Z0, Z1; \
	VADDPD.BCST C_SHIFTER(AX), Z1, Z1; \
	VPSUBQ.BCST C_SHIFTER(AX), Z1, Z2; \
	VSUBPD.BCST C_SHIFTER(AX), Z1, Z3; \
	VMULPD.BCST C_LN2HI(AX), Z3, Z4; \
	VSUBPD      Z4, Z0, Z4; \
	VMULPD.BCST C_LN2LO(AX), Z3, Z5; \
	VSUBPD      Z5, Z4, Z4; \
	VMULPD.BCST C_I120(AX), Z4, Z5; \
	VADDPD.BCST C_I24(AX), Z5, Z5; \
	VMULPD      Z4, Z5, Z5; \
	VADDPD.BCST C_I6(AX), Z5, Z5; \
	VMULPD      Z4, Z5, Z5; \
	VADDPD.BCST C_HALF(AX), Z5, Z5; \
	VMULPD      Z4, Z5, Z5; \
	VADDPD.BCST C_ONE(AX), Z5, Z5; \
	VMULPD      Z4, Z5, Z5; \
	VPANDQ.BCST C_IDX(AX), Z2, Z6; \
	KXNORW      K2, K2, K2; \
	VGATHERQPD  (DX)(Z6*8), K2, Z7; \
	VPSLLQ      $46, Z2, Z2; \
	VPANDQ.BCST C_HIMASK(AX), Z2, Z2; \
	VPADDQ      Z2, Z7, Z7; \
	VMULPD      Z5, Z7, Z9; \
	VADDPD      Z7, Z9, Z9

// CONSTS8 loads what SIGMOID8 and TANH8 need: AX → vecConsts, DX →
// expTable, Z10 = 1, Z11 = 700, Z12 = −700 (TANH8 needs Z14 = 2 too).
#define CONSTS8 \
	LEAQ         ·vecConsts(SB), AX; \
	LEAQ         ·expTable(SB), DX; \
	VBROADCASTSD C_ONE(AX), Z10; \
	VBROADCASTSD C_700(AX), Z11; \
	VBROADCASTSD C_N700(AX), Z12

// SIGMOID8 sets Z9 = 1/(1 + e^t), t = −Z0 clamped to ±700 (sigmoidAVX2's
// lanes). Needs Z10 = 1, Z11 = 700, Z12 = −700; clobbers Z0–Z8, K2.
#define SIGMOID8 \
	VPXORQ.BCST C_SIGN(AX), Z0, Z0; \
	VMINPD      Z0, Z11, Z0; \
	VMAXPD      Z0, Z12, Z0; \
	EXP8; \
	VADDPD      Z10, Z9, Z9; \
	VDIVPD      Z9, Z10, Z9

// TANH8 sets Z9 = tanh(Z13) as tanhAVX2 computes it. Needs Z10 = 1,
// Z11 = 700, Z12 = −700, Z14 = 2; clobbers Z0–Z8, K1, K2.
#define TANH8 \
	VMULPD.BCST C_NEG2(AX), Z13, Z0; \
	VMINPD      Z0, Z11, Z0; \
	VMAXPD      Z0, Z12, Z0; \
	EXP8; \
	VADDPD      Z10, Z9, Z9; \
	VDIVPD      Z9, Z14, Z9; \
	VSUBPD      Z10, Z9, Z9; \
	VMULPD      Z13, Z13, Z1; \
	VMULPD.BCST C_T17(AX), Z1, Z2; \
	VADDPD.BCST C_T215(AX), Z2, Z2; \
	VMULPD      Z1, Z2, Z2; \
	VADDPD.BCST C_TTHIRD(AX), Z2, Z2; \
	VMULPD      Z1, Z2, Z2; \
	VADDPD      Z10, Z2, Z2; \
	VMULPD      Z13, Z2, Z2; \
	VPANDQ.BCST C_ABS(AX), Z13, Z3; \
	VCMPPD.BCST $1, C_TANHSMALL(AX), Z3, K1; \
	VBLENDMPD   Z2, Z9, K1, Z9

// func sigmoidAVX512(y, x []float64)
//
// sigmoidAVX2 for the first len(x)&^7 elements.
TEXT ·sigmoidAVX512(SB), NOSPLIT, $0-48
	MOVQ         y_base+0(FP), DI
	MOVQ         x_base+24(FP), SI
	MOVQ         x_len+32(FP), CX
	SHRQ         $3, CX
	JZ           sdone
	CONSTS8

sloop:
	VMOVUPD (SI), Z0
	SIGMOID8
	VMOVUPD Z9, (DI)
	ADDQ        $64, SI
	ADDQ        $64, DI
	DECQ        CX
	JNZ         sloop

sdone:
	VZEROUPPER
	RET

// func tanhAVX512(y, x []float64)
//
// tanhAVX2 for the first len(x)&^7 elements.
TEXT ·tanhAVX512(SB), NOSPLIT, $0-48
	MOVQ         y_base+0(FP), DI
	MOVQ         x_base+24(FP), SI
	MOVQ         x_len+32(FP), CX
	SHRQ         $3, CX
	JZ           tdone
	CONSTS8
	VBROADCASTSD C_TWO(AX), Z14

tloop:
	VMOVUPD (SI), Z13
	TANH8
	VMOVUPD Z9, (DI)
	ADDQ        $64, SI
	ADDQ        $64, DI
	DECQ        CX
	JNZ         tloop

tdone:
	VZEROUPPER
	RET

// func eluAVX512(y, x []float64)
//
// eluAVX2 for the first len(x)&^7 elements; K1 holds the lanes whose
// sign bit is set.
TEXT ·eluAVX512(SB), NOSPLIT, $0-48
	MOVQ         y_base+0(FP), DI
	MOVQ         x_base+24(FP), SI
	MOVQ         x_len+32(FP), CX
	SHRQ         $3, CX
	JZ           edone
	LEAQ         ·vecConsts(SB), AX
	LEAQ         ·expTable(SB), DX
	VBROADCASTSD C_ONE(AX), Z10
	VBROADCASTSD C_N700(AX), Z12
	VBROADCASTSD C_MINUS1(AX), Z14

eloop:
	VMOVUPD       (SI), Z13
	VPTESTMQ.BCST C_SIGN(AX), Z13, K1
	VBLENDMPD     Z13, Z14, K1, Z0
	VMAXPD        Z0, Z12, Z0
	EXP8
	VSUBPD        Z10, Z9, Z9
	VMULPD.BCST   C_I5040(AX), Z0, Z1
	VADDPD.BCST   C_I720(AX), Z1, Z1
	VMULPD        Z0, Z1, Z1
	VADDPD.BCST   C_I120(AX), Z1, Z1
	VMULPD        Z0, Z1, Z1
	VADDPD.BCST   C_I24(AX), Z1, Z1
	VMULPD        Z0, Z1, Z1
	VADDPD.BCST   C_I6(AX), Z1, Z1
	VMULPD        Z0, Z1, Z1
	VADDPD.BCST   C_HALF(AX), Z1, Z1
	VMULPD        Z0, Z1, Z1
	VADDPD        Z10, Z1, Z1
	VMULPD        Z0, Z1, Z1
	VCMPPD.BCST   $14, C_ELUSMALL(AX), Z0, K3
	VBLENDMPD     Z1, Z9, K3, Z9
	VBLENDMPD     Z9, Z13, K1, Z9
	VMOVUPD       Z9, (DI)
	ADDQ          $64, SI
	ADDQ          $64, DI
	DECQ          CX
	JNZ           eloop

edone:
	VZEROUPPER
	RET

// func lstmStepAVX512(h, c, tc, gates, gx, hPrev, cPrev, whh []float64, hid int)
//
// One row of LSTMStep, hid a positive multiple of 8: gates = gx + hPrev·whh
// summed as matMulAcc sums a row (for each block of four k, t = x₀w₀ +
// x₁w₁ + x₂w₂ + x₃w₃ left to right, then y += t; the first block adds t to
// gx instead of to a copy of it), σ on the input, forget and output gates
// and tanh on the cell gate, c = f·cPrev + i·g, tc = tanh(c) when tc is not
// empty, h = tanh(c)·o — LSTMStep's operations, in its order.
//
// Registers in the product: DI → gates, SI → gx, BX → hPrev[k], R14 →
// whh[k], R12 = 4·hid·8 (a whh row), R8 = 3·R12, R13 k left, R15 →
// whh[k][j], CX = j·8, AX → the block's y (gx, then gates). In the
// activations AX → vecConsts, DX → expTable, R15 → the gate, CX counts.
// In the state update R15 → gates (i), R12 = hid·8, R13 = 3·hid·8, R8 →
// cPrev, R9 → h, R10 → c, R11 → tc, BX = len(tc), CX counts.
TEXT ·lstmStepAVX512(SB), NOSPLIT, $0-200
	MOVQ gates_base+72(FP), DI
	MOVQ gx_base+96(FP), SI
	MOVQ hPrev_base+120(FP), BX
	MOVQ whh_base+168(FP), R14
	MOVQ hid+192(FP), R13
	MOVQ R13, R12
	SHLQ $5, R12
	LEAQ (R12)(R12*2), R8
	MOVQ SI, AX

lk4:
	VBROADCASTSD 0(BX), Z16
	VBROADCASTSD 8(BX), Z17
	VBROADCASTSD 16(BX), Z18
	VBROADCASTSD 24(BX), Z19
	MOVQ         R14, R15
	XORQ         CX, CX

lj:
	VMOVUPD (R15), Z20
	VMULPD  Z20, Z16, Z21
	VMOVUPD (R15)(R12*1), Z20
	VMULPD  Z20, Z17, Z22
	VADDPD  Z22, Z21, Z21
	VMOVUPD (R15)(R12*2), Z20
	VMULPD  Z20, Z18, Z22
	VADDPD  Z22, Z21, Z21
	VMOVUPD (R15)(R8*1), Z20
	VMULPD  Z20, Z19, Z22
	VADDPD  Z22, Z21, Z21
	VADDPD  (AX)(CX*1), Z21, Z21
	VMOVUPD Z21, (DI)(CX*1)
	ADDQ    $64, R15
	ADDQ    $64, CX
	CMPQ    CX, R12
	JLT     lj
	MOVQ    DI, AX
	ADDQ    $32, BX
	LEAQ    (R14)(R12*4), R14
	SUBQ    $4, R13
	JNZ     lk4

	// Activations: σ on i and f (2·hid values), tanh on g, σ on o.
	CONSTS8
	VBROADCASTSD C_TWO(AX), Z14
	MOVQ         DI, R15
	MOVQ         hid+192(FP), CX
	SHRQ         $2, CX

lsig:
	VMOVUPD (R15), Z0
	SIGMOID8
	VMOVUPD Z9, (R15)
	ADDQ    $64, R15
	DECQ    CX
	JNZ     lsig
	MOVQ    hid+192(FP), CX
	SHRQ    $3, CX

ltanh:
	VMOVUPD (R15), Z13
	TANH8
	VMOVUPD Z9, (R15)
	ADDQ    $64, R15
	DECQ    CX
	JNZ     ltanh
	MOVQ    hid+192(FP), CX
	SHRQ    $3, CX

lsig2:
	VMOVUPD (R15), Z0
	SIGMOID8
	VMOVUPD Z9, (R15)
	ADDQ    $64, R15
	DECQ    CX
	JNZ     lsig2

	// State: c = f·cPrev + i·g, h = tanh(c)·o.
	MOVQ DI, R15
	MOVQ hid+192(FP), R12
	MOVQ R12, CX
	SHRQ $3, CX
	SHLQ $3, R12
	LEAQ (R12)(R12*2), R13
	MOVQ cPrev_base+144(FP), R8
	MOVQ h_base+0(FP), R9
	MOVQ c_base+24(FP), R10
	MOVQ tc_base+48(FP), R11
	MOVQ tc_len+56(FP), BX

lstate:
	VMOVUPD (R15)(R12*1), Z20
	VMULPD  (R8), Z20, Z20
	VMOVUPD (R15), Z21
	VMULPD  (R15)(R12*2), Z21, Z21
	VADDPD  Z21, Z20, Z13
	VMOVUPD Z13, (R10)
	TANH8
	TESTQ   BX, BX
	JZ      lnotc
	VMOVUPD Z9, (R11)
	ADDQ    $64, R11

lnotc:
	VMULPD  (R15)(R13*1), Z9, Z9
	VMOVUPD Z9, (R9)
	ADDQ    $64, R15
	ADDQ    $64, R8
	ADDQ    $64, R9
	ADDQ    $64, R10
	DECQ    CX
	JNZ     lstate
	VZEROUPPER
	RET

// func gluAVX512(y, x []float64, n, d int)
//
// GLUForward: y[r][j] = σ(x[r][d+j])·x[r][j] for n rows, d a positive
// multiple of 8 (SigmoidSlice's value, then the product). y must not
// overlap x. DI → y row, SI → x row, R10 → its second half, R9 = d·8,
// R8 rows left, CX the column offset.
TEXT ·gluAVX512(SB), NOSPLIT, $0-64
	MOVQ         y_base+0(FP), DI
	MOVQ         x_base+24(FP), SI
	MOVQ         n+48(FP), R8
	MOVQ         d+56(FP), R9
	SHLQ         $3, R9
	TESTQ        R8, R8
	JZ           gdone
	CONSTS8

grow:
	LEAQ (SI)(R9*1), R10
	XORQ CX, CX

gcol:
	VMOVUPD (R10)(CX*1), Z0
	SIGMOID8
	VMULPD  (SI)(CX*1), Z9, Z9
	VMOVUPD Z9, (DI)(CX*1)
	ADDQ    $64, CX
	CMPQ    CX, R9
	JLT     gcol
	LEAQ    (SI)(R9*2), SI
	ADDQ    R9, DI
	DECQ    R8
	JNZ     grow

gdone:
	VZEROUPPER
	RET

// func layerNormRowAVX512(y, x, g, b []float64, mu, rs float64)
//
// layerNormRow's last step: y[j] = ((x[j] − mu)·rs)·g[j] + b[j], len(y) a
// positive multiple of 8; y may be x.
TEXT ·layerNormRowAVX512(SB), NOSPLIT, $0-112
	MOVQ         y_base+0(FP), DI
	MOVQ         y_len+8(FP), CX
	MOVQ         x_base+24(FP), SI
	MOVQ         g_base+48(FP), R8
	MOVQ         b_base+72(FP), R9
	VBROADCASTSD mu+96(FP), Z1
	VBROADCASTSD rs+104(FP), Z2
	SHRQ         $3, CX
	JZ           ldone

lrow:
	VMOVUPD (SI), Z0
	VSUBPD  Z1, Z0, Z0
	VMULPD  Z2, Z0, Z0
	VMULPD  (R8), Z0, Z0
	VADDPD  (R9), Z0, Z0
	VMOVUPD Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	ADDQ    $64, R8
	ADDQ    $64, R9
	DECQ    CX
	JNZ     lrow

ldone:
	VZEROUPPER
	RET

// func matTMulAccAVX512(dw, x []float64, xs int, dy []float64, ys int, n, in, out, cols int)
//
// matTMulAccAVX2 eight columns at a time (MATTMULACC in simd_amd64.h):
// every element of dw summed as before. cols must be a positive multiple
// of 8, n and in positive.
TEXT ·matTMulAccAVX512(SB), NOSPLIT, $0-120
	MATTMULACC(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, 64, 8)

// func matMulTAccAVX512(dx []float64, xs int, dy []float64, ys int, wt []float64, n, in, out, cols int)
//
// matMulTAccAVX2 eight lanes (k) at a time and four rows at once: for the
// columns 0 ≤ k < cols of dx (cols a positive multiple of 8, n and out
// positive), from wt = Wᵀ [out × in], each lane sums s = 0, s +=
// dy[r][j]·wt[j][k] for j in order, then dx[r][k] += s — the scalar dot
// product's order. Four rows share each loaded row of wt and give the
// processor eight independent sums; the rows left over go one at a time.
// Blocks of sixteen k, then eight.
//
// Registers: DI → dx[r], SI → dy[r], DX → wt, R8 xs·8, R9 ys·8, R10 in·8,
// R11 3·ys·8, CX rows left; BX k·8, R13 bytes of k left; per block AX →
// wt[j][k], R14 → dy[r][j], R15 j left, R12 → dx[r+i][k] when adding.
// Z0–Z7 the sums (two per row), Z16, Z17 the loaded wt, Z20, Z21 products.
TEXT ·matMulTAccAVX512(SB), NOSPLIT, $0-120
	MOVQ dx_base+0(FP), DI
	MOVQ xs+24(FP), R8
	SHLQ $3, R8
	MOVQ dy_base+32(FP), SI
	MOVQ ys+56(FP), R9
	SHLQ $3, R9
	LEAQ (R9)(R9*2), R11
	MOVQ wt_base+64(FP), DX
	MOVQ in+96(FP), R10
	SHLQ $3, R10
	MOVQ n+88(FP), CX

q4:
	CMPQ CX, $4
	JLT  q1
	MOVQ cols+112(FP), R13
	SHLQ $3, R13
	XORQ BX, BX

q16:
	CMPQ   R13, $128
	JLT    q8
	LEAQ   (DX)(BX*1), AX
	MOVQ   SI, R14
	MOVQ   out+104(FP), R15
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	VPXORQ Z4, Z4, Z4
	VPXORQ Z5, Z5, Z5
	VPXORQ Z6, Z6, Z6
	VPXORQ Z7, Z7, Z7

q16j:
	VMOVUPD     0(AX), Z16
	VMOVUPD     64(AX), Z17
	VMULPD.BCST (R14), Z16, Z20
	VADDPD      Z20, Z0, Z0
	VMULPD.BCST (R14), Z17, Z21
	VADDPD      Z21, Z1, Z1
	VMULPD.BCST (R14)(R9*1), Z16, Z20
	VADDPD      Z20, Z2, Z2
	VMULPD.BCST (R14)(R9*1), Z17, Z21
	VADDPD      Z21, Z3, Z3
	VMULPD.BCST (R14)(R9*2), Z16, Z20
	VADDPD      Z20, Z4, Z4
	VMULPD.BCST (R14)(R9*2), Z17, Z21
	VADDPD      Z21, Z5, Z5
	VMULPD.BCST (R14)(R11*1), Z16, Z20
	VADDPD      Z20, Z6, Z6
	VMULPD.BCST (R14)(R11*1), Z17, Z21
	VADDPD      Z21, Z7, Z7
	ADDQ        $8, R14
	ADDQ        R10, AX
	DECQ        R15
	JNZ         q16j
	LEAQ        (DI)(BX*1), R12
	VADDPD      0(R12), Z0, Z0
	VMOVUPD     Z0, 0(R12)
	VADDPD      64(R12), Z1, Z1
	VMOVUPD     Z1, 64(R12)
	VADDPD      0(R12)(R8*1), Z2, Z2
	VMOVUPD     Z2, 0(R12)(R8*1)
	VADDPD      64(R12)(R8*1), Z3, Z3
	VMOVUPD     Z3, 64(R12)(R8*1)
	LEAQ        (R12)(R8*2), R12
	VADDPD      0(R12), Z4, Z4
	VMOVUPD     Z4, 0(R12)
	VADDPD      64(R12), Z5, Z5
	VMOVUPD     Z5, 64(R12)
	VADDPD      0(R12)(R8*1), Z6, Z6
	VMOVUPD     Z6, 0(R12)(R8*1)
	VADDPD      64(R12)(R8*1), Z7, Z7
	VMOVUPD     Z7, 64(R12)(R8*1)
	ADDQ        $128, BX
	SUBQ        $128, R13
	JMP         q16

q8:
	CMPQ   R13, $64
	JLT    q4next
	LEAQ   (DX)(BX*1), AX
	MOVQ   SI, R14
	MOVQ   out+104(FP), R15
	VPXORQ Z0, Z0, Z0
	VPXORQ Z2, Z2, Z2
	VPXORQ Z4, Z4, Z4
	VPXORQ Z6, Z6, Z6

q8j:
	VMOVUPD     0(AX), Z16
	VMULPD.BCST (R14), Z16, Z20
	VADDPD      Z20, Z0, Z0
	VMULPD.BCST (R14)(R9*1), Z16, Z21
	VADDPD      Z21, Z2, Z2
	VMULPD.BCST (R14)(R9*2), Z16, Z20
	VADDPD      Z20, Z4, Z4
	VMULPD.BCST (R14)(R11*1), Z16, Z21
	VADDPD      Z21, Z6, Z6
	ADDQ        $8, R14
	ADDQ        R10, AX
	DECQ        R15
	JNZ         q8j
	LEAQ        (DI)(BX*1), R12
	VADDPD      0(R12), Z0, Z0
	VMOVUPD     Z0, 0(R12)
	VADDPD      0(R12)(R8*1), Z2, Z2
	VMOVUPD     Z2, 0(R12)(R8*1)
	LEAQ        (R12)(R8*2), R12
	VADDPD      0(R12), Z4, Z4
	VMOVUPD     Z4, 0(R12)
	VADDPD      0(R12)(R8*1), Z6, Z6
	VMOVUPD     Z6, 0(R12)(R8*1)
	ADDQ        $64, BX
	SUBQ        $64, R13
	JMP         q8

q4next:
	LEAQ (DI)(R8*4), DI
	LEAQ (SI)(R9*4), SI
	SUBQ $4, CX
	JMP  q4

q1:
	TESTQ CX, CX
	JZ    qdone
	MOVQ  cols+112(FP), R13
	SHLQ  $3, R13
	XORQ  BX, BX

s16:
	CMPQ   R13, $128
	JLT    s8
	LEAQ   (DX)(BX*1), AX
	MOVQ   SI, R14
	MOVQ   out+104(FP), R15
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1

s16j:
	VMOVUPD     0(AX), Z16
	VMOVUPD     64(AX), Z17
	VMULPD.BCST (R14), Z16, Z20
	VADDPD      Z20, Z0, Z0
	VMULPD.BCST (R14), Z17, Z21
	VADDPD      Z21, Z1, Z1
	ADDQ        $8, R14
	ADDQ        R10, AX
	DECQ        R15
	JNZ         s16j
	VADDPD      0(DI)(BX*1), Z0, Z0
	VMOVUPD     Z0, 0(DI)(BX*1)
	VADDPD      64(DI)(BX*1), Z1, Z1
	VMOVUPD     Z1, 64(DI)(BX*1)
	ADDQ        $128, BX
	SUBQ        $128, R13
	JMP         s16

s8:
	CMPQ   R13, $64
	JLT    s1next
	LEAQ   (DX)(BX*1), AX
	MOVQ   SI, R14
	MOVQ   out+104(FP), R15
	VPXORQ Z0, Z0, Z0

s8j:
	VMOVUPD     0(AX), Z16
	VMULPD.BCST (R14), Z16, Z20
	VADDPD      Z20, Z0, Z0
	ADDQ        $8, R14
	ADDQ        R10, AX
	DECQ        R15
	JNZ         s8j
	VADDPD      0(DI)(BX*1), Z0, Z0
	VMOVUPD     Z0, 0(DI)(BX*1)
	ADDQ        $64, BX
	SUBQ        $64, R13
	JMP         s8

s1next:
	ADDQ R8, DI
	ADDQ R9, SI
	DECQ CX
	JMP  q1

qdone:
	VZEROUPPER
	RET

// func addAVX512(y, x []float64)
//
// addAVX2 eight at a time: y[i] += x[i] for the first len(x)&^7 elements.
TEXT ·addAVX512(SB), NOSPLIT, $0-48
	MOVQ y_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	SHRQ $3, CX
	JZ   adone

aloop:
	VMOVUPD (DI), Z0
	VADDPD  (SI), Z0, Z0
	VMOVUPD Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     aloop

adone:
	VZEROUPPER
	RET

// func gluBackwardAVX512(da, db, g, a, s []float64)
//
// gluBackwardAVX2 eight at a time: da[j] += g[j]·s[j] and db[j] +=
// ((g[j]·a[j])·s[j])·(1 − s[j]) for the first len(g)&^7 elements.
TEXT ·gluBackwardAVX512(SB), NOSPLIT, $0-120
	MOVQ         da_base+0(FP), DI
	MOVQ         db_base+24(FP), DX
	MOVQ         g_base+48(FP), SI
	MOVQ         g_len+56(FP), CX
	MOVQ         a_base+72(FP), BX
	MOVQ         s_base+96(FP), R8
	SHRQ         $3, CX
	JZ           gbdone
	LEAQ         ·vecConsts(SB), AX
	VBROADCASTSD C_ONE(AX), Z10

gbloop:
	VMOVUPD (SI), Z0
	VMOVUPD (R8), Z1
	VMULPD  Z1, Z0, Z3
	VADDPD  (DI), Z3, Z3
	VMOVUPD Z3, (DI)
	VMULPD  (BX), Z0, Z4
	VMULPD  Z1, Z4, Z4
	VSUBPD  Z1, Z10, Z5
	VMULPD  Z5, Z4, Z4
	VADDPD  (DX), Z4, Z4
	VMOVUPD Z4, (DX)
	ADDQ    $64, SI
	ADDQ    $64, R8
	ADDQ    $64, BX
	ADDQ    $64, DI
	ADDQ    $64, DX
	DECQ    CX
	JNZ     gbloop

gbdone:
	VZEROUPPER
	RET

// func eluBackwardAVX512(dx, dy, x, y []float64)
//
// eluBackwardAVX2 eight at a time: dx[i] += dy[i] where x[i] > 0 (K1) and
// dx[i] += dy[i]·(y[i] + 1) elsewhere, NaN included, for the first
// len(x)&^7 elements.
TEXT ·eluBackwardAVX512(SB), NOSPLIT, $0-96
	MOVQ         dx_base+0(FP), DI
	MOVQ         dy_base+24(FP), SI
	MOVQ         x_base+48(FP), BX
	MOVQ         x_len+56(FP), CX
	MOVQ         y_base+72(FP), DX
	SHRQ         $3, CX
	JZ           ebdone
	LEAQ         ·vecConsts(SB), AX
	VBROADCASTSD C_ONE(AX), Z10
	VPXORQ       Z11, Z11, Z11

ebloop:
	VMOVUPD   (SI), Z0
	VADDPD    (DX), Z10, Z1
	VMULPD    Z1, Z0, Z1
	VMOVUPD   (BX), Z3
	VCMPPD    $0x1e, Z11, Z3, K1
	VBLENDMPD Z0, Z1, K1, Z1
	VADDPD    (DI), Z1, Z1
	VMOVUPD   Z1, (DI)
	ADDQ      $64, SI
	ADDQ      $64, DX
	ADDQ      $64, BX
	ADDQ      $64, DI
	DECQ      CX
	JNZ       ebloop

ebdone:
	VZEROUPPER
	RET

// func lstmGateGradsAVX512(dg, dcn, dhn, g, tc, dh, dc, cp []float64, b, hid int)
//
// lstmGateGrads eight units at a time (hid a positive multiple of 8, b
// positive): for each of the b rows, dh = dh + dhn, dc = (dc + dcn) +
// (dh·o)·(1 − tc·tc), the gate gradients dg = [((dc·g)·i)·(1 − i) |
// ((dc·cp)·f)·(1 − f) | (dc·i)·(1 − g·g) | ((dh·tc)·o)·(1 − o)] and dcn =
// dc·f — the Go loop's operations in its order.
//
// Registers: SI → the row's gates, DI → its gate gradients, R14 = hid·8,
// DX = 3·hid·8, CX the unit offset within the row, R15 → gates[j], AX →
// dg[j]; R8 → tc, R9 → dh, R10 → dhn, R11 → dc, R12 → dcn, R13 → cp (one
// position k = r·hid + j for all six); BX rows left; Z31 = 1.
TEXT ·lstmGateGradsAVX512(SB), NOSPLIT, $0-208
	MOVQ         dg_base+0(FP), DI
	MOVQ         dcn_base+24(FP), R12
	MOVQ         dhn_base+48(FP), R10
	MOVQ         g_base+72(FP), SI
	MOVQ         tc_base+96(FP), R8
	MOVQ         dh_base+120(FP), R9
	MOVQ         dc_base+144(FP), R11
	MOVQ         cp_base+168(FP), R13
	MOVQ         b+192(FP), BX
	MOVQ         hid+200(FP), R14
	SHLQ         $3, R14
	LEAQ         (R14)(R14*2), DX
	LEAQ         ·vecConsts(SB), AX
	VBROADCASTSD C_ONE(AX), Z31

lgrow:
	XORQ CX, CX

lgj:
	LEAQ    (SI)(CX*1), R15
	LEAQ    (DI)(CX*1), AX
	VMOVUPD (R15), Z0
	VMOVUPD (R15)(R14*1), Z1
	VMOVUPD (R15)(R14*2), Z2
	VMOVUPD (R15)(DX*1), Z3
	VMOVUPD (R8), Z4
	VMOVUPD (R9), Z5
	VADDPD  (R10), Z5, Z5
	VMULPD  Z4, Z4, Z6
	VSUBPD  Z6, Z31, Z6
	VMULPD  Z3, Z5, Z7
	VMULPD  Z6, Z7, Z7
	VMOVUPD (R11), Z8
	VADDPD  (R12), Z8, Z8
	VADDPD  Z7, Z8, Z8
	VMULPD  Z2, Z8, Z9
	VMULPD  Z0, Z9, Z9
	VSUBPD  Z0, Z31, Z10
	VMULPD  Z10, Z9, Z9
	VMOVUPD Z9, (AX)
	VMULPD  (R13), Z8, Z9
	VMULPD  Z1, Z9, Z9
	VSUBPD  Z1, Z31, Z10
	VMULPD  Z10, Z9, Z9
	VMOVUPD Z9, (AX)(R14*1)
	VMULPD  Z0, Z8, Z9
	VMULPD  Z2, Z2, Z10
	VSUBPD  Z10, Z31, Z10
	VMULPD  Z10, Z9, Z9
	VMOVUPD Z9, (AX)(R14*2)
	VMULPD  Z4, Z5, Z9
	VMULPD  Z3, Z9, Z9
	VSUBPD  Z3, Z31, Z10
	VMULPD  Z10, Z9, Z9
	VMOVUPD Z9, (AX)(DX*1)
	VMULPD  Z1, Z8, Z9
	VMOVUPD Z9, (R12)
	ADDQ    $64, R8
	ADDQ    $64, R9
	ADDQ    $64, R10
	ADDQ    $64, R11
	ADDQ    $64, R12
	ADDQ    $64, R13
	ADDQ    $64, CX
	CMPQ    CX, R14
	JLT     lgj
	LEAQ    (SI)(R14*4), SI
	LEAQ    (DI)(R14*4), DI
	DECQ    BX
	JNZ     lgrow
	VZEROUPPER
	RET

// func addRowsAVX512(y, x []float64, xs, n int)
//
// y[j] += x[r][j] for the rows r = 0 … n−1 of x (stride xs) in order,
// for the first len(y)&^7 columns, n positive: each block of eight
// columns of y stays in a register while the rows are added, the same
// adds in the same order as a row at a time. DI → y[j], SI → x[0][j],
// R8 = xs·8, CX column blocks left, BX rows left, DX → x[r][j].
TEXT ·addRowsAVX512(SB), NOSPLIT, $0-64
	MOVQ y_base+0(FP), DI
	MOVQ y_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	MOVQ xs+48(FP), R8
	SHLQ $3, R8
	SHRQ $3, CX
	JZ   ardone

arcol:
	VMOVUPD (DI), Z0
	MOVQ    SI, DX
	MOVQ    n+56(FP), BX

arrow:
	VADDPD (DX), Z0, Z0
	ADDQ   R8, DX
	DECQ   BX
	JNZ    arrow
	VMOVUPD Z0, (DI)
	ADDQ    $64, DI
	ADDQ    $64, SI
	DECQ    CX
	JNZ     arcol

ardone:
	VZEROUPPER
	RET
